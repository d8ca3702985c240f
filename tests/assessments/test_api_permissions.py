"""Who may read, write, submit and review the home town's assessment data through the API (/api/v1/), every
role against it: the town's viewer reads, its editor and admin edit, only its admin submits, only its
prefecture's coordinator (and platform staff) confirm or return; the prefecture's other municipality, the
other prefecture, partners and outsiders find nothing (404), and a refused write changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Answer, Assessment, Initiative, Kpi, Measurement, Milestone, Roadmap
from dx_platform.organizations.models import Role
from tests.assessments import EDITORS, READERS, REVIEWERS, SUBMITTERS, load_catalog
from tests.factories import MembershipFactory

YEAR = 2026
EVERYONE = (
    "viewer",
    "editor",
    "admin",
    "coordinator",
    "city_editor",
    "city_admin",
    "other_coordinator",
    "other_admin",
    "partner",
    "national",
    "outsider",
    "staff",
)
# Who reads the other prefecture's town's data (to show that lists are filtered, not merely empty).
THEIR_READERS = {"other_coordinator", "other_admin", "staff"}
RESOURCES = ("assessments", "kpis", "roadmaps", "initiatives", "milestones")
WRITES = (
    "start assessment",
    "save answers",
    "create kpi",
    "change kpi",
    "add measurement",
    "create roadmap",
    "change roadmap",
    "create initiative",
    "change initiative",
    "create milestone",
    "change milestone",
)
# Writes that name their parent in the body rather than the URL: a parent one may not see is a 400.
CREATES = {"start assessment", "create kpi", "create roadmap", "create initiative", "create milestone"}
# Changes that need the If-Match of a GET, and what they change.
CHANGES = {
    "change kpi": "kpis",
    "change roadmap": "roadmaps",
    "change initiative": "initiatives",
    "change milestone": "milestones",
}


@pytest.fixture
def users(everyone, region) -> dict[str, Any]:
    """Every role, and an editor and an admin of the home prefecture's other municipality (the city)."""
    city = region["home"]["city"]
    return {
        **everyone,
        "city_editor": MembershipFactory(organization=city, role=Role.EDITOR).user,
        "city_admin": MembershipFactory(organization=city, role=Role.ADMIN).user,
    }


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def build(organization: Any, editor: Any) -> dict[str, Any]:
    """A municipality's draft assessment, a KPI with a measurement, a roadmap, an initiative, a milestone."""
    municipality = organization.municipality
    kpi = services.kpi_save(
        municipality=municipality,
        given=services.KpiInput(
            name="電子申請の件数",
            unit="件",
            direction=Kpi.Direction.UP,
            baseline_value=100.0,
            baseline_date=dt.date(2026, 4, 1),
            target_value=400.0,
            target_date=dt.date(2027, 3, 31),
            area="",
            indicator=None,
            owner=None,
            interval=Kpi.Interval.MONTHLY,
        ),
        by=editor,
    )
    services.measurement_add(kpi=kpi, measured_on=dt.date(2026, 5, 1), value=120.0, note="", by=editor)
    roadmap = services.roadmap_save(
        municipality=municipality,
        given=services.RoadmapInput("DX推進計画", "", dt.date(2026, 4, 1), dt.date(2029, 3, 31), None),
        by=editor,
    )
    initiative = services.initiative_save(
        roadmap=roadmap,
        given=services.InitiativeInput(
            "書かない窓口の導入", "", [], None, dt.date(2026, 4, 1), dt.date(2027, 3, 31), Initiative.Status.PLANNED
        ),
        by=editor,
    )
    milestone = services.milestone_save(
        initiative=initiative, title="仕様書の作成", due_on=dt.date(2026, 9, 30), done_on=None, by=editor
    )
    return {
        "assessments": services.assessment_start(municipality=municipality, fiscal_year=YEAR, by=editor),
        "kpis": kpi,
        "roadmaps": roadmap,
        "initiatives": initiative,
        "milestones": milestone,
    }


@pytest.fixture
def home(db, region, users) -> dict[str, Any]:
    load_catalog()
    return build(region["home"]["town"], users["editor"])


@pytest.fixture
def theirs(home, region, users) -> dict[str, Any]:
    return build(region["other"]["town"], users["other_editor"])


def stored() -> dict[str, list[tuple[Any, ...]]]:
    """Every row an API write could touch, as stored."""
    models = (Assessment, Answer, Kpi, Measurement, Roadmap, Initiative, Milestone)
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}


def url(home: dict[str, Any], resource: str, action: str = "") -> str:
    return f"/api/v1/{resource}/{home[resource].pk}/{action}"


def write(client: APIClient, action: str, home: dict[str, Any], etag: str) -> Any:
    """One write of the home town's data, as its editor would send it (`etag` from the editor's GET)."""
    code = home["assessments"].municipality.code
    match action:
        case "start assessment":
            return client.post("/api/v1/assessments/", {"municipality": code, "fiscal_year": YEAR - 1}, format="json")
        case "save answers":
            body = {"version": home["assessments"].version, "answers": {"system.cio": {"value": 1}}}
            return client.post(url(home, "assessments", "answers/"), body, format="json")
        case "create kpi":
            body = {
                "municipality": code,
                "name": "窓口の待ち時間",
                "unit": "分",
                "direction": "down",
                "baseline_value": 30,
                "baseline_date": "2026-04-01",
                "target_value": 10,
                "target_date": "2027-03-31",
                "interval": "quarterly",
            }
            return client.post("/api/v1/kpis/", body, format="json")
        case "change kpi":
            return client.patch(url(home, "kpis"), {"target_value": 500}, format="json", HTTP_IF_MATCH=etag)
        case "add measurement":
            body = {"measured_on": "2026-06-01", "value": 150}
            return client.post(url(home, "kpis", "measurements/"), body, format="json")
        case "create roadmap":
            body = {
                "municipality": code,
                "title": "第2期計画",
                "period_start": "2029-04-01",
                "period_end": "2032-03-31",
            }
            return client.post("/api/v1/roadmaps/", body, format="json")
        case "change roadmap":
            return client.patch(url(home, "roadmaps"), {"title": "改訂版"}, format="json", HTTP_IF_MATCH=etag)
        case "create initiative":
            body = {
                "roadmap": home["roadmaps"].pk,
                "title": "電子申請の拡大",
                "starts_on": "2027-04-01",
                "ends_on": "2028-03-31",
            }
            return client.post("/api/v1/initiatives/", body, format="json")
        case "change initiative":
            body = {"status": "in_progress"}
            return client.patch(url(home, "initiatives"), body, format="json", HTTP_IF_MATCH=etag)
        case "create milestone":
            body = {"initiative": home["initiatives"].pk, "title": "庁内説明", "due_on": "2026-12-01"}
            return client.post("/api/v1/milestones/", body, format="json")
        case "change milestone":
            body = {"done_on": "2026-09-15"}
            return client.patch(url(home, "milestones"), body, format="json", HTTP_IF_MATCH=etag)
    raise AssertionError(action)


def editors_etag(action: str, home: dict[str, Any], users: dict[str, Any]) -> str:
    """The ETag a change needs, read by the town's editor: a stranger cannot read it, but may have it."""
    resource = CHANGES.get(action)
    return api(users["editor"]).get(url(home, resource))["ETag"] if resource else ""


def ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def expected(who: str, allowed: set[str], ok: int) -> int:
    """ok for the allowed; 403 for others who read the town's data; 404 for those to whom it does not exist."""
    return ok if who in allowed else 403 if who in READERS else 404


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("who", EVERYONE)
def test_reading(users, home, theirs, resource, who):
    client = api(users[who])

    listed = client.get(f"/api/v1/{resource}/")
    detail = client.get(url(home, resource))

    assert listed.status_code == 200
    readable = {home[resource].pk} if who in READERS else set()
    assert ids(listed) == readable | ({theirs[resource].pk} if who in THEIR_READERS else set())
    assert detail.status_code == (200 if who in READERS else 404)


@pytest.mark.parametrize("who", sorted(READERS))
def test_readers_see_the_answers_measurements_and_milestones(users, home, who):
    client = api(users[who])
    assert "system.cio" in {a["indicator"] for a in client.get(url(home, "assessments")).json()["answers"]}
    assert [m["value"] for m in client.get(url(home, "kpis")).json()["measurements"]] == [120.0]
    roadmap = client.get(url(home, "roadmaps")).json()
    assert [m["title"] for i in roadmap["initiatives"] for m in i["milestones"]] == ["仕様書の作成"]


# --- writing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("who", EVERYONE)
def test_writing(users, home, who, action):
    etag = editors_etag(action, home, users)
    before = stored()

    response = write(api(users[who]), action, home, etag)

    success = 201 if action in CREATES or action == "add measurement" else 200
    refused_stranger = 400 if action in CREATES else 404
    if who in EDITORS:
        assert response.status_code == success, response.json()
        assert stored() != before
    else:
        assert response.status_code == (403 if who in READERS else refused_stranger), response.json()
        assert stored() == before


def test_a_stranger_naming_the_town_gets_the_answer_for_a_town_that_does_not_exist(users, home):
    client = api(users["other_admin"])
    answers = [
        client.post("/api/v1/assessments/", {"municipality": code, "fiscal_year": YEAR - 1}, format="json")
        for code in (home["assessments"].municipality.code, "999999")
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert list(answers[0].json()) == ["municipality"]
    assert not Assessment.objects.filter(fiscal_year=YEAR - 1).exists()


@pytest.mark.parametrize(
    ("resource", "field", "parent"),
    [
        ("initiatives", "roadmap", "roadmaps"),
        ("milestones", "initiative", "initiatives"),
        ("kpis", "initiative", "initiatives"),
    ],
)
def test_a_stranger_cannot_tell_another_towns_roadmap_from_a_missing_one(users, region, home, resource, field, parent):
    client, own = api(users["other_admin"]), region["other"]["town"].municipality.code
    real, missing = home[parent].pk, home[parent].pk + 1000
    answers = []
    for pk in (real, missing):
        body = {field: pk, "title": "x", "starts_on": "2026-04-01", "ends_on": "2026-06-30", "due_on": "2026-05-01"}
        # A KPI of the stranger's own town that names the home town's initiative.
        body |= {"municipality": own, "name": "x", "unit": "件", "direction": "up", "interval": "monthly"}
        body |= {"baseline_value": 1, "baseline_date": "2026-04-01", "target_value": 2, "target_date": "2027-03-31"}
        response = client.post(f"/api/v1/{resource}/", body, format="json")
        answers.append((response.status_code, re.sub(rf"\b{pk}\b", "N", response.content.decode())))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("resource", ["kpis", "initiatives"])
def test_an_owner_outside_the_callers_towns_looks_like_no_account(users, region, resource):
    """Naming an owner by email must not tell an editor whether someone elsewhere has an account."""
    client = api(users["other_admin"])
    own = region["other"]["town"].municipality.code
    roadmap = client.post(
        "/api/v1/roadmaps/",
        {"municipality": own, "title": "計画", "period_start": "2026-04-01", "period_end": "2029-03-31"},
        format="json",
    )
    assert roadmap.status_code == 201, roadmap.json()
    answers = []
    for email in (users["viewer"].email, "nobody@example.jp"):
        body = {"owner": email, "municipality": own, "roadmap": roadmap.json()["id"], "title": "x", "name": "x"}
        body |= {"starts_on": "2026-04-01", "ends_on": "2026-06-30", "unit": "件", "direction": "up"}
        body |= {"baseline_value": 1, "baseline_date": "2026-04-01", "target_value": 2, "target_date": "2027-03-31"}
        response = client.post(f"/api/v1/{resource}/", body | {"interval": "monthly"}, format="json")
        answers.append((response.status_code, response.content.decode().replace(email, "E")))
    assert answers[0] == answers[1] and answers[0][0] == 400


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("who", ["editor", "admin", "coordinator", "staff", "other_admin"])
def test_nobody_deletes_through_the_api(users, home, resource, who):
    before = stored()
    assert api(users[who]).delete(url(home, resource)).status_code == 405
    assert stored() == before


@pytest.mark.parametrize("who", EVERYONE)
def test_a_submitted_assessment_is_not_edited_until_it_is_returned(users, home, who):
    draft = home["assessments"]
    services.assessment_submit(assessment=draft, by=users["admin"], accept_missing=True)
    draft.refresh_from_db()
    before = stored()

    response = write(api(users[who]), "save answers", home, "")

    # Even its editors are refused: the prefecture has the submitted answers in front of it.
    assert response.status_code == expected(who, EDITORS, 400)
    assert stored() == before


def test_a_returned_assessment_is_edited_again(users, home):
    draft = home["assessments"]
    services.assessment_submit(assessment=draft, by=users["admin"], accept_missing=True)
    services.assessment_review(assessment=draft, by=users["coordinator"], confirm=False, comment="根拠を添付")
    draft.refresh_from_db()

    assert write(api(users["editor"]), "save answers", home, "").status_code == 200
    assert Answer.objects.get(assessment=draft, indicator__code="system.cio").value == 1.0


# --- submitting and reviewing --------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_submitting(users, home, who):
    before = stored()

    response = api(users[who]).post(url(home, "assessments", "submit/"), {"accept_missing": True}, format="json")

    assert response.status_code == expected(who, SUBMITTERS, 200)
    status = Assessment.objects.get(pk=home["assessments"].pk).status
    if who in SUBMITTERS:
        assert response.json()["status"] == status == Assessment.Status.SUBMITTED
    else:
        assert stored() == before


@pytest.mark.parametrize("decision", ["confirm", "return"])
@pytest.mark.parametrize("who", EVERYONE)
def test_reviewing(users, home, who, decision):
    services.assessment_submit(assessment=home["assessments"], by=users["admin"], accept_missing=True)
    before = stored()

    response = api(users[who]).post(
        url(home, "assessments", "review/"),
        {"decision": decision, "comment": "根拠資料を添付してください"},
        format="json",
    )

    assert response.status_code == expected(who, REVIEWERS, 200)
    if who in REVIEWERS:
        reviewed = Assessment.Status.CONFIRMED if decision == "confirm" else Assessment.Status.RETURNED
        assessment = Assessment.objects.get(pk=home["assessments"].pk)
        assert (assessment.status, assessment.review_comment) == (reviewed, "根拠資料を添付してください")
        assert response.json()["status"] == reviewed
        assert response.json()["review_comment"] == "根拠資料を添付してください"
    else:
        assert stored() == before


def test_returning_needs_a_comment(users, home):
    services.assessment_submit(assessment=home["assessments"], by=users["admin"], accept_missing=True)
    before = stored()

    response = api(users["coordinator"]).post(
        url(home, "assessments", "review/"), {"decision": "return", "comment": "  "}, format="json"
    )

    assert response.status_code == 400
    assert stored() == before


# --- anonymous callers ---------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_callers_read_nothing(home, resource):
    client = api()
    assert client.get(f"/api/v1/{resource}/").status_code == 403
    assert client.get(url(home, resource)).status_code == 403


@pytest.mark.parametrize("action", WRITES)
def test_anonymous_callers_write_nothing(users, home, action):
    etag = editors_etag(action, home, users)
    before = stored()
    assert write(api(), action, home, etag).status_code == 403
    assert stored() == before


def test_anonymous_callers_neither_submit_nor_review(home):
    client = api()
    assert client.post(url(home, "assessments", "submit/"), {"accept_missing": True}, format="json").status_code == 403
    assert client.post(url(home, "assessments", "review/"), {"decision": "confirm"}, format="json").status_code == 403
    assert Assessment.objects.get(pk=home["assessments"].pk).status == Assessment.Status.DRAFT
