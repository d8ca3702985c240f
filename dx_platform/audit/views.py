"""Browse the audit log: who changed what, when, old → new."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.pagination import paginate
from dx_platform.organizations import permissions

from .forms import AuditFilterForm
from .selectors import auditable_organizations, log_entry_list, organizations_with_entries


@login_required
def log_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not permissions.can_read_audit_logs(user):
        raise PermissionDenied(_("The audit log is for platform staff and organisation administrators."))
    organizations = auditable_organizations(user=user)
    form = AuditFilterForm(request.GET, organizations=organizations)
    if not form.is_valid():
        raise Http404(_("No such organisation among those whose log you may read."))
    organization = form.cleaned_data["organization"]
    entries = log_entry_list(user=user, organization=organization)
    page = paginate(request, entries)
    return render(
        request,
        "audit/log_list.html",
        {
            "page": page,
            "organization": organization,
            "organizations": organizations_with_entries(user=user),
            "whole_log": permissions.can_read_whole_audit_log(user),
        },
    )
