"""Sign-in by email, verification, password reset, rate limits and language."""

from __future__ import annotations

import re

from django.core import mail

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


def _login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_by_email(db, en_client):
    user = UserFactory(email="Mixed.Case@Example.jp".lower())
    response = _login(en_client, "mixed.case@example.jp")
    assert response.status_code == 302
    assert en_client.get("/").context["user"] == user


def test_unverified_address_must_be_confirmed_before_signing_in(db, en_client):
    user = UserFactory(verified=False)
    response = _login(en_client, user.email)
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    (message,) = mail.outbox
    assert message.to == [user.email]
    confirm_path = re.search(r"/accounts/confirm-email/[^/\s]+/", message.body).group(0)
    assert en_client.get("/").context["user"].is_anonymous

    en_client.post(confirm_path)
    assert user.emailaddress_set.get().verified
    assert _login(en_client, user.email).status_code == 302
    assert en_client.get("/").context["user"] == user


def test_password_reset_by_email(db, en_client):
    user = UserFactory()
    en_client.post("/accounts/password/reset/", {"email": user.email})
    (message,) = mail.outbox
    reset_path = re.search(r"/accounts/password/reset/key/\S+/", message.body).group(0)
    form_page = en_client.get(reset_path, follow=True)
    set_path = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_path
    response = en_client.post(set_path, {"password1": "brand-new-passphrase-7", "password2": "brand-new-passphrase-7"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-7")


def test_repeated_failed_sign_ins_are_throttled(db, en_client):
    user = UserFactory()
    for _ in range(5):
        assert _login(en_client, user.email, "wrong-password").status_code == 200
    response = _login(en_client, user.email, PASSWORD)
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert en_client.get("/").context["user"].is_anonymous


def test_pages_are_japanese_by_default_and_english_on_request(db, client):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="ja">' in page
    assert "サインイン" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page
