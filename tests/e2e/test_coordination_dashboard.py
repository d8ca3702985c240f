"""Flow: a prefecture's coordinator finds the lowest town on the dashboard (towns and villages only), opens
its next best steps, goes to the gap matrix, picks an item and starts a joint procurement with the
municipalities that lack it prefilled; opening it tells the invited municipalities."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from benchmarks.models import Value
from community.models import Procurement
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Organization, Role
from tests.assessments import load_catalog
from tests.community.test_procurement_support import in_days
from tests.coordination.conftest import add_municipalities, import_survey, survey_answers
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

NOTHING_DONE = {
    "system.cio": "0",
    "system.policy": "0",
    "system.dedicated_unit": "0",
    "service.ai": "0",
    "online_volume.01": "offline",
}
POLICY = "DXを推進するための全体方針の策定"


def test_a_coordinator_turns_the_lowest_towns_gap_into_a_joint_procurement(
    region, new_page, django_capture_on_commit_callbacks
):
    home = region["home"]
    prefecture, town = home["prefecture"].prefecture, home["town"]
    load_catalog()
    # Five more towns that all have a DX policy, and the home town that has done nothing.
    towns = add_municipalities(prefecture, 5)
    answers = {t.code: {"system.policy": "1"} for t in towns} | {town.municipality.code: NOTHING_DONE}
    dataset = import_survey(survey_answers(answers), 2023, django_capture_on_commit_callbacks)
    coordinator = MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user
    lacking = Organization.objects.filter(
        prefecture=prefecture,
        municipality__in=Value.objects.filter(dataset=dataset, indicator__code="system.policy", value=0).values(
            "municipality"
        ),
    ).order_by("municipality__code")
    editors = {o: MembershipFactory(organization=o, role=Role.EDITOR).user for o in lacking}
    assert town in editors and home["city"] in editors

    page = new_page()
    sign_in(page, coordinator.email)
    page.get_by_role("link", name="県と市町村の連携", exact=True).click()
    page.get_by_role("link", name="ダッシュボード", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{prefecture.name}：市区町村のDX")

    # Towns and villages only: the home town is the lowest, and needs attention for it.
    page.get_by_label("町村のみ", exact=True).check()
    page.get_by_role("button", name="表示", exact=True).click()
    table = page.get_by_role("region", name="市区町村一覧（総合偏差値の低い順）").get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(6)
    expect(table.locator("tbody tr").first).to_contain_text(town.municipality.name)
    expect(table).not_to_contain_text(home["city"].municipality.name)
    # It heads the needs-attention list, for its shortfall within its size class.
    attention = page.get_by_role("region", name=re.compile("^要注意"))
    expect(attention.locator("tbody tr").first).to_contain_text(town.municipality.name)
    expect(attention.locator("tbody tr").first).to_contain_text("規模区分内で")
    expect(page.locator("#map .main-svg").first).to_be_attached()

    # Its next best steps: the DX policy, which every peer town has.
    table.get_by_role("link", name=town.municipality.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{town.municipality.name}：次の一手")
    step = page.get_by_role("region", name=POLICY)
    expect(step).to_contain_text("同規模の")
    expect(step).to_contain_text("手助けできる専門人材")

    # Back on the dashboard, to the gap matrix; the DX policy and who lacks it.
    page.get_by_role("link", name=f"{prefecture.name}：ダッシュボード").click()
    page.get_by_role("link", name="共通課題と共同の取組", exact=True).click()
    page.get_by_role("link", name=POLICY, exact=True).click()
    action = page.get_by_role("region", name=f"「{POLICY}」の共同の取組")
    for organization in lacking:
        expect(action.get_by_label(organization.municipality.name)).to_be_checked()
    action.get_by_role("button", name="共同調達を始める").click()

    # The procurement form, with the item and the lacking municipalities prefilled.
    expect(page.get_by_role("heading", level=1)).to_have_text("共同調達を立ち上げる")
    expect(page.get_by_label("名称", exact=True)).to_have_value(f"共同調達：{POLICY}")
    expect(page.get_by_label(POLICY, exact=True)).to_be_checked()
    invite = page.get_by_role("group", name="意向調査に招待する市区町村")
    for organization in Organization.objects.filter(prefecture=prefecture, kind="municipality"):
        box = expect(invite.get_by_label(organization.name, exact=True))
        if organization in editors:
            box.to_be_checked()
        else:
            box.not_to_be_checked()
    page.get_by_label("概要", exact=True).fill("DX推進の全体方針の策定支援を共同で調達します。")
    page.get_by_label("分類", exact=True).select_option(label="研修・デジタル人材")
    page.get_by_label("参加表明期限", exact=True).fill(in_days(30).isoformat())
    page.get_by_role("button", name="共同調達を立ち上げる").click()
    expect(page.get_by_role("status")).to_contain_text("共同調達を立ち上げました。")

    procurement = Procurement.objects.get()
    assert (procurement.lead, procurement.title) == (home["prefecture"], f"共同調達：{POLICY}")
    assert list(procurement.indicators.values_list("code", flat=True)) == ["system.policy"]
    for organization, editor in editors.items():
        notice = Notification.objects.get(recipient=editor)
        assert procurement.title in notice.title, organization
    assert not Notification.objects.filter(recipient__memberships__organization__municipality__in=towns).exists()
