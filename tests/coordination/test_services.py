"""Coordination services: support cases from request to outcome, the specialist pool and its dispatches,
shared goals and milestones, the survey window and reminders to submit the self-assessment. Every refusal
says why and leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Assessment, SurveyWindow
from assessments.services import survey_window_set
from benchmarks.models import Indicator
from coordination import selectors, services
from coordination.models import (
    AssessmentReminder,
    CouncilReport,
    Dispatch,
    GoalMilestone,
    SharedGoal,
    Specialist,
    SupportActivity,
    SupportCase,
)
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.coordination.conftest import (
    EVERYONE,
    english,
    make_initiative,
    make_kpi,
    raise_case,
    this_year,
    titles,
    week_after,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def activity(**changes) -> services.ActivityInput:
    fields = {
        "kind": SupportActivity.Kind.VISIT,
        "held_on": TODAY() - dt.timedelta(days=1),
        "attendees": "企画課 田中、県 DX推進課",
        "hours": Decimal("2.0"),
        "notes": "CIO補佐官の候補を整理した。",
        "next_action": "候補者に打診する",
        "next_action_due": TODAY() + dt.timedelta(days=14),
    }
    return services.ActivityInput(**(fields | changes))


def pool_member(**changes) -> services.SpecialistInput:
    fields = {
        "name": "鈴木 一郎",
        "kind": Specialist.Kind.EXTERNAL,
        "affiliation": "",
        "user": None,
        "skills": ["system", "e_application"],
        "days_per_month": Decimal("3.0"),
        "municipalities": [],
        "active": True,
    }
    return services.SpecialistInput(**(fields | changes))


# --- support cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "admin"])
def test_the_towns_editors_and_admins_raise_a_case_and_the_coordinators_hear_of_it(home, everyone, who):
    case = raise_case(home["town"], everyone[who], urgency=SupportCase.Urgency.HIGH)
    assert (case.municipality, case.status, case.raised_by, case.urgency) == (
        home["town"].municipality,
        SupportCase.Status.REQUESTED,
        everyone[who],
        "high",
    )
    url = reverse("coordination:case_detail", args=[case.pk])
    assert [n.url for n in everyone["coordinator"].notifications.all()] == [url]
    assert any("CIOの任命" in title for title in titles(everyone["coordinator"]))
    assert titles(everyone["other_coordinator"]) == []


@pytest.mark.parametrize("who", ["viewer", "other_coordinator", "partner", "national", "outsider", "other_editor"])
def test_nobody_else_raises_a_case_for_the_town(home, everyone, who):
    with pytest.raises(PermissionDenied):
        raise_case(home["town"], everyone[who])
    assert not SupportCase.objects.exists()


def test_the_prefecture_opens_a_case_for_its_town_and_the_town_hears_of_it(home, everyone):
    case = raise_case(home["town"], everyone["coordinator"], topic="CIOの任命を支援")
    assert (case.municipality, case.raised_by) == (home["town"].municipality, everyone["coordinator"])
    assert any("CIOの任命を支援" in title for title in titles(everyone["editor"]))
    assert any("CIOの任命を支援" in title for title in titles(everyone["admin"]))
    assert titles(everyone["coordinator"]) == []  # not told of what they did themselves


def test_a_case_about_an_unknown_skill_is_refused(home, people):
    with pytest.raises(ValidationError) as exc:
        raise_case(home["town"], people["editor"], skill="cooking")
    assert english(exc) == "skill: Choose what the support is about from the list."
    assert not SupportCase.objects.exists()


def test_assigning_a_specialist_triages_the_case_and_tells_the_town_and_the_specialist(case, specialist, people):
    services.support_case_assign(case=case, specialist=specialist, by=people["coordinator"])
    case.refresh_from_db()
    assert (case.specialist, case.status) == (specialist, SupportCase.Status.TRIAGED)
    for user in (people["editor"], specialist.user):
        assert any("佐藤 技師" in title for title in titles(user)), user
    assert titles(people["viewer"]) == []


def test_a_specialist_of_another_prefecture_or_inactive_is_refused(case, their_specialist, specialist, people):
    specialist.active = False
    specialist.save()
    for candidate in (their_specialist, specialist):
        with pytest.raises(ValidationError) as exc:
            services.support_case_assign(case=case, specialist=candidate, by=people["coordinator"])
        assert english(exc) == "specialist: Choose an active specialist of this prefecture's pool."
    case.refresh_from_db()
    assert (case.specialist, case.status) == (None, SupportCase.Status.REQUESTED)


@pytest.mark.parametrize("who", ["other_coordinator", "editor", "admin", "pooled"])
def test_only_the_prefectures_coordinators_assign(case, specialist, everyone, who):
    with pytest.raises(PermissionDenied):
        services.support_case_assign(case=case, specialist=specialist, by=everyone[who])
    assert SupportCase.objects.get().specialist is None


def test_links_to_the_towns_own_kpis_and_initiatives(case, town, people):
    kpi, initiative = make_kpi(town), make_initiative(town)
    services.support_case_links(case=case, kpis=[kpi], initiatives=[initiative], by=people["coordinator"])
    assert (list(case.kpis.all()), list(case.initiatives.all())) == ([kpi], [initiative])


def test_linking_another_municipalitys_kpi_or_initiative_is_refused_and_nothing_linked(case, town, region, people):
    city = region["home"]["city"].municipality
    own, theirs = make_kpi(town), make_kpi(city, name="他市のKPI")
    for kpis, initiatives in (([own, theirs], []), ([own], [make_initiative(city)])):
        with pytest.raises(ValidationError) as exc:
            services.support_case_links(case=case, kpis=kpis, initiatives=initiatives, by=people["coordinator"])
        assert english(exc) == "Link only the municipality's own KPIs and roadmap initiatives."
    assert not case.kpis.exists()
    assert not case.initiatives.exists()


def test_a_visit_logged_by_the_coordinator_puts_the_case_in_progress(case, people):
    logged = services.support_activity_log(case=case, given=activity(), by=people["coordinator"])
    assert (logged.case, logged.recorded_by, logged.hours) == (case, people["coordinator"], Decimal("2.0"))
    assert SupportCase.objects.get().status == SupportCase.Status.IN_PROGRESS


def test_the_assigned_specialist_logs_but_not_a_partner_who_is_not(case, specialist, people, everyone):
    with pytest.raises(PermissionDenied):
        services.support_activity_log(case=case, given=activity(), by=everyone["pooled"])
    services.support_case_assign(case=case, specialist=specialist, by=people["coordinator"])
    services.support_activity_log(case=case, given=activity(), by=everyone["pooled"])
    for who in ("partner", "editor", "other_coordinator"):
        with pytest.raises(PermissionDenied):
            services.support_activity_log(case=case, given=activity(), by=everyone[who])
    assert SupportActivity.objects.count() == 1


# Dates are made when the test runs, not when it is collected: a run may cross midnight.
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (lambda: {"held_on": TODAY() + dt.timedelta(days=1)}, "held_on: An activity is logged once it has happened."),
        (
            lambda: {"next_action_due": TODAY() - dt.timedelta(days=2)},
            "next_action_due: The next action is due after the activity.",
        ),
        (lambda: {"next_action": "  "}, "next_action: Say what the next action is."),
    ],
)
def test_an_activity_with_dates_out_of_order_is_refused(case, people, changes, message):
    with pytest.raises(ValidationError) as exc:
        services.support_activity_log(case=case, given=activity(**changes()), by=people["coordinator"])
    assert english(exc) == message
    assert not SupportActivity.objects.exists()
    assert SupportCase.objects.get().status == SupportCase.Status.REQUESTED


def test_closing_needs_an_outcome_and_then_tells_the_town(case, people):
    with pytest.raises(ValidationError) as exc:
        services.support_case_close(case=case, outcome="   ", by=people["coordinator"])
    assert english(exc) == "outcome: Say what came of the support before closing the case."
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at) == (SupportCase.Status.REQUESTED, "", None)
    assert titles(people["editor"]) == []

    services.support_case_close(case=case, outcome="CIO補佐官を任命した。\n", by=people["coordinator"])
    case.refresh_from_db()
    assert (case.status, case.outcome) == (SupportCase.Status.CLOSED, "CIO補佐官を任命した。")
    assert case.closed_at is not None
    assert len(titles(people["editor"])) == 1


@pytest.mark.parametrize("stale", [False, True], ids=["closed", "closed-by-someone-else"])
def test_a_closed_case_takes_no_more_activities_assignments_links_days_or_closing(
    case, specialist, town, people, stale
):
    coordinator = people["coordinator"]
    services.support_case_assign(case=case, specialist=specialist, by=coordinator)
    # Another coordinator closes it while this one still has the open case on the screen.
    closing = SupportCase.objects.get(pk=case.pk) if stale else case
    services.support_case_close(case=closing, outcome="解決", by=coordinator)
    closed_at = SupportCase.objects.get().closed_at
    kpi = make_kpi(town)
    for attempt in (
        lambda: services.support_activity_log(case=case, given=activity(), by=coordinator),
        lambda: services.support_case_assign(case=case, specialist=None, by=coordinator),
        lambda: services.support_case_links(case=case, kpis=[kpi], initiatives=[], by=coordinator),
        lambda: services.dispatch_record(case=case, worked_on=TODAY(), days=Decimal(1), by=coordinator),
        lambda: services.support_case_close(case=case, outcome="再度", by=coordinator),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert english(exc) == "The case is closed."
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at, case.specialist) == ("closed", "解決", closed_at, specialist)
    assert not SupportActivity.objects.exists() and not Dispatch.objects.exists() and not case.kpis.exists()
    # The town heard of the assignment and the close, of nothing refused.
    assert len(titles(people["editor"])) == 2


# --- the specialist pool -------------------------------------------------------------------------


def test_a_coordinator_adds_and_edits_a_specialist_of_the_pool(home, town, people):
    prefecture = home["prefecture"].prefecture
    added = services.specialist_save(
        prefecture=prefecture, given=pool_member(municipalities=[town]), by=people["coordinator"]
    )
    assert (added.prefecture, added.skills, list(added.municipalities.all())) == (
        prefecture,
        ["system", "e_application"],
        [town],
    )
    services.specialist_save(
        prefecture=prefecture,
        given=pool_member(days_per_month=Decimal("5.5"), municipalities=[]),
        by=people["coordinator"],
        specialist=added,
    )
    added.refresh_from_db()
    assert (added.days_per_month, list(added.municipalities.all())) == (Decimal("5.5"), [])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"skills": ["system", "cooking", "alchemy"]}, "skills: Unknown skills: alchemy, cooking."),
        ("their town", "municipalities: A specialist of the pool serves the prefecture's own municipalities."),
    ],
)
def test_a_specialist_with_unknown_skills_or_serving_another_prefecture_is_refused(
    home, region, people, changes, message
):
    if changes == "their town":
        changes = {"municipalities": [home["town"].municipality, region["other"]["town"].municipality]}
    with pytest.raises(ValidationError) as exc:
        services.specialist_save(
            prefecture=home["prefecture"].prefecture, given=pool_member(**changes), by=people["coordinator"]
        )
    assert english(exc) == message
    assert not Specialist.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("pooled", True), ("coordinator", True), ("editor", False), ("other_coordinator", False), ("national", False)],
)
def test_a_specialists_account_is_a_partner_engineers_or_the_prefectures_own(home, everyone, who, allowed):
    """Only they can be handed the cases assigned to the specialist; a town's or another prefecture's
    account cannot."""
    prefecture = home["prefecture"].prefecture
    given = pool_member(user=everyone[who])
    if allowed:
        assert services.specialist_save(prefecture=prefecture, given=given, by=everyone["coordinator"]).user
        return
    with pytest.raises(ValidationError) as exc:
        services.specialist_save(prefecture=prefecture, given=given, by=everyone["coordinator"])
    assert english(exc) == "user: Give the account of a partner engineer or of the prefecture's own staff."
    assert not Specialist.objects.exists()


def test_another_prefectures_pool_is_not_theirs_to_change(home, region, everyone, their_specialist):
    with pytest.raises(PermissionDenied):
        services.specialist_save(
            prefecture=home["prefecture"].prefecture, given=pool_member(), by=everyone["other_coordinator"]
        )
    with pytest.raises(PermissionDenied):
        services.specialist_save(
            prefecture=home["prefecture"].prefecture,
            given=pool_member(),
            by=everyone["coordinator"],
            specialist=their_specialist,
        )
    assert list(Specialist.objects.values_list("name", flat=True)) == ["他県 人材"]


@pytest.fixture
def assigned(case, specialist, people):
    """The case with the pool's engineer (4 days a month) assigned."""
    return services.support_case_assign(case=case, specialist=specialist, by=people["coordinator"])


MONTH = TODAY().replace(day=1)
NEXT_MONTH = (MONTH + dt.timedelta(days=32)).replace(day=1)


def test_dispatches_count_against_the_specialists_days_of_each_month(assigned, people):
    coordinator = people["coordinator"]
    for day, days in ((MONTH.replace(day=7), "1.5"), (MONTH.replace(day=28), "2.5"), (NEXT_MONTH, "4")):
        services.dispatch_record(case=assigned, worked_on=day, days=Decimal(days), by=coordinator)
    assert [(d.worked_on.month, d.days) for d in Dispatch.objects.all()] == [
        (MONTH.month, Decimal("1.5")),
        (MONTH.month, Decimal("2.5")),
        (NEXT_MONTH.month, Decimal("4.0")),
    ]


def test_an_over_booked_specialist_is_refused_with_the_numbers(assigned, people):
    services.dispatch_record(case=assigned, worked_on=MONTH.replace(day=7), days=Decimal("3"), by=people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.dispatch_record(
            case=assigned, worked_on=MONTH.replace(day=20), days=Decimal("1.5"), by=people["coordinator"]
        )
    assert english(exc) == (
        f"days: 佐藤 技師 has 4.0 days in {MONTH:%Y-%m}, 3.0 already booked: 1.5 more would be 4.5."
    )
    assert Dispatch.objects.count() == 1


@pytest.mark.parametrize("worked_on", [dt.date(9999, 12, 15), dt.date(1, 1, 1), TODAY() + dt.timedelta(days=400)])
def test_days_far_from_today_are_refused(assigned, people, worked_on):
    with pytest.raises(ValidationError) as exc:
        services.dispatch_record(case=assigned, worked_on=worked_on, days=Decimal(1), by=people["coordinator"])
    assert english(exc) == "worked_on: Record days within a year of today."
    assert not Dispatch.objects.exists()


def test_days_need_an_assigned_specialist_and_a_coordinator(case, assigned, everyone):
    unassigned = raise_case(case.municipality.organization, everyone["editor"], topic="別件")
    with pytest.raises(ValidationError) as exc:
        services.dispatch_record(case=unassigned, worked_on=TODAY(), days=Decimal(1), by=everyone["coordinator"])
    assert english(exc) == "Assign a specialist before recording their days."
    with pytest.raises(ValidationError) as exc:
        services.dispatch_record(case=assigned, worked_on=TODAY(), days=Decimal(0), by=everyone["coordinator"])
    assert english(exc) == "days: Days are more than zero."
    for who in ("pooled", "editor", "other_coordinator"):
        with pytest.raises(PermissionDenied):
            services.dispatch_record(case=assigned, worked_on=TODAY(), days=Decimal(1), by=everyone[who])
    assert not Dispatch.objects.exists()


# --- shared goals --------------------------------------------------------------------------------


@pytest.fixture
def items(db):
    load_catalog()
    return list(Indicator.objects.filter(catalog__fiscal_year=2023, code__in=["system.cio", "system.policy"]))


def goal_input(items, **changes) -> services.GoalInput:
    fields = {
        "title": "全市町村でCIOを任命",
        "description": "",
        "indicators": items,
        "target_date": TODAY() + dt.timedelta(days=365),
    }
    return services.GoalInput(**(fields | changes))


@pytest.fixture
def goal(home, items, people) -> SharedGoal:
    return services.shared_goal_save(
        prefecture=home["prefecture"].prefecture, given=goal_input(items), by=people["coordinator"]
    )


def test_a_coordinator_sets_a_goal_tied_to_items_and_a_date(goal, items, people):
    assert (goal.created_by, sorted(goal.indicators.values_list("code", flat=True))) == (
        people["coordinator"],
        ["system.cio", "system.policy"],
    )


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {"indicators": []},
            ["indicators: Tie the goal to at least one survey item: that is how progress is measured."],
        ),
        ({"target_date": TODAY()}, ["target_date: A new goal's date lies in the future."]),
    ],
)
def test_a_goal_without_items_or_with_a_past_date_is_refused(home, items, people, changes, messages):
    with pytest.raises(ValidationError) as exc:
        services.shared_goal_save(
            prefecture=home["prefecture"].prefecture, given=goal_input(items, **changes), by=people["coordinator"]
        )
    assert english(exc) == " ".join(messages)
    assert not SharedGoal.objects.exists()


def test_a_goal_edit_keeps_its_items_when_refused(goal, home, items, people):
    with pytest.raises(ValidationError):
        services.shared_goal_save(
            prefecture=home["prefecture"].prefecture,
            given=goal_input([], title="変更"),
            by=people["coordinator"],
            goal=goal,
        )
    goal.refresh_from_db()
    assert (goal.title, goal.indicators.count()) == ("全市町村でCIOを任命", 2)


@pytest.mark.parametrize("who", ["other_coordinator", "admin", "staff"])
def test_only_its_coordinators_and_staff_set_a_prefectures_goals(home, items, everyone, who):
    prefecture = home["prefecture"].prefecture
    if who == "staff":
        services.shared_goal_save(prefecture=prefecture, given=goal_input(items), by=everyone[who])
        assert SharedGoal.objects.count() == 1
        return
    with pytest.raises(PermissionDenied):
        services.shared_goal_save(prefecture=prefecture, given=goal_input(items), by=everyone[who])
    assert not SharedGoal.objects.exists()


def test_a_town_sets_its_own_date_on_or_before_the_goals(goal, town, people):
    due = goal.target_date - dt.timedelta(days=30)
    milestone = services.goal_milestone_set(goal=goal, municipality=town, due_on=due, note="", by=people["editor"])
    again = services.goal_milestone_set(
        goal=goal, municipality=town, due_on=goal.target_date, note="延期", by=people["coordinator"]
    )
    assert again.pk == milestone.pk
    assert GoalMilestone.objects.get().due_on == goal.target_date

    with pytest.raises(ValidationError) as exc:
        services.goal_milestone_set(
            goal=goal, municipality=town, due_on=goal.target_date + dt.timedelta(days=1), note="", by=people["admin"]
        )
    assert english(exc) == f"due_on: Our date is on or before the goal's date ({goal.target_date})."
    assert GoalMilestone.objects.get().note == "延期"


@pytest.mark.parametrize("who", ["viewer", "partner", "other_coordinator", "other_admin"])
def test_nobody_else_sets_a_towns_date(goal, town, everyone, who):
    with pytest.raises(PermissionDenied):
        services.goal_milestone_set(goal=goal, municipality=town, due_on=goal.target_date, note="", by=everyone[who])
    assert not GoalMilestone.objects.exists()


def test_a_municipality_without_an_organisation_on_the_platform_has_no_date(goal, home, people):
    from tests.factories import MunicipalityFactory

    unregistered = MunicipalityFactory(prefecture=home["prefecture"].prefecture)
    with pytest.raises(PermissionDenied):
        services.goal_milestone_set(
            goal=goal, municipality=unregistered, due_on=goal.target_date, note="", by=people["coordinator"]
        )
    assert not GoalMilestone.objects.exists()


def test_a_municipality_of_another_prefecture_has_no_date_on_the_goal(goal, region, everyone):
    theirs = region["other"]["town"].municipality
    with pytest.raises(PermissionDenied):
        services.goal_milestone_set(
            goal=goal, municipality=theirs, due_on=goal.target_date, note="", by=everyone["other_admin"]
        )
    assert not GoalMilestone.objects.exists()


# --- council reports -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_coordinator", "admin", "national", "partner"])
def test_only_the_coordinators_ask_for_a_council_report(home, everyone, who):
    with pytest.raises(PermissionDenied):
        services.council_report_request(prefecture=home["prefecture"].prefecture, by=everyone[who])
    assert not CouncilReport.objects.exists()


# --- the survey window ---------------------------------------------------------------------------


def set_window(home, by, opens_on: dt.date, closes_on: dt.date, year: int | None = None) -> SurveyWindow:
    return survey_window_set(
        prefecture=home["prefecture"].prefecture,
        fiscal_year=year or FiscalYear.current().year,
        opens_on=opens_on,
        closes_on=closes_on,
        by=by,
    )


def test_a_coordinator_sets_the_survey_window_and_the_dashboard_counts_by_its_deadline(home, town, people):
    year = FiscalYear.current()
    deadline = dt.date(year.year + 1, 1, 31)
    window = set_window(home, people["coordinator"], year.start, deadline)
    assert (window.fiscal_year, window.opens_on, window.closes_on, window.set_by) == (
        year.year,
        year.start,
        deadline,
        people["coordinator"],
    )
    city = home["city"].municipality
    on_the_day = dt.datetime.combine(deadline, dt.time(17), tzinfo=timezone.get_current_timezone())
    Assessment.objects.create(
        municipality=city, fiscal_year=year.year, status=Assessment.Status.SUBMITTED, submitted_at=on_the_day
    )

    def board(today: dt.date) -> selectors.Dashboard:
        return selectors.prefecture_dashboard(user=people["coordinator"], prefecture=town.prefecture, today=today)

    before = board(deadline)
    assert before.summary.window == window
    assert (before.summary.handed_in, before.summary.handed_in_by_deadline, before.summary.deadline_passed) == (
        1,
        1,
        False,
    )
    assert not any("late" in row.reasons for row in before.rows)
    after = board(deadline + dt.timedelta(days=1))
    assert after.summary.deadline_passed
    assert {row.municipality for row in after.rows if "late" in row.reasons} == {town}


def test_setting_the_window_again_changes_the_one_window_of_the_year(home, people):
    year = FiscalYear.current()
    first = set_window(home, people["coordinator"], year.start, dt.date(year.year + 1, 1, 31))
    again = set_window(home, people["staff"], year.start + dt.timedelta(days=30), year.end)
    assert again.pk == first.pk
    assert SurveyWindow.objects.count() == 1
    stored = SurveyWindow.objects.get()
    assert (stored.opens_on, stored.closes_on, stored.set_by) == (
        year.start + dt.timedelta(days=30),
        year.end,
        people["staff"],
    )
    # Another year's window is another row.
    set_window(
        home, people["coordinator"], FiscalYear(year.year - 1).start, FiscalYear(year.year - 1).end, year.year - 1
    )
    assert SurveyWindow.objects.count() == 2


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (183, 182, "closes_on: The deadline cannot come before the window opens."),
        (-1, 182, "opens_on: The window opens within FY{year}."),
        (0, 366, "closes_on: The deadline falls within FY{year}."),
    ],
    ids=["deadline-before-opening", "opens-the-year-before", "deadline-the-year-after"],
)
def test_a_window_out_of_order_or_out_of_its_year_is_refused_and_the_old_one_kept(home, people, opens, closes, message):
    year = FiscalYear.current()
    kept = set_window(home, people["coordinator"], year.start, year.end)
    with translation.override("en"), pytest.raises(ValidationError) as exc:  # the year's label is English
        set_window(
            home,
            people["coordinator"],
            year.start + dt.timedelta(days=opens),
            year.start + dt.timedelta(days=closes),
        )
    assert english(exc) == message.format(year=year.year)
    stored = SurveyWindow.objects.get()
    assert (stored.pk, stored.opens_on, stored.closes_on) == (kept.pk, year.start, year.end)


def test_a_first_window_refused_writes_nothing(home, people):
    year = FiscalYear.current()
    with pytest.raises(ValidationError):
        set_window(home, people["coordinator"], dt.date(year.year, 10, 1), dt.date(year.year, 9, 30))
    assert not SurveyWindow.objects.exists()


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - {"coordinator", "staff"}))
def test_only_the_prefectures_coordinators_and_staff_set_its_window(home, everyone, who):
    year = FiscalYear.current()
    with pytest.raises(PermissionDenied):
        set_window(home, everyone[who], year.start, year.end)
    assert not SurveyWindow.objects.exists()


# --- reminders to submit the self-assessment ------------------------------------------------------


def reminded(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, url__startswith="/assessments/"))


def remind(town, by, now: dt.datetime | None = None) -> AssessmentReminder:
    return services.assessment_reminder_send(municipality=town, by=by, now=now)


def test_a_reminder_is_logged_and_the_towns_editors_and_admins_are_told(home, town, everyone):
    year = FiscalYear.current()
    set_window(home, everyone["coordinator"], year.start, dt.date(year.year + 1, 1, 31))
    with time_machine.travel(this_year(183), tick=False):
        reminder = remind(town, everyone["coordinator"])
    assert (reminder.municipality, reminder.fiscal_year, reminder.sent_by, reminder.sent_at, reminder.recipients) == (
        town,
        year.year,
        everyone["coordinator"],
        this_year(183),
        2,
    )
    assert AssessmentReminder.objects.get() == reminder
    for who in ("editor", "admin"):
        (notice,) = reminded(everyone[who])
        assert notice.url == reverse("assessments:detail", args=[town.code, year.year])
        assert notice.title == f"{town.prefecture.name}より: {year.year}年度の自己評価の提出をお願いします"
        assert f"{year.year + 1}年1月31日" in notice.body  # the deadline
    for who in ("viewer", "coordinator", "other_admin", "other_editor", "partner"):
        assert reminded(everyone[who]) == [], who


def test_a_second_reminder_within_the_week_is_refused_then_goes_after_it(home, town, everyone):
    sent = this_year(183)
    with time_machine.travel(sent, tick=False):
        remind(town, everyone["coordinator"])
    second = MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user
    for by in (everyone["coordinator"], second):  # whoever of the coordinators sends it
        with time_machine.travel(sent + dt.timedelta(days=3), tick=False):
            with translation.override("en"), pytest.raises(ValidationError) as exc:
                remind(town, by)
        assert (
            english(exc)
            == f"{town} was reminded on Oct. 1, {sent.year}; the next reminder can be sent from Oct. 8, {sent.year}."
        )
        with time_machine.travel(week_after(sent) - dt.timedelta(minutes=1), tick=False):
            with pytest.raises(ValidationError):
                remind(town, by)
    assert AssessmentReminder.objects.count() == 1
    assert len(reminded(everyone["editor"])) == len(reminded(everyone["admin"])) == 1

    with time_machine.travel(week_after(sent), tick=False):  # the morning of the date the refusal named
        again = remind(town, second)
    assert (again.sent_by, again.sent_at) == (second, week_after(sent))
    assert AssessmentReminder.objects.count() == 2
    assert len(reminded(everyone["editor"])) == len(reminded(everyone["admin"])) == 2
    assert selectors.last_reminder(municipality=town, fiscal_year=again.fiscal_year) == again


@pytest.mark.parametrize("status", [Assessment.Status.SUBMITTED, Assessment.Status.CONFIRMED])
def test_a_town_that_has_handed_in_is_not_reminded(town, everyone, status):
    Assessment.objects.create(municipality=town, fiscal_year=FiscalYear.current().year, status=status)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        remind(town, everyone["coordinator"])
    assert english(exc) == f"{town} has already submitted its self-assessment."
    assert not AssessmentReminder.objects.exists()
    assert reminded(everyone["editor"]) == reminded(everyone["admin"]) == []


@pytest.mark.parametrize("status", [Assessment.Status.DRAFT, Assessment.Status.RETURNED])
def test_a_town_with_a_draft_or_a_returned_assessment_is_reminded(town, everyone, status):
    Assessment.objects.create(municipality=town, fiscal_year=FiscalYear.current().year, status=status)
    assert remind(town, everyone["coordinator"]).recipients == 2


def test_last_years_submission_does_not_stop_this_years_reminder(town, everyone):
    last_year = FiscalYear.current().year - 1
    Assessment.objects.create(municipality=town, fiscal_year=last_year, status=Assessment.Status.CONFIRMED)
    assert remind(town, everyone["coordinator"]).fiscal_year == last_year + 1


def test_a_town_with_nobody_to_remind_is_refused(home, everyone):
    city = home["city"].municipality  # no account of the city's
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        remind(city, everyone["coordinator"])
    assert english(exc) == f"{city} has no active administrator or editor on the platform to remind."
    assert not AssessmentReminder.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - {"coordinator", "staff"}))
def test_only_the_prefectures_coordinators_and_staff_remind_its_towns(town, everyone, who):
    with pytest.raises(PermissionDenied):
        remind(town, everyone[who])
    assert not AssessmentReminder.objects.exists()
    assert not Notification.objects.exists()


def test_staff_remind_too(town, everyone):
    assert remind(town, everyone["staff"]).sent_by == everyone["staff"]
