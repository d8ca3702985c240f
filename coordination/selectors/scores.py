"""The scores the workspace shows: the newest published ones and the year before's, brought up to date
by the prefecture's confirmed self-assessments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from assessments.models import Answer, Assessment
from benchmarks.models import Dataset, ScoreRun
from benchmarks.selectors import published_scores, years_with_scores


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


def confirmed_answers(*, prefecture_id: int, codes: Iterable[str]) -> QuerySet[Answer, tuple[Any, ...]]:
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
