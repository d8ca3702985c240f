"""Score tables as rows, shared by the CSV command, the downloads and the pages."""

from __future__ import annotations

from typing import Any

from .models import ScoreRun
from .scoring import AREAS
from .selectors import municipality_scores, prefecture_scores

SCORE_COLUMNS = [f"rate_{area}" for area in AREAS] + [f"dev_{area}" for area in AREAS] + ["composite"]


def number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def score_table(*, run: ScoreRun, level: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: code,name,rate_<area>…,dev_<area>…,composite (6-digit or 2-digit codes)."""
    header = ["code", "name", *SCORE_COLUMNS]
    if level == "prefecture":
        rows = [
            [s.prefecture.pref_code, s.prefecture.name, *(number(getattr(s, c)) for c in SCORE_COLUMNS)]
            for s in prefecture_scores(run=run)
        ]
    else:
        rows = [
            [s.municipality.code, s.municipality.name, *(number(getattr(s, c)) for c in SCORE_COLUMNS)]
            for s in municipality_scores(run=run)
        ]
    return header, rows
