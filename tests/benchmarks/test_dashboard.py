"""The real FY2023 dataset from the Digital Agency dashboard, and the scores exported from it.

The counts are the dashboard's own (benchmarks/data/, shared/data/README.md) and the report's
(全体方針 862 municipalities, CIO 73.3 %); the score tables follow docs/benchmark-method.md; which
column is which report item is decided in benchmarks/data/SOURCES.md.
"""

from __future__ import annotations

import csv
import io
import math
import statistics

import pytest
from django.core.management import call_command

from benchmarks.models import Dataset, ItemRate, MunicipalityScore, PrefectureScore, ScoreRun, Value
from benchmarks.scoring import AREAS, COMPOSITE_AREAS
from benchmarks.selectors import published_run
from benchmarks.services.catalog import read_catalog
from benchmarks.services.dashboard import DASHBOARD_FILE, RATE_COLUMNS, STATUS_COLUMNS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

NOTO = ("金沢市", "七尾市", "小松市", "輪島市", "珠洲市", "内灘町", "中能登町", "能登町")
SYSTEM_ITEMS = sorted(code for code in STATUS_COLUMNS.values() if code.startswith("system."))
SOURCES = DASHBOARD_FILE.parent / "SOURCES.md"
DICTIONARY = DASHBOARD_FILE.parent / "dx_dashboard_indicator_dictionary.csv"
NOT_THE_REPORTS = "（デジタル庁ダッシュボード）"
EXPORT_HEADER = [
    "code",
    "name",
    *(f"rate_{area}" for area in AREAS),
    *(f"dev_{area}" for area in AREAS),
    "composite",
    "dataset",
    "origin",
]


def load_dashboard() -> str:
    out = io.StringIO()
    call_command("load_dashboard_dataset", stdout=out)
    return out.getvalue()


@pytest.fixture
def dataset(django_capture_on_commit_callbacks) -> Dataset:
    """The dashboard imported, with the recompute the import enqueues run after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        load_dashboard()
    return Dataset.objects.get()


def export(level: str) -> list[list[str]]:
    out = io.StringIO()
    call_command("export_benchmarks", "--year", "2023", "--level", level, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def values(dataset: Dataset, indicator: str):
    return Value.objects.filter(dataset=dataset, indicator__code=indicator)


def number(text: str) -> float | None:
    return float(text) if text else None


# --- the dataset -----------------------------------------------------------------------------------


def test_the_dashboard_is_a_real_dataset_with_its_source(dataset):
    assert dataset.origin == Dataset.Origin.REAL
    assert dataset.fiscal_year == 2023
    assert "デジタル庁" in dataset.source
    assert "自治体DXの取組に関するダッシュボード" in dataset.source
    assert dataset.status == Dataset.Status.READY
    assert dataset.value_count == 1741 * 13
    # English pages name it and its source in English, saying the dashboard itself is Japanese only.
    assert dataset.name_en == "Local government DX dashboard (survey as of 1 April 2023)"
    assert "Digital Agency" in dataset.source_en and "(in Japanese;" in dataset.source_en


def test_loading_again_gives_a_dataset_loaded_without_english_labels_its_labels(dataset):
    Dataset.objects.filter(pk=dataset.pk).update(name_en="", source_en="")
    load_dashboard()
    dataset.refresh_from_db()
    assert dataset.name_en.startswith("Local government DX dashboard") and "Digital Agency" in dataset.source_en
    assert (Dataset.objects.count(), dataset.value_count) == (1, 1741 * 13)


def test_overall_policy_is_implemented_by_862_municipalities(dataset):
    assert values(dataset, "system.policy").filter(value=1).count() == 862
    assert values(dataset, "system.policy").filter(value=0).count() == 871


def test_cio_is_appointed_by_73_3_percent_of_the_surveyed(dataset):
    cio = values(dataset, "system.cio")
    implemented = cio.filter(value=1).count()
    surveyed = cio.filter(missing="").count()
    assert (implemented, surveyed) == (1270, 1733)
    assert round(100 * implemented / surveyed, 1) == 73.3
    nation = ItemRate.objects.get(
        run=published_run(dataset=dataset), indicator__code="system.cio", level=ItemRate.Level.NATION
    )
    assert nation.n == 1733
    assert round(nation.rate, 1) == 73.3


def test_the_noto_municipalities_are_excluded_not_zero(dataset):
    noto = Value.objects.filter(dataset=dataset, municipality__prefecture__pref_code="17", municipality__name__in=NOTO)
    assert set(noto.values_list("municipality__name", flat=True)) == set(NOTO)
    survey = noto.filter(indicator__code__in=SYSTEM_ITEMS)
    assert survey.count() == 8 * 7
    assert set(survey.values_list("missing", "value")) == {("excluded", None)}
    # Nobody else was left out of the survey.
    excluded = Value.objects.filter(dataset=dataset, missing=Value.Missing.EXCLUDED)
    assert excluded.count() == 8 * 7
    # Their system area has no rate (not 0 %), so their composite rests on the other areas.
    scores = MunicipalityScore.objects.filter(
        run=published_run(dataset=dataset), municipality__name__in=NOTO, municipality__prefecture__pref_code="17"
    )
    assert scores.count() == 8
    assert set(scores.values_list("rate_system", "dev_system")) == {(None, None)}
    assert set(scores.values_list("composite_areas", flat=True)) == {3}
    assert None not in set(scores.values_list("composite", flat=True))


@pytest.mark.parametrize(("prefecture", "name"), [("10", "草津町"), ("29", "天川村")])
def test_no_frequent_procedures_is_not_applicable(dataset, prefecture, name):
    value = values(dataset, "online_volume.common_32_rate").get(
        municipality__prefecture__pref_code=prefecture, municipality__name=name
    )
    assert (value.missing, value.value) == (Value.Missing.NOT_APPLICABLE, None)
    score = MunicipalityScore.objects.get(
        run=published_run(dataset=dataset), municipality__prefecture__pref_code=prefecture, municipality__name=name
    )
    assert score.rate_online_volume is None
    not_applicable = values(dataset, "online_volume.common_32_rate").filter(missing=Value.Missing.NOT_APPLICABLE)
    assert not_applicable.count() == 2


def test_loading_twice_imports_once(dataset, django_capture_on_commit_callbacks):
    count = Value.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        out = load_dashboard()
    assert out.strip().startswith(f"Already imported as dataset {dataset.pk}")
    assert callbacks == []
    assert Dataset.objects.count() == 1
    assert Value.objects.count() == count
    assert ScoreRun.objects.count() == 1


# --- which column is which report item -------------------------------------------------------------


def verdicts() -> dict[str, list[str]]:
    """SOURCES.md's verdict table by dashboard column: label, code, report item, same question?, why."""
    rows = {}
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 6:
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_every_mapped_column_has_its_verdict_in_sources():
    mapping = {**STATUS_COLUMNS, **RATE_COLUMNS}
    with DICTIONARY.open(encoding="utf-8", newline="") as handle:
        labels = {row["column"]: row["source_label"] for row in csv.DictReader(handle)}
    items = {item["code"]: item for item in read_catalog()[2023]}
    rows = verdicts()
    assert set(rows) == set(mapping)
    for column, code in mapping.items():
        label, shown_code, report_item, same, why = rows[column]
        assert label == labels[column], column
        assert shown_code == f"`{code}`", column
        assert same in ("yes", "no"), column
        assert report_item and why, column
        # An item that is not the report's says so in its name, and a yes/no one of them is not scored.
        assert (NOT_THE_REPORTS in items[code]["name_ja"]) == (same == "no"), column
        if same == "no" and items[code]["kind"] == "boolean":
            assert not items[code]["scored"], column


def test_the_dashboards_external_talent_is_its_own_item_never_the_reports(dataset):
    assert verdicts()["external_talent"][:4] == [
        "外部人材活用",
        "`system.external_talent_use`",
        "none — not 推進体制 ⑤ 外部デジタル人材の任用",
        "no",
    ]
    assert "system.external_talent" not in {**STATUS_COLUMNS, **RATE_COLUMNS}.values()
    assert not values(dataset, "system.external_talent").exists()
    own = values(dataset, "system.external_talent_use")
    assert own.filter(value=1).count() == 522
    assert own.filter(value=0).count() == 1211
    assert own.filter(missing=Value.Missing.EXCLUDED).count() == 8
    indicator = own.first().indicator
    assert indicator.name_ja == "外部人材活用（デジタル庁ダッシュボード）"
    assert not indicator.scored
    run = published_run(dataset=dataset)
    nation = ItemRate.objects.get(run=run, indicator=indicator, level=ItemRate.Level.NATION)
    assert (nation.n, round(nation.rate, 1)) == (1733, 30.1)
    assert not ItemRate.objects.filter(run=run, indicator__code="system.external_talent").exists()


def test_the_system_rate_rests_on_the_reports_items_only(dataset):
    """函館市 has 2 of the 5 report items the dashboard asks (全庁的体制, 職員育成): 40 %, whatever its
    外部人材活用 (no) and 全職員研修 (yes) answers."""
    hakodate = MunicipalityScore.objects.get(run=published_run(dataset=dataset), municipality__code="012025")
    assert hakodate.rate_system == pytest.approx(40.0)


def test_a_dashboard_dataset_of_an_earlier_mapping_is_superseded(monkeypatch):
    monkeypatch.setitem(STATUS_COLUMNS, "external_talent", "system.external_talent")
    load_dashboard()
    earlier = Dataset.objects.get()
    monkeypatch.undo()
    out = load_dashboard()
    corrected = Dataset.objects.exclude(pk=earlier.pk).get()
    assert corrected.supersedes == earlier
    assert out == (
        f"Imported dataset {corrected.pk}: 22,633 values; it supersedes dataset {earlier.pk} (3,482 values changed).\n"
    )
    # Exactly the one column moved, for every municipality: off the report's item, onto its own.
    assert len(corrected.changes) == 2 * 1741
    assert {(change["indicator"], change["old"] != "", change["new"] != "") for change in corrected.changes} == {
        ("system.external_talent", True, False),
        ("system.external_talent_use", False, True),
    }
    assert load_dashboard().startswith(f"Already imported as dataset {corrected.pk}")
    assert Dataset.objects.count() == 2


# --- the scores exported after the import's recompute ------------------------------------------------


def test_the_import_published_a_complete_run(dataset):
    run = published_run(dataset=dataset)
    assert run is not None
    assert run.status == ScoreRun.Status.COMPLETE
    assert MunicipalityScore.objects.filter(run=run).count() == 1741
    assert PrefectureScore.objects.filter(run=run).count() == 47


def test_prefecture_export(dataset):
    rows = export("prefecture")
    assert rows[0] == EXPORT_HEADER
    body = rows[1:]
    assert [row[0] for row in body] == [f"{n:02d}" for n in range(1, 48)]
    assert body[0][1] == "北海道"
    assert body[46][1] == "沖縄県"
    check_table(body)


def test_municipality_export(dataset):
    rows = export("municipality")
    assert rows[0] == EXPORT_HEADER
    body = rows[1:]
    assert len(body) == 1741
    codes = [row[0] for row in body]
    assert codes == sorted(codes)
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert body[0][:2] == ["011002", "札幌市"]
    check_table(body)
    # Every municipality without a Noto or a 32-procedure gap rests on the four areas the dashboard has.
    composite_areas = {
        row[0]: sum(row[EXPORT_HEADER.index(f"dev_{area}")] != "" for area in COMPOSITE_AREAS) for row in body
    }
    assert sorted(composite_areas.values()).count(4) == 1741 - 8 - 2
    assert set(composite_areas.values()) == {3, 4}


def check_table(body: list[list[str]]) -> None:
    """Deviation columns 50/10, composite = mean of the present composite areas, no improvement data."""
    column = {name: [number(row[EXPORT_HEADER.index(name)]) for row in body] for name in EXPORT_HEADER[2:-1]}
    # Every row says it is real data, and from which dataset.
    assert {row[-1] for row in body} == {"real"}
    assert len({row[-2] for row in body}) == 1
    assert set(column["rate_improvement"]) == {None}
    assert set(column["dev_improvement"]) == {None}
    for area in ("system", "service", "online_volume", "online_lifeevent", "mynumber"):
        present = [x for x in column[f"dev_{area}"] if x is not None]
        assert len(present) > len(body) * 0.99, area
        # Two decimals in the file: the mean and SD are within rounding of 50 and 10.
        assert math.isclose(statistics.fmean(present), 50, abs_tol=0.006), area
        assert math.isclose(statistics.pstdev(present), 10, abs_tol=0.01), area
    for index in range(len(body)):
        present = [column[f"dev_{area}"][index] for area in COMPOSITE_AREAS]
        shown = [x for x in present if x is not None]
        composite = column["composite"][index]
        assert composite is not None
        assert math.isclose(composite, statistics.fmean(shown), abs_tol=0.011), body[index][:2]


def test_the_composite_leaves_the_card_out(dataset):
    """In the stored scores (not rounded): composite = mean of the present dev_ of the five areas, card excluded."""
    run = published_run(dataset=dataset)
    assert run is not None
    for score in MunicipalityScore.objects.filter(run=run):
        present = [getattr(score, f"dev_{area}") for area in COMPOSITE_AREAS]
        shown = [x for x in present if x is not None]
        assert score.composite_areas == len(shown)
        assert score.composite == pytest.approx(statistics.fmean(shown), abs=1e-9)
    with_card = [
        statistics.fmean([x for x in (getattr(s, f"dev_{a}") for a in AREAS) if x is not None])
        for s in MunicipalityScore.objects.filter(run=run).order_by("pk")[:20]
    ]
    composites = list(MunicipalityScore.objects.filter(run=run).order_by("pk").values_list("composite", flat=True)[:20])
    assert with_card != pytest.approx(composites)


# --- the report's national item rates, wherever they leave the platform ------------------------------

# The report's FY2023 national rates (日本総研 Research Focus No.2024-032) for the items the dashboard has.
REPORT_RATES = {
    "system.cio": 73.3,
    "system.policy": 49.7,
    "system.crossdept": 65.4,
    "service.ai": 50.5,
    "service.rpa": 41.4,
}


def test_the_reports_national_rates_in_the_items_export(dataset):
    header, *rows = export("items")
    assert header == [
        "indicator", "label", "scope", "group", "numerator", "denominator", "rate", "excluded", "dataset", "origin"
    ]  # fmt: skip
    nation = {row[0]: dict(zip(header, row, strict=True)) for row in rows if row[2] == "nation"}
    for code, rate in REPORT_RATES.items():
        assert round(float(nation[code]["rate"]), 1) == rate, code
        # The 8 Noto municipalities were left out of the structure items' survey, not of AI and RPA.
        assert nation[code]["excluded"] == ("8" if code.startswith("system.") else "0"), code
        assert nation[code]["origin"] == "real"
    assert (nation["system.policy"]["numerator"], nation["system.policy"]["denominator"]) == ("862", "1733")
    assert (nation["system.cio"]["numerator"], nation["system.cio"]["denominator"]) == ("1270", "1733")
    # Size classes and prefectures are there too; a rate item has no numerator.
    assert {row[2] for row in rows} == {"nation", "prefecture", "size_class"}
    assert nation["mynumber.holding_rate"]["numerator"] == ""


def test_the_reports_national_rates_in_the_api(dataset, client):
    url = "/api/v1/benchmarks/item-rates/"
    body = client.get(url, {"fiscal_year": 2023, "scope": "nation", "page_size": 100}).json()
    rows = {row["indicator"]: row for row in body["results"]}
    for code, rate in REPORT_RATES.items():
        assert round(rows[code]["rate"], 1) == rate, code
    cio = rows["system.cio"]
    assert (cio["numerator"], cio["denominator"], cio["excluded"]) == (1270, 1733, 8)
    assert cio["left_out"] == {"excluded": 8}
    assert (cio["dataset"], cio["origin"]) == (dataset.pk, "real")
    assert "デジタル庁" in cio["source"]
    # Ishikawa's rate leaves its 8 Noto municipalities out; a size class has its own rows.
    ishikawa = client.get(url, {"fiscal_year": 2023, "scope": "prefecture", "group": "17"}).json()["results"]
    assert {row["group"] for row in ishikawa} == {"17"}
    assert next(row for row in ishikawa if row["indicator"] == "system.cio")["excluded"] == 8
    villages = client.get(url, {"fiscal_year": 2023, "scope": "size_class", "group": "village"}).json()["results"]
    assert villages and {row["scope"] for row in villages} == {"size_class"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"fiscal_year": 2023, "scope": "city"}, "scope"),
        ({"fiscal_year": 2023, "scope": "prefecture", "group": "48"}, "group"),
        ({"fiscal_year": 2023, "group": "17"}, "group"),
        ({"fiscal_year": 1999}, "fiscal_year"),
        ({}, "fiscal_year"),
    ],
)
def test_the_item_rates_api_refuses_unknown_input_with_its_reason(dataset, client, params, field):
    response = client.get("/api/v1/benchmarks/item-rates/", params)
    assert response.status_code == 400
    assert field in response.json()
