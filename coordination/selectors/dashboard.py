"""The prefecture's dashboard and its gaps → joint action, and the prefectures a user's workspace lists."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment, SurveyWindow
from assessments.selectors import HANDED_IN, review_rows, survey_window
from benchmarks.models import MunicipalityScore, PrefectureScore
from benchmarks.selectors import gap_counts, gap_matrix_values, prefecture_score, prefecture_scores
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions
from dx_platform.organizations.models import TOWNS_AND_VILLAGES, Municipality, Organization, Prefecture

from ..models import AssessmentReminder, SupportCase
from .cases import overdue_next_actions
from .reminders import last_reminders
from .scores import Scores, confirmed_answers, latest_scores

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def coordinated_prefecture_list(*, user: User | AnonymousUser) -> QuerySet[Prefecture]:
    """The prefectures whose workspace the user opens (every one for platform staff)."""
    return Prefecture.objects.filter(permissions.coordinated_prefectures(user))


def coordinated_prefecture(*, user: User | AnonymousUser, pref_code: str) -> Prefecture | None:
    """The prefecture, if the user coordinates it."""
    return coordinated_prefecture_list(user=user).filter(pref_code=pref_code).first()


def member_prefecture_list(*, user: User | AnonymousUser) -> QuerySet[Prefecture]:
    """The prefectures of the user's own municipalities (whose shared goals they see)."""
    return Prefecture.objects.filter(
        organizations__kind=Organization.Kind.MUNICIPALITY,
        organizations__in=permissions.own_organization_ids(user),
    ).distinct()


# --- needs attention: one priority in points, spelled out on the page ------------------------------

# A score counts as behind from this many deviation points below its size class's mean (50) or the
# prefecture's mean; a fall since the previous survey (of the same origin) from this many points.
SHORTFALL = 5.0
FALL = 2.0
# Points per unit of each reason, in the order the page explains them.
POINTS = {
    "below_class": 1.0,  # per deviation point below the size class's mean
    "below_prefecture": 1.0,  # per deviation point below the prefecture's mean
    "fell": 2.0,  # per point fallen
    "overdue_actions": 10.0,  # per overdue next action of a support case
    "kpis": 3.0,  # per KPI off track or unmeasured for 90 days
    "late": 20.0,  # the self-assessment not submitted after the prefecture's deadline
}
LISTED = 10  # entries shown before "show more"


@dataclass(frozen=True)
class Reason:
    code: str  # a key of POINTS
    points: float
    label: str  # the reason in words, with its figures


@dataclass
class DashboardRow:
    municipality: Municipality
    score: MunicipalityScore | None
    previous_composite: float | None
    assessment: Assessment | None
    kpis: int
    kpis_on_track: int
    kpis_off_track: int
    kpis_stale: int
    roadmaps: int
    late_items: int
    open_cases: int
    open_case_id: int | None = None  # the newest open support case
    overdue_actions: int = 0
    reminder: AssessmentReminder | None = None  # the newest reminder to submit this year's assessment
    handed_in: bool = False  # this year's self-assessment is with the prefecture (submitted or confirmed)
    causes: list[Reason] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [cause.code for cause in self.causes]

    @property
    def reason_labels(self) -> list[str]:
        return [cause.label for cause in self.causes]

    @property
    def priority(self) -> float:
        return round(sum(cause.points for cause in self.causes), 1)

    @property
    def in_hand(self) -> bool:
        """An open support case: the prefecture is already working with the municipality."""
        return self.open_cases > 0

    @property
    def may_remind(self) -> bool:
        """A reminder to submit could go now (not handed in, none sent in the last week)."""
        return not self.handed_in and (self.reminder is None or timezone.now() >= self.reminder.next_allowed)

    @property
    def fall(self) -> float | None:
        composite = self.score.composite if self.score else None
        if composite is None or self.previous_composite is None:
            return None
        return composite - self.previous_composite


@dataclass(frozen=True)
class Summary:
    """The dashboard's (and the council report's) headline tiles."""

    municipalities: int
    towns_villages: int
    prefecture_score: PrefectureScore | None  # the prefecture among the 47: composite deviation and rank
    prefectures_ranked: int
    window: SurveyWindow | None
    handed_in: int
    handed_in_by_deadline: int | None  # None while no deadline is set
    deadline_passed: bool
    open_cases: int
    overdue_cases: int
    kpis: int
    kpis_off_track: int
    kpis_stale: int


@dataclass(frozen=True)
class Dashboard:
    prefecture: Prefecture
    fiscal_year: int
    scores: Scores | None
    rows: list[DashboardRow]
    area: str = ""  # the area the rows are ranked by ("" for the composite)
    summary: Summary | None = None
    prefecture_mean: float | None = None  # of the shown score, over all the prefecture's municipalities

    @property
    def attention(self) -> list[DashboardRow]:
        """Those with a reason, highest priority first; ties by the lower shown score, then by code."""
        return sorted(
            (row for row in self.rows if row.causes),
            key=lambda row: (-row.priority, _or_last(shown_value(row, self.area)), row.municipality.code),
        )

    @property
    def listed(self) -> list[DashboardRow]:
        return self.attention[:LISTED]

    @property
    def more(self) -> list[DashboardRow]:
        return self.attention[LISTED:]

    @property
    def ranked(self) -> list[DashboardRow]:
        """Lowest shown score first, those without one last: the table and the map."""
        return sorted(self.rows, key=lambda row: _or_last(shown_value(row, self.area)))


def prefecture_dashboard(
    *,
    user: User | AnonymousUser,
    prefecture: Prefecture,
    towns_only: bool = False,
    size_class: str = "",
    area: str = "",
    today: dt.date | None = None,
) -> Dashboard:
    """Every municipality of the prefecture with its scores, assessment, KPI and roadmap health and
    support, and why it needs attention. A fixed number of queries, however many towns."""
    today = today or timezone.localdate()
    year = FiscalYear.of(today).year
    if not permissions.can_coordinate(user, prefecture.pk):
        return Dashboard(prefecture, year, None, [])
    scores = latest_scores()
    rows_by_municipality = {
        row["municipality"].pk: row
        for row in review_rows(
            user=user, prefecture_id=prefecture.pk, fiscal_year=year, towns_only=towns_only, today=today
        )
        if not size_class or row["municipality"].size_class == size_class
    }
    ids = list(rows_by_municipality)
    everyone: list[MunicipalityScore] = []
    previous: dict[int, float | None] = {}
    if scores is not None:
        everyone = list(scores.run.municipal_scores.filter(municipality__prefecture=prefecture))
        if scores.previous_run is not None:
            previous = dict(
                scores.previous_run.municipal_scores.filter(municipality_id__in=ids).values_list(
                    "municipality_id", "composite"
                )
            )
    current = {s.municipality_id: s for s in everyone}
    open_cases: dict[int, list[int]] = {}
    for municipality_id, case_id in (
        SupportCase.objects.filter(municipality_id__in=ids)
        .exclude(status=SupportCase.Status.CLOSED)
        .values_list("municipality_id", "pk")  # newest first (the model's ordering)
    ):
        open_cases.setdefault(municipality_id, []).append(case_id)
    overdue = Counter(
        overdue_next_actions(today=today)
        .filter(case__municipality_id__in=ids)
        .values_list("case__municipality_id", flat=True)
    )
    reminders = last_reminders(municipality_ids=ids, fiscal_year=year)
    rows = [
        DashboardRow(
            municipality=row["municipality"],
            score=current.get(pk),
            previous_composite=previous.get(pk),
            assessment=row["assessment"],
            kpis=row["kpis"],
            kpis_on_track=row["kpis_on_track"],
            kpis_off_track=row["kpis_off_track"],
            kpis_stale=row["kpis_stale"],
            roadmaps=row["roadmaps"],
            late_items=row["late_items"],
            open_cases=len(open_cases.get(pk, [])),
            open_case_id=next(iter(open_cases.get(pk, [])), None),
            overdue_actions=overdue.get(pk, 0),
            reminder=reminders.get(pk),
            handed_in=row["assessment"] is not None and row["assessment"].status in HANDED_IN,
        )
        for pk, row in rows_by_municipality.items()
    ]
    values = [value for s in everyone if (value := _score_value(s, area)) is not None]
    mean = sum(values) / len(values) if values else None
    window = survey_window(prefecture_id=prefecture.pk, fiscal_year=year)
    late = window is not None and today > window.closes_on
    for row in rows:
        row.causes = _causes(row, area=area, prefecture_mean=mean, late=late, window=window, scores=scores)
    summary = _summary(rows, prefecture=prefecture, scores=scores, window=window, late=late)
    return Dashboard(prefecture, year, scores, rows, area, summary, mean)


def _or_last(value: float | None) -> float:
    return float("inf") if value is None else value


def _score_value(score: MunicipalityScore, area: str, *, peer: bool = False) -> float | None:
    prefix = "peer_" if peer else ""
    value: float | None = getattr(score, f"{prefix}dev_{area}" if area else f"{prefix}composite")
    return value


def shown_value(row: DashboardRow, area: str) -> float | None:
    return None if row.score is None else _score_value(row.score, area)


def _causes(
    row: DashboardRow,
    *,
    area: str,
    prefecture_mean: float | None,
    late: bool,
    window: SurveyWindow | None,
    scores: Scores | None,
) -> list[Reason]:
    causes: list[Reason] = []
    value = shown_value(row, area)
    peer = _score_value(row.score, area, peer=True) if row.score else None
    if peer is not None and 50 - peer >= SHORTFALL:
        gap = 50 - peer
        causes.append(
            Reason(
                "below_class",
                gap * POINTS["below_class"],
                _("%(value).1f in its size class (%(gap).1f below its mean)") % {"value": peer, "gap": gap},
            )
        )
    if value is not None and prefecture_mean is not None and prefecture_mean - value >= SHORTFALL:
        gap = prefecture_mean - value
        causes.append(
            Reason(
                "below_prefecture",
                gap * POINTS["below_prefecture"],
                _("%(gap).1f below the prefecture's mean of %(mean).1f") % {"gap": gap, "mean": prefecture_mean},
            )
        )
    # The previous composite is of the same origin as the current one (latest_scores), never real
    # against synthetic.
    if row.fall is not None and -row.fall >= FALL and scores is not None and scores.previous is not None:
        causes.append(
            Reason(
                "fell",
                -row.fall * POINTS["fell"],
                _("fell %(fall).1f since %(year)s (%(before).1f → %(now).1f)")
                % {
                    "fall": -row.fall,
                    "year": FiscalYear(scores.previous.catalog.fiscal_year).label,
                    "before": row.previous_composite,
                    "now": row.score.composite if row.score else 0,
                },
            )
        )
    if row.overdue_actions:
        causes.append(
            Reason(
                "overdue_actions",
                row.overdue_actions * POINTS["overdue_actions"],
                ngettext("%(n)d support next action overdue", "%(n)d support next actions overdue", row.overdue_actions)
                % {"n": row.overdue_actions},
            )
        )
    if row.kpis_off_track or row.kpis_stale:
        causes.append(
            Reason(
                "kpis",
                (row.kpis_off_track + row.kpis_stale) * POINTS["kpis"],
                _("KPIs: %(off)d off track, %(stale)d unmeasured for 90 days")
                % {"off": row.kpis_off_track, "stale": row.kpis_stale},
            )
        )
    if late and window is not None and not row.handed_in:
        causes.append(
            Reason(
                "late",
                POINTS["late"],
                _("self-assessment not submitted by the deadline (%(deadline)s)")
                % {"deadline": date_format(window.closes_on)},
            )
        )
    return causes


def _summary(
    rows: list[DashboardRow],
    *,
    prefecture: Prefecture,
    scores: Scores | None,
    window: SurveyWindow | None,
    late: bool,
) -> Summary:
    def by_deadline(row: DashboardRow) -> bool:
        submitted = row.assessment.submitted_at if row.assessment else None
        return (
            row.handed_in
            and submitted is not None
            and window is not None
            and (timezone.localdate(submitted) <= window.closes_on)
        )

    return Summary(
        municipalities=len(rows),
        towns_villages=sum(row.municipality.kind in TOWNS_AND_VILLAGES for row in rows),
        prefecture_score=prefecture_score(run=scores.run, prefecture=prefecture) if scores else None,
        prefectures_ranked=prefecture_scores(run=scores.run).count() if scores else 0,
        window=window,
        handed_in=sum(row.handed_in for row in rows),
        handed_in_by_deadline=sum(map(by_deadline, rows)) if window else None,
        deadline_passed=late,
        open_cases=sum(row.open_cases for row in rows),
        overdue_cases=sum(row.overdue_actions for row in rows),
        kpis=sum(row.kpis for row in rows),
        kpis_off_track=sum(row.kpis_off_track for row in rows),
        kpis_stale=sum(row.kpis_stale for row in rows),
    )


# --- gaps → joint action -------------------------------------------------------------------------


def gap_values(*, scores: Scores, prefecture: Prefecture) -> list[tuple[Any, ...]]:
    """The item × municipality matrix of the national data (benchmarks' gap_matrix_values rows), each cell
    brought up to date by the municipality's newest confirmed self-assessment."""
    rows = gap_matrix_values(dataset=scores.dataset, prefecture=prefecture)
    ids = dict(Municipality.objects.filter(prefecture=prefecture).values_list("code", "pk"))
    confirmed = {
        (municipality_id, code): value
        for municipality_id, code, value, _status in confirmed_answers(
            prefecture_id=prefecture.pk, codes={row[0] for row in rows}
        )
    }
    updated = []
    for item, item_name, code, name, value, missing in rows:
        if (ids[code], item) in confirmed:
            value, missing = confirmed[ids[code], item], ""
        updated.append((item, item_name, code, name, value, missing))
    return updated


@dataclass(frozen=True)
class Gaps:
    scores: Scores | None
    counts: list[dict[str, Any]]  # benchmarks' gap_counts: most lacking item first
    chosen: str  # the item code picked, "" for none
    chosen_name: str
    lacking: list[tuple[str, str]]  # (code, name) of the municipalities that have not done the chosen item


def prefecture_gaps(*, user: User | AnonymousUser, prefecture: Prefecture, item: str = "") -> Gaps:
    """Items ranked by how many of the prefecture's municipalities lack them, and for one item (`item`)
    the municipalities that lack it (not those that gave no answer). Nothing for others than its
    coordinators."""
    scores = latest_scores() if permissions.can_coordinate(user, prefecture.pk) else None
    values = gap_values(scores=scores, prefecture=prefecture) if scores else []
    lacking = [
        (code, name)
        for item_code, _item_name, code, name, value, missing in values
        if item_code == item and not missing and not value
    ]
    chosen_name = next((item_name for item_code, item_name, *_rest in values if item_code == item), "")
    return Gaps(scores, gap_counts(values), item, chosen_name, lacking)
