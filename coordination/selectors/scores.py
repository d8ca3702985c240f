"""The scores the workspace shows: the newest published ones and the previous survey's of the same origin,
brought up to date by the prefecture's confirmed self-assessments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from assessments.models import Answer, Assessment
from benchmarks.models import Dataset, ScoreRun
from benchmarks.selectors import Comparable, comparable_scores, published_scores


@dataclass(frozen=True)
class Scores:
    """The newest published real scores where they exist (else synthetic), and the previous survey's of
    the same origin (none where that year has only the other origin's: `comparable` says which exist)."""

    dataset: Dataset
    run: ScoreRun
    previous: Dataset | None
    previous_run: ScoreRun | None
    comparable: Comparable


def latest_scores() -> Scores | None:
    latest = published_scores()
    if latest is None:
        return None
    comparable = comparable_scores(published=latest)
    previous = comparable.previous
    return Scores(
        latest.dataset,
        latest.run,
        previous.dataset if previous else None,
        previous.run if previous else None,
        comparable,
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
