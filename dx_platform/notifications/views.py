"""The user's notices."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.pagination import paginate

from . import selectors, services
from .forms import MarkReadForm


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, selectors.notification_list(user=request.user), per_page=30)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request: AuthenticatedRequest) -> HttpResponse:
    """Mark one notice (and follow its local link) or all notices read; a malformed id marks none."""
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        return redirect("notifications:list")
    notice_id, target = form.cleaned_data["id"], form.cleaned_data["next"]
    if notice_id is None:
        services.notifications_mark_read(user=request.user)
        return redirect("notifications:list")
    services.notifications_mark_read(user=request.user, ids=[notice_id])
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")
