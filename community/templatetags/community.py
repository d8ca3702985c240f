"""Template tags of the community: `{% load community %}{% comments_for target %}` draws a discussion.

The thread is what the signed-in user may see of the comments on `target` (a practice case, need,
solution or proposal), with the form to add one. It reads `request` from the context (Django's
`request` context processor, which the settings enable), so it works in any page rendered with
`render(request, …)`; call it only for a target the user may read — the page's own 404 sees to that.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from dx_platform.organizations import permissions

from ..forms.discussion import CommentForm
from ..selectors.discussion import thread

register = template.Library()


@register.inclusion_tag("community/discussion/_thread.html", takes_context=True)
def comments_for(context: template.Context, target: Model) -> dict[str, Any]:
    request = context["request"]
    shown = thread(user=request.user, target=target)
    form = CommentForm(initial={"target": shown.kind, "target_id": target.pk, "next": request.get_full_path()})
    return {
        "thread": shown,
        "form": form,
        "next": request.get_full_path(),
        "user": request.user,
        "moderator": permissions.moderates_any(request.user),
        # The inclusion tag's template has its own context: the CSRF token must be passed on.
        "csrf_token": context.get("csrf_token"),
    }
