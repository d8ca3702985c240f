"""Spreadsheets built to make a reader do far more work than their size suggests, and a way to bound
what reading them costs.

The sheet XML is edited after openpyxl writes it, so each file declares the extent an attacker would
(`<dimension ref="A1:XFD1048576"/>`) whatever openpyxl computed.
"""

from __future__ import annotations

import gc
import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
LAST_ROW, LAST_COLUMN = 1_048_576, 16_384  # Excel's A1:XFD1048576
CPU_SECONDS, MEMORY_MIB = 2.0, 64  # the bounds of issue 15


def _workbook(cells: dict[tuple[int, int], object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for (row, column), value in cells.items():
        sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_sheet_xml(data: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    """The workbook with its first sheet's XML passed through `edit` (bytes → bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, edit(body) if info.filename == SHEET else body)
    return out.getvalue()


def declaring(data: bytes, extent: str) -> bytes:
    def edit(xml: bytes) -> bytes:
        edited, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{extent}"/>'.encode(), xml)
        assert count == 1
        return edited

    return with_sheet_xml(data, edit)


def declared_size(header: Sequence[object]) -> bytes:
    """A valid header, one cell at the far corner, and the whole sheet declared: a couple of KB."""
    cells: dict[tuple[int, int], object] = {(1, column): name for column, name in enumerate(header, start=1)}
    cells[(LAST_ROW, LAST_COLUMN)] = "x"
    return declaring(_workbook(cells), f"A1:XFD{LAST_ROW}")


def far_columns(header: Sequence[object], rows: int = 2_000) -> bytes:
    """A valid header, then `rows` rows with a cell in column A and one in XFD: about 20 KB."""
    cells: dict[tuple[int, int], object] = {(1, column): name for column, name in enumerate(header, start=1)}
    for row in range(2, rows + 2):
        cells[(row, 1)] = "x"
        cells[(row, LAST_COLUMN)] = "x"
    return declaring(_workbook(cells), f"A1:XFD{rows + 1}")


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class Cost:
    cpu_seconds: float = 0.0
    peak_mib: float = 0.0


@contextmanager
def bounded(cpu_seconds: float = CPU_SECONDS, memory_mib: float = MEMORY_MIB) -> Iterator[Cost]:
    """Fail unless the block uses less than `cpu_seconds` of CPU and grows memory by less than `memory_mib`
    (the peak of what it allocates, as tracemalloc counts it; CPU time, so a busy machine does not count)."""
    cost = Cost()
    gc.collect()
    tracemalloc.start()
    start = time.process_time()
    try:
        yield cost
    finally:
        cost.cpu_seconds = time.process_time() - start
        cost.peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert cost.cpu_seconds < cpu_seconds, f"{cost.cpu_seconds:.2f} s of CPU"
    assert cost.peak_mib < memory_mib, f"{cost.peak_mib:.1f} MiB"


def with_shared_strings(data: bytes, items: Sequence[bytes]) -> bytes:
    """The workbook with a sharedStrings part of `items` (each the inside of an <si>) added to it."""
    table = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"".join(b"<si>%s</si>" % item for item in items)
        + b"</sst>"
    )
    part_type = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    relation = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                override = b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/>' % part_type
                body = body.replace(b"</Types>", override + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                link = b'<Relationship Id="rIdS" Type="%s" Target="sharedStrings.xml"/>' % relation
                body = body.replace(b"</Relationships>", link + b"</Relationships>")
            target.writestr(info.filename, body)
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()
