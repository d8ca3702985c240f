"""Who may read and manage which organisation: every role against its own and the other prefecture.

The fixtures put every role in the "home" prefecture (the town for viewer/editor/admin); "other" is
a second prefecture nobody in `people` belongs to.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dx_platform.organizations import permissions, selectors, services
from dx_platform.organizations.models import ROLES_BY_KIND, Invitation, Membership, Organization, Role
from tests.factories import MembershipFactory, UserFactory

ROLES = ("viewer", "editor", "admin", "coordinator", "partner", "national", "staff", "outsider")

# Every organisation of the `region` fixture, by a short name.
TARGETS = (
    "home_prefecture",
    "home_town",
    "home_city",
    "other_prefecture",
    "other_town",
    "other_city",
    "partner",
    "other_partner",
    "national",
)
REGIONAL = {"home_prefecture", "home_town", "home_city", "other_prefecture", "other_town", "other_city"}

VISIBLE = {
    "viewer": {"home_town"},
    "editor": {"home_town"},
    "admin": {"home_town"},
    "coordinator": {"home_prefecture", "home_town", "home_city"},
    "partner": {"partner"},
    "national": REGIONAL | {"national"},
    "staff": set(TARGETS),
    "outsider": set(),
}
MANAGED = {
    "viewer": set(),
    "editor": set(),
    "admin": {"home_town"},
    "coordinator": {"home_prefecture", "home_town", "home_city"},
    "partner": set(),
    "national": set(),
    "staff": set(TARGETS),
    "outsider": set(),
}
SETS_MFA = {role: set() for role in ROLES} | {
    "coordinator": {"home_prefecture"},
    "staff": {"home_prefecture", "other_prefecture"},
}


def org(region: dict, name: str) -> Organization:
    if name.startswith(("home_", "other_")) and name != "other_partner":
        side, kind = name.split("_")
        return region[side][kind]
    return region[name]


MATRIX = [(role, target) for role in ROLES for target in TARGETS]


@pytest.mark.parametrize(("role", "target"), MATRIX)
def test_can_view_organization(people, region, role, target):
    assert permissions.can_view_organization(people[role], org(region, target)) is (target in VISIBLE[role])


@pytest.mark.parametrize(("role", "target"), MATRIX)
def test_can_manage_members_and_audit_log(people, region, role, target):
    user, organization = people[role], org(region, target)
    expected = target in MANAGED[role]
    assert permissions.can_manage_members(user, organization) is expected
    assert permissions.can_view_audit_log(user, organization) is expected


@pytest.mark.parametrize(("role", "target"), MATRIX)
def test_invitable_roles(people, region, role, target):
    organization = org(region, target)
    expected = ROLES_BY_KIND[organization.kind] if target in MANAGED[role] else ()
    assert tuple(permissions.invitable_roles(people[role], organization)) == tuple(expected)


@pytest.mark.parametrize(("role", "target"), MATRIX)
def test_can_set_mfa_policy(people, region, role, target):
    assert permissions.can_set_mfa_policy(people[role], org(region, target)) is (target in SETS_MFA[role])


@pytest.mark.parametrize("role", ROLES)
def test_organization_list_holds_exactly_the_visible_ones(people, region, role):
    visible = selectors.organization_list(user=people[role])
    assert set(visible) == {org(region, name) for name in VISIBLE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_managed_organizations_twins_can_manage_members(people, region, role):
    managed = Organization.objects.filter(permissions.managed_organizations(people[role]))
    assert set(managed) == {org(region, name) for name in MANAGED[role]}


def test_inactive_member_sees_nothing(people, region):
    admin = people["admin"]
    admin.is_active = False
    admin.save()
    assert not permissions.can_view_organization(admin, region["home"]["town"])
    assert not selectors.organization_list(user=admin).exists()


def test_coordinator_of_the_other_prefecture_mirrors_the_home_one(region):
    coordinator = MembershipFactory(organization=region["other"]["prefecture"], role=Role.COORDINATOR).user
    managed = {o for o in Organization.objects.all() if permissions.can_manage_members(coordinator, o)}
    assert managed == {region["other"]["prefecture"], region["other"]["town"], region["other"]["city"]}


# --- services refuse the unauthorised ----------------------------------------------------------

# Roles and organisations of the other prefecture (and the other partner) they have no hold on.
FOREIGN = ("other_prefecture", "other_town", "other_city", "other_partner")
UNAUTHORISED = [role for role in ROLES if role != "staff"]
FOREIGN_MATRIX = [(role, target) for role in UNAUTHORISED for target in FOREIGN]


@pytest.fixture
def foreign_objects(region):
    """A member and an open invitation in each of the other prefecture's organisations."""
    objects = {}
    for name in FOREIGN:
        organization = org(region, name)
        role = ROLES_BY_KIND[organization.kind][0]
        objects[name] = {
            "membership": MembershipFactory(organization=organization, role=role),
            "invitation": Invitation.objects.create(
                organization=organization,
                email=f"invitee-{name}@example.jp",
                role=role,
                expires_at=timezone.now() + dt.timedelta(days=7),
            ),
        }
    return objects


@pytest.mark.parametrize(("role", "target"), FOREIGN_MATRIX)
def test_services_refuse_foreign_organisations(people, region, foreign_objects, role, target):
    user, organization = people[role], org(region, target)
    membership = foreign_objects[target]["membership"]
    invitation = foreign_objects[target]["invitation"]
    allowed = ROLES_BY_KIND[organization.kind]

    with pytest.raises(PermissionDenied):
        services.invitation_create(organization=organization, email="new@example.jp", role=allowed[0], by=user)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(membership=membership, role=allowed[-1], by=user)
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership, by=user)
    with pytest.raises(PermissionDenied):
        services.organization_set_mfa_required(organization=organization, required=True, by=user)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(invitation=invitation, by=user)

    assert not Invitation.objects.filter(email="new@example.jp").exists()
    assert Membership.objects.get(pk=membership.pk).role == allowed[0]
    assert not Organization.objects.get(pk=organization.pk).mfa_required
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("role", ["viewer", "editor", "partner", "national", "outsider"])
def test_services_refuse_non_managers_in_their_own_prefecture(people, region, role):
    town = region["home"]["town"]
    membership = MembershipFactory(organization=town, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.invitation_create(organization=town, email="new@example.jp", role=Role.VIEWER, by=people[role])
    with pytest.raises(PermissionDenied):
        services.membership_change_role(membership=membership, role=Role.ADMIN, by=people[role])
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership, by=people[role])
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER


def test_admin_cannot_manage_a_neighbouring_city(people, region):
    city = region["home"]["city"]
    membership = MembershipFactory(organization=city, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership, by=people["admin"])
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(
    ("role", "target"),
    [("admin", "home_town"), ("coordinator", "home_city"), ("staff", "other_town")],
)
def test_managers_can_change_roles_and_remove(people, region, role, target):
    """The other side of the refusals: those entitled succeed."""
    membership = MembershipFactory(organization=org(region, target), role=Role.VIEWER)

    services.membership_change_role(membership=membership, role=Role.EDITOR, by=people[role])
    assert Membership.objects.get(pk=membership.pk).role == Role.EDITOR

    services.membership_remove(membership=membership, by=people[role])
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("role", ["coordinator", "staff"])
def test_coordinator_and_staff_set_the_mfa_policy(people, region, role):
    prefecture = region["home"]["prefecture"]
    services.organization_set_mfa_required(organization=prefecture, required=True, by=people[role])
    prefecture.refresh_from_db()
    assert prefecture.mfa_required


# --- mfa_required_for --------------------------------------------------------------------------


@pytest.fixture
def home_requires_mfa(region):
    Organization.objects.filter(pk=region["home"]["prefecture"].pk).update(mfa_required=True)


@pytest.mark.parametrize(
    ("role", "required"),
    [
        ("viewer", True),
        ("editor", True),
        ("admin", True),
        ("coordinator", True),
        ("partner", False),
        ("national", False),
        ("staff", False),
        ("outsider", False),
    ],
)
def test_mfa_required_for_home_prefecture_people(people, home_requires_mfa, role, required):
    assert permissions.mfa_required_for(people[role]) is required


@pytest.mark.parametrize("target", ["other_prefecture", "other_town", "other_city"])
def test_mfa_not_required_in_the_other_prefecture(region, home_requires_mfa, target):
    organization = org(region, target)
    member = MembershipFactory(organization=organization, role=ROLES_BY_KIND[organization.kind][0]).user
    assert permissions.mfa_required_for(member) is False


def test_mfa_required_for_a_member_of_a_neighbouring_city(region, home_requires_mfa):
    member = MembershipFactory(organization=region["home"]["city"], role=Role.EDITOR).user
    assert permissions.mfa_required_for(member) is True


def test_mfa_not_required_when_no_prefecture_asks(people):
    assert not any(permissions.mfa_required_for(user) for user in people.values())


# --- the HTTP layer ----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "target"), MATRIX)
def test_organization_page_is_404_unless_visible(client, people, region, role, target):
    client.force_login(people[role])
    response = client.get(reverse("organizations:detail", args=[org(region, target).pk]))
    assert response.status_code == (200 if target in VISIBLE[role] else 404)


@pytest.mark.parametrize(("role", "target"), FOREIGN_MATRIX)
def test_removing_a_foreign_member_over_http_fails(client, people, region, foreign_objects, role, target):
    membership = foreign_objects[target]["membership"]
    client.force_login(people[role])

    response = client.post(reverse("organizations:member_remove", args=[membership.pk]))

    assert response.status_code in (403, 404)
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(("role", "target"), FOREIGN_MATRIX)
def test_revoking_a_foreign_invitation_over_http_fails(client, people, region, foreign_objects, role, target):
    invitation = foreign_objects[target]["invitation"]
    client.force_login(people[role])

    response = client.post(reverse("organizations:invitation_revoke", args=[invitation.pk]))

    assert response.status_code in (403, 404)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_staff_removes_a_member_over_http(client, people, region, foreign_objects):
    membership = foreign_objects["other_town"]["membership"]
    client.force_login(people["staff"])

    response = client.post(reverse("organizations:member_remove", args=[membership.pk]))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_anonymous_is_sent_to_sign_in(client, region):
    response = client.get(reverse("organizations:detail", args=[region["home"]["town"].pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_new_user_is_not_a_member_anywhere(region):
    assert not selectors.organization_list(user=UserFactory()).exists()
