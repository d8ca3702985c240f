"""Table downloads: CSV in UTF-8 (with BOM, so Excel reads it) or Shift_JIS (CP932), or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

Sheets = dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]

FORMATS = {"csv": "CSV (UTF-8)", "csv-sjis": "CSV (Shift_JIS)", "xlsx": "Excel (XLSX)"}

# A text cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cell(value: Any) -> Any:
    """Numbers in CSV with two decimals; missing as empty; text that a spreadsheet would run as a
    formula behind a quote, as OWASP advises (XLSX keeps all three as they are, text typed as text)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not is_number(value):
        return "'" + value
    return value


def table_response(
    *,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    filename: str,
    fmt: str,
    notes: Sequence[tuple[str, str]] = (),
) -> HttpResponse:
    """The table as a download named `filename` plus the format's extension (`-sjis` for Shift_JIS,
    so the two CSV files never overwrite each other). An XLSX gets `notes` (source, origin, method)
    as a second sheet; a CSV carries them in its columns."""
    if fmt == "xlsx":
        sheets: Sheets = {"data": (header, rows)}
        if notes:
            sheets[_("Source and notes")] = ([_("Item"), _("Value")], notes)
        return workbook_response(sheets=sheets, filename=filename)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    if fmt == "csv-sjis":
        # Characters outside CP932 become "?": the UTF-8 file keeps them.
        data, charset = text.getvalue().encode("cp932", errors="replace"), "shift_jis"
        filename = f"{filename}-sjis"
    else:
        data, charset = text.getvalue().encode("utf-8-sig"), "utf-8"
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def text_cell(sheet: Any, text: str) -> Any:
    """A cell that holds the text as text: openpyxl would store "=..." as a formula that Excel runs.
    Control characters (a pasted form feed, say) have no place in XLSX and would stop the whole file."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"
    return cell


def workbook_bytes(sheets: Sheets) -> bytes:
    """Several tables as the sheets of one XLSX workbook."""
    workbook = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])  # Excel's limit on sheet names
        sheet.append(list(header))
        for row in rows:
            sheet.append([text_cell(sheet, value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_response(*, sheets: Sheets, filename: str) -> HttpResponse:
    response = HttpResponse(
        workbook_bytes(sheets), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
