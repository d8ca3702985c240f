"""TOTP two-factor authentication, which a prefecture can require of its people."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from auditlog.models import LogEntry

ACTIVATE = "/accounts/2fa/totp/activate/"


def _sign_in(client, user) -> None:
    client.post("/accounts/login/", {"login": user.email, "password": "correct-horse-battery"})


def _confirm_password(client) -> None:
    """allauth asks for the password again before two-factor settings change."""
    response = client.post("/accounts/reauthenticate/", {"password": "correct-horse-battery"})
    assert response.status_code == 302


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def mfa_required(region):
    prefecture = region["home"]["prefecture"]
    prefecture.mfa_required = True
    prefecture.save()
    return prefecture


@pytest.mark.parametrize("role", ["coordinator", "admin", "editor", "viewer"])
def test_members_in_a_requiring_prefecture_must_set_up_totp(mfa_required, people, client, role):
    _sign_in(client, people[role])
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == ACTIVATE
    # The set-up page stays reachable (after allauth's password confirmation), without a loop.
    assert client.get(ACTIVATE).url.startswith("/accounts/reauthenticate/")
    _confirm_password(client)
    assert client.get(ACTIVATE).status_code == 200


@pytest.mark.parametrize("role", ["partner", "national", "staff"])
def test_people_outside_the_prefecture_are_not_forced(mfa_required, people, client, role):
    client.force_login(people[role])
    assert client.get("/").status_code == 200


def test_activating_totp_lifts_the_requirement(mfa_required, people, client):
    _sign_in(client, people["editor"])
    _confirm_password(client)
    client.get(ACTIVATE)
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(ACTIVATE, {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=people["editor"], type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def test_sign_in_asks_for_the_code_when_totp_is_on(people, client):
    user = people["viewer"]
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post("/accounts/login/", {"login": user.email, "password": "correct-horse-battery"})
    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/").context["user"].is_anonymous

    assert client.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    assert client.get("/").context["user"].is_anonymous
    response = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user


def test_coordinator_sets_the_policy_and_it_is_audited(region, people, client):
    prefecture = region["home"]["prefecture"]
    client.force_login(people["coordinator"])
    client.post(f"/organizations/{prefecture.pk}/mfa/", {"mfa_required": "on"})
    prefecture.refresh_from_db()
    assert prefecture.mfa_required
    entry = LogEntry.objects.get_for_object(prefecture).latest("timestamp")
    assert entry.actor == people["coordinator"]
    assert entry.changes_dict["mfa_required"] == ["False", "True"]


@pytest.mark.parametrize("role", ["admin", "editor", "viewer", "partner", "national"])
def test_others_cannot_set_the_policy(region, people, client, role):
    prefecture = region["home"]["prefecture"]
    client.force_login(people[role])
    response = client.post(f"/organizations/{prefecture.pk}/mfa/", {"mfa_required": "on"})
    assert response.status_code in (403, 404)
    prefecture.refresh_from_db()
    assert not prefecture.mfa_required


def test_a_coordinator_cannot_set_another_prefectures_policy(region, people, client):
    other = region["other"]["prefecture"]
    client.force_login(people["coordinator"])
    assert client.post(f"/organizations/{other.pk}/mfa/", {"mfa_required": "on"}).status_code == 404
    other.refresh_from_db()
    assert not other.mfa_required


def test_api_refuses_a_token_of_someone_who_lacks_required_totp(mfa_required, people):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['editor']).key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 403
    assert "二要素認証" in response.json()["detail"]

    TOTP.activate(people["editor"], generate_totp_secret())
    assert api.get("/api/v1/me/").status_code == 200


def test_staff_must_use_totp_when_the_platform_requires_it(people, client, settings):
    settings.STAFF_MFA_REQUIRED = True
    client.force_login(people["staff"])
    assert client.get("/organizations/").url == ACTIVATE


def test_the_admin_site_signs_in_through_allauth(people, client):
    """Django's own admin login would skip the TOTP step and the login rate limits."""
    staff = people["staff"]
    TOTP.activate(staff, generate_totp_secret())
    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302
