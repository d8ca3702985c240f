"""Flows: walk the national, prefecture and municipality benchmark pages; staff upload a survey file."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from benchmarks.models import Dataset, ScoreRun
from dx_platform.organizations.models import Municipality
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory


@pytest.fixture
def scored(transactional_db):
    """Real reference data and the real FY2023 dashboard dataset, scored."""
    for command in ("load_reference_data", "load_catalog", "load_dashboard_dataset"):
        call_command(command, stdout=io.StringIO())
    assert ScoreRun.objects.filter(status=ScoreRun.Status.COMPLETE).exists()


def test_walk_from_the_nation_to_a_town(scored, new_page):
    page = new_page()
    page.goto("/benchmarks/")
    assert "2023年度（令和5年度）" in page.get_by_role("heading", level=1).inner_text()
    assert "デジタル庁" in page.get_by_role("note").inner_text()
    # The map is drawn from our own GeoJSON, and the table behind it lists all 47 prefectures.
    page.locator("#map .maplibregl-canvas, #map canvas").first.wait_for()
    table = page.get_by_role("table", name="都道府県別の偏差値")
    assert table.locator("tbody tr").count() == 47
    # Real data exists for FY2023 only: the size-class chart draws that one series and says why.
    sizes = page.get_by_role("region", name="人口規模別")
    assert "比較できるデータがありません（実データは2023年度のみ）" in sizes.inner_text()
    page.locator("#bars .main-svg").first.wait_for()
    assert page.locator("#bars g.trace.bars").count() == 1

    page.get_by_role("link", name="自治体DXの推進体制", exact=True).click()
    assert page.get_by_role("link", name="自治体DXの推進体制", exact=True).get_attribute("aria-current") == "page"

    page.get_by_role("link", name="長野県").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("長野県")
    rows = page.locator("table.scores tbody tr")
    assert rows.count() == 77
    page.get_by_label("町村のみ").check()
    page.get_by_role("button", name="表示").click()
    assert rows.count() == Municipality.objects.filter(prefecture__pref_code="20", kind__in=["town", "village"]).count()
    page.locator("#gaps .main-svg").first.wait_for()

    page.get_by_role("link", name="小布施町").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("小布施町")
    page.locator("#radar .main-svg").first.wait_for()
    assert page.get_by_role("heading", name="次の一手").is_visible()
    assert "2023" in page.get_by_role("region", name="これまでの推移").inner_text()


def test_staff_upload_shows_progress_and_the_result(scored, new_page, tmp_path):
    staff = UserFactory(is_staff=True)
    lines = ["lg_code,fiscal_year,indicator,value"]
    lines += [
        f"{code},2023,system.dedicated_unit,{int(i % 3 == 0)}"
        for i, code in enumerate(Municipality.objects.order_by("code").values_list("code", flat=True))
    ]
    upload = tmp_path / "dedicated_unit.csv"
    upload.write_bytes("\n".join(lines).encode("cp932"))

    page = new_page()
    sign_in(page, staff.email)
    page.goto("/benchmarks/datasets/")
    page.get_by_role("link", name="全国調査ファイルを取り込む").click()
    page.get_by_label("全国調査ファイル").set_input_files(str(upload))
    page.get_by_label("年度").select_option("2023")
    page.get_by_label("データセット名", exact=True).fill("専任部署（テスト）")
    page.get_by_label("出典", exact=True).fill("テスト用の合成データ")
    page.get_by_label("データの種類").select_option("synthetic")
    page.get_by_role("button", name="取り込む").click()

    progress = page.locator("#progress-bar")
    progress.wait_for()
    page.wait_for_function("document.getElementById('progress-bar').value === 100")
    assert "1,741" in page.locator("main").inner_text() or "1741" in page.locator("main").inner_text()
    dataset = Dataset.objects.get(name="専任部署（テスト）")
    assert dataset.status == Dataset.Status.READY
    assert dataset.origin == Dataset.Origin.SYNTHETIC


def test_a_bad_upload_lists_every_problem(scored, new_page, tmp_path):
    staff = UserFactory(is_staff=True)
    upload = tmp_path / "bad.csv"
    upload.write_text("lg_code,fiscal_year,indicator,value\n999999,2023,system.cio,1\n011002,2023,system.cio,yes\n")
    page = new_page()
    sign_in(page, staff.email)
    page.goto("/benchmarks/datasets/upload/")
    page.get_by_label("全国調査ファイル").set_input_files(str(upload))
    page.get_by_label("年度").select_option("2023")
    page.get_by_label("データセット名", exact=True).fill("bad")
    page.get_by_label("出典", exact=True).fill("test")
    page.get_by_role("button", name="取り込む").click()
    problems = page.get_by_role("alert").first.inner_text()
    assert "999999" in problems and "yes" in problems
    assert not Dataset.objects.filter(name="bad", status=Dataset.Status.READY).exists()


def test_from_the_national_map_to_an_items_rates_and_a_prefectures_download(scored, new_page):
    page = new_page()
    page.goto("/benchmarks/")
    page.locator("#map .maplibregl-canvas, #map canvas").first.wait_for()
    page.get_by_role("link", name="調査項目別の実施率（全国・人口規模別）").click()

    # The report's national rates, each with the count behind it.
    table = page.get_by_role("table", name="調査項目別の実施率：全国と人口規模別（2023年度（令和5年度））")
    cio = table.get_by_role("row").filter(has=page.get_by_role("link", name="CIOの任命", exact=True))
    assert "73.3%" in cio.inner_text()
    assert "1,270 / 1,733" in cio.inner_text()

    cio.get_by_role("link", name="CIOの任命", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "CIOの任命"
    page.locator("#bars .main-svg").first.wait_for()
    sizes = page.get_by_role("table", name="CIOの任命：人口規模別の実施率（2023年度（令和5年度））")
    assert sizes.get_by_role("row").filter(has_text="村").count() >= 1
    # One year of real data: no line is drawn against the synthetic one.
    assert "比較できるデータがありません" in page.get_by_role("region", name="年度ごとの推移").inner_text()

    page.get_by_role("table", name="都道府県（実施率の高い順）").get_by_role("link", name="長野県").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("長野県：調査項目別の実施率")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="CIOの任命", exact=True))
    assert "80.5%" in row.inner_text()
    assert "47都道府県中" in row.inner_text()

    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Excel (XLSX)").click()
    workbook = load_workbook(io.BytesIO(downloaded.value.path().read_bytes()))
    assert workbook.sheetnames[1] == "出典・注記"
    sources = {row[0]: row[1] for row in workbook["出典・注記"].iter_rows(min_row=2, values_only=True)}
    assert sources["データの種類"] == "実データ（国の調査）"
    assert downloaded.value.suggested_filename.startswith("20-item-rates-fy2023-real-")


def test_choose_the_peers_of_a_town_and_read_the_all_or_none_counts(scored, new_page):
    page = new_page(width=390, height=844)
    page.goto("/benchmarks/municipalities/205419/")
    peers = page.get_by_role("region", name="類似団体")
    # Within the prefecture unless asked otherwise, each peer with the reason it is one.
    assert page.get_by_label("長野県内").is_checked()
    assert "長野県内だけで探しています" in peers.inner_text()
    rows = peers.locator("tbody tr")
    assert rows.count() == 21
    assert "同じ町、人口差" in rows.nth(1).inner_text() and "同じ都道府県" in rows.nth(1).inner_text()

    page.get_by_label("全国").check()
    page.get_by_label("団体数").fill("30")
    peers.get_by_role("button", name="表示").click()
    assert rows.count() == 31
    assert "全国から探しています" in peers.inner_text()

    # The browser refuses a size out of range before sending it; a link that carries one gets the reason.
    page.get_by_label("団体数").fill("3")
    peers.get_by_role("button", name="表示").click()
    assert rows.count() == 31
    response = page.goto("/benchmarks/municipalities/205419/?similar=nation&similar_size=99")
    assert response is not None and response.status == 400
    assert "50 以下" in peers.inner_text()
    assert rows.count() == 0

    page.goto("/benchmarks/")
    page.get_by_role("link", name="人口規模別 領域の全項目を実施・全項目が未実施の団体数").click()
    service = page.get_by_role("region", name="行政サービスの向上・高度化")
    assert "報告書の8項目のうち2項目で集計" in service.inner_text()
    system = page.get_by_role("table", name="自治体DXの推進体制：人口規模別 全項目実施・全項目未実施の団体数")
    assert system.locator("tbody tr").count() == 7
