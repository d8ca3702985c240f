"""Notices: emailed once at once or in one daily digest, in the recipient's language; the notice list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from dx_platform.accounts.models import User
from dx_platform.notifications.models import Notification
from dx_platform.notifications.services import notification_create
from dx_platform.notifications.tasks import send_daily_digests, send_notification_email
from dx_platform.organizations.models import Membership, Role
from dx_platform.organizations.services import membership_change_role
from tests.factories import UserFactory

BADGE = re.compile(r'<span class="badge"[^>]*>\s*(\d+)\s*</span>')


@pytest.fixture
def digest_user(db):
    return UserFactory(notification_delivery=User.Delivery.DIGEST, language="en")


def _notice(recipient, title, *, minutes_ago=0, **kwargs):
    """A notice as if created `minutes_ago`; on_commit callbacks are not run (no immediate email)."""
    notice = notification_create(recipient=recipient, title=title, **kwargs)
    if minutes_ago:
        created = timezone.now() - dt.timedelta(minutes=minutes_ago)
        Notification.objects.filter(pk=notice.pk).update(created_at=created)
        notice.refresh_from_db()
    return notice


def _badge(response) -> int | None:
    match = BADGE.search(response.content.decode())
    return int(match.group(1)) if match else None


# --- Immediate delivery -------------------------------------------------------------------------


def test_immediate_delivery_emails_the_notice_once_with_an_absolute_link(people, django_capture_on_commit_callbacks):
    user = people["viewer"]
    assert user.notification_delivery == User.Delivery.IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        notice = notification_create(
            recipient=user, title="Survey 2024 is open", body="Please fill it in.", url="/organizations/7/"
        )

    assert len(mail.outbox) == 1
    (email,) = mail.outbox
    assert email.to == [user.email]
    assert "Survey 2024 is open" in email.subject
    assert "Survey 2024 is open" in email.body
    assert "Please fill it in." in email.body
    assert f"{settings.SITE_URL.rstrip('/')}/organizations/7/" in email.body
    notice.refresh_from_db()
    assert notice.emailed_at is not None

    # A retried or duplicated task finds the notice claimed and sends nothing.
    assert send_notification_email.delay(notification_id=notice.pk).get() is False
    assert send_notification_email(notification_id=notice.pk) is False
    assert len(mail.outbox) == 1


def test_immediate_notice_is_not_emailed_again_by_the_digest(people, django_capture_on_commit_callbacks):
    user = people["viewer"]
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(recipient=user, title="Only once")
    assert len(mail.outbox) == 1

    # Switching to the digest afterwards must not mail the already-emailed notice again.
    User.objects.filter(pk=user.pk).update(notification_delivery=User.Delivery.DIGEST)
    assert send_daily_digests() == 0
    assert len(mail.outbox) == 1


def test_external_link_is_emailed_unchanged(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(recipient=people["viewer"], title="Read this", url="https://www.digital.go.jp/")
    (email,) = mail.outbox
    assert "https://www.digital.go.jp/" in email.body
    assert f"{settings.SITE_URL.rstrip('/')}https://" not in email.body


# --- Daily digest -------------------------------------------------------------------------------


def test_digest_user_gets_no_immediate_email(digest_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = notification_create(recipient=digest_user, title="Wait for the digest")
    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.emailed_at is None


def test_digest_lists_every_new_notice_newest_first_and_runs_once(digest_user):
    # Created in one order, dated in another: the digest sorts by date, not by creation order.
    _notice(digest_user, "Middle notice", minutes_ago=60, url="/organizations/3/")
    _notice(digest_user, "Newest notice", minutes_ago=5, body="Details of the newest.")
    _notice(digest_user, "Oldest notice", minutes_ago=180)

    assert send_daily_digests.delay().get() == 1

    assert len(mail.outbox) == 1
    (email,) = mail.outbox
    assert email.to == [digest_user.email]
    assert "3" in email.subject
    body = email.body
    positions = [body.index(title) for title in ("Newest notice", "Middle notice", "Oldest notice")]
    assert positions == sorted(positions)
    assert "Details of the newest." in body
    assert f"{settings.SITE_URL.rstrip('/')}/organizations/3/" in body
    assert not Notification.objects.filter(recipient=digest_user, emailed_at__isnull=True).exists()

    # Run twice, sends once.
    assert send_daily_digests() == 0
    assert len(mail.outbox) == 1


def test_digest_is_never_empty_and_skips_immediate_users(people, digest_user):
    immediate = people["editor"]
    # An immediate user's notice whose email has not gone out yet still is not the digest's business.
    _notice(immediate, "Immediate user's notice")
    already_sent = UserFactory(notification_delivery=User.Delivery.DIGEST)
    Notification.objects.create(recipient=already_sent, title="Sent yesterday", emailed_at=timezone.now())

    assert send_daily_digests() == 0
    assert mail.outbox == []

    _notice(digest_user, "Something new")
    assert send_daily_digests() == 1
    assert [email.to for email in mail.outbox] == [[digest_user.email]]
    assert "Immediate user's notice" not in mail.outbox[0].body
    assert "Sent yesterday" not in mail.outbox[0].body


def test_one_digest_per_user_with_only_their_own_notices(digest_user):
    other = UserFactory(notification_delivery=User.Delivery.DIGEST)
    _notice(digest_user, "For the first user")
    _notice(other, "For the second user")
    _notice(other, "Also for the second user")

    assert send_daily_digests() == 2

    by_recipient = {tuple(email.to): email.body for email in mail.outbox}
    assert set(by_recipient) == {(digest_user.email,), (other.email,)}
    assert "For the first user" in by_recipient[(digest_user.email,)]
    assert "second user" not in by_recipient[(digest_user.email,)]
    assert "For the second user" in by_recipient[(other.email,)]
    assert "Also for the second user" in by_recipient[(other.email,)]


def test_notice_created_after_a_digest_run_goes_in_the_next_digest_only(digest_user):
    _notice(digest_user, "Before the first run", minutes_ago=30)
    assert send_daily_digests() == 1

    _notice(digest_user, "After the first run")
    assert send_daily_digests() == 1

    first, second = mail.outbox
    assert "Before the first run" in first.body
    assert "After the first run" not in first.body
    assert "After the first run" in second.body
    assert "Before the first run" not in second.body

    assert send_daily_digests() == 0
    assert len(mail.outbox) == 2


def test_inactive_digest_user_gets_no_digest(digest_user):
    _notice(digest_user, "Nobody reads this")
    User.objects.filter(pk=digest_user.pk).update(is_active=False)
    assert send_daily_digests() == 0
    assert mail.outbox == []


# --- Language -----------------------------------------------------------------------------------


def test_lazy_texts_are_rendered_in_the_recipients_language(db):
    """The text is rendered with the recipient's language active, whatever the request's is."""
    active_language = lazy(translation.get_language, str)
    english = UserFactory(language="en")
    japanese = UserFactory(language="ja")

    with translation.override("ja"):
        to_english = notification_create(recipient=english, title=active_language(), body=active_language())
    with translation.override("en"):
        to_japanese = notification_create(recipient=japanese, title=active_language())

    assert (to_english.title, to_english.body) == ("en", "en")
    assert to_japanese.title == "ja"
    assert Notification.objects.get(pk=to_english.pk).title == "en"
    assert Notification.objects.get(pk=to_japanese.pk).title == "ja"


def test_role_change_notifies_the_member_in_their_language(people, region):
    town = region["home"]["town"]
    editor = people["editor"]
    viewer = people["viewer"]
    User.objects.filter(pk=editor.pk).update(language="en")
    User.objects.filter(pk=viewer.pk).update(language="ja")
    to_english = Membership.objects.select_related("user", "organization").get(user=editor, organization=town)
    to_japanese = Membership.objects.select_related("user", "organization").get(user=viewer, organization=town)

    # The acting admin's language is Japanese for the first change and English for the second.
    with translation.override("ja"):
        membership_change_role(membership=to_english, role=Role.VIEWER, by=people["admin"])
    with translation.override("en"):
        membership_change_role(membership=to_japanese, role=Role.EDITOR, by=people["admin"])

    english_notice = Notification.objects.get(recipient=editor)
    assert english_notice.title == f"Your role in {town.name} is now Viewer"
    assert english_notice.url == reverse("organizations:detail", args=[town.pk])

    japanese_notice = Notification.objects.get(recipient=viewer)
    with translation.override("ja"):
        expected = str(
            format_lazy(gettext_lazy("Your role in {org} is now {role}"), org=town.name, role=Role.EDITOR.label)
        )
    assert japanese_notice.title == expected


def test_role_change_to_the_same_role_notifies_nobody(people, region):
    membership = Membership.objects.get(user=people["viewer"], organization=region["home"]["town"])
    membership_change_role(membership=membership, role=Role.VIEWER, by=people["admin"])
    assert not Notification.objects.filter(recipient=people["viewer"]).exists()


def test_digest_email_is_in_the_users_language(digest_user):
    """The digest's own wording follows User.language (English here, whatever is active)."""
    _notice(digest_user, "One")
    _notice(digest_user, "Two")
    with translation.override("ja"):
        send_daily_digests()
    (email,) = mail.outbox
    assert "2 new notices since the last digest (newest first):" in email.body


# --- Views --------------------------------------------------------------------------------------


def test_notice_list_requires_sign_in(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('account_login')}?next=/notifications/")

    response = client.post("/notifications/read/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_notice_list_shows_only_the_users_own_notices(client, people):
    _notice(people["viewer"], "Mine: survey reminder", body="Body of mine")
    _notice(people["editor"], "Someone else's notice")
    client.force_login(people["viewer"])

    response = client.get("/notifications/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Mine: survey reminder" in content
    assert "Body of mine" in content
    assert "Someone else&#x27;s notice" not in content
    assert "Someone else" not in content
    assert [n.title for n in response.context["page"]] == ["Mine: survey reminder"]


def test_notice_list_is_newest_first(client, people):
    _notice(people["viewer"], "Older", minutes_ago=30)
    _notice(people["viewer"], "Newer", minutes_ago=1)
    client.force_login(people["viewer"])
    response = client.get("/notifications/")
    assert [n.title for n in response.context["page"]] == ["Newer", "Older"]


def test_each_notice_button_names_its_notice(en_client, people):
    """Screen readers list buttons out of context: "Open" alone does not say which notice."""
    _notice(people["viewer"], "Survey <2024> is open", url="/organizations/3/")
    _notice(people["viewer"], "Role changed")
    en_client.force_login(people["viewer"])

    content = en_client.get("/notifications/").content.decode()

    assert 'aria-label="Open Survey &lt;2024&gt; is open">Open</button>' in content
    assert 'aria-label="Mark as read: Role changed">Mark as read</button>' in content


def test_opening_a_notice_marks_it_read_and_follows_its_local_link(client, people):
    user = people["viewer"]
    opened = _notice(user, "Opened", url="/organizations/3/")
    untouched = _notice(user, "Still unread")
    client.force_login(user)

    response = client.post("/notifications/read/", {"id": opened.pk, "next": opened.url})

    assert response.status_code == 302
    assert response.url == "/organizations/3/"
    opened.refresh_from_db()
    untouched.refresh_from_db()
    assert opened.read_at is not None
    assert untouched.read_at is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http://evil.example/organizations/1/"])
def test_mark_read_never_redirects_to_another_host(client, people, target):
    user = people["viewer"]
    notice = _notice(user, "Phish me")
    client.force_login(user)

    response = client.post("/notifications/read/", {"id": notice.pk, "next": target})

    assert response.status_code == 302
    assert "evil.example" not in response.url
    assert response.url == reverse("notifications:list")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_cannot_mark_another_users_notice_read(client, people):
    theirs = _notice(people["editor"], "Not yours")
    client.force_login(people["viewer"])

    response = client.post("/notifications/read/", {"id": theirs.pk, "next": "/"})

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_the_users_own(client, people):
    user = people["viewer"]
    mine = [_notice(user, f"Mine {i}") for i in range(3)]
    theirs = _notice(people["editor"], "Theirs")
    client.force_login(user)

    response = client.post("/notifications/read/")

    assert response.status_code == 302
    assert response.url == reverse("notifications:list")
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_does_not_accept_get(client, people):
    notice = _notice(people["viewer"], "Stay unread")
    client.force_login(people["viewer"])
    response = client.get(f"/notifications/read/?id={notice.pk}")
    assert response.status_code == 405
    notice.refresh_from_db()
    assert notice.read_at is None


def test_nav_badge_counts_unread_notices(en_client, people):
    user = people["viewer"]
    en_client.force_login(user)
    assert _badge(en_client.get("/notifications/")) is None

    first = _notice(user, "One")
    _notice(user, "Two")
    _notice(people["editor"], "Not counted: someone else's")
    Notification.objects.create(recipient=user, title="Already read", read_at=timezone.now())
    response = en_client.get("/notifications/")
    assert _badge(response) == 2
    assert 'aria-label="2 unread"' in response.content.decode()

    en_client.post("/notifications/read/", {"id": first.pk})
    assert _badge(en_client.get("/notifications/")) == 1

    en_client.post("/notifications/read/")
    assert _badge(en_client.get("/notifications/")) is None


@pytest.mark.parametrize("value", ["abc", "²", "-1", "99999999999999999999999"])
def test_mark_read_with_a_malformed_id_marks_nothing(client, people, value):
    mine = _notice(people["viewer"], "Mine")
    client.force_login(people["viewer"])

    response = client.post("/notifications/read/", {"id": value, "next": "/"})

    # Back to the list, not to `next`, and not "mark all" either.
    assert response.status_code == 302
    assert response.url == reverse("notifications:list")
    mine.refresh_from_db()
    assert mine.read_at is None


def test_long_texts_do_not_break_the_action_that_notifies(people, region):
    """A role change in an organisation with a long name still succeeds and notifies the member."""
    town = region["home"]["town"]
    town.name = "長" * 200
    town.save()
    membership = Membership.objects.select_related("organization").get(user=people["viewer"], organization=town)

    membership_change_role(membership=membership, role=Role.EDITOR, by=people["admin"])

    membership.refresh_from_db()
    assert membership.role == Role.EDITOR
    notice = Notification.objects.get(recipient=people["viewer"])
    max_length = Notification._meta.get_field("title").max_length
    assert len(notice.title) <= max_length
    assert "長長長" in notice.title
