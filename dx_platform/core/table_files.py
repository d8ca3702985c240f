"""Uploaded tables (CSV or XLSX) read at a bounded cost, whatever the file declares.

Each kind of upload has its limits in settings.UPLOAD_LIMITS: the size of the file, the rows and the
columns read and, for an XLSX (a zip of XML parts), the size of its parts once unpacked. openpyxl's
read-only reader trusts a sheet's <dimension> and pads every row to it: a 2 KB file that declares
A1:XFD1048576 makes it yield a million rows of 16,384 cells. So openpyxl here reads only the workbook's
frame (its sheets and date styles); the shared strings and the sheet's XML are streamed with expat: only
cells holding a value are kept, no row is padded beyond the table's header, and a value beyond a cap
refuses the file. The rest of the sheet is still scanned (within the unpacked-size cap, keeping
nothing) so that the refusal says by how much.

The type of a file is judged by its content and its name together: an XLSX must be named .xlsx, a CSV
.csv, and an old binary XLS is refused with what to do instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any, Literal
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS

Rows = list[tuple[int, list[str]]]

XLSX_SIGNATURE = b"PK\x03\x04"
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the OLE2 container of Excel 97-2003
EXCEL_MAX_COLUMNS = 16_384  # a row with more cells than Excel can hold is not a sheet
MAX_PARTS = 1_000  # a workbook has tens of parts; the zip's directory is read before anything else
MAX_RATIO = 100  # unpacked ÷ packed, for a part that unpacks to more than RATIO_FLOOR
RATIO_FLOOR = 2**20
MAX_FRAME_PART = 2**20  # one of the workbook's frame parts (see _frame_part)
FRAME_PARTS = {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml"}
MAX_DEPTH = 64  # nesting of the sheet's XML (a real sheet nests about 6 deep)
MAX_CELL_PARTS = 10_000  # elements inside one cell (rich text runs)
MAX_LINE_CHARS = 1_000_000  # one line of a CSV file
CHUNK = 64 * 1024


class TableRefused(Exception):
    """The file is refused; `errors` says why (which limit, and by how much)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class UploadLimits:
    kind: str
    max_bytes: int
    max_rows: int = 0
    max_columns: int = 0
    max_unpacked_bytes: int = 0

    @classmethod
    def of(cls, kind: str) -> UploadLimits:
        """The limits of one kind of upload, as settings.UPLOAD_LIMITS has them now."""
        return cls(kind=kind, **settings.UPLOAD_LIMITS[kind])

    def help_text(self) -> str:
        """What the form says of the limits."""
        if not self.max_rows:
            return _("At most %(size)s.") % {"size": size_text(self.max_bytes)}
        return _("At most %(size)s, %(rows)s rows and %(columns)s columns.") % {
            "size": size_text(self.max_bytes),
            "rows": f"{self.max_rows:,}",
            "columns": f"{self.max_columns:,}",
        }


def size_text(size: int) -> str:
    """A size for people: whole units as such, otherwise one decimal rounded up (so over a limit reads over)."""
    for unit, factor in (("MB", 2**20), ("KB", 2**10)):
        if size >= factor:
            if size % factor == 0:
                return f"{size // factor:,} {unit}"
            return f"{math.ceil(size * 10 / factor) / 10:,.1f} {unit}"
    return f"{size:,} B"


def size_check(size: int | None, name: str, limits: UploadLimits) -> None:
    if size is not None and size > limits.max_bytes:
        raise TableRefused(
            [
                _("%(name)s: the file is larger than the limit (%(limit)s): it is %(size)s.")
                % {"name": name, "limit": size_text(limits.max_bytes), "size": size_text(size)}
            ]
        )


def table_type(head: bytes, name: str) -> Literal["xlsx", "csv"]:
    """XLSX or CSV, judged by the first bytes and the name together; anything else is refused."""
    suffix = PurePath(name).suffix.lower()
    if head.startswith(XLS_SIGNATURE):
        message = _("%(name)s is an XLS workbook (Excel 97–2003), which is not read: save it as XLSX or CSV.")
    elif suffix not in (".csv", ".xlsx"):
        message = _("%(name)s: only CSV (.csv) and XLSX (.xlsx) files are read.")
    elif head.startswith(XLSX_SIGNATURE):
        if suffix == ".xlsx":
            return "xlsx"
        message = _("%(name)s holds an XLSX workbook: its name must end in .xlsx.")
    elif suffix == ".csv":
        return "csv"
    else:
        message = _("%(name)s is not an XLSX workbook: save it as XLSX, or name a CSV file .csv.")
    raise TableRefused([message % {"name": name}])


def unreadable(name: str, exc: BaseException) -> TableRefused:
    return TableRefused([f"{name}: not a readable XLSX workbook ({type(exc).__name__})"])


def upload_check(source: IO[bytes], name: str, size: int | None, limits: UploadLimits) -> str:
    """What a form checks before the file is read: its size, its type and, for an XLSX, its parts."""
    size_check(size, name, limits)
    source.seek(0)
    kind = table_type(source.read(len(XLS_SIGNATURE)), name)
    source.seek(0)
    if kind == "xlsx":
        parts_check(source, name, limits)
        source.seek(0)
    return kind


def parts_check(source: IO[bytes], name: str, limits: UploadLimits) -> None:
    """An XLSX's zip directory, before any part is unpacked: how many parts, how big unpacked, how packed."""
    too_many = TableRefused(
        [
            _("%(name)s: the workbook has more parts than the limit (%(limit)s).")
            % {"name": name, "limit": f"{MAX_PARTS:,}"}
        ]
    )
    if _directory_entries(source) > MAX_PARTS:
        raise too_many
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise unreadable(name, exc) from None
    if len(parts) > MAX_PARTS:
        raise too_many
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_unpacked_bytes:
        raise TableRefused(
            [
                _("%(name)s: the workbook unpacks to more than the limit (%(limit)s): to %(size)s.")
                % {"name": name, "limit": size_text(limits.max_unpacked_bytes), "size": size_text(unpacked)}
            ]
        )
    for part in parts:
        if _frame_part(part.filename) and part.file_size > MAX_FRAME_PART:
            raise TableRefused(
                [
                    _("%(name)s: %(part)s unpacks to more than the limit (%(limit)s): to %(size)s.")
                    % {
                        "name": name,
                        "part": part.filename,
                        "limit": size_text(MAX_FRAME_PART),
                        "size": size_text(part.file_size),
                    }
                ]
            )
        if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            ratio = part.file_size // max(part.compress_size, 1)
            raise TableRefused(
                [
                    _("%(name)s: %(part)s is packed more tightly than the limit (%(limit)s to 1): %(ratio)s to 1.")
                    % {"name": name, "part": part.filename, "limit": MAX_RATIO, "ratio": f"{ratio:,}"}
                ]
            )


def _frame_part(path: str) -> bool:
    """A part openpyxl builds objects from (styles, the workbook, relations, properties): tens of
    microseconds an element, so each is held to MAX_FRAME_PART (a real one is a few KB)."""
    return path in FRAME_PARTS or path.endswith(".rels") or path.startswith(("docProps/", "xl/chartsheets/"))


def _directory_entries(source: IO[bytes]) -> int:
    """The number of entries the zip's end record announces, read before zipfile builds them all."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(max(0, size - 22 - 0xFFFF))
    tail = source.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 12 > len(tail):
        return 0  # not a zip: zipfile says so
    # 0xFFFF means "see the zip64 record": at least that many.
    return int.from_bytes(tail[end + 10 : end + 12], "little")


def read_table(data: bytes, name: str, limits: UploadLimits) -> Rows:
    """The rows holding a value, with their line (CSV) or row (XLSX) numbers; refused past the limits."""
    size_check(len(data), name, limits)
    if table_type(data[: len(XLS_SIGNATURE)], name) == "xlsx":
        return _xlsx_rows(data, name, limits)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return _csv_rows(data, encoding, name, limits)
        except UnicodeDecodeError:
            continue
    raise TableRefused([f"{name}: neither UTF-8 nor Shift_JIS (CP932) text, nor an XLSX workbook"])


class _Extent:
    """How far the data reaches, counted on, keeping nothing, once a cap is passed."""

    def __init__(self, name: str, limits: UploadLimits) -> None:
        self.name, self.limits = name, limits
        self.last_row = self.last_column = self.rows = 0

    def add(self, row: int, column: int) -> bool:
        """Count a cell holding a value; True while the file is within its caps."""
        self.last_row, self.last_column = max(self.last_row, row), max(self.last_column, column)
        return self.within()

    def within(self) -> bool:
        limits = self.limits
        return max(self.last_row, self.rows) <= limits.max_rows and self.last_column <= limits.max_columns

    def refusal(self) -> TableRefused:
        errors = []
        rows = max(self.last_row, self.rows)
        if rows > self.limits.max_rows:
            errors.append(
                _("%(name)s: the number of rows is over the limit (%(limit)s rows): %(count)s rows.")
                % {"name": self.name, "limit": f"{self.limits.max_rows:,}", "count": f"{rows:,}"}
            )
        if self.last_column > self.limits.max_columns:
            errors.append(
                _("%(name)s: the number of columns is over the limit (%(limit)s columns): %(count)s columns.")
                % {"name": self.name, "limit": f"{self.limits.max_columns:,}", "count": f"{self.last_column:,}"}
            )
        return TableRefused(errors)


# --- CSV -------------------------------------------------------------------------------------------


def _csv_rows(data: bytes, encoding: str, name: str, limits: UploadLimits) -> Rows:
    extent = _Extent(name, limits)
    rows: Rows = []
    reader = csv.reader(_lines(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), name))
    try:
        for row in reader:
            width = _width(row)
            if not width:
                continue
            if extent.add(reader.line_num, width):
                # Trailing empty fields beyond the cap (a sheet's formatting, saved as CSV) are dropped.
                rows.append((reader.line_num, row[: limits.max_columns]))
    except csv.Error as exc:
        raise TableRefused([f"{name}: line {reader.line_num + 1}: not a readable CSV line ({exc})"]) from None
    if not extent.within():
        raise extent.refusal()
    return rows


def _lines(stream: io.TextIOWrapper, name: str) -> Iterator[str]:
    """The file's lines, each read only up to MAX_LINE_CHARS (a line is never held whole beyond that)."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise TableRefused(
                [
                    _("%(name)s: line %(line)s is longer than the limit (%(limit)s characters).")
                    % {"name": name, "line": f"{number:,}", "limit": f"{MAX_LINE_CHARS:,}"}
                ]
            )
        yield line


def _width(row: list[str]) -> int:
    """How many fields, up to the last one that holds something."""
    for position in range(len(row) - 1, -1, -1):
        if row[position].strip():
            return position + 1
    return 0


# --- XLSX ------------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes, name: str, limits: UploadLimits) -> Rows:
    parts_check(io.BytesIO(data), name, limits)
    book = None
    try:
        # Only the frame: sheets, shared strings, styles (the sheets themselves are not read here).
        frame = _FrameReader(io.BytesIO(data), read_only=True, data_only=True)
        # As many texts as the sheet's cells within the caps can show; a workbook of more is not read.
        frame.strings_limit = max(limits.max_rows * limits.max_columns, 1)
        frame.read()
        book = frame.wb
        sheet = book.worksheets[0]
        # openpyxl 3.1 (pinned): the read-only sheet's shared strings and source, the book's date styles.
        reader = _SheetReader(
            name,
            limits,
            strings=sheet._shared_strings,
            date_styles=book._date_formats,
            timedelta_styles=book._timedelta_formats,
            epoch=book.epoch,
        )
        with sheet._get_source() as source:
            return reader.read(source)
    except TableRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken workbook fails in many ways (zip, XML, styles); all mean "unreadable"
        raise unreadable(name, exc) from None
    finally:
        if book is not None:
            book.close()


class _FrameReader(ExcelReader):
    """openpyxl's reader of a workbook's frame, with the shared strings streamed (openpyxl builds a tree
    of them, at tens of microseconds each: a 0.5 MB file of 200,000 short texts costs seconds)."""

    strings_limit = 0

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _shared_strings(source, self.strings_limit)


def _shared_strings(source: IO[bytes], limit: int) -> list[str]:
    """The texts of sharedStrings.xml (plain and rich, without phonetic runs), as openpyxl reads them."""
    strings: list[str] = []
    path: list[str] = []
    parts: list[str] = []
    text: list[str] | None = None

    def start(tag: str, _attributes: dict[str, str]) -> None:
        nonlocal text, parts
        local = tag.rpartition(" ")[2]
        path.append(local)
        if len(path) > MAX_DEPTH:
            raise ValueError("nested too deep")
        if local == "si":
            parts = []
        elif local == "t" and len(path) > 1 and path[-2] in ("si", "r"):
            text = []

    def end(tag: str) -> None:
        nonlocal text
        local = path.pop()
        if local == "t" and text is not None:
            parts.append("".join(text))
            text = None
        elif local == "si":
            strings.append("".join(parts).replace("x005F_", ""))
            if len(strings) > limit:
                raise ValueError("more shared strings than the caps' cells")

    def characters(data: str) -> None:
        if text is not None:
            text.append(data)

    _parse(source, start, end, characters)
    return strings


def _parse(source: IO[bytes], start: Any, end: Any, characters: Any) -> None:
    """Stream an XML part through expat; a DTD (and so any entity) is refused."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters

    def doctype(*_args: object) -> None:
        raise ValueError("a DOCTYPE in a workbook part")

    parser.StartDoctypeDeclHandler = doctype
    while chunk := source.read(CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


class _SheetReader:
    """One worksheet's XML through expat: rows of cell texts, nothing kept beyond the caps."""

    def __init__(
        self,
        name: str,
        limits: UploadLimits,
        *,
        strings: Any,
        date_styles: set[int],
        timedelta_styles: set[int],
        epoch: dt.datetime,
    ) -> None:
        self.name, self.limits = name, limits
        self.strings, self.date_styles, self.timedelta_styles, self.epoch = (
            strings,
            date_styles,
            timedelta_styles,
            epoch,
        )
        self.extent = _Extent(name, limits)
        self.rows: Rows = []
        self.path: list[str] = []  # local names of the open elements
        self.row_number = self.column = self.cells_in_row = 0
        self.row: dict[int, str] = {}
        self.row_has_data = False
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None  # the text being collected (a <v>, or a <t> of an inline string)

    def read(self, source: IO[bytes]) -> Rows:
        _parse(source, self.start, self.end, self.characters)
        if not self.extent.within():
            raise self.extent.refusal()
        if self.rows:
            # Rows end at their last value; a row shorter than the header gets its empty cells back.
            width = min(len(self.rows[0][1]), self.limits.max_columns)
            for _line, cells in self.rows:
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
        return self.rows

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        self.path.append(local)
        if len(self.path) > MAX_DEPTH:
            raise ValueError("nested too deep")
        if self.cell is not None:
            self.cell["parts"] += 1
            if self.cell["parts"] > MAX_CELL_PARTS:
                raise ValueError("a cell of too many parts")
            if local == "v" or (local == "t" and self.path[-2] in ("is", "r")):
                self.text = []
        elif local == "row":
            number = attributes.get("r")
            self.row_number = int(number) if number else self.row_number + 1
            self.column = self.cells_in_row = 0
            self.row, self.row_has_data = {}, False
        elif local == "c" and self.path[-2:-1] == ["row"]:
            self.cells_in_row += 1
            if self.cells_in_row > EXCEL_MAX_COLUMNS:
                raise ValueError("a row of more cells than a sheet has columns")
            reference = attributes.get("r")
            if reference:
                row, self.column = coordinate_to_tuple(reference)
            else:
                row, self.column = self.row_number, self.column + 1
            style = attributes.get("s")
            self.cell = {
                "row": row,
                "type": attributes.get("t", "n"),
                "style": int(style) if style else 0,
                "value": None,
                "inline": [],
                "parts": 0,
            }

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, tag: str) -> None:
        local = self.path.pop()
        cell = self.cell
        if cell is not None and self.text is not None and local in ("v", "t"):
            if local == "v":
                cell["value"] = "".join(self.text)
            else:
                cell["inline"].append("".join(self.text))
            self.text = None
        elif local == "c" and cell is not None:
            self.cell = None
            text = _cell_text(self._value(cell))
            if text:
                self.row_has_data = True
                if self.extent.add(max(cell["row"], self.row_number), self.column):
                    self.row[self.column] = text
        elif local == "row":
            if self.row_has_data:
                self.extent.rows += 1
                if self.extent.within():
                    self.rows.append(
                        (self.row_number, [self.row.get(column, "") for column in range(1, max(self.row) + 1)])
                    )
            self.row, self.row_has_data = {}, False

    def _value(self, cell: dict[str, Any]) -> object:
        """The cell's value as openpyxl gives it (data only: a formula's last result)."""
        kind, raw = cell["type"], cell["value"]
        if kind == "inlineStr":
            return "".join(cell["inline"]) or None
        if raw is None or raw == "":
            return None
        if kind == "s":
            return self.strings[int(raw)]
        if kind == "b":
            return bool(int(raw))
        if kind == "d":
            return from_ISO8601(raw)
        if kind in ("str", "e"):
            return raw
        number = float(raw) if any(mark in raw for mark in ".eE") else int(raw)
        if cell["style"] in self.date_styles:
            try:
                return from_excel(number, self.epoch, timedelta=cell["style"] in self.timedelta_styles)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    # Excel stores 1 as 1.0 and codes as numbers that lost their leading zero.
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()
