"""Every permission decision of the platform, in one place.

Rules (the README has them as a table):
- Platform staff (User.is_staff) may do everything.
- A member reads their own organisation; a prefecture coordinator reads the prefecture and all
  of its municipalities; national-office members read every prefecture and municipality.
- Members are managed (invite, change role, remove) by a municipality's admins, by the
  coordinators of its prefecture, and for a prefecture by its coordinators; partner and
  national-office members are managed by platform staff.
- The audit log of an organisation is read by those who manage its members.
- A prefecture's coordinators decide whether its people (and its municipalities' people) must
  use two-factor authentication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q

from .models import REGIONAL_KINDS, ROLES_BY_KIND, Membership, Organization, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from coordination.models import SharedGoal, SupportCase
    from dx_platform.accounts.models import User

_CACHE_ATTR = "_dx_access"


@dataclass(frozen=True)
class Access:
    """What one user holds: role per organisation id, and the prefectures they coordinate."""

    roles: dict[int, str] = field(default_factory=dict)
    coordinated_prefecture_ids: frozenset[int] = frozenset()
    national: bool = False
    public_sector: bool = False  # a member of a municipality, prefecture or national office


def access_of(user: User | AnonymousUser) -> Access:
    """The user's memberships, read once per user object (that is, once per request)."""
    if not user.is_authenticated or not user.is_active:
        return Access()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        rows = Membership.objects.filter(user=user).values_list(
            "organization_id", "role", "organization__kind", "organization__prefecture_id"
        )
        roles: dict[int, str] = {}
        coordinated: set[int] = set()
        national = public_sector = False
        for org_id, role, kind, prefecture_id in rows:
            roles[org_id] = role
            if kind == Organization.Kind.PREFECTURE and role == Role.COORDINATOR:
                coordinated.add(prefecture_id)
            national = national or kind == Organization.Kind.NATIONAL
            public_sector = public_sector or kind != Organization.Kind.PARTNER
        cached = Access(roles, frozenset(coordinated), national, public_sector)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_access(user: User) -> None:
    """Drop the cached memberships after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_platform_staff(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def role_in(user: User | AnonymousUser, organization: Organization) -> str | None:
    return access_of(user).roles.get(organization.pk)


def coordinates(user: User | AnonymousUser, organization: Organization) -> bool:
    """True if the user coordinates the prefecture this prefecture or municipality belongs to."""
    return (
        organization.kind in REGIONAL_KINDS and organization.prefecture_id in access_of(user).coordinated_prefecture_ids
    )


def visible_organizations(user: User | AnonymousUser) -> Q:
    """Filter on Organization for the organisations the user may read."""
    if is_platform_staff(user):
        return Q()
    access = access_of(user)
    regional = Q(kind__in=REGIONAL_KINDS)
    q = Q(pk__in=list(access.roles)) | (regional & Q(prefecture_id__in=list(access.coordinated_prefecture_ids)))
    if access.national:
        q |= regional
    return q


def can_view_organization(user: User | AnonymousUser, organization: Organization) -> bool:
    if is_platform_staff(user) or role_in(user, organization) or coordinates(user, organization):
        return True
    return access_of(user).national and organization.kind in REGIONAL_KINDS


def can_manage_members(user: User | AnonymousUser, organization: Organization) -> bool:
    if is_platform_staff(user):
        return True
    if organization.kind == Organization.Kind.MUNICIPALITY:
        return role_in(user, organization) == Role.ADMIN or coordinates(user, organization)
    if organization.kind == Organization.Kind.PREFECTURE:
        return coordinates(user, organization)
    return False


def invitable_roles(user: User | AnonymousUser, organization: Organization) -> tuple[str, ...]:
    """Roles the user may give by invitation in this organisation (none if they may not invite)."""
    if not can_manage_members(user, organization):
        return ()
    return ROLES_BY_KIND[organization.kind]


def can_view_audit_log(user: User | AnonymousUser, organization: Organization) -> bool:
    return can_manage_members(user, organization)


def managed_organizations(user: User | AnonymousUser) -> Q:
    """Filter on Organization for those whose members (and audit log) the user manages.

    The queryset twin of can_manage_members.
    """
    if is_platform_staff(user):
        return Q()
    access = access_of(user)
    admin_of = [org_id for org_id, role in access.roles.items() if role == Role.ADMIN]
    return Q(pk__in=admin_of) | Q(
        kind__in=REGIONAL_KINDS,
        prefecture_id__in=list(access.coordinated_prefecture_ids),
    )


def manages_any(user: User | AnonymousUser) -> bool:
    """True if the user manages at least one organisation (admin or coordinator)."""
    access = access_of(user)
    return bool(access.coordinated_prefecture_ids) or Role.ADMIN in access.roles.values()


def can_set_mfa_policy(user: User | AnonymousUser, organization: Organization) -> bool:
    return organization.kind == Organization.Kind.PREFECTURE and (
        is_platform_staff(user) or coordinates(user, organization)
    )


def mfa_required_for(user: User | AnonymousUser) -> bool:
    """True if the user must use two-factor authentication.

    Platform staff can do everything, so they must (unless STAFF_MFA_REQUIRED is off, as in the
    local demo); everyone else when a prefecture they work in or under requires it.
    """
    if is_platform_staff(user) and settings.STAFF_MFA_REQUIRED:
        return True
    access = access_of(user)
    if not access.roles:
        return False
    prefecture_ids = Organization.objects.filter(pk__in=list(access.roles)).values("prefecture_id")
    return Organization.objects.filter(
        kind=Organization.Kind.PREFECTURE, mfa_required=True, prefecture_id__in=prefecture_ids
    ).exists()


def can_import_national_data(user: User | AnonymousUser) -> bool:
    """National survey files change every benchmark: platform staff import them."""
    return is_platform_staff(user)


def can_annotate_scores(user: User | AnonymousUser, municipality_id: int) -> bool:
    """Context notes on a municipality's scores: its editors and admins, its prefecture's coordinators."""
    if is_platform_staff(user):
        return True
    organization = Organization.objects.filter(municipality_id=municipality_id).first()
    if organization is None:
        return False
    return role_in(user, organization) in (Role.EDITOR, Role.ADMIN) or coordinates(user, organization)


def can_administer_platform(user: User | AnonymousUser) -> bool:
    """The Django admin, and every organisation without belonging to one: platform staff."""
    return is_platform_staff(user)


def can_list_organizations(user: User | AnonymousUser) -> bool:
    """The organisations page: members of some organisation, and platform staff (who see them all)."""
    return is_platform_staff(user) or bool(access_of(user).roles)


def can_read_audit_logs(user: User | AnonymousUser) -> bool:
    """The audit log page: platform staff, and whoever manages some organisation's members."""
    return is_platform_staff(user) or manages_any(user)


def can_read_whole_audit_log(user: User | AnonymousUser) -> bool:
    """Every entry, also those tied to no organisation: platform staff."""
    return is_platform_staff(user)


# --- self-assessments (the assessments app) ------------------------------------------------------
# A municipality's viewers read its assessment, editors edit drafts, admins submit; its prefecture's
# coordinators read, confirm and return but never edit answers; partners and other prefectures see none.


def can_view_assessment(user: User | AnonymousUser, organization: Organization) -> bool:
    return is_platform_staff(user) or role_in(user, organization) is not None or coordinates(user, organization)


def can_edit_assessment(user: User | AnonymousUser, organization: Organization) -> bool:
    return role_in(user, organization) in (Role.EDITOR, Role.ADMIN)


def can_submit_assessment(user: User | AnonymousUser, organization: Organization) -> bool:
    return role_in(user, organization) == Role.ADMIN


def can_review_assessment(user: User | AnonymousUser, organization: Organization) -> bool:
    return organization.kind == Organization.Kind.MUNICIPALITY and (
        is_platform_staff(user) or coordinates(user, organization)
    )


def assessable_organizations(user: User | AnonymousUser) -> Q:
    """Filter on Organization (municipalities) whose assessments the user may read."""
    if is_platform_staff(user):
        return Q(kind=Organization.Kind.MUNICIPALITY)
    access = access_of(user)
    return Q(kind=Organization.Kind.MUNICIPALITY) & (
        Q(pk__in=list(access.roles)) | Q(prefecture_id__in=list(access.coordinated_prefecture_ids))
    )


def is_public_sector(user: User | AnonymousUser) -> bool:
    """Signed-in staff of a municipality, prefecture or national office (or platform staff): who may see
    current-year figures that are not yet published national data, such as the live layer."""
    return is_platform_staff(user) or access_of(user).public_sector


def assessment_review_prefectures(user: User | AnonymousUser) -> Q:
    """Filter on Prefecture: those whose review list the assessments page offers the user — the ones they
    coordinate (platform staff, who may review any, open the others by their address)."""
    return Q(pk__in=list(access_of(user).coordinated_prefecture_ids))


# --- community (the community app) ---------------------------------------------------------------
# Public-sector staff share cases in staff-only spaces; partners see what is published for everyone,
# answer needs and see only the published RFI and tender of a joint procurement. Drafts and embargoed
# cases stay with their author body; a partner's proposal is seen by the need's body and the partner.


WRITER_ROLES: dict[str, tuple[str, ...]] = {
    Organization.Kind.MUNICIPALITY: (Role.EDITOR, Role.ADMIN),
    Organization.Kind.PREFECTURE: (Role.COORDINATOR,),
    Organization.Kind.PARTNER: (Role.PARTNER,),
}


def writer_roles(organization: Organization) -> tuple[str, ...]:
    """The roles that speak for an organisation in the community (post, propose, run a procurement)."""
    return WRITER_ROLES.get(organization.kind, ())


def can_write_for(user: User | AnonymousUser, organization: Organization) -> bool:
    return role_in(user, organization) in writer_roles(organization)


def writer_memberships() -> Q:
    """Filter on Membership: the rows behind can_write_for (a writer's role of its organisation's kind).
    The people told of what concerns an organisation are its writers."""
    return reduce(or_, (Q(organization__kind=kind, role__in=roles) for kind, roles in WRITER_ROLES.items()))


def writable_organizations(user: User | AnonymousUser) -> Q:
    """Filter on Organization for those the user may speak for (the queryset twin of can_write_for):
    every role but a viewer's is a writer's role of its kind of organisation."""
    return Q(pk__in=[org_id for org_id, role in access_of(user).roles.items() if role != Role.VIEWER])


def own_organization_ids(user: User | AnonymousUser) -> list[int]:
    return list(access_of(user).roles)


def practice_case_visibility(user: User | AnonymousUser, today: dt.date) -> Q:
    """Filter on PracticeCase: the author body's own (drafts too), and what is published and out of
    embargo for the audience the user belongs to."""
    if is_platform_staff(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    released = Q(status="published") & (Q(embargo_until__isnull=True) | Q(embargo_until__lte=today))
    if not is_public_sector(user):
        released &= Q(audience="everyone")
    return Q(organization_id__in=own_organization_ids(user)) | released


def can_edit_practice_case(user: User | AnonymousUser, organization: Organization) -> bool:
    return is_platform_staff(user) or (organization.kind in REGIONAL_KINDS and can_write_for(user, organization))


def can_see_case_author(user: User | AnonymousUser, organization: Organization, anonymous: bool) -> bool:
    return not anonymous or is_platform_staff(user) or role_in(user, organization) is not None


def can_adopt(user: User | AnonymousUser, adopter: Organization, author: Organization) -> bool:
    """A municipality or prefecture other than the author says it adopted the case."""
    return adopter.pk != author.pk and adopter.kind in REGIONAL_KINDS and can_write_for(user, adopter)


def can_post_need(user: User | AnonymousUser, organization: Organization) -> bool:
    return organization.kind in REGIONAL_KINDS and can_write_for(user, organization)


def solution_visibility(user: User | AnonymousUser) -> Q:
    """Filter on Solution: published ones for everyone signed in; drafts for the partner's own staff."""
    if is_platform_staff(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(status="published") | Q(organization_id__in=own_organization_ids(user))


def can_offer_solutions(user: User | AnonymousUser, organization: Organization) -> bool:
    return organization.kind == Organization.Kind.PARTNER and can_write_for(user, organization)


def can_decide_reference(user: User | AnonymousUser, organization: Organization) -> bool:
    """Only the named municipality itself confirms that it uses a solution."""
    return organization.kind == Organization.Kind.MUNICIPALITY and can_write_for(user, organization)


def proposal_visibility(user: User | AnonymousUser) -> Q:
    """Filter on Proposal: the proposing partner and the need's body; no other partner."""
    if is_platform_staff(user):
        return Q()
    own = own_organization_ids(user)
    return Q(organization_id__in=own) | Q(need__organization_id__in=own)


def procurement_visibility(user: User | AnonymousUser) -> Q:
    """Filter on Procurement: public-sector staff see every one (to join it); partners those with a
    published RFI or tender, and of those only the published parts."""
    if is_platform_staff(user) or is_public_sector(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(rfi_published_at__isnull=False) | Q(tender_published_at__isnull=False)


def can_run_procurement(user: User | AnonymousUser, lead: Organization) -> bool:
    return is_platform_staff(user) or (lead.kind in REGIONAL_KINDS and can_write_for(user, lead))


def can_take_part(user: User | AnonymousUser, organization: Organization) -> bool:
    """Join, state volume and constraints, withdraw: the municipality's editors and admins."""
    return organization.kind == Organization.Kind.MUNICIPALITY and can_write_for(user, organization)


def can_commit(user: User | AnonymousUser, organization: Organization) -> bool:
    """A commitment binds a budget: the municipality's admins record it."""
    return organization.kind == Organization.Kind.MUNICIPALITY and role_in(user, organization) == Role.ADMIN


def can_moderate(user: User | AnonymousUser, prefecture_ids: set[int]) -> bool:
    """Platform staff, and the coordinators of a prefecture the comment or its subject belongs to."""
    return is_platform_staff(user) or bool(prefecture_ids & access_of(user).coordinated_prefecture_ids)


def need_visibility(user: User | AnonymousUser) -> Q:
    """Filter on Need: everyone signed in reads needs; partners are meant to answer them."""
    return Q() if user.is_authenticated else Q(pk__in=[])


def solution_reference_visibility(user: User | AnonymousUser) -> Q:
    """Filter on SolutionReference: confirmed references of published solutions for everyone signed in;
    the partner's own and those naming the user's own body whatever their status (to decide them)."""
    if is_platform_staff(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    own = own_organization_ids(user)
    return (
        Q(status="confirmed", solution__status="published")
        | Q(solution__organization_id__in=own)
        | Q(organization_id__in=own)
    )


def can_see_procurement_workspace(user: User | AnonymousUser) -> bool:
    """A joint procurement's participants, shares, specification drafts and commitments: public-sector
    staff (who may join); partners see only its published RFI and tender."""
    return is_platform_staff(user) or is_public_sector(user)


def moderates_any(user: User | AnonymousUser) -> bool:
    """Platform staff and prefecture coordinators: the people who moderate some comments (see can_moderate)."""
    return is_platform_staff(user) or bool(access_of(user).coordinated_prefecture_ids)


# --- prefecture coordination (the coordination app) ----------------------------------------------
# The prefecture's coordinators (and platform staff) see the dashboard, the specialist pool and every
# support case of the prefecture; a municipality sees its own cases and the specialists assigned to
# them; a specialist with an account sees the cases assigned to them; partners see nothing else here.


def can_coordinate(user: User | AnonymousUser, prefecture_id: int) -> bool:
    return is_platform_staff(user) or prefecture_id in access_of(user).coordinated_prefecture_ids


def pool_accounts(prefecture_id: int) -> Q:
    """Filter on User: the accounts a specialist of the prefecture's pool may have — a partner engineer's
    or the prefecture's own staff. An account elsewhere cannot be handed the cases (nor looked up)."""
    return Q(is_active=True) & (
        Q(memberships__organization__kind=Organization.Kind.PARTNER)
        | Q(
            memberships__organization__kind=Organization.Kind.PREFECTURE,
            memberships__organization__prefecture_id=prefecture_id,
        )
    )


def can_raise_support_case(user: User | AnonymousUser, organization: Organization) -> bool:
    """The municipality asks for support, or its prefecture's coordinators open a case for it (伴走支援
    begins as often from the prefecture's side)."""
    return organization.kind == Organization.Kind.MUNICIPALITY and (
        can_write_for(user, organization)
        or (organization.prefecture_id is not None and can_coordinate(user, organization.prefecture_id))
    )


def support_case_visibility(user: User | AnonymousUser) -> Q:
    """Filter on SupportCase."""
    if is_platform_staff(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    access = access_of(user)
    return (
        Q(municipality__prefecture_id__in=list(access.coordinated_prefecture_ids))
        | Q(municipality__organization__in=list(access.roles))
        # A specialist taken out of the pool no longer sees the cases once assigned to them.
        | Q(specialist__user=user, specialist__active=True)
    )


def can_log_support(user: User | AnonymousUser, case: SupportCase) -> bool:
    """Visits and meetings: the prefecture's coordinators and the specialist assigned to the case."""
    if can_coordinate(user, case.municipality.prefecture_id):
        return True
    specialist = case.specialist
    assigned = specialist is not None and specialist.active and specialist.user_id == user.pk
    return bool(user.is_authenticated and assigned)


def can_view_shared_goals(user: User | AnonymousUser, prefecture_id: int) -> bool:
    """The prefecture's goals: its coordinators, and members of its municipalities (who set their dates)."""
    if can_coordinate(user, prefecture_id):
        return True
    return Organization.objects.filter(
        pk__in=list(access_of(user).roles), kind=Organization.Kind.MUNICIPALITY, prefecture_id=prefecture_id
    ).exists()


def coordinated_prefectures(user: User | AnonymousUser) -> Q:
    """Filter on Prefecture: the workspaces the user opens — the prefectures they coordinate, every one
    for platform staff (the queryset twin of can_coordinate)."""
    if is_platform_staff(user):
        return Q()
    return Q(pk__in=list(access_of(user).coordinated_prefecture_ids))


def can_act_on_case(user: User | AnonymousUser, case: SupportCase, action: str) -> bool:
    """The prefecture's coordinators manage a support case (assign, record days, link, close); the
    assigned specialist also logs its activities ("activity")."""
    if can_coordinate(user, case.municipality.prefecture_id):
        return True
    return action == "activity" and can_log_support(user, case)


def can_set_goal_date(user: User | AnonymousUser, goal: SharedGoal, organization: Organization) -> bool:
    """A municipality's own date for a shared goal of its prefecture: its editors and administrators,
    and the prefecture's coordinators (for any of its municipalities), for a municipality the goal boards."""
    if organization.kind != Organization.Kind.MUNICIPALITY or organization.prefecture_id != goal.prefecture_id:
        return False
    if not goal.municipalities.filter(organization=organization).exists():
        return False
    return can_write_for(user, organization) or can_coordinate(user, goal.prefecture_id)
