"""Real and synthetic data are never compared: the real FY2023 dashboard data beside the synthetic FY2021
demo survey (as `make demo` loads them) — no page, API response or council report sets one beside the
other, and a figure across years says why it has nothing to compare with."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from assessments.models import Answer, Assessment
from benchmarks import selectors as benchmarks
from benchmarks.models import Dataset, Indicator, MunicipalityScore
from coordination import report as council
from coordination import selectors
from dx_platform.accounts.models import User
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Municipality, Organization, Role
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

MINAMIAIKI = "203068"  # 南相木村, 長野県: 45.5 in the real FY2023 data, 58.3 in the synthetic FY2021
NO_COMPARISON_REAL = "比較できるデータがありません（実データは2023年度のみ）"
FELL = r"から\d+\.\d低下（"  # a fall's words: 「2021年度（令和3年度）から12.8低下（58.3→45.5）」
NO_COMPARISON_SYNTHETIC = "比較できるデータがありません（合成データは2021年度のみ）"


@pytest.fixture(scope="module")
def loaded(_national, django_db_blocker) -> dict[int, Dataset]:
    """Real FY2023 and synthetic FY2021, each scored (outside a test transaction the recompute runs at once)."""
    with django_db_blocker.unblock():
        call_command("load_dashboard_dataset", stdout=io.StringIO())
        call_command("generate_demo_survey", "--seed", "1", "--year", "2021", stdout=io.StringIO())
        return {dataset.fiscal_year: dataset for dataset in Dataset.objects.select_related("catalog")}


@pytest.fixture
def real(loaded) -> Dataset:
    assert (loaded[2023].origin, loaded[2021].origin) == (Dataset.Origin.REAL, Dataset.Origin.SYNTHETIC)
    return loaded[2023]


@pytest.fixture
def synthetic(loaded) -> Dataset:
    return loaded[2021]


def composite(dataset: Dataset, code: str = MINAMIAIKI) -> float:
    run = benchmarks.published_run(dataset=dataset)
    return MunicipalityScore.objects.get(run=run, municipality__code=code).composite


@pytest.fixture
def nagano_coordinator(loaded):
    organization = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code="20")
    return MembershipFactory(organization=organization, role=Role.COORDINATOR).user


def series_names(page: str, data_id: str = "bars-data") -> list[str]:
    match = re.search(rf'<script id="{data_id}" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert match, f"no {data_id}"
    return [series["name"] for series in json.loads(match.group(1))["data"]]


def test_the_two_origins_would_make_minamiaiki_fall(real, synthetic):
    """The trap the rule avoids: across origins, 南相木村 'fell' 58.3 → 45.5."""
    assert (round(composite(synthetic), 1), round(composite(real), 1)) == (58.3, 45.5)


def test_the_comparable_scores_are_of_one_origin(real, synthetic):
    shown = benchmarks.published_scores(fiscal_year=2023)
    comparable = benchmarks.comparable_scores(published=shown)
    assert [(p.fiscal_year, p.origin) for p in comparable.series] == [(2023, "real")]
    assert (comparable.other_years, comparable.previous) == ([2021], None)
    older = benchmarks.comparable_scores(published=benchmarks.published_scores(fiscal_year=2021))
    assert [(p.fiscal_year, p.origin) for p in older.series] == [(2021, "synthetic")]
    assert older.other_years == [2023]


def test_the_size_class_chart_draws_only_the_shown_origin_and_says_why(client, real, synthetic):
    page = client.get("/benchmarks/").content.decode()
    assert series_names(page) == ["2023年度（令和5年度） 実データ（国の調査）"]
    assert NO_COMPARISON_REAL in page
    assert "2021年度" not in page.split('id="sizes-heading"')[1].split("</section>")[0]

    older = client.get("/benchmarks/?year=2021").content.decode()
    assert series_names(older) == ["2021年度（令和3年度） 合成データ（デモ）"]
    assert NO_COMPARISON_SYNTHETIC in older


def test_with_only_real_fy2023_the_size_class_chart_draws_one_series_and_says_why(client, real, synthetic):
    Dataset.objects.filter(pk=synthetic.pk).delete()  # rolled back after the test
    page = client.get("/benchmarks/").content.decode()
    names = series_names(page)
    assert len(names) == 1 and names[0].startswith("2023年度")
    assert NO_COMPARISON_REAL in page


def test_the_prefecture_page_shows_one_dataset(client, real, synthetic):
    response = client.get("/benchmarks/prefectures/20/")
    assert response.context["selection"].dataset == real
    assert {s.run.dataset_id for s in response.context["scores"]} == {real.pk}
    older = client.get("/benchmarks/prefectures/20/?year=2021")
    assert {s.run.dataset_id for s in older.context["scores"]} == {synthetic.pk}


def test_the_municipality_history_keeps_to_the_shown_origin(client, real, synthetic):
    response = client.get(f"/benchmarks/municipalities/{MINAMIAIKI}/")
    assert [dataset for dataset, _score in response.context["history"]] == [real]
    page = response.content.decode()
    history = page.split('id="history-heading"')[1]
    assert NO_COMPARISON_REAL in history
    assert "58.3" not in history and "45.5" in history

    older = client.get(f"/benchmarks/municipalities/{MINAMIAIKI}/?year=2021")
    assert [dataset for dataset, _score in older.context["history"]] == [synthetic]
    assert "45.5" not in older.content.decode().split('id="history-heading"')[1]


def test_the_live_layer_is_scored_against_the_shown_origin(client, real, synthetic, nagano_coordinator):
    municipality = Municipality.objects.get(code=MINAMIAIKI)
    assessment = Assessment.objects.create(
        municipality=municipality, fiscal_year=2025, status=Assessment.Status.CONFIRMED
    )
    for indicator in Indicator.objects.filter(catalog__fiscal_year=2023, code__in=["system.cio", "system.policy"]):
        Answer.objects.create(assessment=assessment, indicator=indicator, value=1.0)
    client.force_login(nagano_coordinator)
    assert client.get(f"/benchmarks/municipalities/{MINAMIAIKI}/").context["live"]["dataset"] == real
    assert client.get(f"/benchmarks/municipalities/{MINAMIAIKI}/?year=2021").context["live"]["dataset"] == synthetic


def test_the_api_answers_each_year_from_its_own_dataset(client, real, synthetic):
    for year, dataset in ((2023, real), (2021, synthetic)):
        one = client.get(f"/api/v1/benchmarks/municipality-scores/{MINAMIAIKI}/?fiscal_year={year}").json()
        assert (one["dataset"], one["composite"]) == (dataset.pk, pytest.approx(composite(dataset)))
        rows = client.get(f"/api/v1/benchmarks/municipality-scores/?fiscal_year={year}&prefecture=20").json()
        rows = rows["results"] if isinstance(rows, dict) else rows
        assert rows and {row["dataset"] for row in rows} == {dataset.pk}


def test_the_coordinator_dashboard_does_not_compare_real_with_synthetic(client, real, nagano_coordinator):
    nagano = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code="20").prefecture
    board = selectors.prefecture_dashboard(user=nagano_coordinator, prefecture=nagano)
    assert (board.scores.dataset, board.scores.previous, board.scores.previous_run) == (real, None, None)
    assert all(row.previous_composite is None and "fell" not in row.reasons for row in board.rows)

    client.force_login(nagano_coordinator)
    page = client.get("/coordination/20/").content.decode()
    assert NO_COMPARISON_REAL in page
    assert not re.search(FELL, page)
    assert "58.3→45.5" not in page


def test_with_the_demo_data_before_the_deadline_the_list_singles_out_at_most_ten(client, real, synthetic):
    """`make demo` as a coordinator of 長野県 sees it in December: the survey window's deadline (31 January)
    has not passed, so a missing self-assessment is no reason; the list names at most ten, each with its
    reasons and what to do next, and no reason sets real data beside synthetic."""
    call_command("seed_demo", "--force", stdout=io.StringIO())
    call_command("seed_demo_content", "--force", stdout=io.StringIO())
    coordinator = User.objects.get(email="coordinator@chiiki-dx.example")
    nagano = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code="20").prefecture
    december = dt.datetime.combine(
        dt.date(FiscalYear.current().year, 12, 7), dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(december):
        board = selectors.prefecture_dashboard(user=coordinator, prefecture=nagano)
        assert board.summary.window is not None and not board.summary.deadline_passed
        client.force_login(coordinator)
        page = client.get("/coordination/20/").content.decode()
    assert 10 < len(board.attention) < len(board.rows) == 77
    assert len(board.listed) == 10
    assert all(row.causes and row.priority > 0 for row in board.listed)
    assert not {"late", "fell"} & {code for row in board.attention for code in row.reasons}
    listed = page[page.index('id="attention-heading"') : page.index("<details")]
    assert f"要注意 上位10団体（全{len(board.attention)}団体中）" in listed
    for row in board.listed:
        assert row.municipality.name in listed and row.reason_labels[0] in listed
        assert f"/coordination/cases/new/{row.municipality.code}/" in listed  # open a support case
        assert f"/coordination/municipalities/{row.municipality.code}/remind/" in listed  # send a reminder
    assert not re.search(FELL, page)


def test_the_council_report_does_not_compare_real_with_synthetic(real, nagano_coordinator):
    nagano = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code="20").prefecture
    data = council.report_data(prefecture=nagano, user=nagano_coordinator)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(council.render_pdf(data))).pages)
    compact = re.sub(r"\s+", "", text)
    assert NO_COMPARISON_REAL in compact
    assert not re.search(FELL, compact)

    sheet = load_workbook(io.BytesIO(council.render_xlsx(data)))["municipalities"]
    header, *rows = sheet.iter_rows(values_only=True)
    previous = header.index("previous_composite")
    needs = header.index("needs_attention")
    assert rows and all(row[previous] is None and "fell" not in (row[needs] or "") for row in rows)


def test_an_item_page_sets_its_rates_over_the_years_only_beside_the_same_origin(client, real, synthetic):
    response = client.get("/benchmarks/items/system.cio/")
    assert [published.dataset for published, _rates in response.context["history"]] == [real]
    older = client.get("/benchmarks/items/system.cio/?year=2021")
    assert [published.dataset for published, _rates in older.context["history"]] == [synthetic]
