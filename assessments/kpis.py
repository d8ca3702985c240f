"""KPI arithmetic: the planned straight line from baseline to target, status, and when a measurement is due.

Pure functions (dates and numbers in, results out), so the rules are easy to test and to read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Share of the planned progress reached: at least ON_TRACK is on track, at least AT_RISK at risk.
ON_TRACK = 0.9
AT_RISK = 0.6
MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


@dataclass(frozen=True)
class Status:
    code: str  # on_track, at_risk, off_track, no_data
    expected: float | None  # the planned value on the latest measurement's date
    progress: float | None  # achieved / planned change since the baseline (1.0 = exactly on the line)


def planned_value(
    *, baseline_value: float, baseline_date: dt.date, target_value: float, target_date: dt.date, on: dt.date
) -> float:
    """The straight line from baseline to target, flat before the baseline and after the target."""
    span = (target_date - baseline_date).days
    elapsed = min(max((on - baseline_date).days, 0), span)
    return baseline_value + (target_value - baseline_value) * elapsed / span


def status(
    *,
    baseline_value: float,
    baseline_date: dt.date,
    target_value: float,
    target_date: dt.date,
    latest: tuple[dt.date, float] | None,
) -> Status:
    """How the latest measurement compares with the planned line (the direction is in the line itself)."""
    if latest is None:
        return Status("no_data", None, None)
    on, value = latest
    expected = planned_value(
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        target_date=target_date,
        on=on,
    )
    planned, achieved = expected - baseline_value, value - baseline_value
    if planned == 0:
        # Nothing planned yet (at the baseline date): on track unless it went the wrong way.
        progress = 1.0 if achieved * (target_value - baseline_value) >= 0 else 0.0
    else:
        progress = achieved / planned
    code = "on_track" if progress >= ON_TRACK else "at_risk" if progress >= AT_RISK else "off_track"
    return Status(code, expected, progress)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    # The 31st of a shorter month is its last day.
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def next_due(*, last_measured: dt.date | None, baseline_date: dt.date, interval: str) -> dt.date:
    """The date the next measurement is due: one interval after the last one (or the baseline)."""
    return add_months(last_measured or baseline_date, MONTHS[interval])
