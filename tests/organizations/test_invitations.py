"""Invitations at the service level: creating, emailing, accepting and the signed link."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from dx_platform.notifications.models import Notification
from dx_platform.organizations import permissions, selectors, services
from dx_platform.organizations.models import Invitation, Membership, Role
from dx_platform.organizations.tasks import send_invitation_email
from tests.factories import MembershipFactory, UserFactory

INVITEE = "new.person@example.jp"


@pytest.fixture
def town(region):
    return region["home"]["town"]


@pytest.fixture
def admin(people):
    return people["admin"]


@pytest.fixture
def invitation(town, admin):
    return services.invitation_create(organization=town, email=INVITEE, role=Role.EDITOR, by=admin)


@pytest.fixture
def invitee(db):
    return UserFactory(email=INVITEE)


def messages_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    with translation.override("en"):
        return " ".join(excinfo.value.messages)


def code_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return excinfo.value.error_list[0].code


# --- invitation_create -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "by", "role", "allowed"),
    [
        ("town", "admin", "coordinator", "Viewer, Editor, Administrator"),
        ("town", "coordinator", "partner", "Viewer, Editor, Administrator"),
        ("prefecture", "coordinator", "admin", "Coordinator"),
        ("partner", "staff", "viewer", "Partner staff"),
        ("national", "staff", "editor", "Viewer"),
    ],
)
def test_role_must_exist_in_the_kind_of_organisation(region, people, where, by, role, allowed):
    organization = region[where] if where in ("partner", "national") else region["home"][where]

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.invitation_create(organization=organization, email=INVITEE, role=role, by=people[by])

    assert code_of(excinfo) == "invalid_role"
    message = messages_of(excinfo)
    assert f"The role {role} does not exist" in message
    assert allowed in message
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["member", "MEMBER-UPPER", " member-padded "])
def test_refuses_someone_already_a_member(town, admin, people, email):
    viewer_email = people["viewer"].email
    email = {
        "member": viewer_email,
        "MEMBER-UPPER": viewer_email.upper(),
        " member-padded ": f"  {viewer_email} ",
    }[email]

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_create(organization=town, email=email, role=Role.ADMIN, by=admin)

    assert code_of(excinfo) == "already_member"
    assert viewer_email in messages_of(excinfo)
    assert not Invitation.objects.exists()


def test_member_of_another_organisation_can_be_invited(region, people):
    city = region["home"]["city"]
    invitation = services.invitation_create(
        organization=city, email=people["viewer"].email, role=Role.VIEWER, by=people["coordinator"]
    )
    assert invitation.status == Invitation.Status.PENDING


def test_email_is_stored_normalised(town, admin):
    invitation = services.invitation_create(
        organization=town, email="  New.Person@Example.JP ", role=Role.VIEWER, by=admin
    )
    assert invitation.email == INVITEE


def test_new_invitation_replaces_the_open_one(town, admin, invitation):
    second = services.invitation_create(organization=town, email=INVITEE.upper(), role=Role.ADMIN, by=admin)

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert second.status == Invitation.Status.PENDING
    assert second.role == Role.ADMIN
    open_ones = Invitation.objects.filter(organization=town, accepted_at__isnull=True, revoked_at__isnull=True)
    assert list(open_ones) == [second]


def test_invitations_to_other_organisations_are_left_open(region, people, invitation):
    other = services.invitation_create(
        organization=region["home"]["city"], email=INVITEE, role=Role.VIEWER, by=people["coordinator"]
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert other.status == Invitation.Status.PENDING


def test_expires_after_the_configured_days(invitation):
    expected = invitation.created_at + dt.timedelta(days=settings.INVITATION_VALID_DAYS)
    assert abs(invitation.expires_at - expected) < dt.timedelta(seconds=5)


# --- the email ---------------------------------------------------------------------------------


def link_in(body: str) -> str:
    prefix = f"{settings.SITE_URL.rstrip('/')}/invitations/accept/"
    links = [word for word in body.split() if word.startswith(prefix)]
    assert len(links) == 1, body
    return links[0]


def test_sends_one_email_with_the_accept_link(town, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(organization=town, email=INVITEE, role=Role.EDITOR, by=admin)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [INVITEE]
    assert town.name in message.subject
    # The link is the accept page of a token that points at this invitation.
    token = link_in(message.body).rstrip("/").rsplit("/", 1)[-1]
    accept_path = reverse("organizations:invitation_accept", args=[token])
    assert link_in(message.body) == f"{settings.SITE_URL.rstrip('/')}{accept_path}"
    assert selectors.invitation_from_token(token) == invitation
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_no_email_before_commit(town, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(organization=town, email=INVITEE, role=Role.EDITOR, by=admin)
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_replaced_invitation_is_never_emailed(town, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(organization=town, email=INVITEE, role=Role.VIEWER, by=admin)
        second = services.invitation_create(organization=town, email=INVITEE, role=Role.EDITOR, by=admin)

    assert len(mail.outbox) == 1
    token = link_in(mail.outbox[0].body).rstrip("/").rsplit("/", 1)[-1]
    assert selectors.invitation_from_token(token) == second


def test_sending_twice_sends_once(invitation):
    assert send_invitation_email.delay(invitation_id=invitation.pk).get() is True
    assert send_invitation_email.delay(invitation_id=invitation.pk).get() is False

    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_revoked_invitation_is_not_sent(invitation, admin):
    services.invitation_revoke(invitation=invitation, by=admin)
    assert send_invitation_email(invitation_id=invitation.pk) is False
    assert mail.outbox == []


# --- invitation_accept -------------------------------------------------------------------------


def test_accept_creates_the_membership(invitation, invitee, town):
    assert not permissions.can_view_organization(invitee, town)

    membership = services.invitation_accept(invitation=invitation, user=invitee)

    assert (membership.user, membership.organization, membership.role) == (invitee, town, Role.EDITOR)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == invitee
    assert invitation.accepted_at is not None
    # The permission cache of the same user object is refreshed.
    assert permissions.can_view_organization(invitee, town)


def test_accept_notifies_the_inviter(invitation, invitee, admin, town):
    services.invitation_accept(invitation=invitation, user=invitee)

    notice = Notification.objects.get(recipient=admin)
    assert INVITEE in notice.title
    assert town.name in notice.title
    assert notice.url == reverse("organizations:detail", args=[town.pk])
    assert not Notification.objects.exclude(recipient=admin).exists()


def test_accept_is_case_insensitive_about_the_address(town, admin):
    invitation = services.invitation_create(organization=town, email=INVITEE, role=Role.VIEWER, by=admin)
    user = UserFactory(email="New.Person@example.jp")
    assert services.invitation_accept(invitation=invitation, user=user).role == Role.VIEWER


def test_accept_with_a_verified_secondary_address(invitation):
    user = UserFactory(email="main@example.jp")
    EmailAddress.objects.create(user=user, email=INVITEE, verified=True, primary=False)
    assert services.invitation_accept(invitation=invitation, user=user).user == user


def test_refuses_an_unverified_secondary_address(invitation):
    user = UserFactory(email="main@example.jp")
    EmailAddress.objects.create(user=user, email=INVITEE, verified=False, primary=False)
    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=invitation, user=user)
    assert code_of(excinfo) == "wrong_account"


def test_refuses_an_expired_invitation(invitation, invitee):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=invitation, user=invitee)

    assert code_of(excinfo) == Invitation.Status.EXPIRED
    assert "expired" in messages_of(excinfo)
    assert not Membership.objects.filter(user=invitee).exists()


def test_refuses_a_revoked_invitation(invitation, invitee, admin):
    services.invitation_revoke(invitation=invitation, by=admin)

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=invitation, user=invitee)

    assert code_of(excinfo) == Invitation.Status.REVOKED
    assert "withdrawn" in messages_of(excinfo)
    assert not Membership.objects.filter(user=invitee).exists()


def test_refuses_a_second_use(invitation, invitee):
    services.invitation_accept(invitation=invitation, user=invitee)

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=invitation, user=invitee)

    assert code_of(excinfo) == Invitation.Status.ACCEPTED
    assert "already been used" in messages_of(excinfo)
    assert Membership.objects.filter(user=invitee).count() == 1
    assert Notification.objects.count() == 1


def test_refuses_a_user_with_another_address(invitation, people):
    someone = people["outsider"]

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=invitation, user=someone)

    assert code_of(excinfo) == "wrong_account"
    message = messages_of(excinfo)
    assert INVITEE in message
    assert someone.email in message
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Membership.objects.filter(user=someone).exists()


def test_refuses_someone_who_joined_meanwhile(invitation, invitee, town):
    Membership.objects.create(user=invitee, organization=town, role=Role.VIEWER)

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=invitation, user=invitee)

    assert code_of(excinfo) == "already_member"
    assert Membership.objects.get(user=invitee, organization=town).role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not Notification.objects.exists()


def test_revoking_needs_a_pending_invitation(invitation, invitee, admin):
    services.invitation_accept(invitation=invitation, user=invitee)
    invitation.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        services.invitation_revoke(invitation=invitation, by=admin)
    assert code_of(excinfo) == "not_pending"


def test_revoke_does_not_undo_an_acceptance_that_won_the_race(invitation, invitee, admin):
    """The admin's page loaded the invitation while pending; the invitee accepted before the click."""
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_accept(invitation=invitation, user=invitee)

    with pytest.raises(ValidationError) as excinfo:
        services.invitation_revoke(invitation=stale, by=admin)

    assert code_of(excinfo) == "not_pending"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- invitation_from_token ---------------------------------------------------------------------


def test_token_round_trip(invitation):
    assert selectors.invitation_from_token(services.invitation_token(invitation)) == invitation


def tamper(token: str) -> str:
    """Change the last character of the signature."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.parametrize(
    "make_token",
    [
        lambda inv: tamper(services.invitation_token(inv)),
        lambda inv: services.invitation_token(inv).replace(
            services.invitation_token(inv).split(":")[0], signing.dumps("x", salt="other").split(":")[0]
        ),
        lambda inv: signing.dumps(str(inv.uuid), salt="another.salt"),
        lambda inv: str(inv.uuid),
        lambda inv: "",
    ],
    ids=["tampered-signature", "swapped-payload", "wrong-salt", "bare-uuid", "empty"],
)
def test_bad_token_finds_nothing(invitation, make_token):
    assert selectors.invitation_from_token(make_token(invitation)) is None


def test_token_of_a_deleted_invitation_finds_nothing(invitation):
    token = services.invitation_token(invitation)
    invitation.delete()
    assert selectors.invitation_from_token(token) is None


# --- authority, audit and guards -----------------------------------------------------------------


def test_an_invitation_gives_nothing_once_its_sender_lost_the_right_to_invite(town, admin, invitee, people, invitation):
    """A demoted admin's invitation to make someone admin must not survive the demotion."""
    MembershipFactory(organization=town, role=Role.ADMIN)  # the town keeps an administrator
    escalation = services.invitation_create(organization=town, email="friend@example.jp", role=Role.ADMIN, by=admin)
    services.membership_change_role(
        membership=Membership.objects.get(user=admin, organization=town),
        role=Role.VIEWER,
        by=people["coordinator"],
    )
    # Both invitations the admin sent are withdrawn...
    assert {i.status for i in Invitation.objects.filter(pk__in=[invitation.pk, escalation.pk])} == {"revoked"}
    # ...and an invitation whose sender lost authority some other way is refused at acceptance.
    Invitation.objects.filter(pk=escalation.pk).update(revoked_at=None)
    friend = UserFactory(email="friend@example.jp")
    with pytest.raises(ValidationError) as excinfo:
        services.invitation_accept(invitation=Invitation.objects.get(pk=escalation.pk), user=friend)
    assert code_of(excinfo) == "inviter_lost_authority"
    assert not Membership.objects.filter(user=friend).exists()


def test_removing_the_sender_withdraws_their_invitations(town, admin, people, invitation):
    MembershipFactory(organization=town, role=Role.ADMIN)
    services.membership_remove(
        membership=Membership.objects.get(user=admin, organization=town), by=people["coordinator"]
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_withdrawing_and_replacing_are_in_the_audit_log(town, admin, invitation):
    from auditlog.models import LogEntry

    replacement = services.invitation_create(organization=town, email=INVITEE, role=Role.VIEWER, by=admin)
    services.invitation_revoke(invitation=replacement, by=admin)
    for revoked in (invitation, replacement):
        changes = [e.changes_dict for e in LogEntry.objects.get_for_object(revoked)]
        assert any("revoked_at" in c for c in changes), changes


def test_an_expired_invitation_is_not_emailed(invitation):
    mail.outbox.clear()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None, expires_at=timezone.now())
    assert send_invitation_email(invitation_id=invitation.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize(("where", "role"), [("town", Role.ADMIN), ("prefecture", Role.COORDINATOR)])
def test_the_last_manager_cannot_be_removed_or_demoted(region, people, where, role):
    organization = region["home"][where]
    holder = Membership.objects.get(organization=organization, role=role)
    with pytest.raises(ValidationError) as excinfo:
        services.membership_remove(membership=holder, by=people["staff"])
    assert code_of(excinfo) == "last_manager"
    other_role = Role.VIEWER if where == "town" else None
    if other_role:
        with pytest.raises(ValidationError):
            services.membership_change_role(membership=holder, role=other_role, by=people["staff"])
    assert Membership.objects.get(pk=holder.pk).role == role

    # With a second manager, the first can go.
    MembershipFactory(organization=organization, role=role)
    services.membership_remove(membership=holder, by=people["staff"])
    assert not Membership.objects.filter(pk=holder.pk).exists()


@pytest.mark.parametrize("action", ["remove", "demote"])
def test_the_page_says_why_the_last_administrator_stays(client, region, people, action):
    town = region["home"]["town"]
    holder = Membership.objects.get(organization=town, role=Role.ADMIN)
    client.force_login(people["staff"])
    if action == "remove":
        response = client.post(f"/members/{holder.pk}/remove/", follow=True)
    else:
        response = client.post(f"/members/{holder.pk}/role/", {"role": Role.VIEWER}, follow=True)
    assert response.redirect_chain[-1] == (f"/organizations/{town.pk}/", 302)
    (message,) = [str(m) for m in response.context["messages"]]
    assert message == f"{town.name}に管理者がいなくなります。先に他の方を管理者にしてください。"
    assert Membership.objects.get(pk=holder.pk).role == Role.ADMIN
