"""The staff national upload under hostile files (issue 15): the page refuses what it can tell at once
(size, type, an XLSX's parts); the imports worker reads the rows under the same caps, at a bounded cost,
and ends the dataset failed saying which limit and by how much, with nothing written; the task runs under
time limits, and a file that outlasts them fails the dataset the same way."""

from __future__ import annotations

import io
import zipfile

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from benchmarks.models import Dataset, Value
from benchmarks.services import imports
from benchmarks.tasks import import_national_survey
from tests.benchmarks.support import long_csv, municipality_codes, sample_answers
from tests.factories import UserFactory
from tests.hostile_files import bounded, declared_size, far_columns, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

HEADER = ["lg_code", "fiscal_year", "indicator", "value"]
DECLARED = [
    "declared.xlsx：行数が上限（300,000行）を超えています（1,048,576行）。",
    "declared.xlsx：列数が上限（200列）を超えています（16,384列）。",
]
FAR = ["far.xlsx：列数が上限（200列）を超えています（16,384列）。"]
HOSTILE = [("declared.xlsx", declared_size, DECLARED), ("far.xlsx", far_columns, FAR)]


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def upload(client, data: bytes, name: str):
    form = {"fiscal_year": 2023, "name": "テスト", "source": "テスト資料", "origin": "real"}
    return client.post("/benchmarks/datasets/upload/", {**form, "file": SimpleUploadedFile(name, data)})


def page_text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(("name", "build", "messages"), HOSTILE)
def test_a_hostile_workbook_fails_in_the_worker_at_a_bounded_cost(
    client, staff, django_capture_on_commit_callbacks, name, build, messages
):
    data = build(HEADER)
    client.force_login(staff)
    client.get("/benchmarks/datasets/upload/")  # what any first request costs (imports, templates) is not the file's
    # The page stores the file and queues the import; the worker's task runs here, on commit.
    with bounded(), django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, name)
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert (dataset.status, dataset.errors) == (Dataset.Status.FAILED, messages)
    assert not Value.objects.exists()
    # Redelivered to the worker, the task does nothing more.
    with bounded():
        assert import_national_survey(dataset_id=dataset.pk) == Dataset.Status.FAILED
    assert not Value.objects.exists()


@pytest.mark.parametrize(("name", "build", "messages"), HOSTILE)
def test_a_hostile_workbook_is_refused_by_the_command(tmp_path, name, build, messages):
    path = tmp_path / name
    path.write_bytes(build(HEADER))
    with bounded(), pytest.raises(CommandError) as refused:
        call_command("import_national_survey", str(path), "--source", "テスト", stdout=io.StringIO())
    for message in messages:
        assert message in str(refused.value)
    assert not Dataset.objects.exists()


def test_a_file_over_the_size_limit_is_refused_on_the_page(client, staff, settings):
    limits = settings.UPLOAD_LIMITS["national_survey"]
    assert limits["max_bytes"] == 50 * 2**20  # the default; a smaller one here spares the test 50 MB
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "national_survey": {**limits, "max_bytes": 100 * 2**10}}
    client.force_login(staff)
    assert "最大 100 KB、300,000行、200列まで。" in page_text(client.get("/benchmarks/datasets/upload/"))
    data = long_csv(sample_answers(municipality_codes()))
    assert len(data) > 100 * 2**10
    response = upload(client, data, "survey.csv")
    assert response.status_code == 400
    assert "survey.csv：ファイルの大きさが上限（100 KB）を超えています（" in page_text(response)
    assert not Dataset.objects.exists()
    with pytest.raises(imports.SurveyFileError, match="ファイルの大きさが上限"):
        imports.dataset_upload(
            upload=SimpleUploadedFile("survey.csv", data),
            fiscal_year=2023,
            name="テスト",
            source="テスト資料",
            origin="real",
            by=staff,
        )
    assert not Dataset.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("survey.csv", xlsx([HEADER]), "survey.csvの中身はXLSXブックです。"),
        ("survey.xlsx", b"lg_code,fiscal_year,indicator,value\n", "survey.xlsxはXLSXブックではありません。"),
    ],
)
def test_the_page_judges_the_type_by_content_and_name(client, staff, name, data, message):
    client.force_login(staff)
    response = upload(client, data, name)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Dataset.objects.exists()


def zip_bomb(megabytes: int) -> bytes:
    """A workbook whose sheet unpacks to `megabytes` of spaces (a thousandth of that packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(megabytes):
                sheet.write(b" " * 2**20)
    return buffer.getvalue()


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(client, staff, settings):
    limits = settings.UPLOAD_LIMITS["national_survey"]
    assert limits["max_unpacked_bytes"] == 400 * 2**20  # the default; a smaller one spares the test 400 MB
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "national_survey": {**limits, "max_unpacked_bytes": 8 * 2**20}}
    data = zip_bomb(9)
    assert len(data) < 2**20 / 10
    client.force_login(staff)
    client.get("/benchmarks/datasets/upload/")
    with bounded():
        response = upload(client, data, "bomb.xlsx")
    assert response.status_code == 400
    assert "bomb.xlsx：ブックの展開後の大きさが上限（8 MB）を超えています（9.1 MB）。" in page_text(response)
    assert not Dataset.objects.exists()


def test_the_import_task_runs_under_the_time_limits_of_the_settings(settings):
    assert (import_national_survey.soft_time_limit, import_national_survey.time_limit) == (
        settings.NATIONAL_IMPORT_SOFT_TIME_LIMIT,
        settings.NATIONAL_IMPORT_TIME_LIMIT,
    )
    assert settings.NATIONAL_IMPORT_SOFT_TIME_LIMIT < settings.NATIONAL_IMPORT_TIME_LIMIT


def test_an_import_stopped_at_the_soft_time_limit_fails_its_dataset_and_writes_nothing(
    client, staff, django_capture_on_commit_callbacks, monkeypatch
):
    def outlasting(**_kwargs):
        raise SoftTimeLimitExceeded

    # The limit strikes while the values are being written, inside the import's transaction.
    monkeypatch.setattr(imports, "_batches", lambda items, size: outlasting())
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, long_csv(sample_answers(municipality_codes())), "survey.csv")
    dataset = Dataset.objects.get()
    assert dataset.status == Dataset.Status.FAILED
    assert dataset.errors == ["取り込みを中止しました：時間の上限（20分）を超えました"]
    assert not Value.objects.exists()
