"""Flow: a coordinator's week. The dashboard opens on a laptop with the summary and all ten of the ranked
needs-attention list in view; the coordinator reminds the first that has not submitted, opens a support case
for the first (which the list then marks in hand), and takes the council report's PDF to the council, whose
first page has the same figures and the same list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.models import Assessment
from assessments.services import survey_window_set
from coordination.models import AssessmentReminder, CouncilReport, SupportCase
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Municipality, Organization, Role
from tests.assessments import load_catalog
from tests.coordination.conftest import add_municipalities, import_survey, make_kpi, survey_answers
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

# Real municipalities' names (長野県's towns and villages), so that the list wraps as it would.
NAMES = (
    "南相木村",
    "北相木村",
    "佐久穂町",
    "南箕輪村",
    "下諏訪町",
    "富士見町",
    "木祖村",
    "王滝村",
    "阿智村",
    "平谷村",
    "根羽村",
    "売木村",
    "天龍村",
    "泰阜村",
    "軽井沢町",
    "御代田町",
)
# The lagging have none of the four; their online procedures and My Number rates still differ
# (survey_answers), and so do their shortfalls.
NOTHING_DONE = {"system.cio": "0", "system.policy": "0", "system.dedicated_unit": "0", "service.ai": "0"}
ALL_DONE = {"system.cio": "1", "system.policy": "1", "system.dedicated_unit": "1", "service.ai": "1"}
LAGGING = 13
LISTED = 10


@pytest.fixture
def week(region, django_capture_on_commit_callbacks):
    """Sixteen municipalities of the home prefecture (real names), thirteen of them lagging: those need
    attention, their shortfalls within their size class and below the prefecture's mean differing, some with
    KPIs unmeasured for long. This year's survey window closes at the fiscal year's end, so that a missing
    self-assessment is a status, not a reason; one lagging town with three stale KPIs, which heads the
    list, has submitted. Each lagging municipality has an editor."""
    home = region["home"]
    prefecture = home["prefecture"].prefecture
    load_catalog()
    add_municipalities(prefecture, len(NAMES) - 2)
    municipalities = list(Municipality.objects.filter(prefecture=prefecture).order_by("code"))
    for municipality, name in zip(municipalities, NAMES, strict=True):
        Municipality.objects.filter(pk=municipality.pk).update(name=name)
        Organization.objects.filter(municipality=municipality).update(name=name)
        municipality.name = name
    # The lagging are towns and villages among many peers that have done it all: the two towns left here
    # and twenty of the other prefecture (the city, in a size class of its own, is ahead too).
    lagging = [m for m in municipalities if m.kind == Municipality.Kind.TOWN][:LAGGING]
    ahead = [m for m in municipalities if m not in lagging]
    ahead += add_municipalities(region["other"]["prefecture"].prefecture, 20)
    answers = {m.code: NOTHING_DONE for m in lagging} | {m.code: ALL_DONE for m in ahead}
    import_survey(survey_answers(answers), 2023, django_capture_on_commit_callbacks)
    coordinator = MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user
    year = FiscalYear.current()
    survey_window_set(
        prefecture=prefecture, fiscal_year=year.year, opens_on=year.start, closes_on=year.end, by=coordinator
    )
    long_ago = timezone.localdate() - dt.timedelta(days=200)
    submitted = lagging[4]
    for municipality in [*lagging[::4], submitted, submitted]:
        make_kpi(municipality, baseline_date=long_ago)
    Assessment.objects.create(
        municipality=submitted, fiscal_year=year.year, status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
    )
    editors = {
        m: MembershipFactory(organization=Organization.objects.get(municipality=m), role=Role.EDITOR).user
        for m in lagging
    }
    return {
        "prefecture": prefecture,
        "coordinator": coordinator,
        "year": year,
        "submitted": submitted,
        "editors": editors,
    }


def dashboard(new_page, week, width: int, height: int):
    page = new_page(width=width, height=height)
    sign_in(page, week["coordinator"].email)
    if width <= 640:  # on a phone the navigation is folded behind the menu button
        page.get_by_role("button", name="メニュー").click()
    page.get_by_role("link", name="県と市町村の連携", exact=True).click()
    page.get_by_role("link", name="ダッシュボード", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{week['prefecture'].name}：市区町村のDX")
    return page


def bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


def test_a_coordinators_week_from_the_dashboard_to_the_council_report(new_page, week):
    prefecture, year, first = week["prefecture"], week["year"], week["submitted"]
    page = dashboard(new_page, week, 1366, 900)

    # The summary tiles, this year's deadline still ahead.
    tiles = page.get_by_role("list", name="概要", exact=True)
    expect(tiles.get_by_role("listitem")).to_have_count(5)

    def tile(label: str):
        return tiles.get_by_role("listitem").filter(has=page.locator(".tile-label", has_text=label))

    expect(tile("市区町村").locator("strong")).to_have_text(f"{len(NAMES)}")
    expect(tile("自己評価の提出").locator("strong")).to_have_text(f"1 / {len(NAMES)}")
    expect(tile("自己評価の提出")).to_contain_text(f"期限 {year.end.year}年{year.end.month}月{year.end.day}日")
    expect(tile("対応中の伴走支援").locator("strong")).to_have_text("0")
    # The ranked list: the top ten, the other three behind "show more".
    attention = page.get_by_role("region", name=re.compile("^要注意"))
    expect(attention.get_by_role("heading", level=2)).to_have_text(f"要注意 上位{LISTED}団体（全{LAGGING}団体中）")
    listed = attention.locator("table.triage").first.locator("tbody tr")
    expect(listed).to_have_count(LISTED)
    more = attention.locator("details.more")
    expect(more.locator("summary")).to_have_text(f"残り{LAGGING - LISTED}団体を表示")
    expect(more.locator("tbody tr")).to_have_count(LAGGING - LISTED)
    expect(listed.first.locator("th")).to_contain_text(f"1. {first.name}")
    # Before the deadline a missing self-assessment is no reason.
    reasons = attention.locator("table.triage tbody tr td:nth-of-type(2)").all_inner_texts()
    assert len(reasons) == LAGGING and not any("未提出" in reason for reason in reasons), reasons
    # On a laptop, the tiles and all ten entries are in view without scrolling.
    assert bottom(tiles) <= 900
    assert bottom(listed.nth(LISTED - 1)) <= 900

    # The first has submitted: the reminder goes to the second.
    expect(listed.first.get_by_role("button", name="督促を送る")).to_have_count(0)
    second = listed.nth(1)
    name = second.locator("th a").inner_text()
    second.get_by_role("button", name="督促を送る").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name}に督促を送りました。")
    reminded = listed.nth(1)
    expect(reminded.locator("th a")).to_have_text(name)
    expect(reminded).to_contain_text("督促済み")
    expect(reminded.get_by_role("button", name="督促を送る")).to_have_count(0)
    municipality = Municipality.objects.get(prefecture=prefecture, name=name)
    reminder = AssessmentReminder.objects.get()
    assert (reminder.municipality, reminder.fiscal_year, reminder.sent_by) == (
        municipality,
        year.year,
        week["coordinator"],
    )
    assert Notification.objects.filter(recipient=week["editors"][municipality]).count() == 1

    # A support case for the first entry; back on the dashboard it is in hand and links to its case.
    listed.first.get_by_role("link", name="伴走支援を始める").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{first.name}：伴走支援を始める")
    page.get_by_label("件名", exact=True).fill("DX推進体制づくりの伴走")
    page.get_by_label("対象", exact=True).select_option(label="自治体DXの推進体制")
    page.get_by_label("相談したい内容", exact=True).fill("CIOの任命と推進の全体方針の策定を県が伴走する。")
    page.get_by_role("button", name="案件を開始する").click()
    expect(page.get_by_role("status")).to_contain_text("伴走支援の案件を開始しました。")
    case = SupportCase.objects.get()
    assert (case.municipality, case.topic) == (first, "DX推進体制づくりの伴走")
    page.goto(f"/coordination/{prefecture.pref_code}/")
    expect(listed.first.locator("th")).to_contain_text(first.name)
    expect(listed.first.locator(".tag.in-hand")).to_have_text("対応中")
    expect(listed.first.get_by_role("link", name="伴走支援の案件を開く")).to_have_attribute(
        "href", f"/coordination/cases/{case.pk}/"
    )
    expect(tile("対応中の伴走支援").locator("strong")).to_have_text("1")
    labels, values = tiles.locator(".tile-label").all_inner_texts(), tiles.locator("strong").all_inner_texts()
    figures = list(zip(labels, values, strict=True))
    assert len(figures) == 5, figures

    # The council report: page 1 of its PDF has the dashboard's tiles (each label with its figure), the
    # list's heading and its first entry.
    page.get_by_role("link", name="協議会向け報告書", exact=True).click()
    page.get_by_role("button", name="報告書を作成").click()
    download_link = page.get_by_role("link", name="PDFをダウンロード")
    expect(download_link).to_be_visible(timeout=60_000)
    assert CouncilReport.objects.get().status == CouncilReport.Status.DONE
    with page.expect_download() as download:
        download_link.click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    flat = text.replace("\n", "")  # labels may wrap on the printed tiles
    assert "主な数値" in flat
    for label, figure in figures:
        assert f"{label}{figure}" in flat, (label, figure, text)
    assert re.search(rf"要注意(（{LAGGING}団体）| 上位\d+団体（全{LAGGING}団体中）)", flat), text
    assert f"1. {first.name}" in flat, text


def test_on_a_phone_the_dashboard_and_its_list_do_not_scroll_sideways(new_page, week):
    page = dashboard(new_page, week, 390, 844)
    attention = page.get_by_role("region", name=re.compile("^要注意"))
    expect(attention.locator("table.triage").first.locator("tbody tr")).to_have_count(LISTED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
