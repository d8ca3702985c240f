"""The prefecture's dashboard and its gaps → joint action, and the prefectures a user's workspace lists."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from assessments.selectors import review_rows
from benchmarks.models import MunicipalityScore
from benchmarks.selectors import gap_counts, gap_matrix_values
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization, Prefecture

from ..models import SupportCase
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


# "Needs attention": this many lowest composites, and a fall of this many points since the previous year.
LOWEST = 5
FALL = 2.0
REASONS = {
    "lowest": _("among the lowest composites"),
    "fell": _("composite fell since the previous year"),
    "not_submitted": _("self-assessment not submitted"),
    "stale_kpis": _("KPIs without a measurement for 90 days"),
}


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
