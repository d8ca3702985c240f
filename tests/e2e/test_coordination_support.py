"""Flow: a town's editor asks the prefecture for support; the coordinator assigns the specialist the page
suggests and logs a visit; the town sees the visit and who supports it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from coordination.models import SupportActivity, SupportCase
from dx_platform.organizations.models import Role
from tests.coordination.conftest import make_specialist
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory


def test_a_town_asks_for_support_and_sees_the_visit_of_its_specialist(region, new_page):
    home = region["home"]
    prefecture, town = home["prefecture"].prefecture, home["town"]
    editor = MembershipFactory(organization=town, role=Role.EDITOR).user
    coordinator = MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user
    # The pool: one with the skill who serves the town, one with more days but another skill.
    matched = make_specialist(prefecture, "佐藤 花子", days="4", skills=("system",), affiliation="県DX推進課")
    matched.municipalities.add(town.municipality)
    make_specialist(prefecture, "田中 次郎", days="10", skills=("rpa",))

    # The editor asks for support from the coordination pages.
    asking = new_page()
    sign_in(asking, editor.email)
    asking.get_by_role("link", name="県と市町村の連携", exact=True).click()
    asking.locator("main").get_by_role("link", name="伴走支援", exact=True).click()
    asking.get_by_role("link", name=f"{town.name}として都道府県に支援を依頼").click()
    asking.get_by_label("件名", exact=True).fill("CIO補佐官の人選")
    asking.get_by_label("対象", exact=True).select_option(label="自治体DXの推進体制")
    asking.get_by_label("緊急度", exact=True).select_option(label="高")
    asking.get_by_label("相談したい内容", exact=True).fill("外部のCIO補佐官を置きたいが、人選の進め方が分からない。")
    asking.get_by_role("button", name="依頼を送る").click()
    expect(asking.get_by_role("status")).to_contain_text("依頼を都道府県に送りました。")
    expect(asking.get_by_role("heading", level=1)).to_have_text("CIO補佐官の人選")
    case = SupportCase.objects.get()
    assert (case.municipality, case.skill, case.urgency, case.status) == (
        town.municipality,
        "system",
        "high",
        "requested",
    )

    # The coordinator hears of it, sees the suggested specialist first and assigns them.
    lead = new_page()
    sign_in(lead, coordinator.email)
    lead.get_by_role("link", name="未読のお知らせが1件あります").click()
    lead.get_by_role("button", name=f"「{town.municipality}から支援の依頼：CIO補佐官の人選」を開く").click()
    assign = lead.get_by_role("region", name="専門人材を割り当てる")
    suggested = assign.get_by_role("listitem")
    expect(suggested.first).to_contain_text("佐藤 花子")
    expect(suggested.first).to_contain_text("得意分野が合う")
    expect(suggested.first).to_contain_text("この市区町村を担当中")
    assign.get_by_label("専門人材", exact=True).select_option(label="佐藤 花子")
    assign.get_by_role("button", name="割り当てる").click()
    expect(lead.get_by_role("status")).to_contain_text("専門人材を割り当て、市区町村に通知しました。")

    # And logs the visit, with the next action.
    held_on = timezone.localdate() - dt.timedelta(days=1)
    due = timezone.localdate() + dt.timedelta(days=14)
    log = lead.get_by_role("region", name="訪問・会議を記録する")
    log.get_by_label("区分", exact=True).select_option(label="訪問")
    log.get_by_label("日付", exact=True).fill(held_on.isoformat())
    log.get_by_label("出席者", exact=True).fill("企画課 山本、佐藤 花子")
    log.get_by_label("時間", exact=True).fill("2.5")
    log.get_by_label("記録", exact=True).fill("候補者の要件を整理した。")
    log.get_by_label("次の対応", exact=True).fill("候補者3名に打診する")
    log.get_by_label("次の対応の期限", exact=True).fill(due.isoformat())
    log.get_by_role("button", name="記録する").click()
    expect(lead.get_by_role("status")).to_contain_text("活動を記録しました。")
    activity = SupportActivity.objects.get()
    assert (activity.held_on, activity.recorded_by, str(activity.hours)) == (held_on, coordinator, "2.5")
    assert SupportCase.objects.get().status == "in_progress"

    # The town sees the visit and who supports it, but none of the coordinator's forms.
    asking.reload()
    expect(asking.locator("main")).to_contain_text("佐藤 花子")
    expect(asking.locator("main")).to_contain_text("県DX推進課")
    visits = asking.get_by_role("region", name="訪問・会議の記録")
    expect(visits.get_by_role("row", name=held_on.isoformat())).to_contain_text("候補者3名に打診する")
    expect(visits).to_contain_text("企画課 山本、佐藤 花子")
    expect(asking.locator("main")).to_contain_text("実施中")
    expect(asking.get_by_role("region", name="専門人材を割り当てる")).to_have_count(0)
    expect(asking.get_by_role("region", name="訪問・会議を記録する")).to_have_count(0)
