"""Reads of the coordinator's workspace: the prefecture dashboard, next steps, support cases, the pool."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Answer, Assessment
from assessments.selectors import review_rows
from benchmarks.models import Dataset, MunicipalityScore, ScoreRun
from benchmarks.selectors import gap_matrix_values, published_scores, years_with_scores
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Prefecture

from .models import Dispatch, GoalMilestone, SharedGoal, Specialist, SupportCase

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User

# "Needs attention": this many lowest composites, and a fall of this many points since the previous year.
LOWEST = 5
FALL = 2.0
REASONS = {
    "lowest": _("among the lowest composites"),
    "fell": _("composite fell since the previous year"),
    "not_submitted": _("self-assessment not submitted"),
    "stale_kpis": _("KPIs without a measurement for 90 days"),
}


@dataclass(frozen=True)
class Scores:
    """The newest published real scores where they exist (else synthetic), and the year before's."""

    dataset: Dataset
    run: ScoreRun
    previous: Dataset | None
    previous_run: ScoreRun | None


def latest_scores() -> Scores | None:
    years = years_with_scores()
    if not years:
        return None
    latest = published_scores(fiscal_year=years[0])
    if latest is None:
        return None
    previous = published_scores(fiscal_year=years[1]) if len(years) > 1 else None
    return Scores(
        latest.dataset, latest.run, previous.dataset if previous else None, previous.run if previous else None
    )


@dataclass
class DashboardRow:
    municipality: Municipality
    score: MunicipalityScore | None
    previous_composite: float | None
    assessment: Assessment | None
    kpis: int
    kpis_on_track: int
    kpis_stale: int
    roadmaps: int
    late_items: int
    open_cases: int
    reasons: list[str] = field(default_factory=list)  # codes of why it needs attention, see REASONS

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[reason]) for reason in self.reasons]

    @property
    def fall(self) -> float | None:
        composite = self.score.composite if self.score else None
        if composite is None or self.previous_composite is None:
            return None
        return composite - self.previous_composite


@dataclass(frozen=True)
class Dashboard:
    prefecture: Prefecture
    fiscal_year: int
    scores: Scores | None
    rows: list[DashboardRow]
    area: str = ""  # the area the rows are ranked by ("" for the composite)

    @property
    def attention(self) -> list[DashboardRow]:
        """Most urgent first: by the gravest reason (in REASONS' order), then the lowest score — so that the
        lowest and the falling lead, not a long tail of unsubmitted assessments."""
        order = list(REASONS)

        def urgency(row: DashboardRow) -> tuple[int, float]:
            return (min(order.index(r) for r in row.reasons), _or_last(shown_value(row, self.area)))

        return sorted((row for row in self.rows if row.reasons), key=urgency)


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
    open support cases, and why it needs attention. A fixed number of queries, however many towns."""
    today = today or timezone.localdate()
    year = FiscalYear.of(today).year
    if not permissions.can_coordinate(user, prefecture.pk):
        return Dashboard(prefecture, year, None, [])
    scores = latest_scores()
    rows_by_municipality = {
        row["municipality"].pk: row
        for row in review_rows(user=user, prefecture_id=prefecture.pk, fiscal_year=year, towns_only=towns_only)
        if not size_class or row["municipality"].size_class == size_class
    }
    current: dict[int, MunicipalityScore] = {}
    previous: dict[int, float | None] = {}
    if scores is not None:
        current = {
            s.municipality_id: s for s in scores.run.municipal_scores.filter(municipality_id__in=rows_by_municipality)
        }
        if scores.previous_run is not None:
            previous = dict(
                scores.previous_run.municipal_scores.filter(municipality_id__in=rows_by_municipality).values_list(
                    "municipality_id", "composite"
                )
            )
    open_cases = Counter(
        SupportCase.objects.filter(municipality_id__in=rows_by_municipality)
        .exclude(status=SupportCase.Status.CLOSED)
        .values_list("municipality_id", flat=True)
    )
    rows = [
        DashboardRow(
            municipality=row["municipality"],
            score=current.get(pk),
            previous_composite=previous.get(pk),
            assessment=row["assessment"],
            kpis=row["kpis"],
            kpis_on_track=row["kpis_on_track"],
            kpis_stale=row["kpis_stale"],
            roadmaps=row["roadmaps"],
            late_items=row["late_items"],
            open_cases=open_cases.get(pk, 0),
        )
        for pk, row in rows_by_municipality.items()
    ]
    _mark_attention(rows, area)
    return Dashboard(prefecture, year, scores, rows, area)


def _or_last(value: float | None) -> float:
    return float("inf") if value is None else value


def shown_value(row: DashboardRow, area: str) -> float | None:
    if row.score is None:
        return None
    value: float | None = getattr(row.score, f"dev_{area}" if area else "composite")
    return value


def _mark_attention(rows: list[DashboardRow], area: str) -> None:
    scored = sorted(
        (row for row in rows if shown_value(row, area) is not None), key=lambda row: shown_value(row, area) or 0
    )
    for row in scored[:LOWEST]:
        row.reasons.append("lowest")
    for row in rows:
        if row.fall is not None and row.fall <= -FALL:
            row.reasons.append("fell")
        if row.assessment is None or row.assessment.status in (Assessment.Status.DRAFT, Assessment.Status.RETURNED):
            row.reasons.append("not_submitted")
        if row.kpis_stale:
            row.reasons.append("stale_kpis")


# --- support cases and the pool ------------------------------------------------------------------


def support_case_list(*, user: User | AnonymousUser) -> QuerySet[SupportCase]:
    return (
        SupportCase.objects.filter(permissions.support_case_visibility(user))
        .select_related("municipality", "municipality__prefecture", "specialist", "raised_by")
        # Open cases (never closed) first, newest first; then the most recently closed.
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def specialist_list(*, user: User | AnonymousUser, prefecture: Prefecture) -> QuerySet[Specialist]:
    if not permissions.can_coordinate(user, prefecture.pk):
        return Specialist.objects.none()
    return Specialist.objects.filter(prefecture=prefecture).prefetch_related("municipalities")


def days_used(*, specialist: Specialist, month: dt.date) -> Decimal:
    """Days the specialist is dispatched in the month of `month`."""
    start = month.replace(day=1)
    month_days = specialist.dispatches.filter(worked_on__gte=start, worked_on__lt=_next_month(start))
    total = month_days.aggregate(n=Sum("days"))["n"]
    return total or Decimal(0)


@dataclass(frozen=True)
class Match:
    specialist: Specialist
    skilled: bool
    serves: bool
    remaining: Decimal


def matching_specialists(*, case: SupportCase, today: dt.date | None = None) -> list[Match]:
    """Active specialists of the case's prefecture with days left this month: those with the case's skill
    first, then those who already serve the municipality, then by most remaining days."""
    month = (today or timezone.localdate()).replace(day=1)
    pool = Specialist.objects.filter(prefecture_id=case.municipality.prefecture_id, active=True).prefetch_related(
        "municipalities"
    )
    used: dict[int, Decimal] = dict(
        Dispatch.objects.filter(specialist__in=pool, worked_on__gte=month, worked_on__lt=_next_month(month))
        .values("specialist")
        .annotate(n=Sum("days"))
        .values_list("specialist", "n")
    )
    matches = [
        Match(
            specialist,
            bool(case.skill) and case.skill in specialist.skills,
            any(m.pk == case.municipality_id for m in specialist.municipalities.all()),
            specialist.days_per_month - used.get(specialist.pk, Decimal(0)),
        )
        for specialist in pool
    ]
    return sorted(
        (m for m in matches if m.remaining > 0),
        key=lambda m: (not m.skilled, not m.serves, -m.remaining, m.specialist.name),
    )


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class PoolLoad:
    months: list[dt.date]
    rows: list[tuple[Specialist, list[Decimal]]]  # days dispatched in each of `months`
    by_municipality: list[tuple[str, Decimal]]


def pool_load(
    *, user: User | AnonymousUser, prefecture: Prefecture, months: int = 6, today: dt.date | None = None
) -> PoolLoad:
    """Days dispatched per specialist and month, and per municipality, over the last `months` months."""
    first = (today or timezone.localdate()).replace(day=1)
    month_list = [first]
    for _month in range(months - 1):
        month_list.insert(0, (month_list[0] - dt.timedelta(days=1)).replace(day=1))
    if not permissions.can_coordinate(user, prefecture.pk):
        return PoolLoad(month_list, [], [])
    dispatches = Dispatch.objects.filter(
        specialist__prefecture=prefecture, worked_on__gte=month_list[0], worked_on__lt=_next_month(first)
    )
    days: dict[tuple[int, dt.date], Decimal] = {}
    for specialist_id, worked_on, n in dispatches.values_list("specialist_id", "worked_on", "days"):
        key = (specialist_id, worked_on.replace(day=1))
        days[key] = days.get(key, Decimal(0)) + n
    rows = [
        (specialist, [days.get((specialist.pk, month), Decimal(0)) for month in month_list])
        for specialist in Specialist.objects.filter(prefecture=prefecture).order_by("name")
    ]
    by_municipality = list(
        dispatches.values("case__municipality__name")
        .annotate(n=Sum("days"))
        .order_by("-n")
        .values_list("case__municipality__name", "n")
    )
    return PoolLoad(month_list, rows, by_municipality)


# --- shared goals --------------------------------------------------------------------------------


def shared_goal_list(*, user: User | AnonymousUser, prefecture: Prefecture) -> QuerySet[SharedGoal]:
    """The prefecture's goals, for its coordinators and for its municipalities' members."""
    if not permissions.can_view_shared_goals(user, prefecture.pk):
        return SharedGoal.objects.none()
    return SharedGoal.objects.filter(prefecture=prefecture).prefetch_related("indicators")


@dataclass(frozen=True)
class GoalLine:
    municipality: Municipality
    done: int
    total: int
    due_on: dt.date | None

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass(frozen=True)
class GoalProgress:
    rows: list[GoalLine]

    @property
    def complete(self) -> int:
        return sum(line.complete for line in self.rows)


def _achieved(value: float | None, status: str) -> bool:
    return value == 1.0 or status == "online"


def _confirmed_answers(*, prefecture_id: int, codes: Iterable[str]) -> QuerySet[Answer, tuple[Any, ...]]:
    """(municipality id, item code, value, status) of the prefecture's confirmed self-assessments, newest
    fiscal year last: applied in order over the national data, the newest confirmed answer wins. An item
    an assessment left unanswered says nothing."""
    return (
        Answer.objects.filter(
            assessment__status=Assessment.Status.CONFIRMED,
            assessment__municipality__prefecture_id=prefecture_id,
            indicator__code__in=list(codes),
        )
        .exclude(value__isnull=True, status="")
        .order_by("assessment__fiscal_year")
        .values_list("assessment__municipality_id", "indicator__code", "value", "status")
    )


def gap_values(*, scores: Scores, prefecture: Prefecture) -> list[tuple[Any, ...]]:
    """The item × municipality matrix of the national data (benchmarks' gap_matrix_values rows), each cell
    brought up to date by the municipality's newest confirmed self-assessment."""
    rows = gap_matrix_values(dataset=scores.dataset, prefecture=prefecture)
    ids = dict(Municipality.objects.filter(prefecture=prefecture).values_list("code", "pk"))
    confirmed = {
        (municipality_id, code): value
        for municipality_id, code, value, _status in _confirmed_answers(
            prefecture_id=prefecture.pk, codes={row[0] for row in rows}
        )
    }
    updated = []
    for item, item_name, code, name, value, missing in rows:
        if (ids[code], item) in confirmed:
            value, missing = confirmed[ids[code], item], ""
        updated.append((item, item_name, code, name, value, missing))
    return updated


def goals_progress(*, goals: Sequence[SharedGoal]) -> list[tuple[SharedGoal, GoalProgress]]:
    """Per goal (all of one prefecture) and municipality of the prefecture, how many of the goal's items it
    has done: its newest confirmed self-assessment where it has one, else the latest national data. The same
    few queries however many goals."""
    if not goals:
        return []
    prefecture_id = goals[0].prefecture_id
    codes_of = {goal.pk: [indicator.code for indicator in goal.indicators.all()] for goal in goals}
    codes = set().union(*codes_of.values())
    municipalities = list(Municipality.objects.filter(prefecture_id=prefecture_id).order_by("code"))
    done: dict[int, dict[str, bool]] = {m.pk: {} for m in municipalities}
    scores = latest_scores()
    if scores is not None:
        for municipality_id, code, value, status in scores.dataset.values.filter(
            municipality__prefecture_id=prefecture_id, indicator__code__in=codes, missing=""
        ).values_list("municipality_id", "indicator__code", "value", "status"):
            done[municipality_id][code] = _achieved(value, status)
    for municipality_id, code, value, status in _confirmed_answers(prefecture_id=prefecture_id, codes=codes):
        done[municipality_id][code] = _achieved(value, status)
    dates = {
        (goal_id, municipality_id): due_on
        for goal_id, municipality_id, due_on in GoalMilestone.objects.filter(goal__in=goals).values_list(
            "goal_id", "municipality_id", "due_on"
        )
    }
    return [
        (
            goal,
            GoalProgress(
                [
                    GoalLine(
                        m,
                        sum(done[m.pk].get(code, False) for code in codes_of[goal.pk]),
                        len(codes_of[goal.pk]),
                        dates.get((goal.pk, m.pk)),
                    )
                    for m in municipalities
                ]
            ),
        )
        for goal in goals
    ]


def goal_progress(*, goal: SharedGoal) -> GoalProgress:
    return goals_progress(goals=[goal])[0][1]


# --- next best steps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    indicator: Any  # benchmarks Indicator
    peer_rate: float
    cases: list[Any]  # community PracticeCase, of similar municipalities first
    procurements: list[Any]  # community Procurement still open to join
    specialists: list[Match]


def next_best_steps(*, user: User | AnonymousUser, municipality: Municipality, per_item: int = 3) -> list[NextStep]:
    """The items most of the municipality's size-class peers have done and it has not, each with practice
    cases (similar sizes first) that the user may read, joint procurements open to join and, for the
    prefecture's coordinators (who alone see the pool), its specialists with that area's skill and days left
    this month."""
    from benchmarks.selectors import item_rates, municipality_values, next_steps
    from community.models import PracticeCase, Procurement
    from community.models.procurement import STAGE_ORDER, Stage

    scores = latest_scores()
    if scores is None:
        return []
    values = list(municipality_values(dataset=scores.dataset, municipality=municipality))
    steps = next_steps(
        values=values, peer_rates=item_rates(run=scores.run, level="size_class", group=municipality.size_class)
    )
    today = timezone.localdate()
    cases = list(
        PracticeCase.objects.filter(
            permissions.practice_case_visibility(user, today), indicators__code__in=[i.code for i, _r in steps]
        )
        .exclude(organization__municipality=municipality)
        .prefetch_related("indicators")
        .distinct()
    )
    joinable = STAGE_ORDER[: STAGE_ORDER.index(Stage.COMMITMENT)]
    procurements = list(
        Procurement.objects.filter(
            permissions.procurement_visibility(user),
            stage__in=joinable,
            join_until__gte=today,
            indicators__code__in=[i.code for i, _r in steps],
        )
        .prefetch_related("indicators")
        .distinct()
    )
    pool = Specialist.objects.filter(prefecture_id=municipality.prefecture_id, active=True)
    if not permissions.can_coordinate(user, municipality.prefecture_id):
        pool = pool.none()
    month = today.replace(day=1)
    used: dict[int, Decimal] = dict(
        Dispatch.objects.filter(specialist__in=pool, worked_on__gte=month, worked_on__lt=_next_month(month))
        .values("specialist")
        .annotate(n=Sum("days"))
        .values_list("specialist", "n")
    )
    specialists = [(s, s.days_per_month - used.get(s.pk, Decimal(0))) for s in pool.prefetch_related("municipalities")]
    result = []
    for indicator, rate in steps:
        related = [c for c in cases if any(i.code == indicator.code for i in c.indicators.all())]
        related.sort(
            key=lambda c: (c.size_class != municipality.size_class, -(c.published_at or c.created_at).timestamp())
        )
        result.append(
            NextStep(
                indicator=indicator,
                peer_rate=rate,
                cases=related[:per_item],
                procurements=[p for p in procurements if any(i.code == indicator.code for i in p.indicators.all())][
                    :per_item
                ],
                specialists=sorted(
                    (
                        Match(s, True, any(m.pk == municipality.pk for m in s.municipalities.all()), left)
                        for s, left in specialists
                        if indicator.area in s.skills and left > 0
                    ),
                    key=lambda m: (not m.serves, -m.remaining, m.specialist.name),
                )[:per_item],
            )
        )
    return result
