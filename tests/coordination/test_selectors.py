"""Coordination selectors: the prefecture dashboard and why a municipality needs attention, shared-goal
progress, next best steps, specialist matching and the pool's load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from assessments.models import Answer, Assessment, Measurement
from benchmarks.models import Indicator, MunicipalityScore
from community.models import Procurement
from coordination import selectors, services
from coordination.models import Dispatch, SharedGoal
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Organization, Role
from tests.assessments import load_catalog
from tests.community.test_cases_support import write_case
from tests.community.test_procurement_support import open_procurement, sharing
from tests.coordination.conftest import (
    add_municipalities,
    import_survey,
    make_initiative,
    make_kpi,
    make_specialist,
    raise_case,
    survey_answers,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

YEAR = FiscalYear.current().year
EVERYTHING = {
    "system.cio": "1",
    "system.policy": "1",
    "system.dedicated_unit": "1",
    "service.ai": "1",
    "online_volume.01": "online",
}


@pytest.fixture
def towns(home):
    """Five more towns and a village in the home prefecture (eight municipalities with the town and city)."""
    prefecture = home["prefecture"].prefecture
    return [
        *add_municipalities(prefecture, 5),
        *add_municipalities(prefecture, 1, kind="village", size_class="village"),
    ]


@pytest.fixture
def scored(region, towns, town, django_capture_on_commit_callbacks):
    """FY2023 scores in which the home town has neither a CIO nor a DX policy (most other towns have a
    policy), and FY2021 scores in which it had done everything: its composite fell."""
    load_catalog()
    policy = {t.code: {"system.policy": "1"} for t in towns}
    lacking = {"system.cio": "0", "system.policy": "0"}
    import_survey(survey_answers({**policy, town.code: lacking}), 2023, django_capture_on_commit_callbacks)
    import_survey(survey_answers({town.code: EVERYTHING}, year=2021), 2021, django_capture_on_commit_callbacks)
    return selectors.latest_scores()


def board(user, home, **filters):
    return selectors.prefecture_dashboard(user=user, prefecture=home["prefecture"].prefecture, **filters)


def composite(run, municipality) -> float:
    return MunicipalityScore.objects.get(run=run, municipality=municipality).composite


# --- the dashboard -------------------------------------------------------------------------------


def test_the_latest_scores_are_the_newest_year_compared_with_the_year_before(scored):
    assert (scored.dataset.fiscal_year, scored.previous.fiscal_year) == (2023, 2021)
    assert (scored.run.dataset, scored.previous_run.dataset) == (scored.dataset, scored.previous)


def test_a_row_per_municipality_of_the_prefecture_with_its_scores_and_health(scored, home, town, towns, people):
    city = home["city"].municipality
    Assessment.objects.create(municipality=city, fiscal_year=YEAR, status=Assessment.Status.SUBMITTED)
    make_kpi(town)
    make_initiative(town, ends_on=timezone.localdate() - dt.timedelta(days=1))
    raise_case(home["town"], people["editor"])
    closed = raise_case(home["town"], people["editor"], topic="終わった相談")
    services.support_case_close(case=closed, outcome="解決", by=people["coordinator"])

    rows = {row.municipality: row for row in board(people["coordinator"], home).rows}
    assert set(rows) == {town, city, *towns}
    for municipality, row in rows.items():
        assert row.score == MunicipalityScore.objects.get(run=scored.run, municipality=municipality)
        assert row.previous_composite == composite(scored.previous_run, municipality)
    assert rows[city].assessment.status == Assessment.Status.SUBMITTED
    assert rows[town].assessment is None
    assert (rows[town].kpis, rows[town].roadmaps, rows[town].late_items, rows[town].open_cases) == (1, 1, 1, 1)
    assert (rows[city].kpis, rows[city].roadmaps, rows[city].open_cases) == (0, 0, 0)


def causes(row) -> dict[str, float]:
    return {cause.code: cause.points for cause in row.causes}


def test_a_shortfall_within_the_size_class_or_below_the_prefecture_adds_a_point_per_point(scored, home, people):
    rows = board(people["coordinator"], home).rows
    composites = [row.score.composite for row in rows]
    mean = sum(composites) / len(composites)
    for row in rows:
        below_class, below_prefecture = 50 - row.score.peer_composite, mean - row.score.composite
        found = causes(row)
        assert found.get("below_class") == (pytest.approx(below_class) if below_class >= selectors.SHORTFALL else None)
        expected = pytest.approx(below_prefecture) if below_prefecture >= selectors.SHORTFALL else None
        assert found.get("below_prefecture") == expected
    assert any("below_prefecture" in row.reasons for row in rows)
    assert not all("below_prefecture" in row.reasons for row in rows)


def test_a_fall_of_two_points_since_the_previous_survey_adds_two_points_per_point(scored, home, town, people):
    rows = board(people["coordinator"], home).rows
    fell = {row.municipality for row in rows if "fell" in row.reasons}
    assert fell == {row.municipality for row in rows if row.fall is not None and row.fall <= -selectors.FALL}
    home_town = next(row for row in rows if row.municipality == town)
    assert home_town.fall == pytest.approx(composite(scored.run, town) - composite(scored.previous_run, town))
    assert home_town.fall < -5
    assert causes(home_town)["fell"] == pytest.approx(-2 * home_town.fall)
    assert len(fell) < len(rows)


def window(home, people, closes_on: dt.date):
    from assessments.services import survey_window_set

    year = FiscalYear.of(closes_on)
    survey_window_set(
        prefecture=home["prefecture"].prefecture,
        fiscal_year=year.year,
        opens_on=year.start,
        closes_on=closes_on,
        by=people["coordinator"],
    )


def at(day: dt.date, hour: int = 9) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone()))


def test_a_missing_assessment_is_a_status_before_the_deadline_and_a_reason_after_it(scored, home, towns, people):
    year = FiscalYear(YEAR)
    deadline = dt.date(YEAR + 1, 1, 31)
    window(home, people, deadline)
    statuses = dict(zip(towns, ["draft", "returned", "submitted", "confirmed"], strict=False))
    for municipality, status in statuses.items():
        Assessment.objects.create(municipality=municipality, fiscal_year=YEAR, status=status)
    Assessment.objects.create(municipality=towns[-1], fiscal_year=YEAR - 1, status="confirmed")  # last year's

    with at(deadline, hour=23):
        before = board(people["coordinator"], home)
    assert before.fiscal_year == year.year
    assert not any("late" in row.reasons for row in before.rows)
    everyone = {row.municipality for row in before.rows}
    assert {row.municipality for row in before.rows if not row.handed_in} == everyone - {towns[2], towns[3]}

    with at(deadline + dt.timedelta(days=1)):
        after = board(people["coordinator"], home)
    late = {row.municipality for row in after.rows if "late" in row.reasons}
    assert late == everyone - {towns[2], towns[3]}
    assert all(causes(row)["late"] == selectors.POINTS["late"] for row in after.rows if "late" in row.reasons)

    # The non-submitters rise in the ranking: each moves up (or stays first), the submitters move down.
    def ranks(dashboard):
        order = [row.municipality for row in dashboard.attention]
        return {m: order.index(m) if m in order else len(order) + 1 for m in everyone}

    was, now = ranks(before), ranks(after)
    assert all(now[m] <= was[m] for m in late)
    assert all(now[m] >= was[m] for m in (towns[2], towns[3]))
    assert {row.municipality for row in after.attention[: len(late)]} == late


def test_kpis_off_track_or_unmeasured_for_90_days_add_three_points_each(scored, home, town, towns, people):
    today = timezone.localdate()
    make_kpi(town, baseline_date=today - dt.timedelta(days=91))
    measured = make_kpi(towns[0], baseline_date=today - dt.timedelta(days=200))
    Measurement.objects.create(kpi=measured, measured_on=today - dt.timedelta(days=10), value=20.0)
    make_kpi(towns[1], baseline_date=today - dt.timedelta(days=89))
    behind = make_kpi(towns[2], baseline_date=today - dt.timedelta(days=300), target_date=today + dt.timedelta(days=65))
    Measurement.objects.create(kpi=behind, measured_on=today - dt.timedelta(days=5), value=10.0)  # no progress
    rows = {row.municipality: row for row in board(people["coordinator"], home).rows}
    assert {m for m, row in rows.items() if "kpis" in row.reasons} == {town, towns[2]}
    assert (rows[town].kpis_stale, rows[towns[0]].kpis_stale, rows[towns[1]].kpis_stale) == (1, 0, 0)
    assert (rows[town].kpis_off_track, rows[towns[2]].kpis_off_track) == (0, 1)
    assert causes(rows[town])["kpis"] == causes(rows[towns[2]])["kpis"] == selectors.POINTS["kpis"]


def test_an_overdue_next_action_adds_ten_points_and_an_open_case_marks_it_in_hand(scored, home, town, people):
    case = raise_case(home["town"], people["editor"])
    services.support_activity_log(
        case=case,
        given=services.ActivityInput(
            kind="call",
            held_on=timezone.localdate() - dt.timedelta(days=20),
            attendees="担当",
            hours=Decimal(1),
            notes="",
            next_action="資料を送る",
            next_action_due=timezone.localdate() - dt.timedelta(days=1),
        ),
        by=people["coordinator"],
    )
    rows = {row.municipality: row for row in board(people["coordinator"], home).rows}
    assert causes(rows[town])["overdue_actions"] == selectors.POINTS["overdue_actions"]
    assert rows[town].in_hand and rows[town].open_case_id == case.pk
    assert not any(row.in_hand for m, row in rows.items() if m != town)
    services.support_case_close(case=case, outcome="解決", by=people["coordinator"])
    row = next(row for row in board(people["coordinator"], home).rows if row.municipality == town)
    assert "overdue_actions" not in row.reasons and not row.in_hand


def test_each_reason_is_shown_in_words_with_its_figures(scored, home, town, people):
    make_kpi(town, baseline_date=timezone.localdate() - dt.timedelta(days=120))
    row = next(row for row in board(people["coordinator"], home).rows if row.municipality == town)
    assert "fell" in row.reasons and "kpis" in row.reasons
    with translation.override("en"):
        labels = selectors.prefecture_dashboard(user=people["coordinator"], prefecture=home["prefecture"].prefecture)
        row = next(r for r in labels.rows if r.municipality == town)
    words = dict(zip(row.reasons, row.reason_labels, strict=True))
    assert words["fell"] == (
        f"fell {-row.fall:.1f} since FY2021 ({row.previous_composite:.1f} → {row.score.composite:.1f})"
    )
    assert words["kpis"] == "KPIs: 0 off track, 1 unmeasured for 90 days"


def test_the_list_is_ordered_by_priority_the_sum_of_its_points_and_bounded(scored, home, people, towns):
    make_kpi(towns[0], baseline_date=timezone.localdate() - dt.timedelta(days=120))
    dashboard = board(people["coordinator"], home)
    attention = dashboard.attention
    assert attention and all(row.causes for row in attention)
    assert {row.municipality for row in attention} == {row.municipality for row in dashboard.rows if row.causes}
    priorities = [row.priority for row in attention]
    assert priorities == sorted(priorities, reverse=True)
    assert all(row.priority == pytest.approx(sum(causes(row).values()), abs=0.05) for row in attention)
    assert dashboard.listed == attention[: selectors.LISTED] and dashboard.more == attention[selectors.LISTED :]


def test_the_bound_holds_for_a_long_list(scored, home, people):
    add_municipalities(home["prefecture"].prefecture, 12)
    deadline = dt.date(YEAR + 1, 1, 31)
    window(home, people, deadline)
    with at(deadline + dt.timedelta(days=14)):  # everyone is late: all need attention
        dashboard = board(people["coordinator"], home)
    assert len(dashboard.attention) == len(dashboard.rows) == 20
    assert len(dashboard.listed) == selectors.LISTED and len(dashboard.more) == 10


def test_filters_towns_and_villages_size_class_and_area(scored, home, town, towns, people):
    coordinator = people["coordinator"]
    assert {row.municipality for row in board(coordinator, home, towns_only=True).rows} == {town, *towns}
    assert [row.municipality for row in board(coordinator, home, size_class="village").rows] == [towns[-1]]
    rows = board(coordinator, home, area="system").rows
    for row in rows:
        gap = 50 - row.score.peer_dev_system
        assert causes(row).get("below_class") == (pytest.approx(gap) if gap >= selectors.SHORTFALL else None)
    assert selectors.shown_value(rows[0], "system") == rows[0].score.dev_system


def test_without_scores_or_a_deadline_nothing_needs_attention(home, town, people):
    dashboard = board(people["coordinator"], home)
    assert dashboard.scores is None
    assert {row.municipality for row in dashboard.rows} == {town, home["city"].municipality}
    assert dashboard.attention == []


def test_the_summary_counts_what_the_table_shows(scored, home, town, towns, people):
    deadline = dt.date(YEAR + 1, 1, 31)
    window(home, people, deadline)
    on_time = Assessment.objects.create(municipality=towns[0], fiscal_year=YEAR, status="submitted")
    Assessment.objects.filter(pk=on_time.pk).update(
        submitted_at=dt.datetime.combine(deadline, dt.time(17), tzinfo=timezone.get_current_timezone())
    )
    late = Assessment.objects.create(municipality=towns[1], fiscal_year=YEAR, status="confirmed")
    Assessment.objects.filter(pk=late.pk).update(
        submitted_at=dt.datetime.combine(
            deadline + dt.timedelta(days=2), dt.time(9), tzinfo=timezone.get_current_timezone()
        )
    )
    raise_case(home["town"], people["editor"])
    make_kpi(town)
    with at(deadline + dt.timedelta(days=3)):
        summary = board(people["coordinator"], home).summary
    assert (summary.municipalities, summary.towns_villages) == (8, 7)  # the home city is a city
    assert (summary.handed_in, summary.handed_in_by_deadline, summary.deadline_passed) == (2, 1, True)
    assert summary.window.closes_on == deadline
    assert (summary.open_cases, summary.kpis) == (1, 1)
    assert summary.prefecture_score is not None and summary.prefecture_score.rank >= 1
    assert summary.prefectures_ranked >= 2


@pytest.mark.parametrize("who", ["other_coordinator", "admin", "viewer", "partner", "national", "outsider"])
def test_nobody_but_its_coordinators_and_staff_gets_a_prefectures_dashboard(scored, home, everyone, who):
    assert board(everyone[who], home).rows == []
    assert len(board(everyone["staff"], home).rows) == 8


# --- shared goals --------------------------------------------------------------------------------


@pytest.fixture
def goal(scored, home, people) -> SharedGoal:
    items = list(Indicator.objects.filter(catalog__fiscal_year=2023, code__in=["system.cio", "system.policy"]))
    return services.shared_goal_save(
        prefecture=home["prefecture"].prefecture,
        given=services.GoalInput("全市町村でCIOと全体方針", "", items, timezone.localdate() + dt.timedelta(days=300)),
        by=people["coordinator"],
    )


def assessment(municipality, status: str, answers: dict[str, float | None], year: int = YEAR) -> Assessment:
    made = Assessment.objects.create(municipality=municipality, fiscal_year=year, status=status)
    for code, value in answers.items():
        indicator = Indicator.objects.get(catalog__fiscal_year=2023, code=code)
        Answer.objects.create(assessment=made, indicator=indicator, value=value)
    return made


def national_done(scored, municipality) -> int:
    values = scored.dataset.values.filter(
        municipality=municipality, indicator__code__in=["system.cio", "system.policy"], value=1.0
    )
    return values.count()


def test_goal_progress_comes_from_the_latest_national_data(goal, scored, home, town, towns):
    progress = selectors.goal_progress(goal=goal)
    lines = {line.municipality: line for line in progress.rows}
    assert set(lines) == {town, home["city"].municipality, *towns}
    assert lines[town].done == 0
    for municipality, line in lines.items():
        assert (line.done, line.total) == (national_done(scored, municipality), 2)
    assert progress.complete == sum(national_done(scored, m) == 2 for m in lines)


def test_a_confirmed_self_assessment_overrides_the_national_data(goal, scored, home, town, towns, people):
    assessment(town, Assessment.Status.CONFIRMED, {"system.cio": 1.0, "system.policy": 1.0})
    # Not yet confirmed: does not count.
    city = home["city"].municipality
    assessment(city, Assessment.Status.SUBMITTED, {"system.cio": 1.0, "system.policy": 1.0})
    # A newer confirmed one wins over an older one.
    assessment(towns[0], Assessment.Status.CONFIRMED, {"system.cio": 1.0, "system.policy": 1.0}, year=YEAR - 1)
    assessment(towns[0], Assessment.Status.CONFIRMED, {"system.cio": 0.0, "system.policy": 1.0})
    services.goal_milestone_set(goal=goal, municipality=town, due_on=goal.target_date, note="", by=people["editor"])
    lines = {line.municipality: line for line in selectors.goal_progress(goal=goal).rows}
    assert (lines[town].done, lines[town].complete, lines[town].due_on) == (2, True, goal.target_date)
    assert lines[city].done == national_done(scored, city)
    assert lines[towns[0]].done == 1


def test_an_unanswered_item_of_a_confirmed_assessment_keeps_the_national_answer(goal, scored, towns):
    policy_done = next(t for t in towns if national_done(scored, t) >= 1)
    assessment(policy_done, Assessment.Status.CONFIRMED, {"system.cio": None, "system.policy": None})
    lines = {line.municipality: line for line in selectors.goal_progress(goal=goal).rows}
    assert lines[policy_done].done == national_done(scored, policy_done)


def test_several_goals_each_count_their_own_items_and_dates_in_the_same_queries(goal, scored, home, town, people):
    cio = list(Indicator.objects.filter(catalog__fiscal_year=2023, code="system.cio"))
    later = [
        services.shared_goal_save(
            prefecture=home["prefecture"].prefecture,
            given=services.GoalInput(f"CIOの任命 {n}", "", cio, goal.target_date),
            by=people["coordinator"],
        )
        for n in range(4)
    ]
    services.goal_milestone_set(goal=later[0], municipality=town, due_on=goal.target_date, note="", by=people["editor"])
    goals = list(selectors.shared_goal_list(user=people["coordinator"], prefecture=home["prefecture"].prefecture))
    with CaptureQueriesContext(connection) as one:
        selectors.goals_progress(goals=goals[:1])
    with CaptureQueriesContext(connection) as five:
        listed = selectors.goals_progress(goals=goals)
    assert len(goals) == 5 and len(five) == len(one)
    progress = {g.title: {line.municipality: line for line in p.rows} for g, p in listed}
    assert progress[goal.title][town].total == 2 and progress[later[0].title][town].total == 1
    assert progress[later[0].title][town].due_on == goal.target_date
    assert progress[later[1].title][town].due_on is None and progress[goal.title][town].due_on is None
    assert progress[later[1].title] == progress[later[2].title]


@pytest.mark.parametrize("who", ["viewer", "editor", "coordinator", "staff"])
def test_the_prefectures_goals_are_listed_for_its_coordinators_and_municipalities(goal, home, everyone, who):
    assert list(selectors.shared_goal_list(user=everyone[who], prefecture=home["prefecture"].prefecture)) == [goal]


@pytest.mark.parametrize("who", ["other_coordinator", "other_admin", "partner", "national", "outsider", "pooled"])
def test_nobody_else_lists_a_prefectures_goals(goal, home, everyone, who):
    assert not selectors.shared_goal_list(user=everyone[who], prefecture=home["prefecture"].prefecture).exists()


# --- matching and the pool -----------------------------------------------------------------------

MAY = dt.date(2026, 5, 15)


@pytest.fixture
def pool(home, region, town, case):
    """The home pool: who has the case's skill (system), who serves the town, and their days left in May."""
    prefecture = home["prefecture"].prefecture
    pool = {
        "one_left": make_specialist(prefecture, "A 一日残り", days="4"),
        "skilled": make_specialist(prefecture, "B 技能あり", days="5"),
        "two_left": make_specialist(prefecture, "C 二日残り", days="2"),
        "serves": make_specialist(prefecture, "D 担当のみ", days="10", skills=("e_application",)),
        "booked": make_specialist(prefecture, "E 満杯", days="1"),
        "inactive": make_specialist(prefecture, "F 休止中", days="9", active=False),
    }
    make_specialist(region["other"]["prefecture"].prefecture, "G 他県", days="20")
    for key in ("one_left", "two_left", "serves"):
        pool[key].municipalities.add(town)
    for key, day, days in (
        ("one_left", MAY, "3"),
        ("booked", MAY.replace(day=1), "1"),
        ("skilled", dt.date(2026, 4, 30), "2"),  # April's days do not count in May
    ):
        Dispatch.objects.create(specialist=pool[key], case=case, worked_on=day, days=Decimal(days))
    return pool


def test_matching_puts_the_skill_first_then_who_serves_the_town_then_most_days_left(pool, case):
    matches = selectors.matching_specialists(case=case, today=MAY)
    assert [(m.specialist.name, m.skilled, m.serves, m.remaining) for m in matches] == [
        ("C 二日残り", True, True, Decimal("2.0")),
        ("A 一日残り", True, True, Decimal("1.0")),
        ("B 技能あり", True, False, Decimal("5.0")),
        ("D 担当のみ", False, True, Decimal("10.0")),
    ]


def test_a_case_without_a_skill_is_matched_by_who_serves_the_town(pool, home, people):
    vague = raise_case(home["town"], people["editor"], skill="")
    assert [m.specialist.name for m in selectors.matching_specialists(case=vague, today=MAY)] == [
        "D 担当のみ",
        "C 二日残り",
        "A 一日残り",
        "B 技能あり",
    ]


def test_the_pools_load_by_specialist_and_month_and_by_municipality(pool, case, home, people, city_editor):
    city_case = raise_case(home["city"], city_editor, topic="市の相談")
    Dispatch.objects.create(specialist=pool["skilled"], case=city_case, worked_on=MAY, days=Decimal("1.5"))
    Dispatch.objects.create(specialist=pool["skilled"], case=city_case, worked_on=dt.date(2025, 11, 30), days=1)
    Dispatch.objects.create(specialist=pool["skilled"], case=city_case, worked_on=dt.date(2026, 6, 1), days=1)
    load = selectors.pool_load(user=people["coordinator"], prefecture=home["prefecture"].prefecture, today=MAY)
    assert load.months == [dt.date(2025, 12, 1), *(dt.date(2026, month, 1) for month in range(1, 6))]
    by_name = {specialist.name: days for specialist, days in load.rows}
    assert list(by_name) == ["A 一日残り", "B 技能あり", "C 二日残り", "D 担当のみ", "E 満杯", "F 休止中"]
    assert by_name["A 一日残り"] == [0, 0, 0, 0, 0, Decimal(3)]
    assert by_name["B 技能あり"] == [0, 0, 0, 0, Decimal(2), Decimal("1.5")]
    assert by_name["E 満杯"][-1] == Decimal(1)
    town, city = case.municipality.name, city_case.municipality.name
    assert load.by_municipality == [(town, Decimal(6)), (city, Decimal("1.5"))]


def test_the_pools_load_takes_the_same_queries_however_many_specialists(pool, case, home, people):
    prefecture = home["prefecture"].prefecture
    selectors.pool_load(user=people["coordinator"], prefecture=prefecture, today=MAY)  # memberships read once
    with CaptureQueriesContext(connection) as six:
        selectors.pool_load(user=people["coordinator"], prefecture=prefecture, today=MAY)
    for n in range(6):
        Dispatch.objects.create(
            specialist=make_specialist(prefecture, f"追加 {n}", days="3"), case=case, worked_on=MAY, days=1
        )
    with CaptureQueriesContext(connection) as twelve:
        selectors.pool_load(user=people["coordinator"], prefecture=prefecture, today=MAY)
    assert len(six) == len(twelve)


@pytest.mark.parametrize("who", ["other_coordinator", "admin", "pooled", "partner"])
def test_only_its_coordinators_see_a_prefectures_pool_and_load(pool, home, everyone, who):
    prefecture = home["prefecture"].prefecture
    assert not selectors.specialist_list(user=everyone[who], prefecture=prefecture).exists()
    assert selectors.pool_load(user=everyone[who], prefecture=prefecture, today=MAY).rows == []
    assert selectors.specialist_list(user=everyone["coordinator"], prefecture=prefecture).count() == 6


# --- next best steps -----------------------------------------------------------------------------


@pytest.fixture
def helpers(scored, home, towns, people, specialist, city_editor):
    """A practice case of a peer town and one of the city on the DX policy, a joint procurement open to join
    and one closed, and the pool's engineer (system, 4 days) with days left."""
    policy = Indicator.objects.filter(catalog__fiscal_year=2023, code="system.policy")
    peer = Organization.objects.get(municipality=towns[0])
    peer_editor = MembershipFactory(organization=peer, role=Role.EDITOR).user
    city_case = write_case(home["city"], city_editor, publish=True, title="市の全体方針", indicators=list(policy))
    peer_case = write_case(peer, peer_editor, publish=True, title="町の全体方針", indicators=list(policy))
    share = sharing(sharing_rule=Procurement.SharingRule.FLAT)
    lead = home["prefecture"]
    open_one = open_procurement(lead, people["coordinator"], share, title="方針策定支援", indicators=list(policy))
    closed = open_procurement(lead, people["coordinator"], share, title="締切済み", indicators=list(policy))
    Procurement.objects.filter(pk=closed.pk).update(join_until=timezone.localdate() - dt.timedelta(days=1))
    return {"cases": [peer_case, city_case], "procurement": open_one}


def test_next_steps_are_what_most_peers_did_with_cases_procurements_and_specialists(helpers, town, people, specialist):
    steps = selectors.next_best_steps(user=people["coordinator"], municipality=town)
    policy = next(step for step in steps if step.indicator.code == "system.policy")
    assert policy.peer_rate >= 50
    assert [step.peer_rate for step in steps] == sorted((step.peer_rate for step in steps), reverse=True)
    assert policy.cases == helpers["cases"]  # the town of the same size class first
    assert policy.procurements == [helpers["procurement"]]
    assert [(m.specialist, m.remaining) for m in policy.specialists] == [(specialist, Decimal("4.0"))]


@pytest.mark.parametrize(("stage", "listed"), [("commitment", True), ("tender", False)])
def test_next_steps_list_procurements_until_the_tender_as_joining_allows(helpers, town, people, stage, listed):
    """Bodies join a joint procurement until its tender (community's participant_join), commitments stage
    included."""
    Procurement.objects.filter(pk=helpers["procurement"].pk).update(stage=stage)
    steps = selectors.next_best_steps(user=people["editor"], municipality=town)
    policy = next(step for step in steps if step.indicator.code == "system.policy")
    assert policy.procurements == ([helpers["procurement"]] if listed else [])


def test_a_municipality_sees_its_next_steps_but_not_the_pool(helpers, town, people):
    steps = selectors.next_best_steps(user=people["editor"], municipality=town)
    policy = next(step for step in steps if step.indicator.code == "system.policy")
    assert policy.cases == helpers["cases"]
    assert policy.specialists == []


def test_no_next_steps_without_scores(town, people):
    assert selectors.next_best_steps(user=people["coordinator"], municipality=town) == []


def test_open_cases_come_first_newest_first_then_the_closed(home, people):
    first, second, third = (raise_case(home["town"], people["editor"], topic=f"相談{n}") for n in range(3))
    services.support_case_close(case=second, outcome="解決", by=people["coordinator"])
    listed = list(selectors.support_case_list(user=people["coordinator"]))
    assert listed == [third, first, second]
