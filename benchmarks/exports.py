"""Score tables as rows of plain values, shared by the CSV command, the downloads and the pages.

Numbers stay numbers (XLSX keeps them as such); CSV writers format them with downloads.csv_cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dx_platform.core.i18n import localized

from .models import Dataset, ItemRate, MunicipalityScore, ScoreRun
from .scoring import AREAS
from .selectors import municipality_scores, prefecture_scores

SCORE_COLUMNS = [f"rate_{area}" for area in AREAS] + [f"dev_{area}" for area in AREAS] + ["composite"]
MUNICIPAL_COLUMNS = [*SCORE_COLUMNS, "composite_areas", "rank", "peer_composite", "peer_rank"]


def score_table(*, run: ScoreRun, level: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: code,name,rate_<area>…,dev_<area>…,composite (6-digit or 2-digit codes)."""
    header = ["code", "name", *SCORE_COLUMNS]
    if level == "prefecture":
        rows = [
            [s.prefecture.pref_code, s.prefecture.name, *(getattr(s, c) for c in SCORE_COLUMNS)]
            for s in prefecture_scores(run=run)
        ]
    else:
        rows = municipal_rows(municipality_scores(run=run), SCORE_COLUMNS)
    return header, rows


def municipal_rows(scores: Iterable[MunicipalityScore], columns: list[str]) -> list[list[Any]]:
    return [[s.municipality.code, s.municipality.name, *(getattr(s, c) for c in columns)] for s in scores]


ITEM_COLUMNS = [
    "indicator",
    "label",
    "scope",
    "group",
    "numerator",
    "denominator",
    "rate",
    "excluded",
]


def item_rate_table(*, rates: Iterable[ItemRate]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: indicator,label,scope,group,numerator,denominator,rate,excluded."""
    rows = [
        [
            rate.indicator.code,
            localized(rate.indicator, "name"),
            rate.level,
            rate.group,
            rate.numerator,
            rate.n,
            rate.rate,
            rate.excluded,
        ]
        for rate in rates
    ]
    return ITEM_COLUMNS, rows


def with_origin(header: list[str], rows: Iterable[list[Any]], dataset: Dataset) -> tuple[list[str], list[list[Any]]]:
    """The table with the dataset's id and origin on every row: a row that leaves says where it is from."""
    return [*header, "dataset", "origin"], [[*row, dataset.pk, dataset.origin] for row in rows]
