"""Discussion pages: post a comment or an answer, report one, hide or restore it, and the moderators' list.

Threads themselves are drawn on each item's page by the `comments_for` template tag
(community/templatetags/community.py); these views take its forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.lookups import or_404
from dx_platform.organizations import permissions

from ..forms.discussion import CommentForm, ReasonForm
from ..models import Comment
from ..selectors import discussion as selectors
from ..services import discussion as services

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def _comment(request: AuthenticatedRequest, pk: int) -> Comment:
    return or_404(selectors.comment_for(user=request.user, pk=pk), _("No such comment among those you may read."))


def _back(request: AuthenticatedRequest, given: str, comment: Comment) -> str:
    """Where the comment's form was (its page and query), else the target's page, at the comment.

    Only a path of this site: anything else (even a relative "page") is not followed, and would have been
    taken by redirect() for the name of a view.
    """
    page = given if given.startswith("/") and url_has_allowed_host_and_scheme(given, {request.get_host()}) else ""
    return f"{page.split('#')[0]}#comment-{comment.pk}" if page else selectors.comment_url(comment)


@login_required
@require_POST
def comment_post(request: AuthenticatedRequest) -> HttpResponse:
    form = CommentForm(request.POST)
    target = None
    if form.is_valid():
        data = form.cleaned_data
        target = or_404(
            selectors.target_for(user=request.user, kind=data["target"], pk=data["target_id"]),
            _("No such item among those you may read."),
        )
        parent = selectors.comment_in_thread(target=target, pk=data["parent"]) if data["parent"] else None
        try:
            if data["parent"] and parent is None:
                raise ValidationError(_("The comment answered is not in this thread."))
            comment = services.comment_post(
                target=target, body=data["body"], by=request.user, kind=data["kind"], parent=parent
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your answer was posted.") if parent else _("Your comment was posted."))
            return redirect(_back(request, data["next"], comment))
    return render(
        request,
        "community/discussion/comment_form.html",
        {"form": form, "target": target, "target_url": selectors.target_url(target) if target else ""},
        status=400,
    )


def _reasoned(
    act: Callable[..., Any], *, moderators_only: bool, title: StrOrPromise, button: StrOrPromise, done: StrOrPromise
) -> Callable[[AuthenticatedRequest, int], HttpResponse]:
    """A page with one reason to give about a comment: to report it, hide it or restore it."""

    @login_required
    def view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
        comment = _comment(request, pk)
        if moderators_only and not selectors.can_moderate_comment(request.user, comment):
            raise PermissionDenied(_("Only platform staff and the coordinators of the prefectures concerned moderate."))
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                act(comment=comment, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, done)
                return redirect(selectors.comment_url(comment))
        target = selectors.target_of(comment)
        context = {
            "form": form,
            "comment": comment,
            "hidden": comment.hidden and not moderators_only,
            "author": selectors.author_label(comment, target, request.user),
            "target": target,
            "target_url": selectors.target_url(target),
            "title": title,
            "button": button,
        }
        return render(request, "community/discussion/reason_form.html", context, status=400 if form.errors else 200)

    return view


comment_report = _reasoned(
    services.comment_report,
    moderators_only=False,
    title=gettext_lazy("Report a comment to the moderators"),
    button=gettext_lazy("Report"),
    done=gettext_lazy("Thank you: the moderators were told."),
)
comment_hide = _reasoned(
    services.comment_hide,
    moderators_only=True,
    title=gettext_lazy("Hide a comment"),
    button=gettext_lazy("Hide"),
    done=gettext_lazy("The comment is hidden; everyone else sees the reason."),
)
comment_restore = _reasoned(
    services.comment_restore,
    moderators_only=True,
    title=gettext_lazy("Restore a comment"),
    button=gettext_lazy("Restore"),
    done=gettext_lazy("The comment is shown again."),
)


@login_required
def moderation(request: AuthenticatedRequest) -> HttpResponse:
    """What has been reported and not yet dealt with, among the comments the user moderates."""
    user = request.user
    if not permissions.moderates_any(user):
        raise PermissionDenied(_("Only platform staff and prefecture coordinators moderate."))
    comments = selectors.open_reports(user=user)
    rows = [(comment, selectors.comment_url(comment), selectors.reports_on(comment=comment)) for comment in comments]
    return render(request, "community/discussion/moderation.html", {"rows": rows})


urlpatterns: list[URLPattern] = [
    path("comments/", comment_post, name="comment_post"),
    path("comments/<int:pk>/report/", comment_report, name="comment_report"),
    path("comments/<int:pk>/hide/", comment_hide, name="comment_hide"),
    path("comments/<int:pk>/restore/", comment_restore, name="comment_restore"),
    path("moderation/", moderation, name="moderation"),
]
