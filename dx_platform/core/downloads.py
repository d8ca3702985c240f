"""Table downloads: CSV in UTF-8 (with BOM, so Excel reads it) or Shift_JIS (CP932), or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMATS = {"csv": "CSV (UTF-8)", "csv-sjis": "CSV (Shift_JIS)", "xlsx": "Excel (XLSX)"}


def csv_cell(value: Any) -> Any:
    """Numbers in CSV with two decimals; missing as empty (XLSX keeps both as they are)."""
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else value


def table_response(*, header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, fmt: str) -> HttpResponse:
    """The table as a download named `filename` plus the format's extension."""
    if fmt == "xlsx":
        return workbook_response(sheets={"data": (header, rows)}, filename=filename)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    if fmt == "csv-sjis":
        # Characters outside CP932 become "?": the UTF-8 file keeps them.
        data, charset = text.getvalue().encode("cp932", errors="replace"), "shift_jis"
    else:
        data, charset = text.getvalue().encode("utf-8-sig"), "utf-8"
    response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def workbook_response(
    *, sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]], filename: str
) -> HttpResponse:
    """Several tables as the sheets of one XLSX workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])  # Excel's limit on sheet names
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
