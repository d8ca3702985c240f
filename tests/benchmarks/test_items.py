"""The item-rate pages a prefecture quotes to its council: the nation and size classes in the report's
layout, a prefecture's items with its rank, one item's page, and their downloads — on the real FY2023
dashboard data, whose national rates the report publishes (CIO 73.3 %, 全体方針 49.7 % of 1,733)."""

from __future__ import annotations

import csv
import io
import re
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from benchmarks.models import Dataset
from benchmarks.services.synthetic import synthetic_dataset_load

pytestmark = pytest.mark.django_db

REPORT_RATES = {
    "CIOの任命": "73.3%",
    "DXを推進するための全体方針の策定": "49.7%",
    "DXを推進するための全庁的・横断的な推進体制": "65.4%",
    "AIの導入": "50.5%",
    "RPAの導入": "41.4%",
}


@pytest.fixture(scope="module", autouse=True)
def _real_fy2023(_national, django_db_blocker):
    """The real dashboard dataset and its scores on the reference data, once for the module (removed with it)."""
    with django_db_blocker.unblock():
        call_command("load_dashboard_dataset", stdout=StringIO())


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.objects.get(origin=Dataset.Origin.REAL)


def rows_of(html: str) -> str:
    """The page's table text with the markup between cells folded, so a row reads like the table."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_national_item_table_shows_the_reports_rates_with_their_counts(client, dataset):
    response = client.get("/benchmarks/items/")
    assert response.status_code == 200
    text = rows_of(response.content.decode())
    for item, rate in REPORT_RATES.items():
        assert f"{item} {rate}" in text, item
    # The count behind the rate, and the 8 Noto municipalities that were left out and why.
    assert "CIOの任命 73.3% 1,270 / 1,733 調査対象外：8" in text
    assert "862 / 1,733" in text
    # Every size class is a column, the report's order.
    for label in (
        "政令指定都市",
        "中核市",
        "大規模市（20万人以上）",
        "中規模市（10万〜20万人未満）",
        "小規模市（10万人未満）",
        "町",
        "村",
    ):
        assert label in text
    assert "実データ" in text


def test_the_national_table_sorts_by_the_lowest_rate(client, dataset):
    text = rows_of(client.get("/benchmarks/items/", {"sort": "rate"}).content.decode())
    assert text.index("RPAの導入 41.4%") < text.index("CIOの任命 73.3%")
    assert client.get("/benchmarks/items/", {"sort": "nonsense"}).status_code == 404


def test_a_prefectures_items_beside_the_nation_with_its_rank(client, dataset):
    response = client.get("/benchmarks/items/prefectures/20/")
    assert response.status_code == 200
    text = rows_of(response.content.decode())
    # 長野県: 62 of its 77 municipalities have a CIO, against 73.3 % nationally.
    assert "CIOの任命 80.5% 62 / 77 73.3% 1,270 / 1,733 調査対象外：8 +7.2" in text
    assert "47都道府県中" in text
    assert client.get("/benchmarks/items/prefectures/99/").status_code == 404


def test_the_item_page_says_what_the_item_is_and_shows_it_by_size_class_and_prefecture(client, dataset):
    response = client.get("/benchmarks/items/system.cio/")
    assert response.status_code == 200
    text = rows_of(response.content.decode())
    assert "「実施」とみなす条件" in text
    assert "全国 73.3% 1,270 / 1,733" in text
    assert "長野県" in text
    # Only one year of real data: the page says there is nothing to compare with, not a synthetic line.
    assert "比較できるデータがありません" in text
    assert 'id="map-data"' in response.content.decode()


def test_an_item_a_year_does_not_have_says_so(client, dataset):
    # The card issuance rate is a FY2021 item; FY2023 has the holding rate instead.
    response = client.get("/benchmarks/items/mynumber.issued_rate/", {"year": 2023})
    assert response.status_code == 404
    assert "2023年度" in rows_of(response.content.decode())
    assert "2021" in response.content.decode()
    assert client.get("/benchmarks/items/no.such_item/").status_code == 404
    assert client.get("/benchmarks/items/", {"year": 1999}).status_code == 404


def test_the_item_table_downloads_with_its_source_sheet(client, dataset):
    workbook = load_workbook(io.BytesIO(client.get("/benchmarks/items/", {"format": "xlsx"}).content))
    data, notes = workbook.worksheets
    header = [cell.value for cell in next(data.iter_rows(max_row=1))]
    assert header[:2] == ["項目コード", "調査項目"]
    assert header[-2:] == ["データセット", "データの種類"]
    assert notes.title == "出典・注記"
    facts = {row[0]: row[1] for row in notes.iter_rows(min_row=2, values_only=True)}
    assert "デジタル庁" in facts["出典"]
    assert facts["出典URL"].startswith("https://www.digital.go.jp/")
    # CSV with the codes as headers: the prefecture's rows and the nation's, each naming its origin.
    text = client.get("/benchmarks/items/prefectures/20/", {"format": "csv", "headers": "codes"}).content.decode(
        "utf-8-sig"
    )
    header, *rows = csv.reader(io.StringIO(text))
    assert header == [
        "indicator", "label", "scope", "group", "numerator", "denominator", "rate", "excluded", "dataset", "origin"
    ]  # fmt: skip
    assert {(row[2], row[3]) for row in rows} == {("nation", "all"), ("prefecture", "20")}
    assert {row[-1] for row in rows} == {"real"}


def test_an_item_link_without_a_year_opens_the_newest_year_that_has_it(
    client, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        synthetic_dataset_load(seed=1, fiscal_year=2021)
    response = client.get("/benchmarks/items/mynumber.issued_rate/")
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2021")
    # Its page is the synthetic year's and says so; it is never compared with the real FY2023.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "デモ用の合成データです" in page.content.decode()


DOWNLOADS = [
    "/benchmarks/",
    "/benchmarks/prefectures/20/",
    "/benchmarks/municipalities/205419/",
    "/benchmarks/items/",
    "/benchmarks/items/prefectures/20/",
]


@pytest.mark.parametrize("path", DOWNLOADS)
def test_every_benchmark_download_names_its_dataset_and_origin(client, dataset, path):
    for fmt, decode in (("csv", "utf-8-sig"), ("csv-sjis", "cp932")):
        text = client.get(path, {"format": fmt, "headers": "codes"}).content.decode(decode)
        header, *rows = csv.reader(io.StringIO(text))
        assert header[-2:] == ["dataset", "origin"], (path, fmt)
        assert rows and {(row[-2], row[-1]) for row in rows} == {(str(dataset.pk), "real")}, (path, fmt)
    workbook = load_workbook(io.BytesIO(client.get(path, {"format": "xlsx"}).content))
    assert workbook.sheetnames == ["data", "出典・注記"], path
    facts = {row[0]: row[1] for row in workbook["出典・注記"].iter_rows(min_row=2, values_only=True)}
    assert facts["データの種類"] == "実データ（国の調査）"
    assert facts["算出方法"].startswith("日本総研")


@pytest.mark.parametrize("endpoint", ["prefecture-scores", "municipality-scores", "runs", "item-rates"])
def test_every_score_api_row_names_its_dataset_origin_and_source(client, dataset, endpoint):
    body = client.get(f"/api/v1/benchmarks/{endpoint}/", {"fiscal_year": 2023}).json()
    assert body["results"]
    for row in body["results"]:
        assert row["dataset"] == dataset.pk
        assert row["origin"] == "real"
        assert "デジタル庁" in row["source"]


def test_an_item_the_dataset_does_not_survey_says_so_instead_of_empty_charts(client, dataset):
    # The report's 外部デジタル人材の任用 is in the FY2023 catalog; the dashboard does not survey it.
    response = client.get("/benchmarks/items/system.external_talent/", {"year": 2023})
    assert response.status_code == 200
    text = rows_of(response.content.decode())
    assert "この項目の値がありません" in text
    assert 'id="bars-data"' not in response.content.decode()
