"""Market API: the same permissions as the pages; bad input is a 400 with the reason, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from community.models import Need, Proposal, Solution, SolutionReference
from dx_platform.organizations.models import Role
from tests.assessments import EVERYONE, load_catalog
from tests.community import api
from tests.community.test_market_support import in_days, list_solution, post_need, propose
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/community"


def need_body(body_of, **changes):
    body = {
        "organization": body_of.pk,
        "title": "ＡＩ－ＯＣＲで紙の申請を減らしたい",
        "problem": "紙の申請書の入力に時間がかかる。",
        "category": "ai_ocr",
        "deadline": in_days(10).isoformat(),
    }
    body.update(changes)
    return body


def test_anonymous_callers_get_nothing(db):
    for path in ("needs/", "solutions/", "proposals/", "references/"):
        assert APIClient().get(f"{API}/{path}").status_code in (401, 403)


def test_an_editor_posts_changes_and_closes_a_need(users, region):
    load_catalog()
    town = region["home"]["town"]
    editor = api(users["editor"])
    created = editor.post(f"{API}/needs/", need_body(town, indicators=["system.cio"]), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["organization"], body["category"], body["indicators"], body["status"]) == (
        town.pk,
        "ai_ocr",
        ["system.cio"],
        "open",
    )
    changed = editor.patch(f"{API}/needs/{body['id']}/", {"budget_band": "under_1m"}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["budget_band"], changed.json()["title"]) == ("under_1m", body["title"])
    assert changed.json()["indicators"] == ["system.cio"]  # untouched by a PATCH that does not name them
    assert editor.put(f"{API}/needs/{body['id']}/", need_body(town), format="json").status_code == 405
    assert editor.post(f"{API}/needs/{body['id']}/close/").json()["status"] == "closed"
    again = editor.post(f"{API}/needs/{body['id']}/close/")
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadline": in_days(-1).isoformat()}, "deadline"),
        ({"category": "magic"}, "category"),
        ({"indicators": ["no.such.item"]}, "indicators"),
        ({"organization": 999999}, "organization"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_needs_are_400_with_the_field(users, region, changes, field):
    load_catalog()
    response = api(users["editor"]).post(f"{API}/needs/", need_body(region["home"]["town"], **changes), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Need.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_who_posts_and_changes_the_home_towns_needs(users, region, people, who):
    town = region["home"]["town"]
    response = api(users[who]).post(f"{API}/needs/", need_body(town), format="json")
    assert response.status_code == (201 if who in ("editor", "admin") else 403)
    need = post_need(town, people["editor"])
    patch = api(users[who]).patch(f"{API}/needs/{need.pk}/", {"title": "書き換え"}, format="json")
    assert patch.status_code == (200 if who in ("editor", "admin") else 403)


def test_need_filters(users, region, people):
    rpa = post_need(region["home"]["town"], people["editor"], category="rpa")
    post_need(region["home"]["town"], people["editor"], category="window")
    listed = api(users["partner"]).get(f"{API}/needs/", {"category": "rpa"}).json()
    assert [n["id"] for n in listed["results"]] == [rpa.pk]


@pytest.mark.parametrize("who", EVERYONE)
def test_a_partner_never_sees_another_partners_proposal(users, region, people, who):
    need = post_need(region["home"]["town"], people["editor"])
    other_staff = MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user
    mine = propose(need, region["partner"], users["partner"])
    theirs = propose(need, region["other_partner"], other_staff)
    client = api(users[who])
    listed = {p["id"] for p in client.get(f"{API}/proposals/", {"need": need.pk}).json()["results"]}
    readers = {
        mine.pk: {"viewer", "editor", "admin", "partner", "staff"},
        theirs.pk: {"viewer", "editor", "admin", "staff"},
    }
    assert listed == {pk for pk, who_reads in readers.items() if who in who_reads}
    for pk, who_reads in readers.items():
        assert client.get(f"{API}/proposals/{pk}/").status_code == (200 if who in who_reads else 404)


def test_a_partner_proposes_and_the_need_body_shortlists(users, region, people):
    need = post_need(region["home"]["town"], people["editor"])
    solution = list_solution(region["partner"], people["partner"])
    partner = api(users["partner"])
    body = {"need": need.pk, "organization": region["partner"].pk, "summary": "提案します", "solution": solution.pk}
    created = partner.post(f"{API}/proposals/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert partner.post(f"{API}/proposals/", body, format="json").status_code == 400  # one per partner
    assert partner.post(f"{API}/proposals/{pk}/decide/", {"decision": "shortlist"}, format="json").status_code == 403
    editor = api(users["editor"])
    assert editor.post(f"{API}/proposals/{pk}/decide/", {"decision": "maybe"}, format="json").status_code == 400
    decided = editor.post(f"{API}/proposals/{pk}/decide/", {"decision": "shortlist"}, format="json")
    assert decided.json()["status"] == "shortlisted"
    assert editor.post(f"{API}/proposals/{pk}/withdraw/").status_code == 403
    assert partner.post(f"{API}/proposals/{pk}/withdraw/").json()["status"] == "withdrawn"
    assert Proposal.objects.get().status == Proposal.Status.WITHDRAWN
    # Withdrawn, it may propose again.
    again = partner.post(f"{API}/proposals/", {**body, "summary": "改訂版"}, format="json")
    assert (again.status_code, again.json()["id"], again.json()["status"]) == (201, pk, "submitted")


def test_a_proposal_cannot_name_a_solution_the_partner_cannot_read_or_another_partners(users, region, people):
    need = post_need(region["home"]["town"], people["editor"])
    other_staff = MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user
    hidden = list_solution(region["other_partner"], other_staff, status=Solution.Status.DRAFT)
    theirs = list_solution(region["other_partner"], other_staff)
    partner = api(users["partner"])
    for solution in (hidden, theirs):
        body = {"need": need.pk, "organization": region["partner"].pk, "summary": "提案", "solution": solution.pk}
        response = partner.post(f"{API}/proposals/", body, format="json")
        assert response.status_code == 400
        assert "solution" in response.json()
    assert not Proposal.objects.exists()


def test_solutions_drafts_and_filters(users, region, people):
    partner = api(users["partner"])
    body = {
        "organization": region["partner"].pk,
        "title": "窓口DX",
        "description": "説明",
        "category": "window",
        "pricing": "subscription",
        "deployment": "lgwan_asp",
        "lgwan_asp": True,
    }
    created = partner.post(f"{API}/solutions/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert api(users["viewer"]).get(f"{API}/solutions/{pk}/").status_code == 404
    assert partner.patch(f"{API}/solutions/{pk}/", {"status": "published"}, format="json").status_code == 200
    viewer = api(users["viewer"])
    assert viewer.get(f"{API}/solutions/{pk}/").status_code == 200
    assert viewer.patch(f"{API}/solutions/{pk}/", {"title": "乗っ取り"}, format="json").status_code == 403
    assert [s["id"] for s in viewer.get(f"{API}/solutions/", {"qualifications": "lgwan_asp"}).json()["results"]] == [pk]
    assert viewer.get(f"{API}/solutions/", {"qualifications": "ismap"}).json()["results"] == []
    assert api(users["editor"]).post(f"{API}/solutions/", body, format="json").status_code == 403


def test_references_are_decided_by_the_named_municipality_only(users, region, people):
    solution = list_solution(region["partner"], people["partner"])
    town = region["home"]["town"]
    partner = api(users["partner"])
    body = {"solution": solution.pk, "municipality": town.municipality.code}
    created = partner.post(f"{API}/references/", body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert partner.post(f"{API}/references/", body, format="json").status_code == 400
    assert partner.post(f"{API}/references/", {**body, "municipality": "000000"}, format="json").status_code == 400
    assert api(users["editor"]).post(f"{API}/references/", body, format="json").status_code == 403
    # Pending: the public does not see it; the partner and the town do.
    assert api(users["coordinator"]).get(f"{API}/references/{pk}/").status_code == 404
    assert api(users["viewer"]).get(f"{API}/references/{pk}/").status_code == 200
    for who in ("partner", "viewer", "coordinator", "staff", "other_editor"):
        assert api(users[who]).post(f"{API}/references/{pk}/decide/", {"decision": "confirm"}).status_code in (403, 404)
    decided = api(users["editor"]).post(f"{API}/references/{pk}/decide/", {"decision": "confirm"}, format="json")
    assert decided.json()["status"] == "confirmed"
    assert SolutionReference.objects.get().status == SolutionReference.Status.CONFIRMED
    assert api(users["coordinator"]).get(f"{API}/references/{pk}/").status_code == 200
    assert api(users["coordinator"]).get(f"{API}/solutions/{solution.pk}/").json()["confirmed_references"] == 1


def test_the_schema_lists_the_market_endpoints(users):
    response = api(users["staff"]).get("/api/schema/")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in ("/needs/", "/solutions/", "/proposals/{id}/decide/", "/references/{id}/decide/"):
        assert f"/api/v1/community{path}" in schema
