"""Self-assessment pages with the Django client: start, save (stale → 409, bad → 400), submit, review."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry

from assessments import services
from assessments.models import Answer, Assessment
from benchmarks.models import Indicator
from dx_platform.organizations.models import Role
from tests.assessments import answer, form_data, other_prefecture_people
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

YEAR = 2026


def name_of(code: str) -> str:
    return Indicator.objects.get(catalog__fiscal_year=2023, code=code).name_ja


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- start and save ------------------------------------------------------------------------------


def test_start_then_save_through_the_pages(client, national, town, page, people):
    client.force_login(people["editor"])
    response = client.get(page)
    assert response.status_code == 200
    assert "自己評価を始める" in text(response)
    assert not Assessment.objects.exists()

    response = client.post(page)
    assert response.status_code == 302
    assert response["Location"] == page
    response = client.get(page)
    assert response.status_code == 200
    body = text(response)
    assert "最新の全国データから事前入力" in body  # prefills are marked on the page
    assert name_of("system.cio") in body
    assert response.context["form"]["v:system.cio"].value() == "1"
    assert response.context["form"]["v:online_volume.common_32_rate"].value() == 42.5

    data = form_data(
        response,
        {
            "v:system.cio": "0",
            "note:system.cio": "CIOは来年度任命予定",
            "link:system.cio": "https://example.jp/cio",
            "v:online_volume.01": "offline",
            "v:online_volume.common_32_rate": "55.5",
            "confirm:system.policy": "on",
        },
    )
    response = client.post(page, data, follow=True)

    assert response.redirect_chain == [(page, 302)]
    assert "保存しました。" in messages_of(response)
    assessment = Assessment.objects.get()
    assert assessment.version == 2
    cio = answer(assessment, "system.cio")
    assert (cio.value, cio.note, cio.link, cio.prefilled_from) == (
        0.0,
        "CIOは来年度任命予定",
        "https://example.jp/cio",
        "",
    )
    assert answer(assessment, "online_volume.01").status == "offline"
    assert answer(assessment, "online_volume.common_32_rate").value == 55.5
    assert answer(assessment, "system.policy").prefilled_from == ""
    assert answer(assessment, "service.ai").prefilled_from == Answer.Prefill.NATIONAL  # untouched
    # The history on the page, in words: the item's name, the answer as the form says it, who.
    history = response.context["history"]
    cio_name = cio.indicator.name_ja
    row = next(r for r in history if r.what == cio_name and any(c.new == "いいえ" for c in r.changes))
    assert row.who == people["editor"].get_short_name()
    assert "回答: はい → いいえ" in text(response)
    shown = response.content.decode().split('id="history-heading"', 1)[1].split("</section>", 1)[0]
    assert "None" not in shown and "system.cio" not in shown and "updated" not in shown


def test_posting_the_form_unchanged_changes_nothing(client, draft, page, people):
    client.force_login(people["editor"])
    response = client.post(page, form_data(client.get(page)))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=draft.pk).version == draft.version
    assert not LogEntry.objects.filter(additional_data__assessment_id=draft.pk, action=LogEntry.Action.UPDATE).exists()


def test_a_stale_save_gets_409_showing_the_other_persons_change(client, draft, page, people):
    client.force_login(people["editor"])
    editors_form = client.get(page)
    client.force_login(people["admin"])
    admins_form = client.get(page)

    # The admin saves first.
    response = client.post(page, form_data(admins_form, {"v:system.dedicated_unit": "1", "v:system.cio": "0"}))
    assert response.status_code == 302
    # The editor, still on version 1, saves their own change.
    client.force_login(people["editor"])
    response = client.post(page, form_data(editors_form, {"v:system.crossdept": "1", "v:system.cio": "1"}))

    assert response.status_code == 409
    body = text(response)
    assert "編集中に他の人がこの自己評価を保存しました" in body
    assert sorted(a.indicator.code for a in response.context["stale"]) == ["system.cio", "system.dedicated_unit"]
    stale = body.split('class="error-summary"')[1].split("</div>")[0]
    assert name_of("system.dedicated_unit") in stale
    assert name_of("system.cio") in stale
    assert name_of("system.crossdept") not in stale
    assert str(people["admin"]) in stale
    # Nothing of the editor's save was written; the admin's change stands.
    assessment = Assessment.objects.get(pk=draft.pk)
    assert assessment.version == 2
    assert answer(assessment, "system.crossdept").value is None
    assert answer(assessment, "system.cio").value == 0.0
    assert answer(assessment, "system.dedicated_unit").value == 1.0
    # The editor's entries are still in the re-shown form, to enter again after reloading.
    assert response.context["form"]["v:system.crossdept"].value() == "1"


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("v:online_volume.common_32_rate", "150"),
        ("v:online_volume.common_32_rate", "-3"),
        ("v:online_volume.common_32_rate", "たくさん"),
        ("v:system.cio", "0.5"),
        ("v:online_volume.01", "maybe"),
        ("link:system.cio", "not a link"),
    ],
)
def test_a_bad_value_gets_400_with_the_fields_error_and_the_rest_saved(client, draft, page, people, field, bad):
    """The refused field keeps its stored value and is shown again with what was typed and why; the other
    fields of the same save are saved (nothing typed is lost)."""
    client.force_login(people["editor"])
    code = field.partition(":")[2]
    stored = answer(draft, code)
    data = form_data(client.get(page), {"v:system.crossdept": "1", field: bad})

    response = client.post(page, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert form[field].value() == bad  # what was typed, to correct
    body = text(response)
    assert f'<a href="#{form.anchor(field)}">' in body.split('id="error-summary"')[1].split("</div>")[0]
    assert f'id="{form.anchor(field)}"' in body
    assert 'role="alert"><p class="error">' in body
    assessment = Assessment.objects.get(pk=draft.pk)
    assert assessment.version == draft.version + 1
    refused = answer(assessment, code)
    assert (refused.value, refused.status, refused.link) == (stored.value, stored.status, stored.link)
    assert answer(assessment, "system.crossdept").value == 1.0


def test_a_post_without_the_version_is_400(client, draft, page, people):
    client.force_login(people["editor"])
    data = form_data(client.get(page), {"v:system.crossdept": "1"})
    del data["version"]
    assert client.post(page, data).status_code == 400
    assert answer(draft, "system.crossdept").value is None


def test_a_submitted_assessment_is_shown_read_only(client, draft, page, people):
    services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)
    client.force_login(people["editor"])
    response = client.get(page)
    assert response.status_code == 200
    assert "下書きを保存" not in text(response)
    assert 'name="v:system.cio"' not in text(response)
    assert client.post(page, form_data(response, {"v:system.cio": "0"})).status_code == 403


# --- submit and review ---------------------------------------------------------------------------


def test_submit_with_missing_items_asks_for_confirmation(client, draft, page, people, region):
    client.force_login(people["admin"])
    response = client.get(page)
    missing = response.context["missing"]
    assert missing
    assert 'name="accept_missing"' in text(response)
    assert name_of("system.cio_deputy") in text(response).split('id="submit-heading"')[1]

    response = client.post(f"{page}submit/", follow=True)

    assert response.redirect_chain == [(page, 302)]
    (message,) = messages_of(response)
    assert str(len(missing)) in message
    assert name_of("system.cio_deputy") in message
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.DRAFT

    response = client.post(f"{page}submit/", {"accept_missing": "1"}, follow=True)

    assert "都道府県に提出しました。" in messages_of(response)
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED
    assert "提出済み" in text(response)
    assert "下書きを保存" not in text(response)


def test_returned_with_a_comment_the_editor_sees_it(client, draft, page, people):
    services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)
    client.force_login(people["coordinator"])
    assert "処理を送る" in text(client.get(page))

    response = client.post(f"{page}review/", {"decision": "return", "comment": ""}, follow=True)
    assert messages_of(response) == ["差し戻すときは、直すべき点をコメントに書いてください。"]
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED

    response = client.post(f"{page}review/", {"decision": "return", "comment": "CIOの根拠を付けてください"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.RETURNED

    client.force_login(people["editor"])
    body = text(client.get(page))
    assert "都道府県から差し戻されました" in body
    assert "CIOの根拠を付けてください" in body
    assert "下書きを保存" in body


def test_a_bad_decision_changes_nothing(client, draft, page, people):
    services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)
    client.force_login(people["coordinator"])
    response = client.post(f"{page}review/", {"decision": "approve-all"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED


@pytest.fixture
def submitted_pair(draft, region, people) -> tuple[Assessment, Assessment]:
    """The home town's and the home city's assessments, both submitted."""
    city_admin = MembershipFactory(organization=region["home"]["city"], role=Role.ADMIN).user
    city = services.assessment_start(municipality=region["home"]["city"].municipality, fiscal_year=YEAR, by=city_admin)
    services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)
    services.assessment_submit(assessment=city, by=city_admin, accept_missing=True)
    return draft, city


def test_bulk_review_with_the_towns_filter(client, submitted_pair, region, people):
    town, city = submitted_pair
    client.force_login(people["coordinator"])
    listing = f"/assessments/review/20/?year={YEAR}&towns=1"

    response = client.get(listing)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["municipality"] for r in rows] == [town.municipality]
    assert f'name="assessment" value="{town.pk}"' in text(response)
    assert f'value="{city.pk}"' not in text(response)

    response = client.post(listing, {"assessment": [str(town.pk)], "decision": "confirm", "comment": ""}, follow=True)

    assert response.redirect_chain == [(listing, 302)]
    assert messages_of(response) == ["1件の自己評価を処理し、各団体に通知しました。"]
    assert Assessment.objects.get(pk=town.pk).status == Assessment.Status.CONFIRMED
    assert Assessment.objects.get(pk=city.pk).status == Assessment.Status.SUBMITTED
    assert response.context["towns_only"] is True


def test_bulk_review_of_both_and_the_whole_list(client, submitted_pair, people):
    town, city = submitted_pair
    client.force_login(people["coordinator"])
    response = client.get(f"/assessments/review/20/?year={YEAR}")
    assert {r["municipality"] for r in response.context["rows"]} == {town.municipality, city.municipality}

    response = client.post(
        f"/assessments/review/20/?year={YEAR}",
        {"assessment": [str(town.pk), str(city.pk)], "decision": "return", "comment": "根拠を添付"},
    )

    assert response.status_code == 302
    assert set(Assessment.objects.values_list("status", "review_comment")) == {("returned", "根拠を添付")}


def test_bulk_review_changes_none_if_one_cannot_be_reviewed(client, submitted_pair, people):
    town, city = submitted_pair
    services.assessment_review(assessment=city, by=people["coordinator"], confirm=True)
    client.force_login(people["coordinator"])

    response = client.post(
        f"/assessments/review/20/?year={YEAR}",
        {"assessment": [str(town.pk), str(city.pk)], "decision": "return", "comment": "再確認"},
        follow=True,
    )

    (message,) = messages_of(response)
    assert city.municipality.organization.name in message
    assert Assessment.objects.get(pk=town.pk).status == Assessment.Status.SUBMITTED
    assert Assessment.objects.get(pk=city.pk).status == Assessment.Status.CONFIRMED


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "confirm"},
        {"assessment": ["x", "²", "-1", ""], "decision": "confirm"},
        {"assessment": ["TOWN"], "decision": "maybe"},
        {"assessment": ["TOWN"], "decision": "return", "comment": " "},
    ],
)
def test_a_bulk_review_that_cannot_be_done_changes_nothing(client, submitted_pair, people, data):
    town, _ = submitted_pair
    client.force_login(people["coordinator"])
    data = {k: [str(town.pk) if v == "TOWN" else v for v in v] if isinstance(v, list) else v for k, v in data.items()}

    response = client.post("/assessments/review/20/", data, follow=True)

    assert response.status_code == 200
    assert len(messages_of(response)) == 1
    assert set(Assessment.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_bulk_review_ignores_assessments_of_another_prefecture(client, submitted_pair, region, people):
    others = other_prefecture_people(region)
    theirs = services.assessment_start(
        municipality=region["other"]["town"].municipality, fiscal_year=YEAR, by=others["other_editor"]
    )
    services.assessment_submit(assessment=theirs, by=others["other_admin"], accept_missing=True)
    client.force_login(people["coordinator"])

    client.post("/assessments/review/20/", {"assessment": [str(theirs.pk)], "decision": "confirm"})
    client.post("/assessments/review/29/", {"assessment": [str(theirs.pk)], "decision": "confirm"})

    assert Assessment.objects.get(pk=theirs.pk).status == Assessment.Status.SUBMITTED


# --- odd input never fails the server ------------------------------------------------------------


@pytest.mark.parametrize("given", ["99999999999999999999", "9" * 5000])
def test_a_bulk_review_of_an_id_beyond_any_changes_nothing(client, submitted_pair, people, given):
    client.force_login(people["coordinator"])

    response = client.post("/assessments/review/20/", {"assessment": [given], "decision": "confirm"}, follow=True)

    assert response.status_code == 200
    assert len(messages_of(response)) == 1
    assert set(Assessment.objects.values_list("status", flat=True)) == {"submitted"}


@pytest.mark.parametrize(
    "query",
    [
        "?year=²",
        "?year=abc",
        "?year=",
        "?year=-1",
        "?year=0",
        "?year=1900",
        "?year=99999999999999999999",
        "?year=" + "9" * 5000,
        "?year=2026&year=x",
        "?towns=x",
    ],
)
def test_odd_query_parameters_on_the_review_list(client, submitted_pair, people, query):
    client.force_login(people["coordinator"])
    assert client.get(f"/assessments/review/20/{query}").status_code in (200, 400, 404)
    response = client.post(f"/assessments/review/20/{query}", {"decision": "confirm"})
    assert response.status_code in (302, 400, 404)


@pytest.mark.parametrize("year", ["0", "1900", "1988", "2999", "99999", "99999999999999999999", "9" * 5000])
def test_odd_years_in_the_address(client, national, town, people, year):
    client.force_login(people["editor"])
    path = f"/assessments/{town.municipality.code}/{year}/"
    assert client.get(path).status_code in (200, 404)
    assert client.post(path).status_code in (302, 400, 404)
    assert client.post(f"{path}submit/").status_code == 404
    assert not Assessment.objects.filter(fiscal_year__gt=9999).exists()


def test_an_unknown_municipality_is_404(client, national, people):
    client.force_login(people["staff"])
    assert client.get(f"/assessments/999999/{YEAR}/").status_code == 404
    assert client.get(f"/assessments/%EF%BC%92/{YEAR}/").status_code == 404


def test_the_form_has_one_section_per_area(client, draft, page, people):
    """The catalog lists some reference items of an area at its end; they join their area's section."""
    client.force_login(people["editor"])
    body = text(client.get(page))
    areas = re.findall(r'<fieldset class="area" data-area="(\w+)"', body)
    assert areas == ["system", "service", "improvement", "online_volume", "online_lifeevent", "mynumber"]
    system = body.split('data-area="system"')[1].split('data-area="service"')[0]
    assert 'name="v:system.all_staff_training"' in system


def test_starting_a_year_without_a_catalog_says_why(client, national, town, people):
    client.force_login(people["editor"])
    path = f"/assessments/{town.municipality.code}/2000/"
    response = client.post(path, follow=True)
    assert response.redirect_chain == [(path, 302)]
    assert messages_of(response) == ["2000年度の調査項目がありません。"]
    assert not Assessment.objects.exists()
