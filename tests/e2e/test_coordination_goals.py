"""Flow: a prefecture's coordinator picks an item on the gap matrix, leaves one of the municipalities that
lack it out and sets a shared goal (共同目標) with the others; the goal's page names the item and boards
exactly those ticked; a town on it sets its own date, which must lie within the goal's period."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from coordination.models import GoalMilestone, SharedGoal
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.coordination.conftest import add_municipalities, import_survey, survey_answers
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

POLICY = "DXを推進するための全体方針の策定"


def test_a_goal_started_from_a_gap_boards_exactly_the_ticked_municipalities(
    region, new_page, django_capture_on_commit_callbacks
):
    home = region["home"]
    prefecture, town, city = home["prefecture"].prefecture, home["town"], home["city"]
    load_catalog()
    # Two towns with a DX policy; the home town, the city and two towns without one.
    done, lacking = add_municipalities(prefecture, 2), add_municipalities(prefecture, 2)
    answers = {m.code: {"system.policy": "1"} for m in done} | {
        m.code: {"system.policy": "0"} for m in [town.municipality, city.municipality, *lacking]
    }
    import_survey(survey_answers(answers), 2023, django_capture_on_commit_callbacks)
    coordinator = MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user
    editor = MembershipFactory(organization=town, role=Role.EDITOR).user

    page = new_page(width=1366, height=900)
    sign_in(page, coordinator.email)
    page.goto(f"/coordination/{prefecture.pref_code}/gaps/")
    page.get_by_role("link", name=POLICY, exact=True).click()
    action = page.get_by_role("region", name=f"「{POLICY}」の共同の取組")
    action.get_by_label(city.municipality.name, exact=True).uncheck()
    action.get_by_role("button", name="共同目標を設定する").click()

    # The goal's form: the item and exactly the ticked municipalities.
    expect(page.get_by_label(POLICY, exact=True)).to_be_checked()
    board = page.get_by_role("group", name="参加する市町村")
    ticked = [town.municipality, *lacking]
    for municipality in ticked:
        expect(board.get_by_label(municipality.name, exact=True)).to_be_checked()
    for municipality in [city.municipality, *done]:
        expect(board.get_by_label(municipality.name, exact=True)).not_to_be_checked()
    page.get_by_label("目標", exact=True).fill("全市町村で全体方針を策定")
    target = timezone.localdate() + dt.timedelta(days=180)
    page.get_by_label("期限", exact=True).fill(target.isoformat())
    page.get_by_role("button", name="目標を設定").click()
    expect(page.get_by_role("status")).to_contain_text("共同目標を設定しました。")

    # Its page names the item and boards the ticked municipalities only.
    goal = SharedGoal.objects.get()
    assert set(goal.municipalities.all()) == set(ticked)
    expect(page.locator("main")).to_contain_text(f"調査項目: {POLICY}")
    expect(page.locator("main")).not_to_contain_text("system.policy")
    rows = page.get_by_role("table", name="進捗ボード").locator("tbody tr")
    expect(rows).to_have_count(len(ticked))
    expect(page.get_by_role("table", name="進捗ボード")).not_to_contain_text(city.municipality.name)

    # The town sets its own date: not after the goal's date, then within the period.
    own = new_page(width=390, height=844)
    sign_in(own, editor.email)
    own.goto(f"/coordination/goals/{goal.pk}/")
    section = own.get_by_role("region", name=f"{town.municipality.name}の目標日")
    section.get_by_label("自団体の目標日", exact=True).fill((target + dt.timedelta(days=1)).isoformat())
    section.get_by_role("button", name="目標日を保存").click()
    expect(own.locator("main")).to_contain_text(f"共同目標の期限（{target.isoformat()}）以前にしてください。")
    assert not GoalMilestone.objects.exists()
    due = target - dt.timedelta(days=30)
    own.get_by_label("自団体の目標日", exact=True).fill(due.isoformat())
    own.get_by_role("button", name="目標日を保存").click()
    expect(own.get_by_role("status")).to_contain_text("目標日を保存しました。")
    assert GoalMilestone.objects.get().due_on == due
