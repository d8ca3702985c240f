"""Phones (390 × 844) and laptops (1366 × 900): the menu button folds the navigation on a phone, and the main pages
of every role fit the screen with nothing serious or critical for axe-core."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Initiative, Kpi, Measurement, Milestone, Roadmap
from assessments.services import assessment_start
from community.demo import community_demo_seed
from community.models import Procurement
from coordination.demo import coordination_demo_seed
from dx_platform.accounts.models import User
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.demo import DEMO_PASSWORD, demo_seed
from dx_platform.organizations.models import Municipality
from tests.e2e.conftest import sign_in

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
TOWN, PREFECTURE = "205419", "20"  # 小布施町, 長野県: the demo's town


def benchmarks_link(page):
    return page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ベンチマーク")


def test_on_a_phone_the_menu_button_folds_and_unfolds_the_navigation(people, new_page):
    page = new_page(**PHONE)
    sign_in(page, people["editor"].email)
    navigation = page.get_by_role("navigation", name="メインメニュー")
    menu = page.get_by_role("button", name="メニュー")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(benchmarks_link(page)).to_be_visible()
    benchmarks_link(page).click()
    expect(page).to_have_url("/benchmarks/")
    # A new page starts folded; the button folds it again.
    expect(navigation).to_be_hidden()
    menu.click()
    expect(navigation).to_be_visible()
    menu.click()
    expect(navigation).to_be_hidden()


def test_on_a_laptop_the_navigation_shows_without_a_menu_button(people, new_page):
    page = new_page(**LAPTOP)
    sign_in(page, people["editor"].email)
    expect(benchmarks_link(page)).to_be_visible()
    expect(page.get_by_role("button", name="メニュー")).to_be_hidden()


def test_without_script_the_navigation_stays_open_on_a_phone(people, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, people["editor"].email)
        expect(benchmarks_link(page)).to_be_visible()
        expect(page.get_by_role("button", name="メニュー")).to_be_hidden()
    finally:
        context.close()


@pytest.fixture
def demo(transactional_db, django_capture_on_commit_callbacks):
    """The demo as `make demo` builds it (real reference data, the FY2023 dashboard dataset scored, the demo
    accounts and content), with 小布施町's assessment of this year started, a KPI measured and one not yet, a
    roadmap with a late initiative and one without initiatives."""
    with django_capture_on_commit_callbacks(execute=True):
        for command in ("load_reference_data", "load_catalog", "load_dashboard_dataset"):
            call_command(command, stdout=io.StringIO())
    demo_seed()
    community_demo_seed()
    coordination_demo_seed()
    town = Municipality.objects.get(code=TOWN)
    editor = User.objects.get(email=account("editor"))
    assessment_start(municipality=town, fiscal_year=FiscalYear.current().year, by=editor)
    today = timezone.localdate()
    measured = Kpi.objects.create(
        municipality=town,
        name="オンライン申請の利用率",
        unit="%",
        direction=Kpi.Direction.UP,
        baseline_value=12,
        baseline_date=today - dt.timedelta(days=400),
        target_value=60,
        target_date=today + dt.timedelta(days=800),
    )
    for days, value in ((300, 15), (200, 19), (100, 24)):
        Measurement.objects.create(kpi=measured, measured_on=today - dt.timedelta(days=days), value=value)
    unmeasured = Kpi.objects.create(
        municipality=town,
        name="窓口の待ち時間",
        unit="分",
        direction=Kpi.Direction.DOWN,
        baseline_value=25,
        baseline_date=today,
        target_value=10,
        target_date=today + dt.timedelta(days=900),
    )
    roadmap = Roadmap.objects.create(
        municipality=town,
        title="小布施町DX推進計画",
        period_start=today - dt.timedelta(days=600),
        period_end=today + dt.timedelta(days=1200),
    )
    late = Initiative.objects.create(
        roadmap=roadmap,
        title="電子申請の対象手続を増やす",
        starts_on=today - dt.timedelta(days=500),
        ends_on=today - dt.timedelta(days=30),
        status=Initiative.Status.IN_PROGRESS,
    )
    Milestone.objects.create(initiative=late, title="介護手続のオンライン化", due_on=today - dt.timedelta(days=60))
    Initiative.objects.create(
        roadmap=roadmap, title="書かない窓口の導入", starts_on=today, ends_on=today + dt.timedelta(days=365)
    )
    empty = Roadmap.objects.create(
        municipality=town, title="空のロードマップ", period_start=today, period_end=today + dt.timedelta(days=1800)
    )
    year = FiscalYear.current().year
    procurement = Procurement.objects.get()
    return {
        "editor": {
            "home": "/",
            "survey": f"/assessments/{TOWN}/{year}/",
            "national": "/benchmarks/",
            "prefecture": f"/benchmarks/prefectures/{PREFECTURE}/",
            "municipality": f"/benchmarks/municipalities/{TOWN}/",
            "KPI": f"/assessments/kpis/{measured.pk}/",
            "KPI without measurements": f"/assessments/kpis/{unmeasured.pk}/",
            "roadmap": f"/assessments/roadmaps/{roadmap.pk}/",
            "roadmap without initiatives": f"/assessments/roadmaps/{empty.pk}/",
            "community search": "/community/?q=%E7%94%B3%E8%AB%8B",
            "procurement": f"/community/procurements/{procurement.pk}/",
        },
        "admin": {"home": "/", "survey": f"/assessments/{TOWN}/{year}/"},
        "viewer": {"home": "/", "municipality": f"/benchmarks/municipalities/{TOWN}/"},
        "coordinator": {
            "home": "/",
            "dashboard": f"/coordination/{PREFECTURE}/",
            "prefecture": f"/benchmarks/prefectures/{PREFECTURE}/",
        },
        "partner": {
            "home": "/",
            "community search": "/community/?q=%E7%94%B3%E8%AB%8B",
            "procurement": f"/community/procurements/{procurement.pk}/",
        },
        "staff": {"home": "/", "national": "/benchmarks/"},
    }


def account(role: str) -> str:
    return f"{role}@chiiki-dx.example"


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_main_pages_of_every_role_fit_the_screen_and_pass_axe(demo, new_page, screen):
    """No page is wider than the screen, and axe-core finds nothing serious or critical, charts drawn."""
    axe = Axe()
    problems = []
    # Each role in Japanese, and the editor once more in English (longer words, the datasets' English names).
    for role, language in [*((role, "ja") for role in demo), ("editor", "en")]:
        page = new_page(**screen)
        sign_in(page, account(role), DEMO_PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for name, path in demo[role].items():
            page.goto(path)
            for chart in page.locator("[data-chart]").all():
                chart.locator(".main-svg").first.wait_for()
            where = f"{role} ({language}), {name} ({path}), {screen['width']} px"
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > screen["width"]:
                problems.append(f"{where}: {width} px wide")
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"]]
                    problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) at {targets}")
    assert not problems, "\n".join(problems)
