"""Flow: a municipal user signs in, sees their organisation, signs out; also on a phone."""

from __future__ import annotations

from dx_platform.organizations.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory


def test_sign_in_shows_home_with_my_organisation_and_sign_out(region, new_page):
    user = MembershipFactory(organization=region["home"]["town"], role=Role.EDITOR).user
    page = new_page()
    sign_in(page, user.email)

    assert page.get_by_role("heading", level=1).inner_text().startswith("ようこそ")
    organisations = page.get_by_role("region", name="所属組織")
    assert region["home"]["town"].name in organisations.inner_text()
    assert "編集者" in organisations.inner_text()

    page.get_by_role("button", name="サインアウト").click()
    page.wait_for_url("**/")
    assert page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="サインイン").is_visible()


def test_wrong_password_is_refused_with_a_message(region, new_page):
    user = MembershipFactory(organization=region["home"]["town"], role=Role.VIEWER).user
    page = new_page()
    sign_in(page, user.email, password="not-the-password")
    assert page.url.endswith("/accounts/login/")
    assert "正しくありません" in page.locator("main").inner_text()


def test_home_fits_a_phone_screen_and_is_keyboard_navigable(region, new_page):
    user = MembershipFactory(organization=region["home"]["town"], role=Role.ADMIN).user
    page = new_page(width=375, height=740)
    sign_in(page, user.email)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
