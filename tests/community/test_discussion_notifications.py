"""Community events through the foundation's notices: a mention, an answer, a new need in a partner's
category, a reference request. In-app always; emailed at once or in the daily digest by the user's
choice; the digest task run twice sends each digest once, nothing to a user with nothing new, newest first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from community.services import discussion, market
from dx_platform.accounts.models import User
from dx_platform.notifications.models import Notification
from dx_platform.notifications.tasks import send_daily_digests
from dx_platform.organizations.models import Role
from tests.community.test_market_support import list_solution, post_need
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def member(organization, role, delivery):
    return MembershipFactory(
        organization=organization, role=role, user__notification_delivery=delivery, user__language="en"
    ).user


@pytest.fixture
def cast(region):
    """A partner and a town editor on the digest, and the same on immediate email."""
    town, partner = region["home"]["town"], region["partner"]
    return {
        "partner": member(partner, Role.PARTNER, User.Delivery.DIGEST),
        "editor": member(town, Role.EDITOR, User.Delivery.DIGEST),
        "partner_now": member(region["other_partner"], Role.PARTNER, User.Delivery.IMMEDIATE),
        "editor_now": member(town, Role.EDITOR, User.Delivery.IMMEDIATE),
        "quiet": member(town, Role.VIEWER, User.Delivery.DIGEST),
    }


def events(region, cast, capture):
    """Each community event once, an hour apart (oldest first), each caught by both kinds of user.

    Returns the need.
    """
    town = region["home"]["town"]
    with capture(execute=True):
        # Both partners have a published solution in the category: they hear of the new need.
        solution = list_solution(region["partner"], cast["partner"], category="rpa")
        list_solution(region["other_partner"], cast["partner_now"], category="rpa")
        need = post_need(town, cast["editor"], category="rpa", title="RPAで入力作業を減らしたい")
        _age(4)
        # Each partner asks; the town's staff answer them.
        for asker, answerer in (("partner", "editor_now"), ("partner_now", "editor")):
            question = discussion.comment_post(target=need, body="対象業務は？", by=cast[asker], kind="question")
            discussion.comment_post(target=need, body="給与計算です。", by=cast[answerer], parent=question)
        _age(3)
        # Someone mentions both editors.
        discussion.comment_post(
            target=need, body=f"@{cast['editor'].email} @{cast['editor_now'].email} ご確認ください", by=cast["partner"]
        )
        _age(2)
        # The partner names the town as a reference: the town's editors are asked to confirm.
        market.reference_request(solution=solution, organization=town, by=cast["partner"])
        _age(1)
    return need


def _age(hours: int) -> None:
    """Date the notices made since the last call `hours` ago, so the order by date is not the order of ids."""
    Notification.objects.filter(created_at__gt=timezone.now() - dt.timedelta(minutes=30)).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


EXPECTED = {
    "partner": ["answered you", "New need in RPA"],
    # The questions are about the town's need: its editors are asked (newest first, so the second asker's).
    "editor": ["names you as a user", "mentioned you", "asks about", "asks about"],
}


def titles(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("-created_at", "-pk").values_list("title", flat=True)
    )


def test_every_event_is_an_in_app_notice_for_either_choice(region, cast, django_capture_on_commit_callbacks):
    events(region, cast, django_capture_on_commit_callbacks)
    for digest_user, immediate_user in (("partner", "partner_now"), ("editor", "editor_now")):
        for who in (digest_user, immediate_user):
            shown = titles(cast[who])
            assert len(shown) == len(EXPECTED[digest_user]), (who, shown)
            for title, expected in zip(shown, EXPECTED[digest_user], strict=True):
                assert expected in title
    assert titles(cast["quiet"]) == []


def test_immediate_users_are_emailed_each_notice_at_once_and_never_again(
    region, cast, django_capture_on_commit_callbacks
):
    events(region, cast, django_capture_on_commit_callbacks)
    sent = {}
    for email in mail.outbox:
        sent.setdefault(email.to[0], []).append(email.subject)
    assert set(sent) == {cast["partner_now"].email, cast["editor_now"].email}
    assert len(sent[cast["partner_now"].email]) == len(EXPECTED["partner"])
    assert len(sent[cast["editor_now"].email]) == len(EXPECTED["editor"])
    assert any("RPAで入力作業を減らしたい" in subject for subject in sent[cast["partner_now"].email])
    before = len(mail.outbox)
    assert send_daily_digests() == 2  # the two digest users only
    assert all(
        email.to[0] not in (cast["partner_now"].email, cast["editor_now"].email) for email in mail.outbox[before:]
    )


def test_digest_users_get_one_digest_newest_first_and_a_second_run_sends_nothing(
    region, cast, django_capture_on_commit_callbacks
):
    need = events(region, cast, django_capture_on_commit_callbacks)
    digest_users = (cast["partner"].email, cast["editor"].email, cast["quiet"].email)
    assert [e for e in mail.outbox if e.to[0] in digest_users] == []  # nothing emailed at once
    mail.outbox.clear()

    assert send_daily_digests() == 2
    by_user = {email.to[0]: email for email in mail.outbox}
    assert set(by_user) == {cast["partner"].email, cast["editor"].email}  # the quiet viewer gets nothing
    for who in ("partner", "editor"):
        body = by_user[cast[who].email].body
        assert f"{len(EXPECTED[who])} new notices" in body
        positions = [body.index(expected) for expected in EXPECTED[who]]
        assert positions == sorted(positions)  # newest first
        assert f"{settings.SITE_URL.rstrip('/')}/community/needs/{need.pk}/" in body
    assert "/community/references/" in by_user[cast["editor"].email].body
    assert "#comment-" in by_user[cast["partner"].email].body

    assert send_daily_digests() == 0
    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_new_event_after_the_digest_goes_in_the_next_one_only(region, cast, django_capture_on_commit_callbacks):
    need = events(region, cast, django_capture_on_commit_callbacks)
    send_daily_digests()
    mail.outbox.clear()
    discussion.comment_post(target=need, body=f"@{cast['partner'].email} 追加の質問です", by=cast["editor"])
    assert send_daily_digests() == 1
    (email,) = mail.outbox
    assert email.to == [cast["partner"].email]
    assert "1 new notice" in email.body
    assert "mentioned you" in email.body
    assert "answered you" not in email.body
