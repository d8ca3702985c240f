"""Landing and home pages, attention items, error pages, language switch, municipality directory."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dx_platform.core import views as core_views
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.selectors import attention_items
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Invitation, Membership, Municipality, Role
from tests.factories import MembershipFactory

MFA_ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def reference_data(db):
    call_command("load_reference_data", stdout=io.StringIO())


def _templates(response) -> list[str]:
    return [t.name for t in response.templates]


def _invite(organization, email, *, expires_in, by=None, **kwargs):
    return Invitation.objects.create(
        organization=organization,
        email=email,
        role=Role.VIEWER,
        invited_by=by,
        expires_at=timezone.now() + expires_in,
        **kwargs,
    )


def _pagination_link(content: str, rel: str) -> dict[str, list[str]] | None:
    match = re.search(rf'<a href="([^"]*)" rel="{rel}"', content)
    return parse_qs(urlsplit(html.unescape(match.group(1))).query) if match else None


# --- Landing and home ---------------------------------------------------------------------------


def test_landing_shows_the_reference_counts_and_a_sign_in_link(client, reference_data):
    response = client.get("/")

    assert response.status_code == 200
    assert "core/landing.html" in _templates(response)
    assert response.context["counts"] == {"prefectures": 47, "municipalities": 1741, "towns_villages": 926}
    content = response.content.decode()
    assert "<dd>47</dd>" in content
    assert "<dd>1,741</dd>" in content
    assert "<dd>926</dd>" in content
    assert f'href="{reverse("account_login")}"' in content
    assert f'href="{reverse("organizations:municipalities")}"' in content


def test_landing_counts_follow_the_data(client, region):
    # Two prefectures, each with one town and one city.
    response = client.get("/")
    assert response.context["counts"] == {"prefectures": 2, "municipalities": 4, "towns_villages": 2}


def test_home_lists_the_members_organisations_with_role_and_link(en_client, people, region):
    admin = people["admin"]
    MembershipFactory(user=admin, organization=region["national"], role=Role.VIEWER)
    en_client.force_login(admin)

    response = en_client.get("/")

    assert response.status_code == 200
    assert "core/home.html" in _templates(response)
    content = response.content.decode()
    items = re.findall(r"<li>(.*?)</li>", content, flags=re.S)
    expected = {
        region["home"]["town"]: "Administrator",
        region["national"]: "Viewer",
    }
    for organization, role in expected.items():
        (item,) = [i for i in items if f'href="/organizations/{organization.pk}/"' in i]
        assert organization.name in item
        assert role in item
    assert {m.organization for m in response.context["memberships"]} == set(expected)
    assert region["other"]["town"].name not in content
    assert region["home"]["city"].name not in content


def test_home_of_someone_without_organisations(en_client, people):
    en_client.force_login(people["outsider"])
    response = en_client.get("/")
    assert response.status_code == 200
    assert list(response.context["memberships"]) == []
    assert response.context["attention"] == []


# --- Attention items ----------------------------------------------------------------------------


def test_attention_shows_unread_notices(en_client, people):
    user = people["viewer"]
    for title in ("One", "Two"):
        Notification.objects.create(recipient=user, title=title)
    Notification.objects.create(recipient=user, title="Read", read_at=timezone.now())
    Notification.objects.create(recipient=people["editor"], title="Not the viewer's")
    en_client.force_login(user)

    response = en_client.get("/")

    items = response.context["attention"]
    assert [(item.text, item.url) for item in items] == [("2 unread notices", "/notifications/")]
    assert '<a href="/notifications/">2 unread notices</a>' in response.content.decode()


def test_attention_shows_pending_invitations_soonest_first(en_client, people, region):
    town = region["home"]["town"]
    admin = people["admin"]
    _invite(town, "later@example.jp", expires_in=dt.timedelta(days=6), by=admin)
    _invite(town, "soon@example.jp", expires_in=dt.timedelta(days=1), by=admin)
    # Not pending: expired, accepted, revoked; and one of another prefecture's town.
    _invite(town, "expired@example.jp", expires_in=dt.timedelta(days=-1))
    _invite(town, "accepted@example.jp", expires_in=dt.timedelta(days=1), accepted_at=timezone.now())
    _invite(town, "revoked@example.jp", expires_in=dt.timedelta(days=1), revoked_at=timezone.now())
    _invite(region["other"]["town"], "elsewhere@example.jp", expires_in=dt.timedelta(days=1))
    en_client.force_login(admin)

    response = en_client.get("/")

    detail = reverse("organizations:detail", args=[town.pk])
    assert [(item.text, item.url, item.level) for item in response.context["attention"]] == [
        (f"Invitation to soon@example.jp ({town.name}) expires soon", detail, "warning"),
        (f"Invitation to later@example.jp ({town.name}) is not yet accepted", detail, "info"),
    ]
    content = response.content.decode()
    assert "soon@example.jp" in content
    for hidden in ("expired@", "accepted@", "revoked@", "elsewhere@"):
        assert hidden not in content


def test_invitations_are_for_those_who_manage_the_organisation(people, region):
    town = region["home"]["town"]
    _invite(town, "soon@example.jp", expires_in=dt.timedelta(hours=20))

    assert attention_items(user=people["viewer"]) == []
    assert attention_items(user=people["editor"]) == []
    (item,) = attention_items(user=people["coordinator"])
    assert "soon@example.jp" in item.text
    assert item.level == "warning"


def test_mfa_required_by_the_prefecture_sends_members_to_totp_set_up(client, people, region):
    prefecture = region["home"]["prefecture"]
    prefecture.mfa_required = True
    prefecture.save()
    admin = people["admin"]
    client.force_login(admin)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url == MFA_ACTIVATE == reverse("mfa_activate_totp")
    first = attention_items(user=admin)[0]
    assert first.url == MFA_ACTIVATE
    assert first.level == "warning"


def test_no_mfa_prompt_outside_the_requiring_prefecture(people, region):
    region["home"]["prefecture"].mfa_required = True
    region["home"]["prefecture"].save()
    other_member = MembershipFactory(organization=region["other"]["town"], role=Role.ADMIN).user

    for user in (other_member, people["partner"], people["outsider"]):
        assert all(item.url != MFA_ACTIVATE for item in attention_items(user=user))
    assert attention_items(user=people["coordinator"])[0].url == MFA_ACTIVATE


def test_no_mfa_prompt_when_not_required(people):
    assert all(item.url != MFA_ACTIVATE for item in attention_items(user=people["admin"]))


# --- Error pages --------------------------------------------------------------------------------


def test_404_uses_the_site_layout(client, db):
    assert settings.DEBUG is False
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "errors/404.html" in _templates(response)
    assert "base.html" in _templates(response)
    content = response.content.decode()
    assert '<html lang="ja">' in content
    assert 'class="site-header"' in content
    assert f'href="{reverse("home")}"' in content


def test_404_for_an_organisation_one_cannot_see(en_client, people, region):
    en_client.force_login(people["viewer"])
    response = en_client.get(f"/organizations/{region['other']['town'].pk}/")
    assert response.status_code == 404
    assert "errors/404.html" in _templates(response)
    assert region["other"]["town"].name not in response.content.decode()


def test_permission_denied_renders_the_403_page(en_client, people, region):
    membership = Membership.objects.get(user=people["editor"], organization=region["home"]["town"])
    en_client.force_login(people["viewer"])

    response = en_client.post(f"/members/{membership.pk}/role/", {"role": Role.ADMIN})

    assert response.status_code == 403
    assert "errors/403.html" in _templates(response)
    assert "base.html" in _templates(response)
    assert "You cannot manage the members of this organisation." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR


def test_500_handler_is_bilingual_and_does_not_touch_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = core_views.error_500(request)

    assert response.status_code == 500
    content = response.content.decode()
    assert '<html lang="ja">' in content
    assert "エラーが発生しました" in content
    assert "Server error" in content
    assert 'href="/"' in content


def test_an_unhandled_error_renders_the_500_page(client, db, monkeypatch):
    def broken() -> dict[str, int]:
        raise RuntimeError("database went away")

    monkeypatch.setattr(core_views, "reference_counts", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    content = response.content.decode()
    assert "エラーが発生しました" in content
    assert "Server error" in content
    assert "database went away" not in content


# --- Language -----------------------------------------------------------------------------------


def test_japanese_by_default_and_switchable_to_english(client, db):
    assert '<html lang="ja">' in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/municipalities/"})
    assert response.status_code == 302
    assert response.url == "/municipalities/"

    assert '<html lang="en">' in client.get("/").content.decode()
    assert '<html lang="en">' in client.get("/municipalities/").content.decode()

    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in client.get("/").content.decode()


# --- Municipality directory ---------------------------------------------------------------------


def test_directory_is_public_and_paginated_by_50(client, reference_data):
    response = client.get("/municipalities/")

    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 1741
    assert len(page.object_list) == 50
    assert page.paginator.num_pages == 35
    assert len(re.findall(r"<code>\d{6}</code>", response.content.decode())) == 50
    assert _pagination_link(response.content.decode(), "next") == {"page": ["2"]}

    last = client.get("/municipalities/?page=35")
    assert len(last.context["page"].object_list) == 41


@pytest.mark.parametrize(
    ("query", "count", "check"),
    [
        ("prefecture=20", 77, lambda m: m.prefecture.pref_code == "20"),
        ("prefecture=20&kind=town", 23, lambda m: m.kind == "town"),
        ("prefecture=20&kind=town&kind=village", 58, lambda m: m.kind in ("town", "village")),
        ("prefecture=20&size_class=core", 2, lambda m: m.size_class == "core"),
        ("kind=designated_city", 20, lambda m: m.kind == "designated_city"),
        ("size_class=village", 183, lambda m: m.size_class == "village"),
    ],
)
def test_directory_filters(client, reference_data, query, count, check):
    response = client.get(f"/municipalities/?{query}")

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count
    rows = list(response.context["page"].paginator.object_list)
    assert len(rows) == count
    assert all(check(m) for m in rows)
    if "prefecture=20" in query:
        assert all(m.prefecture.pref_code == "20" for m in rows)


def test_directory_core_cities_of_nagano(client, reference_data):
    response = client.get("/municipalities/?prefecture=20&size_class=core")
    content = response.content.decode()
    assert [m.name for m in response.context["page"]] == ["長野市", "松本市"]
    assert 'href="/municipalities/202011/"' in content
    assert "371,651" in content  # latest population shown


def test_directory_pages_keep_the_filters(client, reference_data):
    response = client.get("/municipalities/?prefecture=20&kind=town&kind=village")

    content = response.content.decode()
    assert len(response.context["page"].object_list) == 50
    assert _pagination_link(content, "next") == {
        "prefecture": ["20"],
        "kind": ["town", "village"],
        "page": ["2"],
    }

    second = client.get("/municipalities/?prefecture=20&kind=town&kind=village&page=2")
    rows = list(second.context["page"].object_list)
    assert len(rows) == 8
    assert all(m.prefecture.pref_code == "20" and m.kind in ("town", "village") for m in rows)
    assert _pagination_link(second.content.decode(), "prev") == {
        "prefecture": ["20"],
        "kind": ["town", "village"],
        "page": ["1"],
    }
    assert _pagination_link(second.content.decode(), "next") is None


@pytest.mark.parametrize(
    ("query", "field", "label"),
    [
        ("prefecture=99", "prefecture", "Prefecture"),
        ("kind=bogus", "kind", "Kind"),
        ("prefecture=20&size_class=huge", "size_class", "Size class"),
    ],
)
def test_directory_rejects_an_invalid_filter_value_and_says_which(en_client, reference_data, query, field, label):
    """An invalid value is an error, not an ignored filter that would list all 1,741."""
    response = en_client.get(f"/municipalities/?{query}")

    assert response.status_code == 400
    content = response.content.decode()
    assert not re.search(r"<code>\d{6}</code>", content)
    assert _pagination_link(content, "next") is None
    # The summary links to the field; the message sits under it and the field points at it.
    assert "There is a problem with the filters" in content
    assert f'<a href="#id_{field}">{label}: Select a valid choice.' in content
    assert re.search(rf'<div id="id_{field}_error" role="alert"><p class="error">Select a valid choice\.', content)
    assert f'aria-describedby="id_{field}_error"' in content
    # Only the wrong field is reported.
    assert content.count('role="alert"><p class="error">') == 1


def test_directory_filters_still_work_around_an_invalid_value(en_client, reference_data):
    assert en_client.get("/municipalities/?prefecture=99").status_code == 400

    response = en_client.get("/municipalities/?prefecture=20&kind=town")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 23
    assert "There is a problem with the filters" not in response.content.decode()

    # `page` is not a filter: a malformed one shows the first page.
    response = en_client.get("/municipalities/?prefecture=20&page=abc")
    assert response.status_code == 200
    assert [m.name for m in response.context["page"]][:1] == ["長野市"]
    assert len(response.context["page"].object_list) == 50


def test_municipality_page_shows_the_population_history(client, reference_data):
    municipality = Municipality.objects.get(code="202011")
    response = client.get("/municipalities/202011/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "長野市" in content
    assert "<code>202011</code>" in content
    history = [
        ("2022-01-01", "371,651"),
        ("2021-01-01", "374,038"),
        ("2020-01-01", "375,884"),
    ]
    positions = []
    for date, population in history:
        row = f'<tr><td>{date}</td><td class="num">{population}</td></tr>'
        assert row in content
        positions.append(content.index(row))
    assert positions == sorted(positions)  # newest first
    assert municipality.populations.count() == 3


def test_unknown_municipality_is_404(client, reference_data):
    response = client.get("/municipalities/999999/")
    assert response.status_code == 404
    assert "errors/404.html" in _templates(response)


def test_home_shows_the_current_fiscal_year_in_both_calendars(client, people):
    client.force_login(people["viewer"])
    fiscal_year = FiscalYear.current()
    page = client.get("/").content.decode()
    assert f"{fiscal_year.year}年度（令和{fiscal_year.year - 2018}年度）" in page
