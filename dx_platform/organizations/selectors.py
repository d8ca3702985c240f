"""Reads of organisations and reference data, scoped to the acting user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core import signing
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from dx_platform.accounts.models import User

from . import permissions
from .models import (
    Invitation,
    Membership,
    Municipality,
    Organization,
    PopulationRecord,
    Prefecture,
    Role,
)
from .services import INVITATION_SALT

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


# --- who is told: the recipients of notices, active accounts only --------------------------------


def writers_of(organizations: Organization | Sequence[Organization] | QuerySet[Organization]) -> QuerySet[User]:
    """The active people who speak for the organisations (permissions.writer_roles of each one's kind):
    a municipality's editors and administrators, a prefecture's coordinators, a partner's staff."""
    chosen = [organizations] if isinstance(organizations, Organization) else organizations
    memberships = Membership.objects.filter(permissions.writer_memberships(), organization__in=chosen)
    return User.objects.filter(is_active=True, memberships__in=memberships).distinct().order_by("pk")


def coordinators_of(*, prefecture_id: int) -> QuerySet[User]:
    """The prefecture's active coordinators."""
    return writers_of(Organization.objects.filter(kind=Organization.Kind.PREFECTURE, prefecture_id=prefecture_id))


def prefecture_list() -> QuerySet[Prefecture]:
    """Reference data is public: every prefecture."""
    return Prefecture.objects.all()


def municipality_list() -> QuerySet[Municipality]:
    """Reference data is public: every municipality, with its latest population and its date."""
    latest = PopulationRecord.objects.filter(municipality=OuterRef("pk")).order_by("-as_of")
    return Municipality.objects.select_related("prefecture").annotate(
        population=Subquery(latest.values("population")[:1]),
        population_as_of=Subquery(latest.values("as_of")[:1]),
    )


def population_history(*, municipality: Municipality) -> QuerySet[PopulationRecord]:
    """A municipality's population records, newest first (reference data is public)."""
    return municipality.populations.order_by("-as_of")


def latest_population(organization: Organization) -> int | None:
    """The newest population of a municipality's organisation (None for other kinds of organisation)."""
    if organization.municipality_id is None:
        return None
    return (
        PopulationRecord.objects.filter(municipality_id=organization.municipality_id)
        .order_by("-as_of")
        .values_list("population", flat=True)
        .first()
    )


def reference_counts() -> dict[str, int]:
    """Headline counts of the reference data (public)."""
    counts = Municipality.objects.aggregate(
        municipalities=Count("pk"),
        towns_villages=Count("pk", filter=Q(kind__in=[Municipality.Kind.TOWN, Municipality.Kind.VILLAGE])),
    )
    return {"prefectures": Prefecture.objects.count(), **counts}


def organization_list(*, user: User | AnonymousUser, kind: str | None = None) -> QuerySet[Organization]:
    """The organisations the user may read, of one kind if given."""
    organizations = Organization.objects.filter(permissions.visible_organizations(user))
    if kind is not None:
        organizations = organizations.filter(kind=kind)
    return organizations.select_related("prefecture", "municipality")


def municipal_organizations(*, user: User, prefecture_id: int) -> QuerySet[Organization]:
    """A prefecture's municipalities the user may see, with how many members each has."""
    return (
        organization_list(user=user)
        .filter(kind=Organization.Kind.MUNICIPALITY, prefecture_id=prefecture_id)
        .annotate(member_count=Count("memberships"))
        .order_by("municipality__code")
    )


def my_memberships(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organization", "organization__prefecture")
        .order_by("organization__kind", "organization__name")
    )


def role_of(*, user: User | AnonymousUser, organization: Organization) -> Role | None:
    """The user's own role in the organisation, if they belong to it."""
    role = permissions.role_in(user, organization)
    return Role(role) if role else None


def visible_memberships(*, user: User | AnonymousUser) -> QuerySet[Membership]:
    """The memberships of the organisations the user may read (whether they may change them is the service's
    decision)."""
    return Membership.objects.select_related("organization", "user").filter(
        organization__in=organization_list(user=user)
    )


def visible_invitations(*, user: User | AnonymousUser) -> QuerySet[Invitation]:
    """The invitations of the organisations the user may read (whether they may withdraw them is the
    service's decision)."""
    return Invitation.objects.select_related("organization").filter(organization__in=organization_list(user=user))


def member_list(*, user: User, organization: Organization) -> QuerySet[Membership]:
    if not permissions.can_view_organization(user, organization):
        return Membership.objects.none()
    return organization.memberships.select_related("user").order_by("role", "user__email")


def invitation_list(*, user: User, organization: Organization) -> QuerySet[Invitation]:
    if not permissions.can_manage_members(user, organization):
        return Invitation.objects.none()
    return organization.invitations.select_related("invited_by", "accepted_by")


def pending_invitations_managed(*, user: User) -> QuerySet[Invitation]:
    """Open invitations of the organisations the user manages, soonest to expire first."""
    return (
        Invitation.objects.filter(
            organization__in=Organization.objects.filter(permissions.managed_organizations(user)),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("organization")
        .order_by("expires_at")
    )


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link points at, or None if the link was tampered with or is unknown."""
    try:
        uuid = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("organization", "invited_by").filter(uuid=uuid).first()
