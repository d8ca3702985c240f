"""Audit log entries (django-auditlog) scoped to who may read them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditlog.models import LogEntry
from django.db.models import QuerySet

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


def auditable_organizations(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(permissions.managed_organizations(user))


def log_entry_list(*, user: User, organization: Organization | None = None) -> QuerySet[LogEntry]:
    """Platform staff read everything; organisation admins and coordinators their organisations'.

    Entries are tied to an organisation through additional_data.organization_id, which each
    audited model provides (get_additional_data).
    """
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if organization is not None:
        if not permissions.can_view_audit_log(user, organization):
            return entries.none()
        return entries.filter(additional_data__organization_id=organization.pk)
    if permissions.can_read_whole_audit_log(user):
        return entries
    ids = list(auditable_organizations(user=user).values_list("pk", flat=True))
    return entries.filter(additional_data__organization_id__in=ids)


def organizations_with_entries(*, user: User) -> QuerySet[Organization]:
    """The organisations, among those the user may audit, that have log entries (for the filter)."""
    ids = {
        pk
        for pk in log_entry_list(user=user)
        .order_by()
        .values_list("additional_data__organization_id", flat=True)
        .distinct()
        if pk is not None
    }
    return auditable_organizations(user=user).filter(pk__in=ids).order_by("kind", "name")
