"""Roadmaps (工程表): dates checked, templates, the 手順書 self-check, late items, the yearly baseline and
slippage, the Gantt chart, the pages, and who may read and write them."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import charts, roadmap_data, selectors, services, tasks
from assessments.models import Initiative, Milestone, Roadmap, RoadmapBaseline, StepCheck
from assessments.services import InitiativeInput, RoadmapInput
from dx_platform.organizations.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Three fiscal years, FY2025 to FY2027.
START = dt.date(2025, 4, 1)
END = dt.date(2028, 3, 31)
# The first initiative of most tests runs through the first half of FY2025.
I_START = dt.date(2025, 4, 1)
I_END = dt.date(2025, 9, 30)
STEP_CODES = {step.number: [check.code for check in step.items] for step in roadmap_data.STEPS}


def roadmap_input(**changes: Any) -> RoadmapInput:
    given = RoadmapInput(
        title="小布施町DX推進計画", vision="誰一人取り残さない", period_start=START, period_end=END, adopted_on=None
    )
    return replace(given, **changes)


def initiative_input(**changes: Any) -> InitiativeInput:
    given = InitiativeInput(
        title="書かない窓口",
        area="online_lifeevent",
        indicators=[],
        owner=None,
        starts_on=I_START,
        ends_on=I_END,
        status=Initiative.Status.PLANNED,
    )
    return replace(given, **changes)


@pytest.fixture
def town(region):
    return region["home"]["town"].municipality


@pytest.fixture
def roadmap(town, people) -> Roadmap:
    return services.roadmap_save(municipality=town, given=roadmap_input(), by=people["editor"])


@pytest.fixture
def initiative(roadmap, people) -> Initiative:
    return services.initiative_save(roadmap=roadmap, given=initiative_input(), by=people["editor"])


def add_initiative(roadmap: Roadmap, by, **changes: Any) -> Initiative:
    return services.initiative_save(roadmap=roadmap, given=initiative_input(**changes), by=by)


def add_milestone(initiative: Initiative, title: str, due_on: dt.date, by, done_on: dt.date | None = None) -> Milestone:
    return services.milestone_save(initiative=initiative, title=title, due_on=due_on, done_on=done_on, by=by)


def stored(initiative: Initiative) -> tuple[Any, ...]:
    initiative.refresh_from_db()
    return (initiative.title, initiative.starts_on, initiative.ends_on, initiative.status)


# --- roadmaps and templates ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_create_a_roadmap(town, people, role):
    roadmap = services.roadmap_save(
        municipality=town, given=roadmap_input(adopted_on=dt.date(2025, 3, 20)), by=people[role]
    )
    roadmap.refresh_from_db()
    assert (roadmap.municipality, roadmap.title, roadmap.period_start, roadmap.period_end, roadmap.adopted_on) == (
        town,
        "小布施町DX推進計画",
        START,
        END,
        dt.date(2025, 3, 20),
    )
    assert not roadmap.initiatives.exists()


@pytest.mark.parametrize("period_end", [START, START - dt.timedelta(days=1), dt.date(2024, 4, 1)])
@pytest.mark.parametrize("template", ["", *roadmap_data.TEMPLATES])
def test_a_period_that_does_not_end_after_it_starts_is_refused(town, people, period_end, template):
    with pytest.raises(ValidationError) as caught:
        services.roadmap_save(
            municipality=town, given=roadmap_input(period_end=period_end), by=people["editor"], template=template
        )
    assert caught.value.message_dict == {"period_end": ["期間の終了は開始より後にしてください。"]}
    assert not Roadmap.objects.exists()
    assert not Initiative.objects.exists()


def test_an_unknown_template_is_refused(town, people):
    with pytest.raises(ValidationError) as caught:
        services.roadmap_save(municipality=town, given=roadmap_input(), by=people["editor"], template="nope")
    assert caught.value.message_dict == {"template": ["ひな形がありません。"]}
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize(
    ("period_start", "period_end"),
    [
        (START, END),  # three years: every item fits as planned
        (dt.date(2025, 10, 1), dt.date(2026, 9, 30)),  # one year: the later items are cut at the end
        (dt.date(2026, 1, 31), dt.date(2026, 7, 30)),  # half a year, from a month's last day
    ],
)
@pytest.mark.parametrize("template", list(roadmap_data.TEMPLATES))
def test_each_template_creates_its_initiatives_inside_the_period(town, people, template, period_start, period_end):
    roadmap = services.roadmap_save(
        municipality=town,
        given=roadmap_input(period_start=period_start, period_end=period_end),
        by=people["editor"],
        template=template,
    )
    items = roadmap_data.TEMPLATES[template][1]
    created = list(roadmap.initiatives.order_by("pk"))
    assert [(i.title, i.area) for i in created] == [(item.title_ja, item.area) for item in items]
    for initiative in created:
        assert period_start <= initiative.starts_on <= initiative.ends_on <= period_end, initiative.title
        assert initiative.status == Initiative.Status.PLANNED


def test_the_steps_template_lays_the_steps_out_month_by_month(town, people):
    roadmap = services.roadmap_save(municipality=town, given=roadmap_input(), by=people["editor"], template="steps")
    assert list(roadmap.initiatives.order_by("pk").values_list("starts_on", "ends_on")) == [
        (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),  # months 0–3
        (dt.date(2025, 7, 1), dt.date(2025, 12, 31)),  # months 3–9
        (dt.date(2025, 10, 1), dt.date(2026, 3, 31)),  # months 6–12
        (dt.date(2026, 4, 1), dt.date(2028, 3, 31)),  # months 12–36
    ]


def test_editing_a_roadmap_changes_it_in_place(roadmap, people):
    services.roadmap_save(
        municipality=roadmap.municipality,
        given=roadmap_input(title="第2期DX推進計画", period_end=dt.date(2030, 3, 31)),
        by=people["admin"],
        roadmap=roadmap,
    )
    roadmap.refresh_from_db()
    assert (Roadmap.objects.count(), roadmap.title, roadmap.period_end) == (1, "第2期DX推進計画", dt.date(2030, 3, 31))


# --- initiatives and milestones ------------------------------------------------------------------


@pytest.mark.parametrize("ends_on", [I_START - dt.timedelta(days=1), dt.date(2024, 9, 30)])
def test_an_initiative_that_ends_before_it_starts_is_refused(roadmap, people, ends_on):
    with pytest.raises(ValidationError) as caught:
        add_initiative(roadmap, people["editor"], ends_on=ends_on)
    assert caught.value.message_dict == {"ends_on": ["取組事項の終了日は開始日より後にしてください。"]}
    assert not Initiative.objects.exists()


def test_a_one_day_initiative_is_allowed(roadmap, people):
    one_day = add_initiative(roadmap, people["editor"], ends_on=I_START)
    assert (one_day.starts_on, one_day.ends_on) == (I_START, I_START)


@pytest.mark.parametrize("owner", ["outsider", "partner", "coordinator", "national", "staff", "other_editor"])
def test_an_owner_who_is_not_a_member_of_the_municipality_is_refused(roadmap, everyone, owner):
    with pytest.raises(ValidationError) as caught:
        add_initiative(roadmap, everyone["editor"], owner=everyone[owner])
    assert caught.value.message_dict == {"owner": ["担当者は団体のメンバーにしてください。"]}
    assert not Initiative.objects.exists()


def test_a_member_of_the_municipality_may_own_an_initiative(roadmap, people):
    owned = add_initiative(roadmap, people["editor"], owner=people["viewer"], status=Initiative.Status.IN_PROGRESS)
    owned.refresh_from_db()
    assert (owned.owner, owned.status) == (people["viewer"], Initiative.Status.IN_PROGRESS)


def test_an_owner_cannot_be_taken_from_another_initiatives_edit_either(initiative, everyone):
    before = stored(initiative)
    with pytest.raises(ValidationError) as caught:
        services.initiative_save(
            roadmap=initiative.roadmap,
            given=initiative_input(title="変更", owner=everyone["other_editor"]),
            by=everyone["editor"],
            initiative=initiative,
        )
    assert list(caught.value.message_dict) == ["owner"]
    assert stored(initiative) == before
    assert initiative.owner is None


@pytest.mark.parametrize("due_on", [I_START - dt.timedelta(days=1), I_END + dt.timedelta(days=1), dt.date(2035, 1, 1)])
def test_a_milestone_outside_its_initiative_is_refused(initiative, people, due_on):
    with pytest.raises(ValidationError) as caught:
        add_milestone(initiative, "要件定義", due_on, people["editor"])
    assert caught.value.message_dict == {
        "due_on": ["マイルストーンの期日は取組事項の期間内（2025-04-01〜2025-09-30）にしてください。"]
    }
    assert not Milestone.objects.exists()


def test_a_milestone_on_the_first_or_last_day_of_its_initiative_is_inside(initiative, people):
    add_milestone(initiative, "着手", I_START, people["editor"])
    add_milestone(initiative, "完了", I_END, people["admin"], done_on=I_END)
    assert list(initiative.milestones.values_list("title", "due_on", "done_on")) == [
        ("着手", I_START, None),
        ("完了", I_END, I_END),
    ]


def test_moving_a_milestone_outside_is_refused_and_keeps_it(initiative, people):
    milestone = add_milestone(initiative, "要件定義", dt.date(2025, 5, 1), people["editor"])
    with pytest.raises(ValidationError):
        services.milestone_save(
            initiative=initiative,
            title="要件定義",
            due_on=dt.date(2025, 12, 1),
            done_on=None,
            by=people["editor"],
            milestone=milestone,
        )
    milestone.refresh_from_db()
    assert milestone.due_on == dt.date(2025, 5, 1)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "outside"),
    [
        (I_START, dt.date(2025, 8, 31), "本番稼働"),
        (dt.date(2025, 5, 2), I_END, "要件定義"),
        (dt.date(2025, 5, 2), dt.date(2025, 8, 31), "要件定義、本番稼働"),
        (dt.date(2026, 4, 1), dt.date(2026, 9, 30), "要件定義、本番稼働"),
    ],
)
def test_moving_an_initiative_so_that_its_milestones_fall_outside_is_refused(
    initiative, people, starts_on, ends_on, outside
):
    add_milestone(initiative, "要件定義", dt.date(2025, 5, 1), people["editor"])
    add_milestone(initiative, "本番稼働", dt.date(2025, 9, 1), people["editor"])
    before = stored(initiative)
    with pytest.raises(ValidationError) as caught:
        services.initiative_save(
            roadmap=initiative.roadmap,
            given=initiative_input(title="変更", starts_on=starts_on, ends_on=ends_on),
            by=people["editor"],
            initiative=initiative,
        )
    assert caught.value.message_dict == {"ends_on": [f"次のマイルストーンが取組事項の期間外になります：{outside}。"]}
    assert stored(initiative) == before


def test_moving_an_initiative_around_its_milestones_is_allowed(initiative, people):
    add_milestone(initiative, "要件定義", dt.date(2025, 5, 1), people["editor"])
    services.initiative_save(
        roadmap=initiative.roadmap,
        given=initiative_input(starts_on=dt.date(2025, 5, 1), ends_on=dt.date(2025, 12, 31)),
        by=people["editor"],
        initiative=initiative,
    )
    assert stored(initiative)[1:3] == (dt.date(2025, 5, 1), dt.date(2025, 12, 31))
    assert Initiative.objects.count() == 1


# --- the 手順書 self-check -------------------------------------------------------------------------


def current_step(roadmap: Roadmap) -> int | None:
    return selectors.roadmap_overview(roadmap=roadmap, today=I_START).current_step


def tick(roadmap: Roadmap, codes: list[str], by, checked: bool = True) -> None:
    for code in codes:
        services.step_check_set(roadmap=roadmap, item=code, checked=checked, by=by)


def test_ticking_the_self_check_moves_the_current_step(roadmap, people):
    editor = people["editor"]
    assert current_step(roadmap) == 0
    tick(roadmap, STEP_CODES[0][:1], editor)
    assert current_step(roadmap) == 0  # one of step 0's two items is not enough
    tick(roadmap, STEP_CODES[0][1:], editor)
    assert current_step(roadmap) == 1
    tick(roadmap, STEP_CODES[2], editor)
    assert current_step(roadmap) == 1  # step 2 done, but step 1 still open
    tick(roadmap, STEP_CODES[1], editor)
    assert current_step(roadmap) == 3
    tick(roadmap, STEP_CODES[3], people["admin"])
    assert current_step(roadmap) is None
    tick(roadmap, STEP_CODES[0][:1], editor, checked=False)
    assert current_step(roadmap) == 0


def test_the_overview_shows_which_items_are_ticked(roadmap, people):
    tick(roadmap, ["s1.vision", "s1.vision"], people["editor"])  # twice: still one tick
    tick(roadmap, ["s2.cio"], people["editor"], checked=False)  # unticking what is not ticked
    ticked = {
        code
        for _step, items in selectors.roadmap_overview(roadmap=roadmap, today=I_START).steps
        for code, _text, done in items
        if done
    }
    assert ticked == {"s1.vision"}
    assert list(StepCheck.objects.values_list("item", "checked_by")) == [("s1.vision", people["editor"].pk)]


@pytest.mark.parametrize("item", ["s9.nothing", "", "S0.LEADERS", "ステップ0"])
def test_an_unknown_self_check_item_is_refused(roadmap, people, item):
    with pytest.raises(ValidationError) as caught:
        services.step_check_set(roadmap=roadmap, item=item, checked=True, by=people["editor"])
    assert caught.value.messages == ["セルフチェックの項目がありません。"]
    assert not StepCheck.objects.exists()


# --- late items ----------------------------------------------------------------------------------

TODAY = dt.date(2025, 10, 15)


@pytest.fixture
def mixed(roadmap, people) -> Roadmap:
    """Initiatives and milestones on either side of TODAY, done and not."""
    editor = people["editor"]
    ended = add_initiative(roadmap, editor, title="終了日を過ぎた取組", status=Initiative.Status.IN_PROGRESS)
    add_milestone(ended, "期日を過ぎたマイルストーン", dt.date(2025, 9, 1), editor)
    add_milestone(ended, "期日どおり完了", dt.date(2025, 8, 1), editor, done_on=dt.date(2025, 8, 1))
    add_milestone(ended, "遅れて完了", dt.date(2025, 7, 1), editor, done_on=dt.date(2025, 10, 1))
    add_initiative(roadmap, editor, title="完了した取組", status=Initiative.Status.DONE)
    add_initiative(roadmap, editor, title="保留のまま終了日を過ぎた取組", status=Initiative.Status.ON_HOLD)
    add_initiative(roadmap, editor, title="今日終わる取組", ends_on=TODAY)
    running = add_initiative(
        roadmap, editor, title="実施中の取組", ends_on=dt.date(2026, 3, 31), status=Initiative.Status.IN_PROGRESS
    )
    add_milestone(running, "今日が期日", TODAY, editor)
    add_milestone(running, "昨日が期日", TODAY - dt.timedelta(days=1), editor)
    add_milestone(running, "来月が期日", dt.date(2025, 11, 15), editor)
    return roadmap


LATE_INITIATIVES = {
    "終了日を過ぎた取組": True,
    "完了した取組": False,
    "保留のまま終了日を過ぎた取組": True,
    "今日終わる取組": False,
    "実施中の取組": False,
}
LATE_MILESTONES = {
    "期日を過ぎたマイルストーン": True,
    "期日どおり完了": False,
    "遅れて完了": False,
    "今日が期日": False,
    "昨日が期日": True,
    "来月が期日": False,
}


def test_the_overview_marks_late_initiatives_and_milestones(mixed):
    overview = selectors.roadmap_overview(roadmap=mixed, today=TODAY)
    assert {row.initiative.title: row.late for row in overview.rows} == LATE_INITIATIVES
    assert {m.milestone.title: m.late for row in overview.rows for m in row.milestones} == LATE_MILESTONES
    # Without a baseline there is no slip to show.
    assert overview.baseline is None
    assert {row.slip_days for row in overview.rows} == {None}


def test_an_initiative_is_late_from_the_day_after_its_end(mixed):
    tomorrow = selectors.roadmap_overview(roadmap=mixed, today=TODAY + dt.timedelta(days=1))
    assert next(row for row in tomorrow.rows if row.initiative.title == "今日終わる取組").late
    due_today = next(m for row in tomorrow.rows for m in row.milestones if m.milestone.title == "今日が期日")
    assert due_today.late


def test_marking_the_items_done_clears_them(mixed, people):
    editor = people["editor"]
    for initiative in mixed.initiatives.exclude(status=Initiative.Status.DONE):
        services.initiative_save(
            roadmap=mixed,
            given=initiative_input(
                title=initiative.title,
                starts_on=initiative.starts_on,
                ends_on=initiative.ends_on,
                status=Initiative.Status.DONE,
            ),
            by=editor,
            initiative=initiative,
        )
        for milestone in initiative.milestones.filter(done_on__isnull=True):
            services.milestone_save(
                initiative=initiative,
                title=milestone.title,
                due_on=milestone.due_on,
                done_on=TODAY,
                by=editor,
                milestone=milestone,
            )
    overview = selectors.roadmap_overview(roadmap=mixed, today=TODAY)
    assert not any(row.late for row in overview.rows)
    assert not any(m.late for row in overview.rows for m in row.milestones)


# --- the yearly baseline and slippage ------------------------------------------------------------


def baselines() -> list[tuple[Any, ...]]:
    return list(RoadmapBaseline.objects.order_by("pk").values_list("pk", "roadmap__title", "fiscal_year", "plan"))


def test_baselines_freeze_each_running_roadmap_once_a_fiscal_year(town, people):
    def make(title: str, start: dt.date, end: dt.date) -> Roadmap:
        given = roadmap_input(title=title, period_start=start, period_end=end)
        return services.roadmap_save(municipality=town, given=given, by=people["editor"])

    make("実行中", START, END)
    make("年度の途中から", dt.date(2025, 10, 1), dt.date(2027, 3, 31))
    make("終了済み", dt.date(2022, 4, 1), dt.date(2025, 3, 31))
    make("来年度から", dt.date(2026, 4, 1), dt.date(2029, 3, 31))

    assert services.baselines_freeze(today=dt.date(2025, 4, 1)) == 2
    state = baselines()
    assert sorted((title, year) for _pk, title, year, _plan in state) == [("実行中", 2025), ("年度の途中から", 2025)]
    # Run again the same day and on the last day of the fiscal year: nothing more.
    assert services.baselines_freeze(today=dt.date(2025, 4, 1)) == 0
    assert services.baselines_freeze(today=dt.date(2026, 3, 31)) == 0
    assert baselines() == state
    # The next fiscal year freezes again, once.
    assert services.baselines_freeze(today=dt.date(2026, 4, 1)) == 3
    assert services.baselines_freeze(today=dt.date(2026, 4, 2)) == 0
    assert sorted((title, year) for _pk, title, year, _plan in baselines()) == [
        ("実行中", 2025),
        ("実行中", 2026),
        ("年度の途中から", 2025),
        ("年度の途中から", 2026),
        ("来年度から", 2026),
    ]


@pytest.fixture
def planned(initiative, people) -> dict[str, Any]:
    """The initiative with a milestone, a second initiative, and the FY2025 baseline frozen over them."""
    milestone = add_milestone(initiative, "本番稼働", dt.date(2025, 9, 1), people["editor"])
    other = add_initiative(initiative.roadmap, people["editor"], title="RPAの導入")
    assert services.baselines_freeze(today=dt.date(2025, 4, 1)) == 1
    return {"initiative": initiative, "milestone": milestone, "other": other, "roadmap": initiative.roadmap}


def replan(initiative: Initiative, by, *, ends_on: dt.date) -> None:
    services.initiative_save(
        roadmap=initiative.roadmap,
        given=initiative_input(title=initiative.title, starts_on=initiative.starts_on, ends_on=ends_on),
        by=by,
        initiative=initiative,
    )


def test_the_baseline_keeps_the_plan_of_record_after_re_planning(planned, people):
    initiative, milestone = planned["initiative"], planned["milestone"]
    replan(initiative, people["editor"], ends_on=dt.date(2025, 10, 31))
    services.milestone_save(
        initiative=initiative,
        title="本番稼働",
        due_on=dt.date(2025, 10, 15),
        done_on=None,
        by=people["editor"],
        milestone=milestone,
    )
    late = add_initiative(planned["roadmap"], people["editor"], title="後から追加した取組")
    assert services.baselines_freeze(today=dt.date(2025, 11, 1)) == 0

    baseline = RoadmapBaseline.objects.get()
    assert baseline.fiscal_year == 2025
    assert baseline.plan[str(initiative.pk)]["ends_on"] == "2025-09-30"
    assert baseline.plan[str(initiative.pk)]["milestones"][str(milestone.pk)]["due_on"] == "2025-09-01"
    overview = selectors.roadmap_overview(roadmap=planned["roadmap"], today=dt.date(2025, 11, 1))
    assert overview.baseline == baseline
    slips = {row.initiative.pk: row.slip_days for row in overview.rows}
    assert slips == {initiative.pk: 31, planned["other"].pk: 0, late.pk: None}
    (moved,) = (row for row in overview.rows if row.initiative.pk == initiative.pk)
    assert [m.slip_days for m in moved.milestones] == [44]


def test_the_next_years_baseline_takes_the_re_planned_dates_as_its_plan(planned, people):
    replan(planned["initiative"], people["editor"], ends_on=dt.date(2026, 6, 30))
    assert services.baselines_freeze(today=dt.date(2026, 4, 1)) == 1
    overview = selectors.roadmap_overview(roadmap=planned["roadmap"], today=dt.date(2026, 4, 1))
    assert overview.baseline.fiscal_year == 2026
    assert {row.slip_days for row in overview.rows} == {0}


def test_the_freeze_task_run_twice_freezes_once(planned, people, monkeypatch):
    RoadmapBaseline.objects.all().delete()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2025, 4, 1))
    first = tasks.freeze_roadmap_baselines.delay().get()
    state = baselines()
    second = tasks.freeze_roadmap_baselines.delay().get()
    assert (first, second) == (1, 0)
    assert baselines() == state
    (baseline,) = RoadmapBaseline.objects.all()
    assert (baseline.roadmap, baseline.fiscal_year) == (planned["roadmap"], 2025)
    assert set(baseline.plan) == {str(planned["initiative"].pk), str(planned["other"].pk)}


# --- the Gantt chart -----------------------------------------------------------------------------


def gantt(roadmap: Roadmap, today: dt.date) -> dict[str, Any]:
    overview = selectors.roadmap_overview(roadmap=roadmap, today=today)
    labels = {"initiatives": "取組事項", "milestones": "マイルストーン", "late": "遅れ", "title": roadmap.title}
    figure = charts.gantt(
        rows=overview.rows, period=(roadmap.period_start, roadmap.period_end), today=today, labels=labels
    )
    assert figure is not None
    return figure


def test_the_gantt_chart_has_the_initiatives_as_bars_from_start_to_end(mixed):
    bars, _marks = gantt(mixed, TODAY)["data"]
    initiatives = list(mixed.initiatives.all())
    assert bars["y"] == [i.title for i in initiatives]
    ends = [
        dt.date.fromisoformat(base) + dt.timedelta(milliseconds=length)
        for base, length in zip(bars["base"], bars["x"], strict=True)
    ]
    # A bar covers its last day too.
    assert ends == [i.ends_on + dt.timedelta(days=1) for i in initiatives]
    assert bars["base"] == [i.starts_on.isoformat() for i in initiatives]
    # The time axis spans the policy period (or the initiatives, where they run beyond it).
    first = min([mixed.period_start, *(i.starts_on for i in initiatives)])
    last = max([mixed.period_end, *(i.ends_on for i in initiatives)])
    span = [first.isoformat(), (last + dt.timedelta(days=1)).isoformat()]
    assert gantt(mixed, TODAY)["layout"]["xaxis"]["range"] == span


def test_the_gantt_chart_marks_today_and_the_late_items(mixed):
    figure = gantt(mixed, TODAY)
    bars, marks = figure["data"]
    assert {title: colour == charts.LATE for title, colour in zip(bars["y"], bars["marker"]["color"], strict=True)} == (
        LATE_INITIATIVES
    )
    # Not by colour alone: a late bar says so.
    assert {title: text == "遅れ" for title, text in zip(bars["y"], bars["text"], strict=True)} == LATE_INITIATIVES
    assert {
        title: colour == charts.LATE for title, colour in zip(marks["text"], marks["marker"]["color"], strict=True)
    } == (LATE_MILESTONES)
    milestones = Milestone.objects.select_related("initiative")
    assert sorted(zip(marks["text"], marks["x"], marks["y"], strict=True)) == sorted(
        (m.title, m.due_on.isoformat(), m.initiative.title) for m in milestones
    )
    lines = [shape for shape in figure["layout"]["shapes"] if shape["type"] == "line"]
    assert [(line["x0"], line["x1"]) for line in lines] == [(TODAY.isoformat(), TODAY.isoformat())]


def test_the_gantt_chart_follows_the_day_it_is_drawn(mixed):
    later = dt.date(2026, 6, 1)  # everything not done has ended by now
    bars, marks = gantt(mixed, later)["data"]
    late = {title for title, colour in zip(bars["y"], bars["marker"]["color"], strict=True) if colour == charts.LATE}
    assert late == {title for title in LATE_INITIATIVES if title != "完了した取組"}
    assert [line["x0"] for line in gantt(mixed, later)["layout"]["shapes"]] == [later.isoformat()]
    assert sum(colour == charts.LATE for colour in marks["marker"]["color"]) == 4


def test_an_empty_roadmap_has_no_chart_but_says_so(roadmap, client, people):
    overview = selectors.roadmap_overview(roadmap=roadmap, today=TODAY)
    labels = {"initiatives": "", "milestones": "", "late": "", "title": ""}
    assert charts.gantt(rows=overview.rows, period=(TODAY, TODAY), today=TODAY, labels=labels) is None
    client.force_login(people["viewer"])
    html = text(client.get(detail_url(roadmap)))
    assert "gantt-data" not in html
    assert '<p class="chart-empty">取組事項を登録すると、ここに工程表（ガントチャート）が表示されます。</p>' in html


# --- pages ---------------------------------------------------------------------------------------


def list_url(roadmap: Roadmap) -> str:
    return f"/assessments/{roadmap.municipality.code}/roadmaps/"


def detail_url(roadmap: Roadmap) -> str:
    return f"/assessments/roadmaps/{roadmap.pk}/"


def initiative_url(initiative: Initiative) -> str:
    return f"/assessments/initiatives/{initiative.pk}/"


def text(response) -> str:
    return response.content.decode()


def errors_in(html: str) -> list[str]:
    """Every error the page shows: the form's summary and each field's."""
    return [
        re.sub(r"<[^>]+>", "", error).strip()
        for groups in re.findall(
            r'<p class="error">(.*?)</p>|<div class="error-summary" role="alert"><ul>(.*?)</ul>', html
        )
        for error in groups
        if error
    ]


def table_rows(html: str) -> dict[str, tuple[bool, str]]:
    """The roadmap table's rows by initiative title: (highlighted as late, the row's HTML)."""
    result = {}
    for attributes, body in re.findall(r"<tr([^>]*)>(.*?)</tr>", html, re.DOTALL):
        title = re.search(r'<a href="/assessments/initiatives/\d+/">([^<]*)</a>', body)
        if title:
            result[title[1]] = ('class="late"' in attributes, body)
    return result


def milestone_items(html: str) -> dict[str, tuple[bool, str]]:
    """Milestones listed on the page by title: (highlighted as late, the item's HTML)."""
    result = {}
    for attributes, body in re.findall(r"<li([^>]*)>(\d{4}-\d{2}-\d{2} .*?)</li>", html, re.DOTALL):
        title = re.match(r"\S+ (.+?)(?= ✓| — |\s*<|\s*$)", body, re.DOTALL)
        assert title, body
        result[title[1]] = ('class="late"' in attributes, body)
    return result


def gantt_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="gantt-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, "no gantt-data"
    data: dict[str, Any] = json.loads(match[1])
    return data


def roadmap_form(**changes: str) -> dict[str, str]:
    data = {
        "title": "小布施町DX推進計画",
        "vision": "",
        "period_start": "2025-04-01",
        "period_end": "2028-03-31",
        "adopted_on": "",
        "template": "",
    }
    data.update(changes)
    return data


def initiative_form(action: str = "initiative", **changes: str) -> dict[str, str]:
    data = {
        "action": action,
        "title": "書かない窓口",
        "area": "online_lifeevent",
        "owner": "",
        "starts_on": "2025-04-01",
        "ends_on": "2025-09-30",
        "status": "planned",
    }
    if action == "edit":
        data["version"] = "1"  # the version the edit form was opened at: the initiative as made
    data.update(changes)
    return data


def milestone_form(**changes: str) -> dict[str, str]:
    data = {"action": "milestone", "title": "要件定義", "due_on": "2025-05-01", "done_on": ""}
    if "milestone" in changes:
        data["version"] = "1"  # as shown beside the milestone: as made
    data.update(changes)
    return data


# Form markers: the section headings and the self-check's buttons.
EDITING = (
    "新しい工程表",
    "取組事項を追加",
    'value="check"',
    "マイルストーンを追加",
    "取組事項を編集",
    "今日完了にする",
)


@pytest.fixture
def shown(initiative, people) -> dict[str, Any]:
    """The roadmap with an initiative and an open milestone: every page has something to show."""
    milestone = add_milestone(initiative, "要件定義", dt.date(2025, 5, 1), people["editor"])
    return {"roadmap": initiative.roadmap, "initiative": initiative, "milestone": milestone}


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_see_the_pages_with_their_forms(client, shown, people, role):
    roadmap, initiative = shown["roadmap"], shown["initiative"]
    client.force_login(people[role])
    listing, detail, page = (
        client.get(u) for u in (list_url(roadmap), detail_url(roadmap), initiative_url(initiative))
    )
    assert (listing.status_code, detail.status_code, page.status_code) == (200, 200, 200)
    assert f'<a href="{detail_url(roadmap)}">小布施町DX推進計画</a>' in text(listing)
    assert "新しい工程表" in text(listing)
    assert '<option value="steps">全体手順書の4つのステップ</option>' in text(listing)
    assert "書かない窓口" in table_rows(text(detail))
    assert "取組事項を追加" in text(detail)
    assert text(detail).count('value="check"') == len(roadmap_data.STEP_ITEMS)
    assert "現在はステップ0です。" in text(detail)
    assert "要件定義" in milestone_items(text(page))
    for marker in ("マイルストーンを追加", "取組事項を編集", "今日完了にする"):
        assert marker in text(page)


@pytest.mark.parametrize("role", ["viewer", "coordinator", "staff"])
def test_readers_see_the_pages_read_only_and_posting_is_403(client, shown, people, role):
    roadmap, initiative, milestone = shown["roadmap"], shown["initiative"], shown["milestone"]
    client.force_login(people[role])
    pages = [client.get(u) for u in (list_url(roadmap), detail_url(roadmap), initiative_url(initiative))]
    assert [p.status_code for p in pages] == [200, 200, 200]
    html = "".join(text(p) for p in pages)
    assert "小布施町DX推進計画" in text(pages[0])
    assert "書かない窓口" in table_rows(text(pages[1]))
    assert "ステップ0　DXの認識共有・機運醸成" in text(pages[1])
    assert "要件定義" in milestone_items(text(pages[2]))
    for marker in EDITING:
        assert marker not in html
    assert 'name="action"' not in html

    posts = [
        (list_url(roadmap), roadmap_form(title="新しい計画", template="plan")),
        (detail_url(roadmap), initiative_form(title="新しい取組")),
        (detail_url(roadmap), {"action": "check", "item": "s0.leaders", "checked": "1"}),
        (initiative_url(initiative), milestone_form(title="新しいマイルストーン")),
        (
            initiative_url(initiative),
            milestone_form(milestone=str(milestone.pk), title="要件定義", done_on="2025-05-01"),
        ),
        (initiative_url(initiative), initiative_form("edit", title="変更")),
    ]
    assert [client.post(u, data).status_code for u, data in posts] == [403] * len(posts)
    assert (Roadmap.objects.count(), Initiative.objects.count(), Milestone.objects.count()) == (1, 1, 1)
    assert not StepCheck.objects.exists()
    assert stored(initiative)[0] == "書かない窓口"
    milestone.refresh_from_db()
    assert milestone.done_on is None


def test_signed_out_visitors_are_sent_to_sign_in(client, shown):
    for url in (list_url(shown["roadmap"]), detail_url(shown["roadmap"]), initiative_url(shown["initiative"])):
        for response in (client.get(url), client.post(url, {"action": "check", "item": "s0.leaders"})):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
    assert not StepCheck.objects.exists()


def test_unknown_roadmaps_initiatives_and_municipalities_are_404(client, shown, people):
    client.force_login(people["editor"])
    assert client.get(f"/assessments/roadmaps/{shown['roadmap'].pk + 1}/").status_code == 404
    assert client.get(f"/assessments/initiatives/{shown['initiative'].pk + 1}/").status_code == 404
    assert client.get("/assessments/999999/roadmaps/").status_code == 404


def test_the_list_says_when_there_is_no_roadmap_yet(client, town, people):
    client.force_login(people["viewer"])
    response = client.get(f"/assessments/{town.code}/roadmaps/")
    assert response.status_code == 200
    assert "工程表はまだありません。" in text(response)


@pytest.mark.parametrize("template", list(roadmap_data.TEMPLATES))
def test_creating_a_roadmap_from_a_template_on_the_page(client, town, people, template):
    client.force_login(people["editor"])
    response = client.post(f"/assessments/{town.code}/roadmaps/", roadmap_form(template=template))
    roadmap = Roadmap.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(roadmap)
    assert (roadmap.municipality, roadmap.period_start, roadmap.period_end) == (town, START, END)
    titles = [item.title_ja for item in roadmap_data.TEMPLATES[template][1]]
    assert sorted(roadmap.initiatives.values_list("title", flat=True)) == sorted(titles)
    detail = text(client.get(response["Location"]))
    assert set(table_rows(detail)) == set(titles)
    assert set(gantt_data(detail)["data"][0]["y"]) == set(titles)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period_end": "2025-04-01"}, "期間の終了は開始より後にしてください。"),
        ({"period_end": "2024-03-31", "template": "plan"}, "期間の終了は開始より後にしてください。"),
        ({"period_end": "2028-02-30"}, "日付を正しく入力してください。"),
        ({"title": ""}, "この項目は必須です。"),
        ({"template": "nope"}, "正しく選択してください。 nope は候補にありません。"),
    ],
)
def test_a_bad_roadmap_is_shown_again_with_the_reason(client, town, people, changes, message):
    client.force_login(people["editor"])
    response = client.post(
        f"/assessments/{town.code}/roadmaps/", roadmap_form(vision="再表示されるビジョン", **changes)
    )
    assert response.status_code == 400
    assert message in errors_in(text(response))
    assert "再表示されるビジョン" in text(response)
    assert not Roadmap.objects.exists()
    assert not Initiative.objects.exists()


def test_adding_an_initiative_on_the_page(client, roadmap, people):
    client.force_login(people["editor"])
    response = client.post(detail_url(roadmap), initiative_form(owner=str(people["viewer"].pk), status="in_progress"))
    assert response.status_code == 302
    assert response["Location"] == detail_url(roadmap)
    initiative = Initiative.objects.get()
    assert (initiative.roadmap, initiative.owner, initiative.ends_on, initiative.status) == (
        roadmap,
        people["viewer"],
        I_END,
        "in_progress",
    )
    page = text(client.get(response["Location"]))
    assert "取組事項を追加しました。" in page
    assert "書かない窓口" in table_rows(page)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": "2025-03-31"}, "取組事項の終了日は開始日より後にしてください。"),
        ({"starts_on": ""}, "この項目は必須です。"),
        ({"ends_on": "いつか"}, "日付を正しく入力してください。"),
        ({"status": "finished"}, "正しく選択してください。 finished は候補にありません。"),
    ],
)
def test_a_bad_initiative_is_shown_again_with_the_reason_and_saves_nothing(client, roadmap, people, changes, message):
    client.force_login(people["editor"])
    response = client.post(detail_url(roadmap), initiative_form(title="再表示される名前", **changes))
    assert response.status_code == 400
    assert message in errors_in(text(response))
    assert 'value="再表示される名前"' in text(response)
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("owner", ["outsider", "coordinator", "other_editor"])
def test_an_owner_from_elsewhere_cannot_be_chosen_on_the_page(client, roadmap, everyone, owner):
    client.force_login(everyone["editor"])
    response = client.post(detail_url(roadmap), initiative_form(owner=str(everyone[owner].pk)))
    assert response.status_code == 400
    assert "正しく選択してください。選択したものは候補にありません。" in errors_in(text(response))
    assert not Initiative.objects.exists()


def test_adding_and_completing_a_milestone_on_the_page(client, initiative, people):
    client.force_login(people["editor"])
    url = initiative_url(initiative)
    response = client.post(url, milestone_form())
    assert (response.status_code, response["Location"]) == (302, url)
    milestone = Milestone.objects.get()
    assert (milestone.initiative, milestone.title, milestone.due_on, milestone.done_on) == (
        initiative,
        "要件定義",
        dt.date(2025, 5, 1),
        None,
    )
    done = client.post(url, milestone_form(milestone=str(milestone.pk), done_on="2025-05-02"))
    assert done.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2025, 5, 2)
    assert Milestone.objects.count() == 1
    page = text(client.get(url))
    assert "2025-05-02完了" in milestone_items(page)["要件定義"][1]


@pytest.mark.parametrize("junk", ["²", "abc", "9" * 30])
def test_a_milestone_named_by_junk_is_not_found_and_nothing_is_added(client, initiative, people, junk):
    client.force_login(people["editor"])
    assert client.post(initiative_url(initiative), milestone_form(milestone=junk)).status_code == 404
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("due_on", ["2025-03-31", "2025-10-01"])
def test_a_milestone_outside_its_initiative_is_refused_on_the_page(client, initiative, people, due_on):
    client.force_login(people["editor"])
    response = client.post(initiative_url(initiative), milestone_form(due_on=due_on))
    assert response.status_code == 400
    assert "マイルストーンの期日は取組事項の期間内（2025-04-01〜2025-09-30）にしてください。" in errors_in(
        text(response)
    )
    assert not Milestone.objects.exists()


def test_a_milestone_of_another_initiative_cannot_be_changed_through_this_one(client, initiative, people):
    other = add_initiative(initiative.roadmap, people["editor"], title="RPAの導入")
    theirs = add_milestone(other, "RPA稼働", dt.date(2025, 6, 1), people["editor"])
    client.force_login(people["editor"])
    response = client.post(
        initiative_url(initiative), milestone_form(milestone=str(theirs.pk), title="乗っ取り", due_on="2025-06-01")
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.initiative, theirs.title) == (other, "RPA稼働")


def test_editing_an_initiative_on_the_page(client, shown, people):
    client.force_login(people["admin"])
    response = client.post(
        initiative_url(shown["initiative"]), initiative_form("edit", title="書かないワンストップ窓口", status="done")
    )
    assert (response.status_code, response["Location"]) == (302, detail_url(shown["roadmap"]))
    assert stored(shown["initiative"]) == ("書かないワンストップ窓口", I_START, I_END, "done")
    assert "取組事項を保存しました。" in text(client.get(response["Location"]))


def test_moving_an_initiative_past_its_milestones_is_refused_on_the_page(client, shown, people):
    client.force_login(people["editor"])
    before = stored(shown["initiative"])
    response = client.post(
        initiative_url(shown["initiative"]), initiative_form("edit", title="変更", starts_on="2025-06-01")
    )
    assert response.status_code == 400
    assert "次のマイルストーンが取組事項の期間外になります：要件定義。" in errors_in(text(response))
    assert stored(shown["initiative"]) == before


def test_ticking_the_self_check_on_the_page_moves_the_current_step(client, roadmap, people):
    client.force_login(people["editor"])
    url = detail_url(roadmap)
    for code in STEP_CODES[0]:
        assert "現在はステップ0です。" in text(client.get(url))
        response = client.post(url, {"action": "check", "item": code, "checked": "1"})
        assert (response.status_code, response["Location"]) == (302, url)
    page = text(client.get(url))
    assert "現在はステップ1です。" in page
    assert '<h3 class="current-step">ステップ1　全体方針の決定</h3>' in page
    steps = page.split('id="steps-heading"')[1].split("</section>")[0]
    assert steps.count('aria-pressed="true"') == len(STEP_CODES[0])
    assert steps.count('aria-pressed="false"') == len(roadmap_data.STEP_ITEMS) - len(STEP_CODES[0])
    assert set(StepCheck.objects.values_list("item", flat=True)) == set(STEP_CODES[0])
    client.post(url, {"action": "check", "item": STEP_CODES[0][0], "checked": "0"})
    assert "現在はステップ0です。" in text(client.get(url))
    assert set(StepCheck.objects.values_list("item", flat=True)) == set(STEP_CODES[0][1:])


def test_every_step_done_on_the_page(client, roadmap, people):
    tick(roadmap, sorted(roadmap_data.STEP_ITEMS), people["editor"])
    client.force_login(people["viewer"])
    page = text(client.get(detail_url(roadmap)))
    assert "すべてのステップが完了しています。" in page
    assert "current-step" not in page


def test_an_unknown_self_check_item_on_the_page_is_refused(client, roadmap, people):
    client.force_login(people["editor"])
    response = client.post(detail_url(roadmap), {"action": "check", "item": "s9.nothing", "checked": "1"})
    assert response.status_code == 400
    assert not StepCheck.objects.exists()


@pytest.fixture
def running(town, people) -> Roadmap:
    """A roadmap around today: one initiative and one milestone late, the others not."""
    today = timezone.localdate()
    days = dt.timedelta(days=1)
    editor = people["editor"]
    roadmap = services.roadmap_save(
        municipality=town,
        given=roadmap_input(period_start=today - 200 * days, period_end=today + 700 * days),
        by=editor,
    )
    behind = add_initiative(
        roadmap,
        editor,
        title="遅れている取組",
        starts_on=today - 200 * days,
        ends_on=today - 30 * days,
        status=Initiative.Status.IN_PROGRESS,
    )
    add_milestone(behind, "要件定義", today - 60 * days, editor)
    add_milestone(behind, "調達", today - 90 * days, editor, done_on=today - 95 * days)
    add_initiative(
        roadmap,
        editor,
        title="完了した取組",
        starts_on=today - 200 * days,
        ends_on=today - 30 * days,
        status=Initiative.Status.DONE,
    )
    ahead = add_initiative(
        roadmap, editor, title="これからの取組", starts_on=today - 10 * days, ends_on=today + 100 * days
    )
    add_milestone(ahead, "設計", today + 30 * days, editor)
    return roadmap


def test_the_detail_highlights_late_initiatives_and_milestones(client, running, people):
    client.force_login(people["viewer"])
    html = text(client.get(detail_url(running)))
    rows = table_rows(html)
    assert {title: late for title, (late, _body) in rows.items()} == {
        "遅れている取組": True,
        "完了した取組": False,
        "これからの取組": False,
    }
    assert '<strong class="late-tag">遅れ</strong>' in rows["遅れている取組"][1].split('data-label="マイルストーン"')[0]
    assert "遅れ" not in rows["これからの取組"][1]
    milestones = milestone_items(html)
    assert {title: late for title, (late, _body) in milestones.items()} == {
        "要件定義": True,
        "調達": False,
        "設計": False,
    }
    assert '<strong class="late-tag">遅れ</strong>' in milestones["要件定義"][1]
    assert "✓" in milestones["調達"][1]


def test_the_detail_draws_the_gantt_chart_with_today(client, running, people):
    client.force_login(people["viewer"])
    html = text(client.get(detail_url(running)))
    assert '<figcaption id="gantt-caption" class="visually-hidden">工程表のガントチャート</figcaption>' in html
    bars, marks = gantt_data(html)["data"]
    assert bars["y"] == ["遅れている取組", "完了した取組", "これからの取組"]
    assert [colour == charts.LATE for colour in bars["marker"]["color"]] == [True, False, False]
    assert sorted(marks["text"]) == ["要件定義", "設計", "調達"]
    today = timezone.localdate().isoformat()
    assert [(s["x0"], s["x1"]) for s in gantt_data(html)["layout"]["shapes"]] == [(today, today)]


def test_the_initiative_page_highlights_late_milestones(client, running, people):
    client.force_login(people["viewer"])
    behind = Initiative.objects.get(title="遅れている取組")
    milestones = milestone_items(text(client.get(initiative_url(behind))))
    assert {title: late for title, (late, _body) in milestones.items()} == {"要件定義": True, "調達": False}
    assert '<strong class="late-tag">遅れ</strong>' in milestones["要件定義"][1]


def test_the_detail_shows_the_slip_against_the_baseline(client, planned, people):
    replan(planned["initiative"], people["editor"], ends_on=dt.date(2025, 10, 31))
    client.force_login(people["viewer"])
    html = text(client.get(detail_url(planned["roadmap"])))
    assert "2025年度当初計画からの遅れを表示" in html
    rows = table_rows(html)
    assert '<span class="slip">計画より31日遅れ</span>' in rows["書かない窓口"][1]
    assert 'class="slip"' not in rows["RPAの導入"][1]


def test_an_initiative_brought_forward_is_not_shown_as_late_against_the_plan(client, planned, people):
    replan(planned["initiative"], people["editor"], ends_on=dt.date(2025, 9, 20))
    overview = selectors.roadmap_overview(roadmap=planned["roadmap"], today=dt.date(2025, 4, 1))
    assert {row.initiative.title: row.slip_days for row in overview.rows}["書かない窓口"] == -10
    client.force_login(people["viewer"])
    row = table_rows(text(client.get(detail_url(planned["roadmap"]))))["書かない窓口"][1]
    # (The row itself may be late today; only the slip against the plan is in question.)
    slip = re.search(r'<span class="slip">(.*?)</span>', row)
    assert slip is None or "遅れ" not in slip[1]


# --- permissions ---------------------------------------------------------------------------------
# A municipality's viewers read its roadmaps, its editors and admins change them; its prefecture's
# coordinators and platform staff read but do not change them; partners, the national office and
# other prefectures do not see them at all (404).

ROLES = ("viewer", "editor", "admin", "coordinator", "partner", "national", "staff", "outsider")
TARGETS = ("home_town", "home_city", "other_town")
READERS = {
    "home_town": {"viewer", "editor", "admin", "coordinator", "staff"},
    "home_city": {"coordinator", "staff"},  # the home-town people are not members of the city
    "other_town": {"staff"},
}
WRITERS = {"home_town": {"editor", "admin"}, "home_city": set(), "other_town": set()}


@pytest.fixture
def targets(region, people) -> dict[str, dict[str, Any]]:
    """A roadmap with an initiative and a milestone in the home town, the home city and the other town."""
    editors = {
        "home_town": (region["home"]["town"], people["editor"]),
        "home_city": (
            region["home"]["city"],
            MembershipFactory(organization=region["home"]["city"], role=Role.EDITOR).user,
        ),
        "other_town": (
            region["other"]["town"],
            MembershipFactory(organization=region["other"]["town"], role=Role.EDITOR).user,
        ),
    }
    result = {}
    for key, (organization, editor) in editors.items():
        roadmap = services.roadmap_save(
            municipality=organization.municipality, given=roadmap_input(title=f"{key}の計画"), by=editor
        )
        initiative = add_initiative(roadmap, editor)
        milestone = add_milestone(initiative, "要件定義", dt.date(2025, 5, 1), editor)
        result[key] = {"roadmap": roadmap, "initiative": initiative, "milestone": milestone, "editor": editor}
    return result


def snapshot() -> tuple[Any, ...]:
    return (
        sorted(Roadmap.objects.values_list("pk", "municipality", "title", "period_end")),
        sorted(Initiative.objects.values_list("pk", "roadmap", "title", "ends_on", "status")),
        sorted(Milestone.objects.values_list("pk", "initiative", "title", "due_on", "done_on")),
        sorted(StepCheck.objects.values_list("roadmap", "item")),
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_roadmap_pages(client, targets, people, role, target):
    objects = targets[target]
    client.force_login(people[role])
    expected = 200 if role in READERS[target] else 404
    for url in (list_url(objects["roadmap"]), detail_url(objects["roadmap"]), initiative_url(objects["initiative"])):
        assert client.get(url).status_code == expected, url


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_roadmaps_through_the_selectors(targets, people, role, target):
    roadmap = targets[target]["roadmap"]
    user = people[role]
    readable = role in READERS[target]
    assert selectors.roadmap_for(user=user, pk=roadmap.pk) == (roadmap if readable else None)
    assert list(selectors.roadmap_list(user=user, municipality=roadmap.municipality)) == ([roadmap] if readable else [])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_who_writes_on_the_roadmap_pages(client, targets, people, role, target):
    objects = targets[target]
    roadmap, initiative, milestone = objects["roadmap"], objects["initiative"], objects["milestone"]
    before = snapshot()
    client.force_login(people[role])
    posts = [
        (list_url(roadmap), roadmap_form(title=f"{role}の新しい計画", template="steps")),
        (detail_url(roadmap), initiative_form(title=f"{role}の取組")),
        (detail_url(roadmap), {"action": "check", "item": "s0.leaders", "checked": "1"}),
        (initiative_url(initiative), milestone_form(title=f"{role}のマイルストーン")),
        (
            initiative_url(initiative),
            milestone_form(milestone=str(milestone.pk), title="要件定義", done_on="2025-05-01"),
        ),
        (initiative_url(initiative), initiative_form("edit", title=f"{role}が変更", status="in_progress")),
    ]

    statuses = [client.post(url, data).status_code for url, data in posts]

    writer = role in WRITERS[target]
    assert statuses == [302 if writer else 403 if role in READERS[target] else 404] * len(posts)
    if not writer:
        assert snapshot() == before
        return
    assert Roadmap.objects.filter(title=f"{role}の新しい計画", municipality=roadmap.municipality).count() == 1
    assert roadmap.initiatives.filter(title=f"{role}の取組").count() == 1
    assert list(roadmap.step_checks.values_list("item", flat=True)) == ["s0.leaders"]
    assert initiative.milestones.filter(title=f"{role}のマイルストーン").count() == 1
    milestone.refresh_from_db()
    assert milestone.done_on == dt.date(2025, 5, 1)
    assert stored(initiative)[0] == f"{role}が変更"


SERVICE_CALLS = [
    "roadmap_create",
    "roadmap_edit",
    "initiative_create",
    "initiative_edit",
    "milestone_create",
    "milestone_edit",
    "step_check",
]


def call_every_service(objects: dict[str, Any], by) -> list[str]:
    """Each write on the target's objects; returns the names of those refused with PermissionDenied."""
    roadmap, initiative, milestone = objects["roadmap"], objects["initiative"], objects["milestone"]
    calls = {
        "roadmap_create": lambda: services.roadmap_save(
            municipality=roadmap.municipality, given=roadmap_input(title="新しい計画"), by=by, template="plan"
        ),
        "roadmap_edit": lambda: services.roadmap_save(
            municipality=roadmap.municipality, given=roadmap_input(title="変更"), by=by, roadmap=roadmap
        ),
        "initiative_create": lambda: services.initiative_save(
            roadmap=roadmap, given=initiative_input(title="新しい取組"), by=by
        ),
        "initiative_edit": lambda: services.initiative_save(
            roadmap=roadmap, given=initiative_input(title="変更"), by=by, initiative=initiative
        ),
        "milestone_create": lambda: add_milestone(initiative, "新しいマイルストーン", dt.date(2025, 6, 1), by),
        "milestone_edit": lambda: services.milestone_save(
            initiative=initiative, title="変更", due_on=dt.date(2025, 6, 1), done_on=None, by=by, milestone=milestone
        ),
        "step_check": lambda: services.step_check_set(roadmap=roadmap, item="s0.leaders", checked=True, by=by),
    }
    assert list(calls) == SERVICE_CALLS
    refused = []
    for name, call in calls.items():
        try:
            call()
        except PermissionDenied:
            refused.append(name)
    return refused


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_who_writes_through_the_services(targets, people, role, target):
    before = snapshot()

    refused = call_every_service(targets[target], people[role])

    if role in WRITERS[target]:
        assert refused == []
        roadmap, initiative, milestone = (targets[target][key] for key in ("roadmap", "initiative", "milestone"))
        for changed in (roadmap, initiative, milestone):
            changed.refresh_from_db()
        assert (roadmap.title, initiative.title, milestone.title) == ("変更", "変更", "変更")
        assert Roadmap.objects.filter(title="新しい計画", municipality=roadmap.municipality).count() == 1
        assert initiative.milestones.filter(title="新しいマイルストーン").count() == 1
        assert roadmap.initiatives.filter(title="新しい取組").count() == 1
        assert list(roadmap.step_checks.values_list("item", flat=True)) == ["s0.leaders"]
    else:
        assert refused == SERVICE_CALLS
        assert snapshot() == before


def test_an_editor_cannot_take_another_towns_objects_by_naming_their_own(targets, people):
    mine, theirs = targets["home_town"], targets["other_town"]
    editor = people["editor"]
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.roadmap_save(
            municipality=mine["roadmap"].municipality,
            given=roadmap_input(title="乗っ取り"),
            by=editor,
            roadmap=theirs["roadmap"],
        )
    with pytest.raises(PermissionDenied):
        services.initiative_save(
            roadmap=mine["roadmap"],
            given=initiative_input(title="乗っ取り"),
            by=editor,
            initiative=theirs["initiative"],
        )
    with pytest.raises(PermissionDenied):
        services.milestone_save(
            initiative=mine["initiative"],
            title="乗っ取り",
            due_on=dt.date(2025, 5, 1),
            done_on=None,
            by=editor,
            milestone=theirs["milestone"],
        )
    assert snapshot() == before
