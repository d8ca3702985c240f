"""Practice case pages: the list with filters, a case with its kit, adoptions and discussion, writing one.

A case the user may not read answers 404 everywhere (adopting and asking too); an action on a case
they may read but not take answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dx_platform.core.actions import act
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.concurrency import Stale, refuse_stale, version_field
from dx_platform.core.lookups import or_404
from dx_platform.core.pagination import paginate
from dx_platform.organizations import permissions

from ..forms.cases import (
    AdoptForm,
    AttachmentForm,
    CaseForm,
    CaseListForm,
    MetricFormSet,
    QuestionForm,
    metric_initial,
    metric_inputs,
)
from ..models import CaseAttachment, PracticeCase
from ..selectors import cases as selectors
from ..selectors.discussion import comment_url
from ..services import cases as services


def _case(request: AuthenticatedRequest, pk: int) -> PracticeCase:
    return or_404(selectors.case_for(user=request.user, pk=pk), _("No such case among those you may read."))


def _attachment(request: AuthenticatedRequest, case_pk: int, pk: int) -> CaseAttachment:
    return or_404(
        selectors.attachment_for(user=request.user, case_pk=case_pk, pk=pk), _("No such file among those you may read.")
    )


def _editable(request: AuthenticatedRequest, pk: int) -> PracticeCase:
    case = _case(request, pk)
    if not permissions.can_edit_practice_case(request.user, case.organization):
        raise PermissionDenied(_("Only the author body's editors write its practice cases."))
    return case


@login_required
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseListForm(request.GET or None)
    cases = selectors.case_filter(selectors.case_list(user=request.user), user=request.user, filters=form.filters())
    page = paginate(request, cases, per_page=20)
    return render(
        request,
        "community/cases/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(case, selectors.author_label(user=request.user, case=case)) for case in page],
            "can_write": selectors.has_authoring_organizations(user=request.user),
            "today": timezone.localdate(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _case_form(request: AuthenticatedRequest, case: PracticeCase | None) -> HttpResponse:
    """The form of a new case (case None) or of an existing one; saves and goes to the case."""
    if case is None and not selectors.has_authoring_organizations(user=request.user):
        raise PermissionDenied(_("Only the editors of a municipality or prefecture write practice cases."))
    authors = selectors.authoring_organizations(user=request.user) if case is None else None
    data = request.POST if request.method == "POST" else None
    form = CaseForm(data, instance=case, authors=authors)
    if case is not None:
        version_field(form, case)
    metrics = MetricFormSet(data, prefix="metrics", initial=metric_initial(case) if case else None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid() and metrics.is_valid():
        organization = form.cleaned_data["organization"] if case is None else case.organization
        try:
            saved = services.practice_case_save(
                organization=organization,
                given=form.given(metric_inputs(metrics)),
                by=request.user,
                case=case,
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except Stale as exc:
            refuse_stale(form, exc)
            status = 409
        else:
            messages.success(request, _("The case was saved.") if case else _("The draft was saved."))
            return redirect("community:case_detail", pk=saved.pk)
    return render(
        request,
        "community/cases/form.html",
        {"form": form, "metrics": metrics, "case": case},
        status=status,
    )


@login_required
def case_create(request: AuthenticatedRequest) -> HttpResponse:
    return _case_form(request, None)


@login_required
def case_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _case_form(request, _editable(request, pk))


def _detail_context(request: AuthenticatedRequest, case: PracticeCase, **forms: Any) -> dict[str, Any]:
    user = request.user
    can_edit = permissions.can_edit_practice_case(user, case.organization)
    released = selectors.is_released(case)
    adopters = selectors.adopting_organizations(user=user, case=case) if released else []
    return {
        "case": case,
        "author": selectors.author_label(user=user, case=case),
        "author_visible": selectors.author_visible(user, case),
        "anonymous_label": selectors.anonymous_label(case),
        "today": timezone.localdate(),
        "shown_population": selectors.shown_population(case.population),
        "can_edit": can_edit,
        "adoptions": list(selectors.adoption_list(user=user, case=case)),
        "own_adoptions": list(selectors.own_adoptions(user=user, case=case)),
        "adopt_form": forms.get("adopt_form") or (AdoptForm(adopters=adopters) if adopters else None),
        "question_form": forms.get("question_form") or (QuestionForm() if released else None),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
    }


@login_required
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "community/cases/detail.html", _detail_context(request, case))


def _refused(request: AuthenticatedRequest, case: PracticeCase, **forms: Any) -> HttpResponse:
    """The case page again with the form that was refused and its errors."""
    return render(request, "community/cases/detail.html", _detail_context(request, case, **forms), status=400)


@login_required
@require_POST
def case_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _editable(request, pk)
    return act(
        request,
        lambda: services.practice_case_publish(case=case, by=request.user),
        _("The case was published."),
        reverse("community:case_detail", args=[case.pk]),
    )


@login_required
@require_POST
def case_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _editable(request, pk)
    services.practice_case_delete(case=case, by=request.user)
    messages.success(request, _("The case was deleted."))
    return redirect("community:case_list")


@login_required
@require_POST
def attachment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _editable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_attachment_add(
                case=case, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("The file was added to the kit."))
            return redirect("community:case_detail", pk=case.pk)
    return _refused(request, case, attachment_form=form)


@login_required
def attachment_download(request: AuthenticatedRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachment = _attachment(request, pk, attachment_pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@login_required
@require_POST
def attachment_delete(request: AuthenticatedRequest, pk: int, attachment_pk: int) -> HttpResponse:
    case = _editable(request, pk)
    attachment = _attachment(request, case.pk, attachment_pk)
    services.case_attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, _("The file was removed from the kit."))
    return redirect("community:case_detail", pk=case.pk)


@login_required
@require_POST
def case_adopt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    adopters = selectors.adopting_organizations(user=request.user, case=case)
    if not adopters:
        raise PermissionDenied(_("None of your bodies may mark this case as adopted (again)."))
    form = AdoptForm(request.POST, adopters=adopters)
    if not form.is_valid():
        return _refused(request, case, adopt_form=form)
    try:
        services.case_adopt(
            case=case, organization=form.cleaned_data["organization"], by=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _refused(request, case, adopt_form=form)
    messages.success(request, _("Marked as adopted. Thank you for telling the author."))
    return redirect("community:case_detail", pk=case.pk)


@login_required
@require_POST
def adoption_withdraw(request: AuthenticatedRequest, pk: int, adoption_pk: int) -> HttpResponse:
    case = _case(request, pk)
    adoption = get_object_or_404(selectors.adoption_list(user=request.user, case=case), pk=adoption_pk)
    services.case_adoption_withdraw(adoption=adoption, by=request.user)
    messages.success(request, _("The adoption was undone."))
    return redirect("community:case_detail", pk=case.pk)


@login_required
@require_POST
def case_ask(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            question = services.case_question_ask(case=case, body=form.cleaned_data["body"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your question was sent to the author."))
            return redirect(comment_url(question))
    return _refused(request, case, question_form=form)


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/new/", case_create, name="case_create"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", case_edit, name="case_edit"),
    path("cases/<int:pk>/publish/", case_publish, name="case_publish"),
    path("cases/<int:pk>/delete/", case_delete, name="case_delete"),
    path("cases/<int:pk>/kit/", attachment_add, name="case_attachment_add"),
    path("cases/<int:pk>/kit/<int:attachment_pk>/", attachment_download, name="case_attachment"),
    path("cases/<int:pk>/kit/<int:attachment_pk>/delete/", attachment_delete, name="case_attachment_delete"),
    path("cases/<int:pk>/adopt/", case_adopt, name="case_adopt"),
    path("cases/<int:pk>/adoptions/<int:adoption_pk>/undo/", adoption_withdraw, name="case_adoption_withdraw"),
    path("cases/<int:pk>/ask/", case_ask, name="case_ask"),
]
