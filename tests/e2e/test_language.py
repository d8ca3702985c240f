"""Flow: the site is Japanese first; a visitor switches to English and back."""

from __future__ import annotations


def test_switch_language_and_back(db, new_page):
    page = new_page()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", level=1).inner_text() == "地域のDXを、みんなで"

    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Regional DX, together"
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"

    # The choice sticks across pages.
    page.get_by_role("link", name="Sign in").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"

    page.get_by_role("button", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", level=1).inner_text() == "サインイン"
