"""The bounded reader of uploaded tables (dx_platform.core.table_files): what it keeps, what it refuses and
what it says; the upload paths' own tests push the hostile files through the pages and the worker."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from dx_platform.core.table_files import TableRefused, UploadLimits, read_table, size_text
from tests.hostile_files import bounded, with_shared_strings, with_sheet_xml, xlsx

LIMITS = UploadLimits(kind="test", max_bytes=2**20, max_rows=100, max_columns=10, max_unpacked_bytes=8 * 2**20)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(data: bytes, name: str, limits: UploadLimits = LIMITS) -> list[str]:
    with pytest.raises(TableRefused) as refused:
        read_table(data, name, limits)
    return refused.value.errors


def test_an_ordinary_workbook_reads_as_openpyxl_reads_it():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["date", "value", "note", "flag"])
    sheet.append([dt.date(2025, 4, 1), 150, "窓口で集計", True])
    sheet.append([dt.date(2025, 7, 1), 2.5, None, False])
    sheet.append([])
    sheet.append(["011002", 1.0, "  余白  "])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    expected = []
    for number, row in enumerate(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True), 1):
        cells = [
            "" if c is None else str(int(c) if isinstance(c, float) and c.is_integer() else c).strip() for c in row
        ]
        if any(cells):
            expected.append((number, cells))
    assert read_table(data, "m.xlsx", LIMITS) == expected
    assert expected[1] == (2, ["2025-04-01 00:00:00", "150", "窓口で集計", "True"])


def test_rows_end_at_their_last_value_and_short_ones_get_the_header_width():
    data = xlsx([["a", "b", "c"], ["1"], [None, None, None, None, None], ["2", None, "3"]])
    assert read_table(data, "t.xlsx", LIMITS) == [(1, ["a", "b", "c"]), (2, ["1", "", ""]), (4, ["2", "", "3"])]


def test_formatting_that_reaches_the_last_column_is_not_data():
    # A styled empty cell at XFD, and a sheet declaring the whole grid: within the caps.
    data = with_sheet_xml(
        xlsx([["a", "b"], ["1", "2"]]),
        lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml).replace(
            b"</row></sheetData>", b'<c r="XFD2" s="0"/></row><row r="1048576"><c r="XFD1048576"/></row></sheetData>'
        ),
    )
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with bounded():
        assert read_table(data, "t.xlsx", LIMITS) == [(1, ["a", "b"]), (2, ["1", "2"])]


def test_a_row_number_repeated_still_counts_every_row():
    data = with_sheet_xml(
        xlsx([["a"]]),
        lambda xml: xml.replace(
            b"</sheetData>", b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' * 200 + b"</sheetData>"
        ),
    )
    assert refusal(data, "t.xlsx") == ["t.xlsx: the number of rows is over the limit (100 rows): 201 rows."]


def test_a_sheet_with_a_dtd_is_unreadable():
    data = with_sheet_xml(
        xlsx([["a"]]), lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1)
    )
    assert refusal(data, "t.xlsx") == ["t.xlsx: not a readable XLSX workbook (ValueError)"]


def test_a_part_packed_too_tightly_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO(xlsx([["a"]]))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/filler.bin", b"\0" * 2 * 2**20)
    assert refusal(buffer.getvalue(), "t.xlsx") == [
        "t.xlsx: xl/media/filler.bin is packed more tightly than the limit (100 to 1): 1,023 to 1."
    ]


def test_a_workbook_of_too_many_parts_is_refused_before_its_directory_is_read():
    buffer = io.BytesIO(xlsx([["a"]]))
    with zipfile.ZipFile(buffer, "a") as archive:
        for number in range(1_000):
            archive.writestr(f"x/{number}", b"")
    assert refusal(buffer.getvalue(), "t.xlsx") == ["t.xlsx: the workbook has more parts than the limit (1,000)."]


def test_a_csv_with_too_many_columns_or_rows_says_by_how_much():
    wide = b"a,b\n" + b"x" + b",x" * 16_383 + b"\n"
    with bounded():
        assert refusal(wide, "t.csv") == [
            "t.csv: the number of columns is over the limit (10 columns): 16,384 columns."
        ]
    long = b"a,b\n" + b"1,2\n" * 150 + b"\n" * 1000
    assert refusal(long, "t.csv") == ["t.csv: the number of rows is over the limit (100 rows): 151 rows."]


def test_csv_fields_empty_beyond_the_column_cap_are_dropped_and_blank_lines_skipped():
    data = b"date,value" + b"," * 50 + b"\n\n\n2025-04-01,150,,,\n"
    assert read_table(data, "t.csv", LIMITS) == [
        (1, ["date", "value", *[""] * 8]),
        (4, ["2025-04-01", "150", "", "", ""]),
    ]


def test_a_csv_line_longer_than_the_limit_is_refused_without_holding_it():
    data = b"a,b\n" + b"x" * 1_000_001
    limits = UploadLimits(kind="test", max_bytes=2 * 2**20, max_rows=100, max_columns=10)
    assert refusal(data, "t.csv", limits) == ["t.csv: line 2 is longer than the limit (1,000,000 characters)."]


def test_sizes_are_said_in_whole_units_or_rounded_up():
    assert [size_text(n) for n in (5 * 2**20, 5 * 2**20 + 1, 1536, 1023)] == ["5 MB", "5.1 MB", "1.5 KB", "1,023 B"]


def shared_text_cells(count: int) -> bytes:
    """A sheet whose cells A1… point at the shared strings 0…count-1."""
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i + 1, i + 1, i) for i in range(count))
    return with_sheet_xml(
        xlsx([]), lambda xml: xml.replace(b"<sheetData></sheetData>", b"<sheetData>%s</sheetData>" % cells)
    )


def test_shared_strings_are_read_plain_and_rich_without_their_reading_aids():
    data = with_shared_strings(
        shared_text_cells(2),
        [
            b"<t>date</t>",
            b"<r><t>\xe6\x9d\xb1</t></r><r><t>\xe4\xba\xac</t></r><rPh><t>\xe3\x83\x88\xe3\x82\xa6</t></rPh>",
        ],
    )
    assert read_table(data, "t.xlsx", LIMITS) == [(1, ["date"]), (2, ["東京"])]


def test_more_shared_strings_than_the_caps_have_cells_are_not_read():
    # 100 rows × 10 columns can show 1,000 texts; the table's 50,000 are refused without reading them all.
    data = with_shared_strings(shared_text_cells(1), [b"<t>%d</t>" % i for i in range(50_000)])
    with bounded(cpu_seconds=1.0, memory_mib=16):
        assert refusal(data, "t.xlsx") == ["t.xlsx: not a readable XLSX workbook (ValueError)"]
    assert read_table(with_shared_strings(shared_text_cells(1), [b"<t>a</t>"] * 1_000), "t.xlsx", LIMITS) == [
        (1, ["a"])
    ]


def test_a_workbook_whose_styles_unpack_past_their_limit_is_refused_before_they_are_read():
    # 40,000 cell styles, varied so that they pack loosely: openpyxl would spend about a second on them.
    xfs = b"".join(
        b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>' % (i * 7919 % 100_003) for i in range(40_000)
    )

    def styled(data: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                body = source.read(info.filename)
                if info.filename == "xl/styles.xml":
                    body = re.sub(rb'<cellXfs count="\d+">', b'<cellXfs count="40001">' + xfs, body)
                target.writestr(info.filename, body)
        return out.getvalue()

    data = styled(xlsx([["a"]]))
    assert len(data) < 200_000
    with bounded(cpu_seconds=0.5, memory_mib=16):
        assert refusal(data, "t.xlsx") == ["t.xlsx: xl/styles.xml unpacks to more than the limit (1 MB): to 2.2 MB."]
