"""Phones (390 × 844) and laptops (1366 × 900): the menu button folds the navigation on a phone."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


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
