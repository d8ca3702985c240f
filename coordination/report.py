"""The council report: the prefecture's state on A4 (PDF, WeasyPrint with a Japanese font) and as XLSX data."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from dx_platform.core.downloads import workbook_bytes
from dx_platform.organizations.models import Prefecture

from . import charts, selectors
from .models import Dispatch, SharedGoal, SupportActivity, SupportCase

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


# Shipped unmodified with its licence beside it (IPA Font License v1.0 allows that), so a machine without
# Japanese fonts still makes a readable report.
FONT = "fonts/ipaexg.ttf"
FONT_HELP = (
    "restore static/fonts/ipaexg.ttf from the repository or install IPAex Gothic "
    "(Debian/Ubuntu: apt install fonts-ipaexfont-gothic)"
)


class ReportFontMissing(RuntimeError):
    """The PDF would show empty boxes instead of Japanese text."""


ATTENTION_LISTED = 18

MUNICIPALITY_COLUMNS = [
    "lg_code",
    "municipality",
    "kind",
    "size_class",
    "composite",
    "composite_in_size_class",
    "previous_composite",
    "assessment",
    "kpis",
    "kpis_on_track",
    "kpis_unmeasured_90_days",
    "roadmaps",
    "late_items",
    "open_support_cases",
    "needs_attention",
]


@dataclass(frozen=True)
class ReportData:
    prefecture: Prefecture
    made_at: dt.datetime
    dashboard: selectors.Dashboard
    attention: list[selectors.DashboardRow]  # the most urgent of dashboard.attention, as many as page 1 holds
    map_svg: str
    goals: list[tuple[SharedGoal, selectors.GoalProgress]]
    support: dict[str, Any]


def report_data(*, prefecture: Prefecture, user: User, today: dt.date | None = None) -> ReportData:
    today = today or timezone.localdate()
    dashboard = selectors.prefecture_dashboard(user=user, prefecture=prefecture, today=today)
    year_ago = today - dt.timedelta(days=365)
    cases = SupportCase.objects.filter(municipality__prefecture=prefecture)
    activities = SupportActivity.objects.filter(case__municipality__prefecture=prefecture, held_on__gte=year_ago)
    support = {
        "opened": cases.filter(created_at__date__gte=year_ago).count(),
        "closed": cases.filter(closed_at__date__gte=year_ago).count(),
        "activities": activities.aggregate(n=Count("pk"), hours=Sum("hours")),
        "days": Dispatch.objects.filter(specialist__prefecture=prefecture, worked_on__gte=year_ago).aggregate(
            n=Sum("days")
        )["n"]
        or Decimal(0),
    }
    values = {row.municipality.code: row.score.composite if row.score else None for row in dashboard.rows}
    attention = dashboard.attention[:ATTENTION_LISTED]
    ranks = {row.municipality.code: str(rank) for rank, row in enumerate(attention, start=1)}
    goals = selectors.shared_goal_list(user=user, prefecture=prefecture)
    return ReportData(
        prefecture=prefecture,
        made_at=timezone.now(),
        dashboard=dashboard,
        attention=attention,
        map_svg=charts.municipality_svg(pref_code=prefecture.pref_code, values=values, marks=ranks),
        goals=selectors.goals_progress(goals=list(goals)),
        support=support,
    )


class _Notdef(logging.Handler):
    """Collects the characters WeasyPrint drew as .notdef boxes (it only logs them)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith(".notdef glyph"):
            self.missing.append(str(record.args[0]))  # type: ignore[index]


@contextmanager
def _no_empty_boxes() -> Iterator[None]:
    handler, logger = _Notdef(), logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.missing:
        drawn = "".join(dict.fromkeys(handler.missing))[:40]
        raise ReportFontMissing(f"no font could draw {drawn!r}: {FONT_HELP}")


def render_pdf(data: ReportData) -> bytes:
    """The report in the active language (that of the data's reasons, so make both in the same one)."""
    from weasyprint import HTML  # here: a heavy library that only making a report needs

    found = finders.find(FONT, find_all=True)
    if not found:
        raise ReportFontMissing(f"the report's Japanese font {FONT} is not in the static files: {FONT_HELP}")
    # The map is our own SVG, built from our GeoJSON with names escaped.
    html = render_to_string(
        "coordination/report.html",
        {
            "data": data,
            "map_svg": mark_safe(data.map_svg),  # noqa: S308
            "bands": charts.BANDS,
            "no_data": charts.NO_DATA,
            "font_url": Path(found[0]).as_uri(),
        },
    )
    with _no_empty_boxes():
        # Tagged (PDF/UA-1), so a screen reader reads headings, tables and their order.
        return bytes(HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))


def render_xlsx(data: ReportData) -> bytes:
    municipalities = [
        [
            row.municipality.code,
            row.municipality.name,
            row.municipality.kind,
            row.municipality.size_class,
            row.score.composite if row.score else None,
            row.score.peer_composite if row.score else None,
            row.previous_composite,
            row.assessment.status if row.assessment else "not_started",
            row.kpis,
            row.kpis_on_track,
            row.kpis_stale,
            row.roadmaps,
            row.late_items,
            row.open_cases,
            " ".join(row.reasons),
        ]
        for row in data.dashboard.rows
    ]
    goals = [
        [goal.title, goal.target_date, line.municipality.name, line.done, line.total, line.due_on]
        for goal, progress in data.goals
        for line in progress.rows
    ]
    return workbook_bytes(
        {
            "municipalities": (MUNICIPALITY_COLUMNS, municipalities),
            "shared_goals": (["goal", "by", "municipality", "items_done", "items", "own_date"], goals),
        }
    )
