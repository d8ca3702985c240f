"""The joint procurement API: the same permissions as the pages, partners get only the published parts,
refusals are 4xx with their reason, and the endpoints are in the OpenAPI schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from community.models import Participant, Procurement, ProcurementQuestion, SpecificationVersion
from community.models.procurement import Stage
from community.services import procurement as services
from dx_platform.organizations.models import Role
from tests.assessments import EVERYONE
from tests.community.test_procurement_support import (
    LEADS,
    PUBLISHED_ONLY,
    RFI,
    SPEC,
    WORKSPACE,
    commitment,
    in_days,
    move_to,
    open_procurement,
    seat,
    set_populations,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/community/"


@pytest.fixture
def theirs(region, everyone):
    set_populations(region)
    return open_procurement(region["other"]["prefecture"], everyone["other_coordinator"])


@pytest.fixture
def committing(theirs, region, everyone):
    services.participant_join(
        procurement=theirs, organization=region["other"]["town"], given=seat(), by=everyone["other_editor"]
    )
    return move_to(theirs, Stage.COMMITMENT, everyone["other_coordinator"])


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("who", EVERYONE)
def test_who_lists_what(everyone, committing, theirs, region, who):
    hidden = open_procurement(region["other"]["prefecture"], everyone["other_coordinator"], title="未公開の調達")
    listed = {item["id"]: item for item in results(api(everyone[who]).get(BASE + "procurements/"))}
    assert set(listed) == ({committing.pk, hidden.pk} if who in WORKSPACE else {committing.pk})
    item = listed[committing.pk]
    assert item["rfi_text"] == RFI
    # The tender is drafted but not published: only the workspace reads its draft; partners get no
    # cost, rules or award fields at all.
    assert (item["tender_text"] != "") == (who in WORKSPACE)
    assert ("total_cost_yen" in item) == (who in WORKSPACE)
    assert ("customisation_rules" in item) == (who in WORKSPACE)
    participants = results(api(everyone[who]).get(BASE + "procurement-participants/"))
    assert len(participants) == (1 if who in WORKSPACE else 0)
    specifications = results(api(everyone[who]).get(BASE + "procurement-specifications/"))
    assert len(specifications) == (1 if who in WORKSPACE else 0)
    detail = api(everyone[who]).get(f"{BASE}procurements/{hidden.pk}/")
    assert detail.status_code == (200 if who in WORKSPACE else 404)


def test_participants_carry_their_share(everyone, committing, region):
    (item,) = results(api(everyone["viewer"]).get(BASE + "procurement-participants/", {"procurement": committing.pk}))
    assert (item["body"], item["municipality"], item["population"]) == (
        region["other"]["town"].name,
        region["other"]["town"].municipality.code,
        20_000,
    )
    assert item["share_yen"] == 9_000_000 and item["status"] == "joined"


@pytest.mark.parametrize("who", EVERYONE)
def test_moving_a_stage(everyone, theirs, who):
    response = api(everyone[who]).post(f"{BASE}procurements/{theirs.pk}/move/", {"to_stage": "rfi"}, format="json")
    expected = 200 if who in LEADS else 404 if who in PUBLISHED_ONLY else 403
    assert response.status_code == expected
    if who in LEADS:
        assert response.json()["stage"] == "rfi" and response.json()["rfi_published_at"]


def test_a_skip_is_refused_with_the_next_stages_named(everyone, theirs):
    response = api(everyone["other_coordinator"]).post(
        f"{BASE}procurements/{theirs.pk}/move/", {"to_stage": "commitment"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "“Commitments” is not a next stage. From “Interest survey” the procurement moves only to "
            "“Request for information (RFI)” or “Cancelled”."
        ]
    }


def test_opening_changing_and_sharing(everyone, region):
    coordinator = api(everyone["other_coordinator"])
    body = {
        "lead": region["other"]["prefecture"].pk,
        "title": "RPAの共同調達",
        "summary": "RPAを共同で調達します。",
        "category": "rpa",
        "join_until": in_days(10).isoformat(),
        "sharing_rule": "mixed",
        "flat_weight": 40,
        "population_weight": 40,
        "usage_weight": 10,
    }
    refused = coordinator.post(BASE + "procurements/", body, format="json")
    assert refused.status_code == 400 and "add up to 100 (now 90)" in refused.json()["non_field_errors"][0]
    assert (
        api(everyone["coordinator"])
        .post(BASE + "procurements/", body | {"usage_weight": 20}, format="json")
        .status_code
        == 403
    )
    assert (
        api(everyone["partner"]).post(BASE + "procurements/", body | {"usage_weight": 20}, format="json").status_code
        == 403
    )
    created = coordinator.post(
        BASE + "procurements/", body | {"usage_weight": 20, "total_cost_yen": 500_000}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (created.json()["stage"], created.json()["model"], created.json()["usage_weight"]) == (
        "interest",
        "shared_spec",
        20,
    )

    changed = coordinator.patch(
        f"{BASE}procurements/{pk}/", {"subsidy": "なし", "rfi_text": "RFIの本文"}, format="json"
    )
    assert changed.status_code == 200 and (changed.json()["subsidy"], changed.json()["title"]) == (
        "なし",
        "RPAの共同調達",
    )
    assert (
        api(everyone["other_admin"]).patch(f"{BASE}procurements/{pk}/", {"subsidy": "x"}, format="json").status_code
        == 403
    )

    shared = coordinator.post(
        f"{BASE}procurements/{pk}/sharing/", {"sharing_rule": "population", "total_cost_yen": 1}, format="json"
    )
    assert shared.status_code == 200 and shared.json()["sharing_rule"] == "population"
    assert (shared.json()["flat_weight"], shared.json()["total_cost_yen"]) == (0, 1)

    coordinator.post(f"{BASE}procurements/{pk}/move/", {"to_stage": "rfi"}, format="json")
    frozen = coordinator.patch(f"{BASE}procurements/{pk}/", {"rfi_text": "別のRFI"}, format="json")
    assert frozen.status_code == 400 and "rfi_text" in frozen.json()


def test_joining_withdrawing_and_committing(everyone, committing, region):
    town, city = region["other"]["town"], region["other"]["city"]
    address = f"{BASE}procurements/{committing.pk}/"
    assert api(everyone["viewer"]).post(address + "join/", {"municipality": town.municipality.code}).status_code == 403
    unknown = api(everyone["other_editor"]).post(address + "join/", {"municipality": "999999"})
    assert unknown.status_code == 400 and "municipality" in unknown.json()

    editor = api(everyone["other_editor"])
    restated = editor.post(
        address + "join/", {"municipality": town.municipality.code, "expected_volume": 5, "staff": 2}
    )
    assert restated.status_code == 200 and (restated.json()["expected_volume"], restated.json()["staff"]) == (5.0, 2)

    commit = commitment()
    body = {
        "municipality": town.municipality.code,
        "department_approval": commit.department_approval,
        "mayor_approval": commit.mayor_approval,
        "council_approval": commit.council_approval,
        "budget": commit.budget,
        "budget_fiscal_year": commit.budget_fiscal_year,
    }
    assert editor.post(address + "commit/", body, format="json").status_code == 403
    city_admin = MembershipFactory(organization=city, role=Role.ADMIN).user
    outsider = api(city_admin).post(address + "commit/", body | {"municipality": city.municipality.code}, format="json")
    assert outsider.status_code == 400
    assert outsider.json() == {"non_field_errors": [f"{city.name} does not take part in this procurement."]}

    committed = api(everyone["other_admin"]).post(address + "commit/", body, format="json")
    assert committed.status_code == 200 and committed.json()["status"] == "committed"
    refused = editor.post(address + "withdraw/", {"municipality": town.municipality.code})
    assert refused.status_code == 400 and "cannot withdraw" in refused.json()["non_field_errors"][0]

    Procurement.objects.update(commit_until=in_days(-1))
    late = api(everyone["other_admin"]).post(address + "commit/", body, format="json")
    assert late.status_code == 400 and late.json() == {
        "non_field_errors": [f"The deadline for commitments was {in_days(-1).isoformat()}."]
    }


def test_specification_versions_and_their_diff(everyone, committing, region):
    lead = api(everyone["other_coordinator"])
    added = lead.post(
        BASE + "procurement-specifications/",
        {"procurement": committing.pk, "text": SPEC.replace("LGWAN-ASP", "ISMAP"), "note": "v2"},
        format="json",
    )
    assert added.status_code == 201 and added.json()["number"] == 2
    again = lead.post(
        BASE + "procurement-specifications/", {"procurement": committing.pk, "text": SPEC.replace("LGWAN-ASP", "ISMAP")}
    )
    assert again.status_code == 400 and again.json() == {"text": ["Nothing changed since version 2."]}
    for who, expected in (("editor", 403), ("partner", 403)):
        response = api(everyone[who]).post(
            BASE + "procurement-specifications/", {"procurement": committing.pk, "text": "x"}
        )
        assert response.status_code == expected
    hidden = open_procurement(region["other"]["prefecture"], everyone["other_coordinator"])
    unseen = api(everyone["partner"]).post(
        BASE + "procurement-specifications/", {"procurement": hidden.pk, "text": "x"}
    )
    assert unseen.status_code == 400 and "procurement" in unseen.json()

    diff = api(everyone["viewer"]).get(f"{BASE}procurement-specifications/{added.json()['id']}/diff/", {"against": 1})
    assert diff.status_code == 200
    assert diff.json()["changed"] == 1 and "-2. LGWAN-ASPで提供すること" in diff.json()["unified"]
    bad = api(everyone["viewer"]).get(
        f"{BASE}procurement-specifications/{added.json()['id']}/diff/", {"against": "x" * 9}
    )
    assert bad.status_code == 400
    assert SpecificationVersion.objects.count() == 2


def test_the_public_qa_without_its_asker(everyone, theirs):
    partner = api(everyone["partner"])
    early = api(everyone["viewer"]).post(
        BASE + "procurement-questions/", {"procurement": theirs.pk, "question": "質問"}
    )
    assert early.status_code == 400 and "while the RFI or the tender is open" in early.json()["non_field_errors"][0]
    move_to(theirs, Stage.RFI, everyone["other_coordinator"])
    asked = partner.post(BASE + "procurement-questions/", {"procurement": theirs.pk, "question": "納期は？"})
    assert asked.status_code == 201 and set(asked.json()) == {
        "id",
        "procurement",
        "stage",
        "question",
        "answer",
        "answered_at",
        "created_at",
    }
    pk = asked.json()["id"]
    assert partner.post(f"{BASE}procurement-questions/{pk}/answer/", {"answer": "はい"}).status_code == 403
    answered = api(everyone["other_coordinator"]).post(
        f"{BASE}procurement-questions/{pk}/answer/", {"answer": "来年4月です。"}
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "来年4月です。"
    for who in ("outsider", "viewer", "national"):
        assert [q["answer"] for q in results(api(everyone[who]).get(BASE + "procurement-questions/"))] == [
            "来年4月です。"
        ]
    assert ProcurementQuestion.objects.get().asked_by == everyone["partner"]


def test_the_endpoints_are_in_the_openapi_schema(client, everyone):
    client.force_login(everyone["viewer"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/community/procurements/",
        "/api/v1/community/procurements/{id}/move/",
        "/api/v1/community/procurements/{id}/commit/",
        "/api/v1/community/procurement-participants/",
        "/api/v1/community/procurement-specifications/{id}/diff/",
        "/api/v1/community/procurement-questions/{id}/answer/",
    ):
        assert path in schema["paths"], path


def test_committed_participants_stay_through_the_api(everyone, committing):
    # Read-only participants: nothing writes them but the procurement's own actions.
    seat_id = Participant.objects.get().pk
    response = api(everyone["other_admin"]).delete(f"{BASE}procurement-participants/{seat_id}/")
    assert response.status_code == 405 and Participant.objects.filter(pk=seat_id).exists()
