"""A municipality's uploads under hostile files (issue 15): the KPI measurement upload and the assessment
import refuse a workbook that declares the whole sheet, or reaches its last column, at a bounded cost,
say which limit it passed and by how much, and write nothing; so for a file over the size limit, and for
a file whose content and name disagree."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import Answer, Assessment, Kpi, Measurement
from dx_platform.core.uploads import document_check
from tests.assessments.test_kpis import UTF8_CSV, kpi_input
from tests.hostile_files import bounded, declared_size, far_columns, xlsx

pytestmark = pytest.mark.django_db

YEAR = 2026
KPI_HEADER = ["date", "value", "note"]
SURVEY_HEADER = ["lg_code", "fiscal_year", "indicator", "value"]
# Japanese, as the pages speak it (the services' messages follow the active language, Japanese by default).
KPI_DECLARED = [
    "declared.xlsx：行数が上限（10,000行）を超えています（1,048,576行）。",
    "declared.xlsx：列数が上限（20列）を超えています（16,384列）。",
]
KPI_FAR = ["far.xlsx：列数が上限（20列）を超えています（16,384列）。"]
ASSESSMENT_DECLARED = [
    "declared.xlsx：行数が上限（2,000行）を超えています（1,048,576行）。",
    "declared.xlsx：列数が上限（200列）を超えています（16,384列）。",
]
ASSESSMENT_FAR = [
    "far.xlsx：行数が上限（2,000行）を超えています（2,001行）。",
    "far.xlsx：列数が上限（200列）を超えています（16,384列）。",
]


def page_text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def kpi(region, people) -> Kpi:
    town = region["home"]["town"].municipality
    return services.kpi_save(municipality=town, given=kpi_input(owner=people["editor"]), by=people["editor"])


def post_measurements(client, kpi: Kpi, name: str, data: bytes):
    return client.post(f"/assessments/kpis/{kpi.pk}/", {"action": "upload", "file": SimpleUploadedFile(name, data)})


# --- KPI measurements --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "build", "messages"),
    [
        ("declared.xlsx", declared_size, KPI_DECLARED),
        ("far.xlsx", far_columns, KPI_FAR),
    ],
)
def test_a_hostile_workbook_is_refused_on_the_kpi_page_at_a_bounded_cost(client, kpi, people, name, build, messages):
    data = build(KPI_HEADER)
    client.force_login(people["editor"])
    client.get(f"/assessments/kpis/{kpi.pk}/")  # what any first request costs (imports, templates) is not the file's
    with bounded():
        response = post_measurements(client, kpi, name, data)
    assert response.status_code == 400
    shown = page_text(response)
    for message in messages:
        assert message in shown
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("name", "build", "messages"),
    [
        ("declared.xlsx", declared_size, KPI_DECLARED),
        ("far.xlsx", far_columns, KPI_FAR),
    ],
)
def test_a_hostile_workbook_is_refused_by_the_measurement_import(kpi, people, name, build, messages):
    data = build(KPI_HEADER)
    with bounded(), pytest.raises(ValidationError) as refused:
        services.measurements_import(kpi=kpi, data=data, file_name=name, by=people["editor"])
    assert refused.value.messages == messages
    assert not Measurement.objects.exists()


def test_a_measurement_file_over_the_size_limit_is_refused(client, kpi, people):
    # The default limit, 2 MB: a valid file one byte over it.
    data = UTF8_CSV.encode()
    data += b" " * (2 * 2**20 + 1 - len(data))
    client.force_login(people["editor"])
    response = post_measurements(client, kpi, "big.csv", data)
    assert response.status_code == 400
    assert "big.csv：ファイルの大きさが上限（2 MB）を超えています（2.1 MB）。" in page_text(response)
    with pytest.raises(ValidationError, match="ファイルの大きさが上限"):
        services.measurements_import(kpi=kpi, data=data, file_name="big.csv", by=people["editor"])
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "m.csv",
            xlsx([KPI_HEADER, ["2025-04-01", 150]]),
            "m.csvの中身はXLSXブックです。ファイル名の拡張子を.xlsxに",
        ),
        ("m.xlsx", UTF8_CSV.encode(), "m.xlsxはXLSXブックではありません。"),
        ("m.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "m.xlsはXLS形式（Excel 97–2003）のブック"),
        ("m.txt", UTF8_CSV.encode(), "読み込めるのはCSV（.csv）とXLSX（.xlsx）のファイルだけです。"),
    ],
)
def test_the_type_is_judged_by_content_and_name_together(client, kpi, people, name, data, message):
    client.force_login(people["editor"])
    response = post_measurements(client, kpi, name, data)
    assert response.status_code == 400
    assert message in page_text(response)
    with pytest.raises(ValidationError, match=re.escape(message)):
        services.measurements_import(kpi=kpi, data=data, file_name=name, by=people["editor"])
    assert not Measurement.objects.exists()


def test_a_measurement_workbook_within_the_limits_is_imported(client, kpi, people):
    data = xlsx([KPI_HEADER, ["2025-04-01", 150, "窓口"], ["2025-07-01", 210]])
    client.force_login(people["editor"])
    assert post_measurements(client, kpi, "m.xlsx", data).status_code == 302
    assert list(Measurement.objects.order_by("measured_on").values_list("value", "note")) == [(150, "窓口"), (210, "")]


def test_the_kpi_page_says_the_limits_and_follows_the_settings(client, kpi, people, settings):
    client.force_login(people["editor"])
    assert "最大 2 MB、10,000行、20列まで。" in page_text(client.get(f"/assessments/kpis/{kpi.pk}/"))
    settings.UPLOAD_LIMITS = {
        **settings.UPLOAD_LIMITS,
        "kpi_measurements": {**settings.UPLOAD_LIMITS["kpi_measurements"], "max_bytes": 2**10, "max_rows": 2},
    }
    assert "最大 1 KB、2行、20列まで。" in page_text(client.get(f"/assessments/kpis/{kpi.pk}/"))
    response = post_measurements(client, kpi, "m.csv", UTF8_CSV.encode())
    assert response.status_code == 400
    assert "m.csv：行数が上限（2行）を超えています（4行）。" in page_text(response)
    assert not Measurement.objects.exists()


# --- the assessment import ---------------------------------------------------------------------------


def answers_of(assessment: Assessment) -> list[tuple[int, float | None, str]]:
    return list(Answer.objects.filter(assessment=assessment).values_list("indicator_id", "value", "status"))


@pytest.mark.parametrize(
    ("name", "build", "messages"),
    [
        ("declared.xlsx", declared_size, ASSESSMENT_DECLARED),
        ("far.xlsx", far_columns, ASSESSMENT_FAR),
    ],
)
def test_a_hostile_workbook_is_refused_by_the_assessment_import(client, draft, page, people, name, build, messages):
    before, version = answers_of(draft), draft.version
    data = build(SURVEY_HEADER)
    client.force_login(people["editor"])
    client.get(page)  # what any first request costs (imports, templates) is not the file's
    with bounded():
        response = client.post(f"{page}import/", {"file": SimpleUploadedFile(name, data), "version": version})
    assert response.status_code == 302
    shown = page_text(client.get(response.url))
    for message in messages:
        assert message in shown
    with bounded(), pytest.raises(ValidationError) as refused:
        services.assessment_import(assessment=draft, data=data, file_name=name, version=version, by=people["editor"])
    assert refused.value.messages == messages
    draft.refresh_from_db()
    assert (answers_of(draft), draft.version) == (before, version)


def test_an_assessment_file_over_the_size_limit_is_refused(client, draft, page, people, town):
    before, version = answers_of(draft), draft.version
    data = f"lg_code,fiscal_year,indicator,value\n{town.municipality.code},{YEAR},system.policy,1\n".encode()
    data += b"\n" * (5 * 2**20 + 1 - len(data))  # the default limit, 5 MB, and a byte
    client.force_login(people["editor"])
    response = client.post(f"{page}import/", {"file": SimpleUploadedFile("a.csv", data), "version": version})
    assert "a.csv：ファイルの大きさが上限（5 MB）を超えています（5.1 MB）。" in page_text(client.get(response.url))
    with pytest.raises(ValidationError, match="ファイルの大きさが上限"):
        services.assessment_import(assessment=draft, data=data, file_name="a.csv", version=version, by=people["editor"])
    draft.refresh_from_db()
    assert (answers_of(draft), draft.version) == (before, version)


def test_an_assessment_workbook_named_csv_is_refused(client, draft, page, people, town):
    version = draft.version
    data = xlsx([SURVEY_HEADER, [town.municipality.code, YEAR, "system.policy", 1]])
    client.force_login(people["editor"])
    response = client.post(f"{page}import/", {"file": SimpleUploadedFile("a.csv", data), "version": version})
    assert "a.csvの中身はXLSXブックです。" in page_text(client.get(response.url))
    draft.refresh_from_db()
    assert draft.version == version


def test_the_assessment_page_says_the_import_limits(client, draft, page, people):
    client.force_login(people["editor"])
    assert "最大 5 MB、2,000行、200列まで。" in page_text(client.get(page))


# --- evidence files (stored, never read): their size limit comes from the settings too -------------------


def test_the_evidence_file_limit_follows_the_settings(client, draft, page, people, settings):
    client.force_login(people["editor"])
    assert "PDF・画像・Office文書（10 MBまで）" in page_text(client.get(page))
    limits = settings.UPLOAD_LIMITS
    settings.UPLOAD_LIMITS = {**limits, "document": {**limits["document"], "max_bytes": 2**20}}
    assert "PDF・画像・Office文書（1 MBまで）" in page_text(client.get(page))
    pdf = b"%PDF-1.7\n%%EOF\n"
    with pytest.raises(ValidationError, match="上限は1.0"):
        document_check(SimpleUploadedFile("big.pdf", pdf + bytes(2**20)))
    assert document_check(SimpleUploadedFile("edge.pdf", pdf + bytes(2**20 - len(pdf)))) == "application/pdf"
