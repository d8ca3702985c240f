"""The staff upload page and the worker side of an import: every way a file can go wrong ends in a
clear state, never a stuck dataset or a 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from benchmarks.models import Dataset, Value
from benchmarks.services import imports
from benchmarks.tasks import import_national_survey
from tests.benchmarks.support import long_csv, municipality_codes, sample_answers
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


def upload(client, data: bytes, name: str = "survey.csv", year: int = 2023, **extra):
    form = {"fiscal_year": year, "name": "テスト", "source": "テスト資料", "origin": "real", **extra}
    return client.post("/benchmarks/datasets/upload/", {**form, "file": SimpleUploadedFile(name, data)})


def test_only_platform_staff_may_upload(client):
    for user in (UserFactory(), UserFactory()):
        client.force_login(user)
        assert client.get("/benchmarks/datasets/upload/").status_code == 403
        assert upload(client, b"lg_code\n").status_code == 403
    assert not Dataset.objects.exists()


def test_a_valid_upload_is_imported_by_the_worker(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, long_csv(sample_answers(municipality_codes())))
    dataset = Dataset.objects.get()
    assert response.url == f"/benchmarks/datasets/{dataset.pk}/"
    assert dataset.status == Dataset.Status.READY
    assert client.get(f"/benchmarks/datasets/{dataset.pk}/progress/").json() == {
        "status": "ready",
        "status_label": "完了",
        "progress": 100,
        "done": True,
    }
    # The task run again (a redelivered message) changes nothing.
    count = Value.objects.count()
    assert import_national_survey(dataset_id=dataset.pk) == "ready"
    assert Value.objects.count() == count


def zip_that_is_not_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-xml")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "problem"),
    [
        (b"lg_code,fiscal_year,indicator,value\n", "empty.csv", "no values"),
        (zip_that_is_not_a_workbook(), "broken.xlsx", "not a readable XLSX"),
        (b"\x00\xff\xfe garbage \x81\x82", "garbage.csv", ""),
    ],
)
def test_a_broken_file_ends_failed_with_its_problem(
    client, staff, django_capture_on_commit_callbacks, data, name, problem
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data, name=name)
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert dataset.status == Dataset.Status.FAILED
    assert problem in " ".join(dataset.errors)
    assert not Value.objects.exists()
    assert "取り込まれませんでした" in client.get(response.url).content.decode()


def test_retrying_a_failed_file_takes_the_corrected_details(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    data = long_csv(sample_answers(municipality_codes()))  # a FY2023 file
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data, year=2021)  # wrong year: fails
    assert Dataset.objects.get().status == Dataset.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data, year=2023, origin="synthetic")
    dataset = Dataset.objects.get()
    assert (dataset.status, dataset.fiscal_year, dataset.origin) == ("ready", 2023, "synthetic")


def test_a_failed_correction_does_not_block_a_good_one(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    answers = sample_answers(municipality_codes())
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, long_csv(answers), name="original.csv")
    original = Dataset.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, b"lg_code,fiscal_year,indicator,value\n999999,2023,system.cio,1\n", supersedes=original.pk)
    corrected = [(code, item, "0" if item == "system.cio" else raw) for code, item, raw in answers]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, long_csv(corrected), name="corrected.csv", supersedes=original.pk)
    assert response.status_code == 302
    good = Dataset.objects.get(file_name="corrected.csv")
    assert (good.status, good.supersedes_id) == ("ready", original.pk)


def test_a_dataset_still_computing_is_not_the_default(client, staff, django_capture_on_commit_callbacks):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, long_csv(sample_answers(municipality_codes())), name="scored.csv")
    # A newer real dataset whose scores are not computed yet (its recompute is still queued).
    data = long_csv([(c, i, r) for c, i, r in sample_answers(municipality_codes()) if i != "service.ai"])
    imports.dataset_import(data=data, file_name="newer.csv", name="newer", source="s", origin="real", by=staff)
    page = client.get("/benchmarks/?year=2023")
    assert page.status_code == 200
    assert page.context["selection"].dataset.file_name == "scored.csv"


@pytest.mark.parametrize(
    "url",
    [
        "/benchmarks/?year=%C2%B2",
        "/benchmarks/?year=2023&dataset=%C2%B2",
        "/benchmarks/prefectures/13/?year=%C2%B2",
        "/benchmarks/municipalities/131016/?dataset=%C2%B9",
        "/benchmarks/?year=99999999999999999999",
    ],
)
def test_odd_numbers_in_the_address_never_cause_a_server_error(client, url):
    assert client.get(url).status_code in (200, 404)


def test_odd_numbers_in_the_api_are_a_400(client):
    response = client.get("/api/v1/benchmarks/prefecture-scores/?fiscal_year=%C2%B2")
    assert response.status_code == 400
