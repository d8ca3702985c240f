"""Flow: a town's editor sets a KPI, records two measurements and sees its status and trend against the plan."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from assessments.models import Kpi, Measurement
from dx_platform.organizations.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory


def record(page, day: str, value: str, note: str = "") -> None:
    form = page.get_by_role("region", name="測定値を記録")
    form.get_by_label("日付", exact=True).fill(day)
    form.get_by_label("値", exact=True).fill(value)
    form.get_by_label("メモ", exact=True).fill(note)
    form.get_by_role("button", name="記録", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("測定値を記録しました。")


def test_editor_sets_a_kpi_measures_it_and_sees_its_trend(region, new_page):
    town = region["home"]["town"]
    editor = MembershipFactory(organization=town, role=Role.EDITOR, user__name="山田 花子").user
    page = new_page()
    sign_in(page, editor.email)

    # From the self-assessments to the town's KPIs: none yet.
    page.get_by_role("link", name="自己評価", exact=True).click()
    page.locator("main").get_by_role("link", name="KPI", exact=True).click()
    assert page.url.endswith(f"/assessments/{town.municipality.code}/kpis/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{town.name}：KPI")
    expect(page.get_by_role("table")).to_contain_text("KPIはまだありません。")

    # A target date before the baseline is refused with the reason, the rest kept as typed.
    new = page.get_by_role("region", name="新しいKPI")
    new.get_by_label("名称", exact=True).fill("オンライン申請件数")
    new.get_by_label("単位", exact=True).fill("件")
    new.get_by_label("方向", exact=True).select_option(label="高いほどよい")
    new.get_by_label("基準値", exact=True).fill("100")
    new.get_by_label("基準日", exact=True).fill("2025-04-01")
    new.get_by_label("目標値", exact=True).fill("400")
    new.get_by_label("目標日", exact=True).fill("2025-03-01")
    new.get_by_label("担当者", exact=True).select_option(label="山田 花子")
    new.get_by_label("測定頻度", exact=True).select_option(label="四半期ごと")
    new.get_by_role("button", name="KPIを作成").click()
    new = page.get_by_role("region", name="新しいKPI")
    expect(new.get_by_role("alert")).to_contain_text("目標日は基準日より後にしてください。")
    expect(new.get_by_label("名称", exact=True)).to_have_value("オンライン申請件数")
    assert not Kpi.objects.exists()

    new.get_by_label("目標日", exact=True).fill("2026-04-01")
    new.get_by_role("button", name="KPIを作成").click()
    expect(page.get_by_role("status")).to_contain_text("KPIを作成しました。")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("オンライン申請件数")
    expect(heading).to_contain_text("測定値なし")
    kpi = Kpi.objects.get()
    assert (kpi.owner, kpi.baseline_date, kpi.target_date) == (editor, dt.date(2025, 4, 1), dt.date(2026, 4, 1))

    # Before the first measurement the page says so where the chart will be, rather than drawing empty axes.
    expect(page.locator(".chart-empty")).to_have_text(
        "まだ測定値がありません。最初の測定値が入ると、計画に対する推移がここに表示されます。"
    )
    expect(page.locator("#trend")).to_have_count(0)
    # A quarter in, 130 where the plan says about 175: off track.
    record(page, "2025-07-01", "130", "窓口集計")
    expect(heading).to_contain_text("遅れ")
    # Half a year in, 260 where the plan says about 250: on track.
    record(page, "2025-10-01", "260")
    expect(heading).to_contain_text("順調")
    assert list(Measurement.objects.values_list("measured_on", "value")) == [
        (dt.date(2025, 7, 1), 130.0),
        (dt.date(2025, 10, 1), 260.0),
    ]
    measurements = page.get_by_role("table", name="測定値")
    expect(measurements.locator("tbody tr")).to_have_count(2)
    expect(measurements).to_contain_text("窓口集計")

    # The trend chart is drawn: the plan and the two measurements.
    chart = page.locator("#trend")
    chart.locator(".main-svg").first.wait_for()
    expect(page.get_by_role("figure", name="KPIの推移と計画")).to_be_visible()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(2)
    expect(chart.locator(".scatterlayer .trace").nth(1).locator("path.point")).to_have_count(2)
    expect(chart.locator(".legend")).to_contain_text("計画")
    expect(chart.locator(".legend")).to_contain_text("実績")
    # Dates in Japanese, in Japanese order (「2025年7月」, not "Jul 2025" or 「7月 2025」); no toolbar over the title.
    expect(chart.locator(".xtick text").first).to_have_text(re.compile(r"^\d{4}年\d{1,2}月$"))
    expect(chart.locator(".modebar")).to_have_count(0)

    # Back on the list, the KPI shows its status.
    page.get_by_role("link", name=f"{town.name}：KPI").click()
    row = page.get_by_role("row", name="オンライン申請件数")
    expect(row).to_contain_text("順調")
    expect(row).to_contain_text("山田 花子")
