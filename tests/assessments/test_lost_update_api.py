"""No lost update through the API: If-Match is checked and the row written in one step, and a stale
If-Match gets 412 with the object as it now stands and its ETag."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from assessments.models import Kpi, Milestone
from assessments.services import kpi as kpi_services
from dx_platform.core.concurrency import Stale
from tests.assessments import load_catalog
from tests.assessments.test_api import kpi_payload
from tests.services import require_service


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _kpi(region, people) -> tuple[str, str]:
    created = client_for(people["editor"]).post(
        "/api/v1/kpis/", kpi_payload(region["home"]["town"].municipality.code), format="json"
    )
    assert created.status_code == 201
    return f"/api/v1/kpis/{created.json()['id']}/", created["ETag"]


@pytest.mark.django_db(transaction=True)
def test_two_writers_with_one_etag_exactly_one_wins_and_the_other_gets_412_with_the_current_state(
    region, people, monkeypatch
):
    """Both PATCHes pass the ETag check at the same moment; only the conditional write decides."""
    # SQLite serialises writers itself; the race the row lock decides is PostgreSQL's.
    require_service("PostgreSQL", connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…")
    url, etag = _kpi(region, people)
    both_checked = threading.Barrier(2)
    check = kpi_services._check_kpi

    def meet_then_check(given, municipality):
        # Called after the If-Match check and before the write: both writers have passed the check here.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=5)
        check(given, municipality)

    monkeypatch.setattr(kpi_services, "_check_kpi", meet_then_check)
    responses = {}

    def patch_as(who: str, target: int) -> None:
        try:
            responses[who] = client_for(people[who]).patch(
                url, {"target_value": target}, format="json", HTTP_IF_MATCH=etag
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=patch_as, args=args) for args in (("editor", 500), ("admin", 600))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses.values()) == [200, 412]
    winner = next(who for who, r in responses.items() if r.status_code == 200)
    loser = next(r for r in responses.values() if r.status_code == 412)
    target = {"editor": 500, "admin": 600}[winner]
    assert Kpi.objects.get().target_value == target
    now = client_for(people["viewer"]).get(url)
    # The refused writer gets the winner's change, with the ETag to send once they have re-applied theirs.
    assert loser.json()["current"] == now.json()
    assert loser.json()["current"]["target_value"] == target
    assert loser.json()["etag"] == loser["ETag"] == now["ETag"]
    retried = client_for(people["editor"]).patch(url, {"name": "再送"}, format="json", HTTP_IF_MATCH=now["ETag"])
    assert retried.status_code == 200
    assert retried.json()["target_value"] == target


def test_a_stale_etag_gets_412_with_the_current_state_and_nothing_is_written(db, region, people):
    url, etag = _kpi(region, people)
    editor, admin = client_for(people["editor"]), client_for(people["admin"])
    first = editor.patch(url, {"target_value": 500}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    stale = admin.patch(url, {"name": "上書き", "target_value": 600}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    body = stale.json()
    assert body["current"]["target_value"] == 500
    assert body["current"]["name"] == "電子申請の件数"
    assert body["etag"] == stale["ETag"] == first["ETag"]
    assert (Kpi.objects.get().name, Kpi.objects.get().target_value) == ("電子申請の件数", 500)


def test_a_stale_version_is_refused_by_the_write_itself(db, region, people):
    """The ETag matched when read, but the object moved before the write: the write refuses (no check
    made earlier in the request decides)."""
    url, etag = _kpi(region, people)
    kpi = Kpi.objects.get()
    given = kpi_services.KpiInput(
        **{f: getattr(kpi, f) for f in kpi_services.KpiInput.__dataclass_fields__} | {"target_value": 500.0}
    )
    kpi_services.kpi_save(municipality=kpi.municipality, given=given, by=people["editor"], kpi=kpi, version=1)
    stale = Kpi.objects.get()
    with pytest.raises(Stale) as refused:
        kpi_services.kpi_save(
            municipality=kpi.municipality,
            given=kpi_services.KpiInput(**given.__dict__ | {"target_value": 600.0}),
            by=people["admin"],
            kpi=Kpi.objects.get(),
            version=1,
        )
    assert refused.value.current.target_value == 500
    assert refused.value.current.changed_by == people["editor"]
    assert (Kpi.objects.get().target_value, Kpi.objects.get().version) == (500, stale.version)


def test_roadmaps_initiatives_and_milestones_answer_a_stale_etag_with_their_current_state(db, region, people):
    load_catalog()
    editor, admin = client_for(people["editor"]), client_for(people["admin"])
    code = region["home"]["town"].municipality.code
    roadmap = editor.post(
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
    initiative = roadmap.json()["initiatives"][0]
    milestone = editor.post(
        "/api/v1/milestones/",
        {"initiative": initiative["id"], "title": "要件定義", "due_on": initiative["starts_on"]},
        format="json",
    )
    assert milestone.status_code == 201
    for url, first, second, field, kept in (
        (f"/api/v1/roadmaps/{roadmap.json()['id']}/", {"title": "第2期計画"}, {"vision": "x"}, "title", "第2期計画"),
        (f"/api/v1/initiatives/{initiative['id']}/", {"status": "done"}, {"title": "x"}, "status", "done"),
        (f"/api/v1/milestones/{milestone.json()['id']}/", {"title": "基本設計"}, {"title": "x"}, "title", "基本設計"),
    ):
        etag = editor.get(url)["ETag"]
        assert editor.patch(url, first, format="json", HTTP_IF_MATCH=etag).status_code == 200
        stale = admin.patch(url, second, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412, url
        assert stale.json()["current"][field] == kept
        assert stale.json()["etag"] == editor.get(url)["ETag"]
    assert Milestone.objects.get().title == "基本設計"
