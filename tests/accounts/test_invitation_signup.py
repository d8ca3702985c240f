"""Sign-up is by invitation only: the link binds the organisation, role and address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone

from dx_platform.accounts.models import User
from dx_platform.organizations.models import Membership
from dx_platform.organizations.services import invitation_create, invitation_token

PASSWORD = "a-long-passphrase-42"


def _invite(people, region, email="new.person@town.example.jp", role="editor"):
    return invitation_create(organization=region["home"]["town"], email=email, role=role, by=people["admin"])


def _link_from_outbox() -> str:
    (message,) = mail.outbox
    return re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)


def test_signup_is_closed_without_an_invitation(db, en_client):
    response = en_client.get("/accounts/signup/")
    assert response.status_code == 200
    assert "Sign Up Closed" in response.content.decode()
    assert 'name="password1"' not in response.content.decode()


def test_invited_person_signs_up_and_joins_with_the_invited_role(
    people, region, en_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(people, region)
    link = _link_from_outbox()
    path = link.split("127.0.0.1:8000", 1)[-1]

    landing = en_client.get(path)
    assert landing.status_code == 200
    assert "Create account" in landing.content.decode()

    signup = en_client.get("/accounts/signup/?email=new.person@town.example.jp")
    assert 'name="password1"' in signup.content.decode()
    response = en_client.post(
        "/accounts/signup/",
        {
            "email": "new.person@town.example.jp",
            "name": "新人 花子",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@town.example.jp")
    assert user.name == "新人 花子"
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (region["home"]["town"], "editor")
    # The invitation link proved the address: no separate verification round-trip.
    assert EmailAddress.objects.get(user=user).verified
    assert en_client.get("/").context["user"] == user


def test_signup_with_another_address_is_refused(people, region, en_client):
    invitation = _invite(people, region)
    en_client.get(f"/invitations/accept/{invitation_token(invitation)}/")
    response = en_client.post(
        "/accounts/signup/",
        {"email": "someone.else@example.jp", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "This invitation is for new.person@town.example.jp" in response.content.decode()
    assert not User.objects.filter(email="someone.else@example.jp").exists()


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"expires_at": timezone.now() - dt.timedelta(hours=1)}, 410, "expired"),
        ({"revoked_at": timezone.now()}, 410, "withdrawn"),
        ({"accepted_at": timezone.now()}, 410, "already been used"),
    ],
)
def test_unusable_invitation_says_why(people, region, en_client, change, status, text):
    invitation = _invite(people, region)
    type(invitation).objects.filter(pk=invitation.pk).update(**change)
    response = en_client.get(f"/invitations/accept/{invitation_token(invitation)}/")
    assert response.status_code == status
    assert text in response.content.decode()
    # Nor can the stale invitation open sign-up.
    assert 'name="password1"' not in en_client.get("/accounts/signup/").content.decode()


def test_tampered_link_is_rejected(people, region, en_client):
    invitation = _invite(people, region)
    token = invitation_token(invitation)
    response = en_client.get(f"/invitations/accept/{token[:-3]}abc/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_existing_user_signs_in_then_accepts(people, region, en_client):
    existing = people["outsider"]
    invitation = _invite(people, region, email=existing.email, role="viewer")
    path = f"/invitations/accept/{invitation_token(invitation)}/"
    assert "Sign in to accept" in en_client.get(path).content.decode()

    en_client.force_login(existing)
    response = en_client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(user=existing).role == "viewer"


def test_signed_in_as_someone_else_cannot_accept(people, region, en_client):
    invitation = _invite(people, region)
    en_client.force_login(people["outsider"])
    response = en_client.post(f"/invitations/accept/{invitation_token(invitation)}/")
    assert response.status_code == 400
    assert "was sent to new.person@town.example.jp" in response.content.decode()
    assert not Membership.objects.filter(user=people["outsider"]).exists()


def test_wrong_role_for_the_organisation_is_refused_in_the_form(people, region, en_client):
    en_client.force_login(people["admin"])
    response = en_client.post(
        f"/organizations/{region['home']['town'].pk}/invitations/",
        {"email": "x@example.jp", "role": "coordinator"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not region["home"]["town"].invitations.exists()
