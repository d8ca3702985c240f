"""Shared helpers of the benchmark service tests: survey files and answers over the real municipalities
(which the `_national` fixture of conftest.py loads)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from benchmarks.models import Value
from dx_platform.organizations.models import Municipality

YEAR = 2023
# One item of each kind, and two areas of the composite (system, service, online_volume) plus mynumber.
KINDS = {
    "system.cio": "boolean",
    "service.ai": "boolean",
    "online_volume.01": "procedure",
    "mynumber.holding_rate": "rate",
}
LONG_HEADER = ["lg_code", "fiscal_year", "indicator", "value"]

Answer = tuple[str, str, str]  # (lg_code, indicator, raw text as in the file)
Stored = tuple[float | None, str, str]  # (value, status, missing) as Value keeps it


def municipality_codes() -> list[str]:
    return list(Municipality.objects.order_by("code").values_list("code", flat=True))


def sample_answers(codes: Sequence[str]) -> list[Answer]:
    """A valid answer for every municipality and item of KINDS, with every missing-reason token."""
    answers: list[Answer] = []
    for i, code in enumerate(codes):
        cio = "not_reported" if i % 97 == 5 else "excluded" if i % 89 == 3 else str(i % 2)
        ai = "not_applicable" if i % 211 == 17 else str((i // 3) % 2)
        procedure = "not_applicable" if i % 101 == 7 else ("online", "offline", "na")[i % 3]
        rate = "not_reported" if i % 83 == 11 else f"{(i * 37) % 1001 / 10:g}"
        answers += [
            (code, "system.cio", cio),
            (code, "service.ai", ai),
            (code, "online_volume.01", procedure),
            (code, "mynumber.holding_rate", rate),
        ]
    return answers


def stored(raw: str, kind: str) -> Stored:
    """What an answer must become in the database: a reason is kept as such, never as 0."""
    if raw in {choice.value for choice in Value.Missing}:
        return None, "", raw
    if kind == "procedure":
        return None, raw, ""
    return float(raw), "", ""


def expected_values(answers: Sequence[Answer]) -> dict[tuple[str, str], Stored]:
    return {(code, indicator): stored(raw, KINDS[indicator]) for code, indicator, raw in answers}


def imported_values(dataset: Any) -> dict[tuple[str, str], Stored]:
    rows = Value.objects.filter(dataset=dataset).values_list(
        "municipality__code", "indicator__code", "value", "status", "missing"
    )
    return {(code, indicator): (value, status, missing) for code, indicator, value, status, missing in rows}


def _csv(rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def long_rows(answers: Sequence[Answer], year: int = YEAR) -> list[list[Any]]:
    return [LONG_HEADER, *([code, year, indicator, raw] for code, indicator, raw in answers)]


def long_csv(answers: Sequence[Answer], year: int = YEAR) -> bytes:
    return _csv(long_rows(answers, year)).encode()


def wide_rows(answers: Sequence[Answer], year: int | None = YEAR) -> list[list[Any]]:
    indicators = list(dict.fromkeys(indicator for _, indicator, _ in answers))
    by_code: dict[str, dict[str, str]] = {}
    for code, indicator, raw in answers:
        by_code.setdefault(code, {})[indicator] = raw
    lead = ["lg_code"] if year is None else ["lg_code", "fiscal_year"]
    return [
        [*lead, *indicators],
        *([code, *([] if year is None else [year]), *(row[i] for i in indicators)] for code, row in by_code.items()),
    ]


def wide_csv(answers: Sequence[Answer], year: int | None = YEAR) -> bytes:
    return _csv(wide_rows(answers, year)).encode()


def named_long_csv(answers: Sequence[Answer], names: dict[str, str], encoding: str) -> bytes:
    """The long shape with an extra Japanese column 自治体名, encoded as given (so the encoding matters)."""
    rows = [[*LONG_HEADER, "自治体名"], *([code, YEAR, ind, raw, names[code]] for code, ind, raw in answers)]
    return _csv(rows).encode(encoding)


def wide_xlsx(answers: Sequence[Answer]) -> bytes:
    """The wide shape as a workbook the way Excel keeps it: codes and yes/no as numbers, rates as floats."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for number, row in enumerate(wide_rows(answers)):
        if number == 0:
            sheet.append(row)
            continue
        code, year, *raws = row
        cells: list[Any] = [int(code), year]  # 011002 becomes 11002, as in a spreadsheet
        for raw in raws:
            try:
                number_value = float(raw)
            except ValueError:
                cells.append(raw)
            else:
                cells.append(int(number_value) if raw in ("0", "1") else number_value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
