"""Flow: a town's editor creates a roadmap from a template, adds an initiative that has run past its end and a
milestone past due, and sees both marked late in the table and on the Gantt chart."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from assessments import charts
from assessments.models import Initiative, Milestone, Roadmap
from assessments.roadmap_data import TEMPLATES
from dx_platform.organizations.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

LATE = re.compile(r"\blate\b")


def test_editor_creates_a_roadmap_and_sees_late_items_highlighted(region, new_page):
    town = region["home"]["town"]
    editor = MembershipFactory(organization=town, role=Role.EDITOR, user__name="山田 花子").user
    today = timezone.localdate()
    period_start = today - dt.timedelta(days=60)
    period_end = today + dt.timedelta(days=730)
    page = new_page()
    sign_in(page, editor.email)

    # From the self-assessments to the town's roadmaps: none yet.
    page.get_by_role("link", name="自己評価", exact=True).click()
    page.locator("main").get_by_role("link", name="工程表", exact=True).click()
    assert page.url.endswith(f"/assessments/{town.municipality.code}/roadmaps/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{town.name}：DX推進方針と工程表")
    expect(page.locator("main")).to_contain_text("工程表はまだありません。")

    # A roadmap from the procedure guide's four steps, started two months ago.
    new = page.get_by_role("region", name="新しい工程表")
    new.get_by_label("名称", exact=True).fill("小布施町DX推進計画")
    new.get_by_label("ビジョン", exact=True).fill("誰一人取り残さない町のデジタル化")
    new.get_by_label("期間（開始）", exact=True).fill(period_start.isoformat())
    new.get_by_label("期間（終了）", exact=True).fill(period_end.isoformat())
    new.get_by_label("ひな形", exact=True).select_option(label="全体手順書の4つのステップ")
    new.get_by_role("button", name="工程表を作成").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("小布施町DX推進計画")
    roadmap = Roadmap.objects.get()
    assert (roadmap.municipality, roadmap.period_start, roadmap.period_end) == (
        town.municipality,
        period_start,
        period_end,
    )
    table = page.get_by_role("table", name="取組事項とマイルストーン")
    steps = [item.title_ja for item in TEMPLATES["steps"][1]]
    expect(table.locator("tbody tr")).to_have_count(len(steps))
    for title in steps:
        expect(table.get_by_role("link", name=title, exact=True)).to_be_visible()
    # The first step runs for three months from the start: not over yet, so not late.
    expect(table.get_by_role("row", name=steps[0])).not_to_have_class(LATE)
    expect(page.locator("main")).to_contain_text("現在はステップ0です。")

    # An initiative that should have ended a week ago and is still in progress.
    add = page.get_by_role("region", name="取組事項を追加")
    add.get_by_label("名称", exact=True).fill("窓口のオンライン化")
    add.get_by_label("担当者", exact=True).select_option(label="山田 花子")
    add.get_by_label("開始", exact=True).fill(period_start.isoformat())
    add.get_by_label("終了", exact=True).fill((today - dt.timedelta(days=7)).isoformat())
    add.get_by_label("状態", exact=True).select_option(label="実施中")
    add.get_by_role("button", name="追加", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("取組事項を追加しました。")
    initiative = Initiative.objects.get(title="窓口のオンライン化")
    assert (initiative.owner, initiative.status, initiative.ends_on) == (
        editor,
        Initiative.Status.IN_PROGRESS,
        today - dt.timedelta(days=7),
    )
    row = table.get_by_role("row", name="窓口のオンライン化")
    expect(row).to_have_class(LATE)
    expect(row.locator(".late-tag")).to_have_text("遅れ")

    # On its page, a milestone that was due two weeks ago and is not done.
    row.get_by_role("link", name="窓口のオンライン化").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("窓口のオンライン化")
    expect(page.locator("main")).to_contain_text("マイルストーンはまだありません。")
    milestone_form = page.get_by_role("region", name="マイルストーンを追加")
    milestone_form.get_by_label("マイルストーン", exact=True).fill("申請フォームの公開")
    milestone_form.get_by_label("期日", exact=True).fill((today - dt.timedelta(days=14)).isoformat())
    milestone_form.get_by_role("button", name="追加", exact=True).click()
    listed = page.get_by_role("listitem").filter(has_text="申請フォームの公開")
    expect(listed).to_have_class(LATE)
    expect(listed.locator(".late-tag")).to_have_text("遅れ")
    milestone = Milestone.objects.get()
    assert (milestone.initiative, milestone.due_on, milestone.done_on) == (
        initiative,
        today - dt.timedelta(days=14),
        None,
    )

    # Back on the roadmap, the initiative and its milestone are both highlighted as late.
    page.get_by_role("link", name="小布施町DX推進計画").click()
    row = page.get_by_role("table", name="取組事項とマイルストーン").get_by_role("row", name="窓口のオンライン化")
    expect(row).to_have_class(LATE)
    expect(row.get_by_role("cell").nth(2)).to_contain_text("遅れ")
    late_milestone = row.get_by_role("listitem").filter(has_text="申請フォームの公開")
    expect(late_milestone).to_have_class(LATE)
    expect(late_milestone.locator(".late-tag")).to_have_text("遅れ")

    # The Gantt chart is drawn: a bar per initiative (the late one in the late colour), the milestone, today.
    expect(page.get_by_role("figure", name="工程表のガントチャート")).to_be_visible()
    chart = page.locator("#gantt")
    chart.locator(".main-svg").first.wait_for()
    expect(chart.locator(".barlayer .point")).to_have_count(len(steps) + 1)
    expect(chart.locator(".scatterlayer .trace path.point")).to_have_count(1)
    # Not by colour alone: the late bar says so in words.
    expect(chart.locator("text.bartext")).to_have_text(["遅れ"])
    bars = chart.evaluate("element => element.data[0]")
    assert sorted(bars["y"]) == sorted([*steps, "窓口のオンライン化"])
    colours = dict(zip(bars["y"], bars["marker"]["color"], strict=True))
    assert [title for title, colour in colours.items() if colour == charts.LATE] == ["窓口のオンライン化"]
    marks = chart.evaluate("element => element.data[1]")
    assert (marks["text"], marks["y"]) == (["申請フォームの公開"], ["窓口のオンライン化"])
    assert chart.evaluate("element => element.layout.shapes.map(s => s.x0)") == [today.isoformat()]
