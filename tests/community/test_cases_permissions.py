"""Who sees, edits, adopts and asks about another body's drafts, embargoed and staff-only cases: every role,
on the pages, in the API and in the search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from community.models import Adoption, Comment
from community.services import cases as services
from dx_platform.organizations import permissions
from tests.assessments import EVERYONE, load_catalog
from tests.community import api
from tests.community.test_cases_support import pdf, write_case

pytestmark = pytest.mark.django_db

HOME_TOWN = {"viewer", "editor", "admin"}
OTHER_TOWN = {"other_admin", "other_editor"}
PUBLIC_SECTOR = {*HOME_TOWN, *OTHER_TOWN, "coordinator", "other_coordinator", "national", "staff"}
# A case of one town, each way it can stand; the word in its title finds it in the search.
KINDS = {
    "draft": {"title": "下書きの窓口改革"},
    "embargoed": {"title": "公開前の窓口改革", "publish": True, "embargo_until": dt.date(2099, 4, 1)},
    "staff_only": {"title": "職員限定の窓口改革", "publish": True, "audience": "public_sector"},
    "everyone": {"title": "全員向けの窓口改革", "publish": True, "audience": "everyone"},
}


def readers(kind: str, members: set[str]) -> set[str]:
    """Who may read a case of a town whose members are `members`: its own people and staff always."""
    released = {"staff_only": PUBLIC_SECTOR, "everyone": set(EVERYONE)}.get(kind, set())
    return {*members, "staff", *released}


@pytest.fixture
def users(everyone):
    load_catalog()
    return everyone


def pages(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", EVERYONE)
def test_the_rules_themselves(region, users, who):
    town, user = region["home"]["town"], users[who]
    assert permissions.can_edit_practice_case(user, town) == (who in {"editor", "admin", "staff"})
    assert permissions.can_see_case_author(user, town, True) == (who in {*HOME_TOWN, "staff"})
    assert permissions.can_see_case_author(user, town, False)
    assert permissions.can_adopt(user, region["other"]["town"], town) == (who in OTHER_TOWN)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", EVERYONE)
def test_a_home_town_case_on_the_pages(region, users, who, kind):
    case = write_case(region["home"]["town"], users["editor"], **KINDS[kind])
    attachment = services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users["editor"])
    client, url = pages(users[who]), f"/community/cases/{case.pk}/"
    reads = who in readers(kind, HOME_TOWN)
    assert client.get(url).status_code == (200 if reads else 404)
    listed = client.get("/community/cases/").context["rows"]
    assert (case in [row[0] for row in listed]) == reads
    found = client.get("/community/", {"q": "窓口改革"}).context["page"]
    assert ([entry.object_id for entry in found] == [case.pk]) == reads
    assert client.get(f"{url}kit/{attachment.pk}/").status_code == (200 if reads else 404)
    edit = client.get(f"{url}edit/").status_code
    assert edit == (200 if who in {"editor", "admin", "staff"} else 403 if reads else 404)
    if not reads:
        # Adopting and asking refuse what one may not read, as if it did not exist.
        assert client.post(f"{url}adopt/", {"organization": region["other"]["town"].pk}).status_code == 404
        assert client.post(f"{url}ask/", {"question-body": "教えてください"}).status_code == 404
        assert not Adoption.objects.exists()
        assert not Comment.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", EVERYONE)
def test_a_home_town_case_in_the_api(region, users, who, kind):
    case = write_case(region["home"]["town"], users["editor"], **KINDS[kind])
    services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users["editor"])
    client = api(users[who])
    reads = who in readers(kind, HOME_TOWN)
    assert client.get(f"/api/v1/community/cases/{case.pk}/").status_code == (200 if reads else 404)
    assert bool(client.get("/api/v1/community/cases/").json()["results"]) == reads
    assert bool(client.get("/api/v1/community/case-attachments/").json()["results"]) == reads
    found = client.get("/api/v1/community/search/", {"q": "窓口改革"}).json()["results"]
    assert ([entry["object_id"] for entry in found] == [case.pk]) == reads
    released = kind in ("staff_only", "everyone")
    # What one may not read is unknown (404, or 400 naming the case); what is not out yet is refused (400).
    asked = client.post(f"/api/v1/community/cases/{case.pk}/ask/", {"body": "?"}, format="json")
    assert asked.status_code == (404 if not reads else 201 if released else 400)
    adopted = client.post(
        "/api/v1/community/adoptions/", {"case": case.pk, "organization": region["other"]["town"].pk}, format="json"
    )
    may_adopt = reads and released and who in OTHER_TOWN
    assert adopted.status_code == (201 if may_adopt else 403 if reads and released else 400)
    assert Adoption.objects.exists() == may_adopt


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", EVERYONE)
def test_the_other_prefectures_case_for_the_home_people(region, users, who, kind):
    """The same rules the other way round: the home town's people against the other town's case."""
    case = write_case(region["other"]["town"], users["other_editor"], **KINDS[kind])
    reads = who in readers(kind, OTHER_TOWN)
    assert pages(users[who]).get(f"/community/cases/{case.pk}/").status_code == (200 if reads else 404)
    assert api(users[who]).get(f"/api/v1/community/cases/{case.pk}/").status_code == (200 if reads else 404)
    found = api(users[who]).get("/api/v1/community/search/", {"q": "窓口改革"}).json()["results"]
    assert bool(found) == reads
