"""The synthetic demo survey: deterministic, calibrated to the report's figures, and labelled synthetic.

The figures are those of docs/benchmark-method.md ("Figures from the report to check against"):
the national item rates of 図表2 and 図表6, the size-class pattern, and 図表23 (tests/benchmarks/table23.csv).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from pathlib import Path

import pytest
from auditlog.context import disable_auditlog
from django.core.management import call_command

from benchmarks.models import Dataset, Indicator, MunicipalityScore, PrefectureScore, ScoreRun, Value
from benchmarks.selectors import published_run, size_class_area_rates
from benchmarks.services.imports import file_sha256
from benchmarks.services.synthetic import (
    NOTO,
    PREFECTURE_ONLY,
    PROCEDURE_TARGETS,
    PUBLISHED_RATES,
    TABLE_23_AREAS,
    catalog_items,
    municipality_places,
    synthetic_survey_csv,
    table_23,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

TABLE_23_FILE = Path(__file__).with_name("table23.csv")
YEARS = (2021, 2023)


@pytest.fixture(scope="module")
def imported(_national, django_db_blocker) -> dict[int, Dataset]:
    """Both years generated with seed 1 and imported once for the module, each with its recompute.

    Outside a test transaction the import's on-commit recompute runs at once (tasks run in-process).
    """
    with django_db_blocker.unblock():
        call_command("generate_demo_survey", "--seed", "1", stdout=io.StringIO())
        datasets = {dataset.fiscal_year: dataset for dataset in Dataset.objects.select_related("catalog")}
    try:
        yield datasets
    finally:
        with django_db_blocker.unblock(), disable_auditlog():
            Dataset.objects.all().delete()


def survey_csv(seed: int, year: int) -> bytes:
    return synthetic_survey_csv(
        seed=seed,
        fiscal_year=year,
        places=municipality_places(fiscal_year=year),
        items=catalog_items(fiscal_year=year),
    )


def table_23_file() -> dict[str, dict[str, str]]:
    with TABLE_23_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["pref_code"]: row for row in csv.DictReader(handle)}


def national_rate(dataset: Dataset, indicator: str) -> float:
    answers = Value.objects.filter(dataset=dataset, indicator__code=indicator, missing="")
    return 100 * answers.filter(value=1).count() / answers.count()


# --- the file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_the_same_seed_gives_the_same_bytes(imported, year):
    data = survey_csv(1, year)
    assert data == survey_csv(1, year)
    # …and that file is the dataset the command imported.
    assert file_sha256(data) == imported[year].sha256
    assert data.startswith(b"lg_code,fiscal_year,indicator,value\n")


def test_a_different_seed_gives_a_different_file(imported):
    assert survey_csv(2, 2023) != survey_csv(1, 2023)
    assert survey_csv(2, 2021) != survey_csv(1, 2021)


def test_the_embedded_table_23_is_the_reports(imported):
    embedded = table_23()
    rows = table_23_file()
    for year in YEARS:
        assert len(embedded[year]) == 47 * len(TABLE_23_AREAS)
        for (pref_code, area), deviation in embedded[year].items():
            assert deviation == float(rows[pref_code][f"{area}_{year}"]), (pref_code, area, year)


# --- the command and the datasets --------------------------------------------------------------------


def test_running_again_imports_nothing(imported, django_capture_on_commit_callbacks):
    values = Value.objects.count()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("generate_demo_survey", "--seed", "1", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines == [f"FY{year}: already imported as dataset {imported[year].pk}; nothing to do." for year in YEARS]
    assert callbacks == []
    assert Dataset.objects.count() == 2
    assert Value.objects.count() == values
    assert ScoreRun.objects.count() == 2


def test_one_year_only(imported):
    out = io.StringIO()
    call_command("generate_demo_survey", "--seed", "1", "--year", "2021", stdout=out)
    assert out.getvalue().startswith("FY2021: already imported")
    assert "FY2023" not in out.getvalue()


@pytest.mark.parametrize("year", YEARS)
def test_the_datasets_are_synthetic_and_say_so(imported, year):
    dataset = imported[year]
    assert dataset.origin == Dataset.Origin.SYNTHETIC
    assert dataset.status == Dataset.Status.READY
    assert dataset.name == "合成データ（デモ, seed 1）"
    assert "synthetic" in dataset.source
    assert "合成データ" in dataset.source
    assert "実データではありません" in dataset.source
    assert "generate_demo_survey --seed 1" in dataset.source
    assert "Research Focus No.2024-032" in dataset.source
    assert dataset.name_en == "Synthetic data (demo, seed 1)"
    assert dataset.source_en.startswith("Synthetic demo data — not real data.")
    assert "Research Focus No.2024-032" in dataset.source_en
    assert published_run(dataset=dataset) is not None


def test_fy2021_has_no_online_areas_and_says_so(imported):
    dataset = imported[2021]
    assert "手続一覧がない" in dataset.source
    assert "has no list of procedures" in dataset.source_en
    assert not Value.objects.filter(dataset=dataset, indicator__kind=Indicator.Kind.PROCEDURE).exists()
    scores = MunicipalityScore.objects.filter(run=published_run(dataset=dataset))
    assert set(scores.values_list("rate_online_volume", "rate_online_lifeevent")) == {(None, None)}
    assert set(scores.values_list("composite_areas", flat=True)) == {3}


@pytest.mark.parametrize("year", YEARS)
def test_every_yes_no_item_and_procedure_and_no_rate_item(imported, year):
    dataset = imported[year]
    generated = set(Value.objects.filter(dataset=dataset).values_list("indicator__code", flat=True).distinct())
    catalog = Indicator.objects.filter(catalog__fiscal_year=year)
    assert generated == set(catalog.exclude(kind=Indicator.Kind.RATE).values_list("code", flat=True))
    assert not Value.objects.filter(dataset=dataset, indicator__kind=Indicator.Kind.RATE).exists()
    assert dataset.value_count == 1741 * len(generated)


# --- calibration -------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_national_item_rates_are_the_reports(imported, year):
    """Within ±2.5 points of 図表2 and 図表6 for every item the report gives a figure for."""
    measured = {code: national_rate(imported[year], code) for code in PUBLISHED_RATES[year]}
    assert len(measured) == 14
    off = {code: (rate, PUBLISHED_RATES[year][code]) for code, rate in measured.items()}
    assert all(abs(rate - target) <= 2.5 for rate, target in off.values()), off


@pytest.mark.parametrize(
    ("year", "system", "service", "improvement"), [(2021, 35.5, 33.8, 44.7), (2023, 56.0, 48.6, 57.5)]
)
def test_national_area_averages_are_the_reports(imported, year, system, service, improvement):
    scores = MunicipalityScore.objects.filter(run=published_run(dataset=imported[year]))
    for area, average in (("system", system), ("service", service), ("improvement", improvement)):
        rates = [rate for rate in scores.values_list(f"rate_{area}", flat=True) if rate is not None]
        assert statistics.fmean(rates) == pytest.approx(average, abs=1.0), area


@pytest.mark.parametrize("year", YEARS)
def test_small_municipalities_are_behind_the_large_ones(imported, year):
    by_size = size_class_area_rates(run=published_run(dataset=imported[year]))
    for area in ("system", "service", "improvement"):
        rates = {size: by_size[size][area] for size in by_size}
        assert max(rates["town"], rates["village"]) < min(rates["designated"], rates["core"]), (area, rates)
        assert rates["village"] < rates["small"] < rates["mid"], (area, rates)


@pytest.mark.parametrize("year", YEARS)
def test_prefecture_composite_follows_table_23(imported, year):
    scores = PrefectureScore.objects.filter(run=published_run(dataset=imported[year])).order_by("prefecture__pref_code")
    composite = dict(scores.values_list("prefecture__pref_code", "composite"))
    rows = table_23_file()
    codes = sorted(rows)
    assert sorted(composite) == codes
    r = statistics.correlation(
        [composite[code] for code in codes], [float(rows[code][f"composite_{year}"]) for code in codes]
    )
    assert r > 0.5


def test_procedures_are_plausible(imported):
    dataset = imported[2023]
    procedures = Value.objects.filter(dataset=dataset, indicator__kind=Indicator.Kind.PROCEDURE, missing="")
    # A municipality never offers the prefecture's procedures; a few others are not offered either.
    assert set(procedures.filter(indicator__code__in=PREFECTURE_ONLY).values_list("status", flat=True)) == {"na"}
    others = Counter(procedures.exclude(indicator__code__in=PREFECTURE_ONLY).values_list("status", flat=True))
    assert 0.01 < others["na"] / sum(others.values()) < 0.05
    scores = MunicipalityScore.objects.filter(run=published_run(dataset=dataset))
    for area, target in PROCEDURE_TARGETS.items():
        rates = [rate for rate in scores.values_list(f"rate_{area}", flat=True) if rate is not None]
        assert len(rates) == 1741 - len(NOTO)
        assert statistics.fmean(rates) == pytest.approx(target, abs=5), area


# --- missing values ----------------------------------------------------------------------------------


def test_the_noto_municipalities_are_excluded_in_fy2023(imported):
    dataset = imported[2023]
    excluded = Value.objects.filter(dataset=dataset, missing=Value.Missing.EXCLUDED)
    items = Indicator.objects.filter(catalog__fiscal_year=2023).exclude(kind=Indicator.Kind.RATE).count()
    assert excluded.count() == len(NOTO) * items
    assert set(excluded.values_list("municipality__prefecture__pref_code", "municipality__name")) == {
        ("17", name) for name in NOTO
    }
    assert set(excluded.values_list("value", "status")) == {(None, "")}
    # Their areas have no rate (not 0 %), so they have no composite in the year.
    scores = MunicipalityScore.objects.filter(
        run=published_run(dataset=dataset), municipality__prefecture__pref_code="17", municipality__name__in=NOTO
    )
    assert scores.count() == len(NOTO)
    assert {score.rate_system for score in scores} == {None}


def test_nobody_is_excluded_in_fy2021(imported):
    assert not Value.objects.filter(dataset=imported[2021]).exclude(missing="").exists()
