"""The survey in sections: each area's progress and honest rate (on the form and the read-only view), the
draft saved section by section (also as the page's autosave, in JSON), and the submit step's list."""

from __future__ import annotations

import json
import re

import pytest

from assessments import selectors, services
from assessments.models import Answer, Assessment
from benchmarks.models import Indicator
from tests.assessments import answer, form_data, inputs

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def section(body: str, area: str, following: str) -> str:
    return body.split(f'data-area="{area}"')[1].split(f'data-area="{following}"')[0]


def rate_text(body: str, area: str) -> str:
    return re.search(rf'data-area-rate="{area}">([^<]*)<', body).group(1)


def progress_of(assessment: Assessment) -> dict[str, selectors.AreaProgress]:
    return {p.area: p for p in selectors.area_progress(answers=selectors.answers_of(assessment=assessment))}


# --- honest rates ----------------------------------------------------------------------------------


def test_one_procedure_answered_is_a_rate_of_that_one_and_says_so(client, draft, page, people):
    """The home town's national data prefill one procedure (online) and the area's rate item (42.5 %)."""
    progress = progress_of(draft)["online_volume"]
    procedures = Indicator.objects.filter(catalog__fiscal_year=2023, area="online_volume", kind="procedure").count()
    assert (progress.basis, progress.counted, progress.of, progress.rate) == ("procedure", 1, procedures, 100.0)
    assert not progress.complete
    client.force_login(people["editor"])
    body = text(client.get(page))
    shown = rate_text(body, "online_volume")
    assert shown == f"1 / {procedures} 件回答 · 回答分のオンライン化率 100.0%（うち事前入力 1 件）"


def test_an_area_without_procedures_answered_takes_its_rate_item_and_names_it(client, draft, page, people):
    services.assessment_save(
        assessment=draft,
        answers=inputs(draft, {"online_volume.01": {"status": ""}}),
        version=draft.version,
        by=people["editor"],
    )
    progress = progress_of(draft)["online_volume"]
    assert (progress.basis, progress.rate, progress.prefilled) == ("rate", 42.5, 1)
    client.force_login(people["editor"])
    shown = rate_text(text(client.get(page)), "online_volume")
    item = Indicator.objects.get(catalog__fiscal_year=2023, code="online_volume.common_32_rate").name_ja
    assert shown == f"{item} 42.5%（うち事前入力 1 件） · 手続 0 / {progress.procedures} 件回答"


def test_yes_no_areas_count_the_answered_and_a_complete_area_says_all(client, draft, page, people):
    system = [i.code for i in Indicator.objects.filter(catalog__fiscal_year=2023, area="system", scored=True)]
    everything = {code: {"value": 1.0 if code == system[0] else 0.0, "confirm_prefill": True} for code in system}
    services.assessment_save(
        assessment=draft, answers=inputs(draft, everything), version=draft.version, by=people["editor"]
    )
    progress = progress_of(draft)["system"]
    assert (progress.done, progress.total, progress.counted, progress.of) == (len(system),) * 4
    assert progress.rate == pytest.approx(100 / len(system))
    client.force_login(people["editor"])
    body = text(client.get(page))
    assert rate_text(body, "system") == f"{len(system)} 件すべて回答 · 実施率 {100 / len(system):.1f}%"
    assert rate_text(body, "service").startswith("1 / ")  # service.ai, prefilled
    assert rate_text(body, "improvement") == "まだ回答がありません"


def test_the_rates_are_the_benchmark_methods(draft, people):
    """The page's rates come from benchmarks.scoring itself: the same numbers as the live layer's."""
    from benchmarks import scoring

    answers = selectors.answers_of(assessment=draft)
    values = scoring.values_frame(
        (draft.municipality.code, a.indicator.code, a.value, a.status, "") for a in answers if a.answered
    )
    catalog = scoring.catalog_frame(
        (a.indicator.code, a.indicator.area, a.indicator.kind, a.indicator.scored, a.indicator.position)
        for a in answers
    )
    row = scoring.municipality_area_rates(values, catalog).loc[draft.municipality.code]
    for area, progress in progress_of(draft).items():
        if progress.rate is None:
            assert row.isna()[area], area
        else:
            assert progress.rate == pytest.approx(float(row[area])), area


def test_the_read_only_view_shows_the_same_rates_and_progress(client, draft, page, people):
    client.force_login(people["editor"])
    before = text(client.get(page))
    services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)
    for reader in ("viewer", "coordinator"):
        client.force_login(people[reader])
        after = text(client.get(page))
        assert 'name="v:system.cio"' not in after
        for area in ("system", "service", "improvement", "online_volume", "online_lifeevent", "mynumber"):
            assert rate_text(after, area) == rate_text(before, area)
            assert rate_text(after, area) not in ("", "—")
        counts = re.findall(r'data-area-count="(\w+)">([^<]*)<', after)
        assert counts == re.findall(r'data-area-count="(\w+)">([^<]*)<', before)


# --- the index --------------------------------------------------------------------------------


def test_the_index_counts_what_the_town_answered_per_area_and_overall(client, draft, page, people):
    client.force_login(people["editor"])
    response = client.get(page)
    data = form_data(response, {"v:system.crossdept": "1", "confirm:system.cio": "on"})
    client.post(page, data)
    body = text(client.get(page))
    system = progress_of(draft)["system"]
    # Two of the town's own (one entered, one prefill confirmed); system.policy stays a prefill to confirm.
    assert system.done == 2
    counts = dict(re.findall(r'data-area-count="(\w+)">([^<]*)<', body))
    assert counts["system"] == f"2 / {system.total} 回答済み · 確認待ちの事前入力 {system.pending}"
    missing = services.missing_items(Assessment.objects.get(pk=draft.pk))
    total = sum(p.total for p in progress_of(draft).values())
    assert f"{total - len(missing)} / {total} 回答済み" in body


# --- saving section by section ----------------------------------------------------------------


def test_a_section_button_saves_and_goes_on_to_the_next_area(client, draft, page, people):
    client.force_login(people["editor"])
    data = form_data(client.get(page), {"v:system.crossdept": "1", "section": "service"})
    response = client.post(page, data)
    assert response.status_code == 302
    assert response["Location"] == f"{page}#area-service"
    assert answer(draft, "system.crossdept").value == 1.0
    body = text(client.get(page))
    assert 'name="section" value="service"' in section(body, "system", "service")
    assert "保存して「行政サービスの向上・高度化」へ" in section(body, "system", "service")


def test_the_autosave_is_the_same_save_answered_in_json(client, draft, page, people):
    client.force_login(people["editor"])
    data = form_data(client.get(page), {"v:system.crossdept": "1", "v:online_volume.common_32_rate": "150"})
    response = client.post(page, data, headers={"Accept": "application/json"})

    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["version"] == draft.version + 1
    assert body["stale"] is False
    ((error,),) = [[e for e in body["errors"] if e["anchor"] == "id_v:online_volume.common_32_rate"]]
    assert "100" in error["error"]
    assert answer(draft, "system.crossdept").value == 1.0

    # The next autosave names the new version; one from the old version is stale, and says so.
    data = form_data(client.get(page), {"v:system.dedicated_unit": "0"})
    assert client.post(page, data, headers={"Accept": "application/json"}).status_code == 200
    stale = client.post(page, {**data, "v:system.cio": "0"}, headers={"Accept": "application/json"})
    assert stale.status_code == 409
    assert json.loads(stale.content)["stale"] is True
    assert answer(draft, "system.cio").value == 1.0


# --- submitting -----------------------------------------------------------------------------------


def test_the_submit_step_lists_every_missing_item_with_a_link_and_asks_once_first(client, draft, page, people):
    client.force_login(people["admin"])
    response = client.get(page)
    body = text(response)
    step = body.split('id="submit-heading"')[1].split("</section>")[0]
    missing = services.missing_items(draft)
    assert len(missing) > 10
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>', step)
    assert [name for _anchor, name in links] == [i.name_ja for i in sorted(missing, key=_area_order)]
    form = response.context["form"]
    for anchor, _name in links:
        assert f'id="{anchor}"' in body
    assert links[0][0] == form.anchor(f"v:{sorted(missing, key=_area_order)[0].code}")
    # The one question, required, before the button and the list.
    assert step.index('name="accept_missing"') < step.index('type="submit"') < step.index("<li>")
    assert re.search(r'name="accept_missing"[^>]*required', step)
    prefilled = [i for i in missing if answer(draft, i.code).prefilled_from]
    assert step.count("事前入力・未確認") == len(prefilled)


def _area_order(indicator: Indicator) -> int:
    from benchmarks.models import Area

    return list(Area.values).index(indicator.area)


def test_no_missing_item_no_question(client, draft, page, people):
    from tests.assessments import answer_everything

    services.assessment_save(
        assessment=draft, answers=answer_everything(draft), version=draft.version, by=people["editor"]
    )
    client.force_login(people["admin"])
    step = text(client.get(page)).split('id="submit-heading"')[1].split("</section>")[0]
    assert "評価対象の項目はすべて回答済みです。" in step
    assert "accept_missing" not in step
    assert not Answer.objects.filter(assessment=draft, prefilled_from__gt="").exists()
