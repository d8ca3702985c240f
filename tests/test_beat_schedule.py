"""The Celery beat schedule: every entry names a task the worker knows, and runs when its users expect it.

The KPI measurement and support-case reminders go out every morning before the office opens, ahead of the
notification digest that carries them; the roadmap baselines are frozen on 1 April, the first day of the
fiscal year (daily runs, of which only the first of a year freezes anything); the benchmarks are recomputed
at night. Times are Japan's (the app's timezone, whatever the server's)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from celery.beat import ScheduleEntry

from dx_platform.celery import app
from dx_platform.core.fiscal import FiscalYear

TOKYO = ZoneInfo("Asia/Tokyo")
KPI_REMINDERS = "assessments.tasks.send_kpi_reminders"
BASELINE_FREEZE = "assessments.tasks.freeze_roadmap_baselines"
SUPPORT_REMINDERS = "coordination.tasks.send_support_reminders"
DIGEST = "dx_platform.notifications.tasks.send_daily_digests"
RECOMPUTE = "benchmarks.tasks.recompute_all"
HEALTH = "dx_platform.core.tasks.health"
DAILY = (KPI_REMINDERS, BASELINE_FREEZE, SUPPORT_REMINDERS, DIGEST, RECOMPUTE)
# A Friday noon, so a week of runs from it crosses a weekend.
FRIDAY_NOON = dt.datetime(2026, 10, 2, 12, 0, tzinfo=TOKYO)


@pytest.fixture(scope="module")
def registered() -> set[str]:
    # What a worker and beat do at start-up: autodiscover every installed app's tasks module.
    app.loader.import_default_modules()
    return set(app.tasks)


def entry_of(task: str) -> ScheduleEntry:
    """The one beat entry that sends the task, bound to the app (and so to its timezone) as beat binds it."""
    names = [name for name, entry in app.conf.beat_schedule.items() if entry["task"] == task]
    assert len(names) == 1, f"{task} is sent by {len(names)} beat entries"
    return ScheduleEntry(name=names[0], app=app, **app.conf.beat_schedule[names[0]])


def runs(task: str, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The task's next `count` runs after `after`, in Japan's time."""
    schedule, times = entry_of(task).schedule, []
    for _ in range(count):
        start, delta, _now = schedule.remaining_delta(after)
        after = start + delta
        times.append(after.astimezone(TOKYO))
    return times


@pytest.mark.parametrize("task", [*DAILY, HEALTH])
def test_beat_sends_a_task_the_worker_knows(registered, task):
    assert entry_of(task).task in registered


def test_every_beat_entry_names_a_registered_task(registered):
    unknown = {name: entry["task"] for name, entry in app.conf.beat_schedule.items() if entry["task"] not in registered}
    assert unknown == {}


@pytest.mark.parametrize("task", DAILY)
def test_the_daily_tasks_run_once_every_day_weekends_too(task):
    week = runs(task, FRIDAY_NOON, 7)
    assert [run.date() for run in week] == [FRIDAY_NOON.date() + dt.timedelta(days=n) for n in range(1, 8)]
    assert len({run.time() for run in week}) == 1


@pytest.mark.parametrize("task", [KPI_REMINDERS, SUPPORT_REMINDERS, DIGEST])
def test_reminders_and_the_digest_arrive_before_the_office_opens(task):
    (run,) = runs(task, FRIDAY_NOON, 1)
    assert run.time() < dt.time(9, 0)


@pytest.mark.parametrize("reminders", [KPI_REMINDERS, SUPPORT_REMINDERS])
def test_the_morning_digest_carries_that_mornings_reminders(reminders):
    # The digest sends the notices created before it starts: the reminders must be made first, the same day.
    (reminded,) = runs(reminders, FRIDAY_NOON, 1)
    (digest,) = runs(DIGEST, FRIDAY_NOON, 1)
    assert reminded.date() == digest.date()
    assert reminded < digest


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_roadmap_baselines_are_frozen_on_the_first_day_of_the_fiscal_year(year):
    last_evening = dt.datetime(year, 3, 31, 23, 59, tzinfo=TOKYO)
    first, second = runs(BASELINE_FREEZE, last_evening, 2)
    assert first.date() == dt.date(year, 4, 1)
    # Run in Japan's 1 April, the task freezes the new fiscal year's plan, not the one that just ended.
    assert FiscalYear.of(first.date()) == FiscalYear(year)
    # A failed first run is made good the next day (only the first successful run of a year freezes).
    assert second.date() == dt.date(year, 4, 2)


def test_the_benchmarks_are_recomputed_at_night():
    (recompute,) = runs(RECOMPUTE, FRIDAY_NOON, 1)
    assert recompute.time() < dt.time(6, 0)


def test_the_health_probe_runs_every_few_minutes():
    assert entry_of(HEALTH).schedule.run_every <= dt.timedelta(minutes=5)
