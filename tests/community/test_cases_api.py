"""Practice case API: the same services and rules as the pages, 4xx with reasons, in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from community.models import Adoption, PracticeCase
from community.services import cases as services
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import PopulationRecord
from tests.assessments import load_catalog
from tests.community.test_cases_support import pdf, write_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/community/cases/"
ADOPTIONS = "/api/v1/community/adoptions/"
KITS = "/api/v1/community/case-attachments/"
COMMENTS = "/api/v1/community/comments/"


@pytest.fixture
def users(everyone):
    load_catalog()
    return everyone


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


NEW = {
    "title": "RPAで給与事務",
    "problem": "月末の入力作業が多い。",
    "what_was_done": "RPAで転記を自動化した。",
    "outcome": "partial",
    "area": "service",
    "indicators": ["service.rpa"],
    "metrics": [{"label": "作業時間", "before": 40, "after": 12, "unit": "時間/月"}],
}


def test_an_editor_creates_changes_and_publishes_a_case(town, users):
    api = api_for(users["editor"])
    created = api.post(CASES, {**NEW, "organization": town.pk}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["organization"], body["author_label"]) == ("draft", town.pk, town.name)
    assert body["indicators"] == ["service.rpa"]
    assert body["metrics"][0]["label"] == "作業時間"
    assert body["metrics"][0]["change_percent"] == pytest.approx(-70.0)
    url = f"{CASES}{body['id']}/"
    # A PATCH changes what it names and keeps the rest.
    changed = api.patch(url, {"title": "RPAで給与事務（第2版）"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["title"], changed.json()["metrics"][0]["after"]) == ("RPAで給与事務（第2版）", 12.0)
    refused = api.post(f"{url}publish/")
    assert refused.status_code == 400
    assert "what_did_not_work" in refused.json()
    api.patch(url, {"what_did_not_work": "例外処理が多かった。"}, format="json")
    published = api.post(f"{url}publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert api.post(f"{url}publish/").status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"outcome": "great"}, "outcome"),
        ({"indicators": ["no.such.item"]}, "indicators"),
        ({"started_on": "2025-04-01", "finished_on": "2025-03-01"}, "finished_on"),
        ({"metrics": [{"before": 1}]}, "metrics"),
        ({"organization": None}, "organization"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(town, users, changes, field):
    response = api_for(users["editor"]).post(CASES, {**NEW, "organization": town.pk, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not PracticeCase.objects.exists()


def test_a_case_is_written_only_for_a_body_one_writes_for(region, users):
    api = api_for(users["editor"])
    assert api.post(CASES, {**NEW, "organization": region["other"]["town"].pk}, format="json").status_code == 403
    # A partner is no author body at all.
    assert api.post(CASES, {**NEW, "organization": region["partner"].pk}, format="json").status_code == 400
    assert api_for(users["viewer"]).post(CASES, {**NEW, "organization": region["home"]["town"].pk}).status_code == 403
    assert not PracticeCase.objects.exists()


@pytest.mark.parametrize(
    ("who", "published", "code"),
    [
        ("viewer", False, 403),
        ("coordinator", False, 404),  # a draft stays with its body
        ("coordinator", True, 403),
        ("other_editor", False, 404),
        ("other_editor", True, 403),
        ("national", True, 403),
    ],
)
def test_who_may_not_edit_gets_403_or_404(town, users, who, published, code):
    case = write_case(town, users["editor"], publish=published)
    api = api_for(users[who])
    assert api.patch(f"{CASES}{case.pk}/", {"title": "x"}, format="json").status_code == code
    assert api.post(f"{CASES}{case.pk}/publish/").status_code == code
    assert api.delete(f"{CASES}{case.pk}/").status_code == code
    assert PracticeCase.objects.get().title == "書かない窓口の導入"


def test_the_author_deletes_a_case(town, users):
    case = write_case(town, users["editor"])
    assert api_for(users["admin"]).delete(f"{CASES}{case.pk}/").status_code == 204
    assert not PracticeCase.objects.exists()


def test_an_anonymised_author_is_hidden_from_others_in_the_api(region, town, users):
    PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2025, 1, 1), population=12_345, source="test"
    )
    case = write_case(town, users["editor"], anonymous=True, audience="everyone", publish=True)
    for who in ("other_editor", "partner"):
        body = api_for(users[who]).get(f"{CASES}{case.pk}/").json()
        assert (body["organization"], body["population"]) == (None, 12_000)
        assert town.name not in str(body)
        listed = api_for(users[who]).get(CASES).json()["results"]
        assert town.name not in str(listed)
    own = api_for(users["viewer"]).get(f"{CASES}{case.pk}/").json()
    assert (own["organization"], own["population"], own["author_label"]) == (town.pk, 12_345, town.name)


def test_the_list_filters_and_sorts_as_the_page_does(region, town, users):
    failure = write_case(town, users["editor"], title="失敗", outcome="failure", what_did_not_work="x", publish=True)
    write_case(town, users["editor"], title="成功", publish=True)
    services.case_adopt(case=failure, organization=region["other"]["town"], by=users["other_editor"])
    api = api_for(users["other_editor"])
    assert [c["title"] for c in api.get(CASES, {"outcome": "failure"}).json()["results"]] == ["失敗"]
    assert [c["title"] for c in api.get(CASES, {"sort": "adoptions"}).json()["results"]] == ["失敗", "成功"]
    assert [c["title"] for c in api.get(CASES, {"adopted": "true"}).json()["results"]] == ["失敗"]
    assert [c["adoption_count"] for c in api.get(CASES).json()["results"]] == [0, 1]


def test_adoptions_are_said_listed_and_undone(region, town, users):
    case = write_case(town, users["editor"], publish=True)
    other_town = region["other"]["town"]
    api = api_for(users["other_editor"])
    created = api.post(ADOPTIONS, {"case": case.pk, "organization": other_town.pk, "note": "横展開"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["organization_name"] == other_town.name
    again = api.post(ADOPTIONS, {"case": case.pk, "organization": other_town.pk}, format="json")
    assert again.status_code == 400
    assert other_town.name in str(again.json())
    # A staff-only case is as unknown to a partner as one that does not exist.
    hidden = api_for(users["partner"]).post(ADOPTIONS, {"case": case.pk, "organization": region["partner"].pk})
    assert hidden.status_code == 400
    assert "case" in hidden.json()
    assert [a["case"] for a in api_for(users["viewer"]).get(ADOPTIONS).json()["results"]] == [case.pk]
    adoption = created.json()["id"]
    assert api_for(users["editor"]).delete(f"{ADOPTIONS}{adoption}/").status_code == 403
    assert api.delete(f"{ADOPTIONS}{adoption}/").status_code == 204
    assert not Adoption.objects.exists()


def test_an_own_body_or_one_not_spoken_for_cannot_adopt(region, town, users):
    case = write_case(town, users["editor"], publish=True)
    assert api_for(users["editor"]).post(ADOPTIONS, {"case": case.pk, "organization": town.pk}).status_code == 403
    city = region["other"]["city"]
    assert api_for(users["other_editor"]).post(ADOPTIONS, {"case": case.pk, "organization": city.pk}).status_code == 403
    assert not Adoption.objects.exists()


def test_the_kit_is_listed_as_metadata_with_its_download_link(town, users):
    case = write_case(town, users["editor"], publish=True)
    attachment = services.case_attachment_add(case=case, kind="specification", upload=pdf(), by=users["editor"])
    listed = api_for(users["other_editor"]).get(KITS, {"case": case.pk}).json()["results"]
    assert listed == [
        {
            "id": attachment.pk,
            "case": case.pk,
            "kind": "specification",
            "name": "仕様書.pdf",
            "content_type": "application/pdf",
            "size": attachment.size,
            "created_at": listed[0]["created_at"],
            "url": f"/community/cases/{case.pk}/kit/{attachment.pk}/",
        }
    ]
    assert api_for(users["other_editor"]).get(f"{CASES}{case.pk}/").json()["attachments"][0]["id"] == attachment.pk


def test_a_question_is_asked_through_the_api_and_answered_in_the_thread(region, town, users):
    case = write_case(town, users["editor"], publish=True, anonymous=True)
    asker = api_for(users["other_editor"])
    url = f"{CASES}{case.pk}/ask/"
    assert asker.post(url, {"body": "  "}, format="json").status_code == 400
    asked = asker.post(url, {"body": "費用は？"}, format="json")
    assert asked.status_code == 201
    question = asked.json()
    assert (question["kind"], question["body"], question["parent"]) == ("question", "費用は？", None)
    assert {n.recipient for n in Notification.objects.all()} == {users["editor"], users["admin"]}
    # Answers, listing and moderation are the thread's, in the comments API.
    answer = api_for(users["admin"]).post(f"{COMMENTS}{question['id']}/answer/", {"body": "300万円"}, format="json")
    assert answer.status_code == 201
    assert Notification.objects.filter(recipient=users["other_editor"]).exists()
    listed = asker.get(COMMENTS, {"target": "case", "target_id": case.pk}).json()["results"]
    assert [(c["id"], c["parent"], c["body"]) for c in listed] == [
        (question["id"], None, "費用は？"),
        (answer.json()["id"], question["id"], "300万円"),
    ]
    # The anonymised author stays so in the answer's label and in the asker's notice.
    notice = Notification.objects.get(recipient=users["other_editor"])
    for text in (listed[1]["author"], notice.title):
        assert town.name not in text and str(users["admin"]) not in text
    assert region["other"]["town"].name in listed[0]["author"]


def test_the_schema_documents_the_case_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "cases/",
        "cases/{id}/",
        "cases/{id}/publish/",
        "cases/{id}/ask/",
        "adoptions/",
        "adoptions/{id}/",
        "case-attachments/",
    ):
        assert f"/api/v1/community/{path}" in schema["paths"]
