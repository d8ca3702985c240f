"""Assessments API: same permissions as the pages, optimistic concurrency (409 / 412 / 428), clear 400s."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assessments.models import Assessment, Kpi, Roadmap
from tests.assessments import load_catalog

YEAR = 2026


@pytest.fixture
def catalog(db):
    load_catalog()


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def started(catalog, region, people):
    code = region["home"]["town"].municipality.code
    response = client_for(people["editor"]).post(
        "/api/v1/assessments/", {"municipality": code, "fiscal_year": YEAR}, format="json"
    )
    assert response.status_code == 201
    return response.json()


def test_an_editor_saves_answers_and_a_stale_version_gets_409_with_what_moved(started, people):
    editor, admin = client_for(people["editor"]), client_for(people["admin"])
    url = f"/api/v1/assessments/{started['id']}/answers/"
    version = started["version"]
    first = editor.post(url, {"version": version, "answers": {"system.cio": {"value": 1}}}, format="json")
    assert first.status_code == 200
    assert first["ETag"] == f'"v{version + 1}"'
    stale = admin.post(url, {"version": version, "answers": {"system.policy": {"value": 0}}}, format="json")
    assert stale.status_code == 409
    assert [a["indicator"] for a in stale.json()["changed"]] == ["system.cio"]
    answers = {a["indicator"]: a for a in editor.get(f"/api/v1/assessments/{started['id']}/").json()["answers"]}
    assert answers["system.cio"]["value"] == 1.0  # nothing lost
    assert answers["system.policy"]["value"] is None  # the stale write wrote nothing
    # The version may come as If-Match instead.
    ok = admin.post(url, {"answers": {"system.policy": {"value": 0}}}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert ok.status_code == 200


def test_bad_input_is_a_400_with_the_reason(started, people):
    editor = client_for(people["editor"])
    url = f"/api/v1/assessments/{started['id']}/answers/"
    bad = editor.post(url, {"version": started["version"], "answers": {"system.cio": {"value": 0.5}}}, format="json")
    assert bad.status_code == 400
    unknown = editor.post(url, {"version": started["version"], "answers": {"nope": {"value": 1}}}, format="json")
    assert unknown.status_code == 400
    assert "nope" in str(unknown.json())
    assert editor.post(url, {"answers": {"system.cio": {"value": 1}}}, format="json").status_code == 428


JUNK_BODIES = [["municipality", "200000"], "text", {"municipality": ["200000"], "fiscal_year": "2026"}]


@pytest.mark.parametrize("body", JUNK_BODIES, ids=["list", "string", "wrong-types"])
@pytest.mark.parametrize("path", ["assessments/", "kpis/", "roadmaps/", "assessments/{id}/submit/"])
def test_a_body_of_the_wrong_shape_is_a_400_with_the_reason(started, people, path, body):
    before = (Assessment.objects.count(), Kpi.objects.count(), Roadmap.objects.count())
    response = client_for(people["admin"]).post(f"/api/v1/{path.format(id=started['id'])}", body, format="json")
    assert response.status_code == 400 and response.json()
    assert (Assessment.objects.count(), Kpi.objects.count(), Roadmap.objects.count()) == before
    assert Assessment.objects.get(pk=started["id"]).status == Assessment.Status.DRAFT


@pytest.mark.parametrize(
    "body", [["confirm"], {"decision": "maybe"}, {"decision": ["confirm"]}, {"decision": "return", "comment": ["x"]}]
)
def test_a_review_of_the_wrong_shape_is_a_400(started, people, body):
    client_for(people["admin"]).post(f"/api/v1/assessments/{started['id']}/submit/", {"accept_missing": True})
    response = client_for(people["coordinator"]).post(
        f"/api/v1/assessments/{started['id']}/review/", body, format="json"
    )
    assert response.status_code == 400 and response.json()
    assert Assessment.objects.get(pk=started["id"]).status == Assessment.Status.SUBMITTED


@pytest.mark.parametrize("year", [10**20, -1, 1999, 2101, "2026"])
def test_a_fiscal_year_out_of_range_is_a_400(catalog, region, people, year):
    code = region["home"]["town"].municipality.code
    response = client_for(people["editor"]).post(
        "/api/v1/assessments/", {"municipality": code, "fiscal_year": year}, format="json"
    )
    if year == "2026":
        assert response.status_code == 201 and response.json()["fiscal_year"] == 2026
    else:
        assert response.status_code == 400 and "fiscal_year" in response.json()


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("viewer", 200, 403),
        ("editor", 200, 200),
        ("admin", 200, 200),
        ("coordinator", 200, 403),
        ("partner", 404, 404),
        ("national", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_roles_read_and_write_as_on_the_pages(started, people, role, read, write):
    api = client_for(people[role])
    assert api.get(f"/api/v1/assessments/{started['id']}/").status_code == read
    response = api.post(
        f"/api/v1/assessments/{started['id']}/answers/",
        {"version": started["version"], "answers": {"system.cio": {"value": 1}}},
        format="json",
    )
    assert response.status_code == write


def test_nobody_from_another_prefecture_sees_or_starts_anything(catalog, region, people):
    from tests.factories import MembershipFactory

    other_editor = MembershipFactory(organization=region["other"]["town"], role="editor").user
    api = client_for(other_editor)
    code = region["home"]["town"].municipality.code
    assert (
        api.post("/api/v1/assessments/", {"municipality": code, "fiscal_year": YEAR}, format="json").status_code == 400
    )
    assert not Assessment.objects.exists()
    assert api.get("/api/v1/assessments/").json()["count"] == 0


def kpi_payload(code: str, **changes) -> dict:
    return {
        "municipality": code,
        "name": "電子申請の件数",
        "unit": "件",
        "direction": "up",
        "baseline_value": 100,
        "baseline_date": "2026-04-01",
        "target_value": 400,
        "target_date": "2027-03-31",
        "interval": "monthly",
        **changes,
    }


def test_kpi_changes_need_the_current_etag(catalog, region, people):
    editor = client_for(people["editor"])
    code = region["home"]["town"].municipality.code
    created = editor.post("/api/v1/kpis/", kpi_payload(code), format="json")
    assert created.status_code == 201
    url, etag = f"/api/v1/kpis/{created.json()['id']}/", created["ETag"]
    assert editor.patch(url, {"target_value": 500}, format="json").status_code == 428
    changed = editor.patch(url, {"target_value": 500}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert editor.patch(url, {"target_value": 600}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    assert Kpi.objects.get().target_value == 500
    wrong_way = editor.patch(url, {"target_value": 50}, format="json", HTTP_IF_MATCH=changed["ETag"])
    assert wrong_way.status_code == 400
    measured = editor.post(f"{url}measurements/", {"measured_on": "2026-10-01", "value": 250}, format="json")
    assert measured.status_code == 201
    assert editor.get(url).json()["status"] in ("on_track", "at_risk", "off_track")


@pytest.mark.parametrize("left_out", ["interval", "area", "indicator", "initiative", "owner"])
def test_a_kpi_created_without_an_optional_field_takes_its_default(catalog, region, people, left_out):
    editor = client_for(people["editor"])
    payload = kpi_payload(region["home"]["town"].municipality.code)
    payload.pop(left_out, None)
    created = editor.post("/api/v1/kpis/", payload, format="json")
    assert created.status_code == 201, created.json()
    kpi = Kpi.objects.get()
    assert kpi.interval == ("quarterly" if left_out == "interval" else "monthly")
    assert (kpi.area, kpi.indicator, kpi.initiative, kpi.owner) == ("", None, None, None)


def test_kpis_of_other_municipalities_are_invisible(catalog, region, people):
    editor = client_for(people["editor"])
    created = editor.post("/api/v1/kpis/", kpi_payload(region["home"]["town"].municipality.code), format="json")
    kpi_id = created.json()["id"]
    assert client_for(people["partner"]).get(f"/api/v1/kpis/{kpi_id}/").status_code == 404
    assert (
        client_for(people["viewer"])
        .patch(f"/api/v1/kpis/{kpi_id}/", {"name": "x"}, format="json", HTTP_IF_MATCH=created["ETag"])
        .status_code
        == 403
    )


def test_roadmaps_initiatives_and_milestones(catalog, region, people):
    editor = client_for(people["editor"])
    code = region["home"]["town"].municipality.code
    created = editor.post(
        "/api/v1/roadmaps/",
        {
            "municipality": code,
            "title": "DX推進計画",
            "period_start": "2026-04-01",
            "period_end": "2029-03-31",
            "template": "steps",
        },
        format="json",
    )
    assert created.status_code == 201
    initiatives = created.json()["initiatives"]
    assert len(initiatives) == 4
    first = initiatives[0]
    outside = editor.post(
        "/api/v1/milestones/", {"initiative": first["id"], "title": "m", "due_on": "2035-01-01"}, format="json"
    )
    assert outside.status_code == 400
    assert "due_on" in outside.json()
    inside = editor.post(
        "/api/v1/milestones/", {"initiative": first["id"], "title": "m", "due_on": first["starts_on"]}, format="json"
    )
    assert inside.status_code == 201
    got = editor.get(f"/api/v1/initiatives/{first['id']}/")
    moved = editor.patch(
        f"/api/v1/initiatives/{first['id']}/", {"status": "in_progress"}, format="json", HTTP_IF_MATCH=got["ETag"]
    )
    assert moved.json()["status"] == "in_progress"
    stale = editor.patch(
        f"/api/v1/initiatives/{first['id']}/", {"status": "done"}, format="json", HTTP_IF_MATCH=got["ETag"]
    )
    assert stale.status_code == 412
    assert client_for(people["partner"]).get(f"/api/v1/roadmaps/{created.json()['id']}/").status_code == 404
    assert Roadmap.objects.count() == 1


def test_the_schema_documents_the_assessment_endpoints(db, client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("assessments/", "assessments/{id}/answers/", "kpis/", "roadmaps/", "initiatives/", "milestones/"):
        assert f"/api/v1/{path}" in schema["paths"]
