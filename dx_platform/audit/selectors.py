"""Audit log entries (django-auditlog) scoped to who may read them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

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
        return _without_unreadable_cases(entries.filter(additional_data__organization_id=organization.pk), user)
    if permissions.can_read_whole_audit_log(user):
        return entries
    ids = list(auditable_organizations(user=user).values_list("pk", flat=True))
    return _without_unreadable_cases(entries.filter(additional_data__organization_id__in=ids), user)


def _without_unreadable_cases(entries: QuerySet[LogEntry], user: User) -> QuerySet[LogEntry]:
    """An entry names its object: a practice case's only to those who may read the case. A draft or an
    embargoed case stays with its author body, though the prefecture's coordinators audit the town."""
    case = apps.get_model("community", "PracticeCase")  # by name: community builds on this app, not under it
    readable = case.objects.filter(permissions.practice_case_visibility(user, timezone.localdate()))
    return entries.exclude(
        Q(content_type=ContentType.objects.get_for_model(case)) & ~Q(object_id__in=readable.values("pk"))
    )


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
