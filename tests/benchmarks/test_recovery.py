"""Imports recover (issue 15): a failed import ends failed with its reason and keeps no value, the same
file and a failed correction can be imported again, and a dataset left importing by a process that died
is taken over once its claim is older than imports.CLAIM_TTL — never while the claim is fresh."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from benchmarks.models import Dataset, Value
from benchmarks.services import imports
from benchmarks.tasks import import_national_survey
from tests.benchmarks.support import Answer, long_csv, municipality_codes, sample_answers
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

INTERRUPTED = "取り込み中に処理が中断されました。もう一度取り込んでください。"
VALUES = 6964  # sample_answers: 1,741 municipalities × 4 items, more than one batch of imports.BATCH


@pytest.fixture
def answers() -> list[Answer]:
    return sample_answers(municipality_codes())


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


class DiskFull(Exception):
    pass


class BreakingWriter:
    """Value.objects.bulk_create that, once armed, writes one batch and then raises."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.real = Value.objects.bulk_create
        self.calls: list[int] = []
        self.armed = False
        monkeypatch.setattr(Value.objects, "bulk_create", self)

    def __call__(self, batch: list[Value], *args: Any, **kwargs: Any) -> list[Value]:
        if self.armed:
            self.calls.append(len(batch))
            if len(self.calls) > 1:
                raise DiskFull("no space left on device")
        return self.real(batch, *args, **kwargs)

    def arm(self) -> None:
        self.armed, self.calls = True, []

    def disarm(self) -> None:
        assert self.calls == [imports.BATCH, VALUES - imports.BATCH], "one batch written, the second one failed"
        self.armed = False


@pytest.fixture
def writer(monkeypatch) -> BreakingWriter:
    return BreakingWriter(monkeypatch)


def import_file(data: bytes, file_name: str = "survey.csv", **options: Any) -> imports.ImportOutcome:
    return imports.dataset_import(
        data=data,
        file_name=file_name,
        name="テスト調査",
        source="テスト",
        origin=Dataset.Origin.SYNTHETIC,
        by=None,
        **options,
    )


def upload(client, data: bytes, name: str = "survey.csv", **extra: Any):
    form = {"fiscal_year": 2023, "name": "テスト", "source": "テスト資料", "origin": "real", **extra}
    return client.post("/benchmarks/datasets/upload/", {**form, "file": SimpleUploadedFile(name, data)})


def corrected(answers: list[Answer]) -> list[Answer]:
    return [
        (code, item, ("0" if raw == "1" else "1") if item == "system.cio" and code == answers[0][0] else raw)
        for code, item, raw in answers
    ]


def left_importing(dataset: Dataset, *, claimed: dt.datetime) -> None:
    """What a worker killed in the middle of an import leaves: the dataset importing under its claim."""
    Dataset.objects.filter(pk=dataset.pk).update(status=Dataset.Status.IMPORTING, claimed_at=claimed, progress=40)


def expired() -> dt.datetime:
    return timezone.now() - imports.CLAIM_TTL - dt.timedelta(minutes=1)


def fresh() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=1)


# --- a failure half-way ----------------------------------------------------------------------------


def test_an_import_that_fails_half_way_ends_failed_and_the_same_file_imports_again(answers, writer):
    writer.arm()
    data = long_csv(answers)
    with pytest.raises(DiskFull):
        import_file(data)
    dataset = Dataset.objects.get()
    assert dataset.status == Dataset.Status.FAILED
    assert dataset.errors == [
        "取り込みが予期せず停止しました（DiskFull）。何も保存されていません。もう一度取り込むか、報告してください。"
    ]
    assert not Value.objects.exists()

    writer.disarm()
    again = import_file(data, "renamed.csv")
    assert again.created
    assert again.dataset == dataset
    dataset.refresh_from_db()
    assert (dataset.status, dataset.errors, dataset.value_count, dataset.file_name) == (
        "ready",
        [],
        VALUES,
        "renamed.csv",
    )
    assert Value.objects.count() == VALUES


def test_an_upload_that_fails_half_way_in_the_worker_shows_why_and_can_be_uploaded_again(
    client, staff, answers, writer, django_capture_on_commit_callbacks
):
    writer.arm()
    client.force_login(staff)
    data = long_csv(answers)
    with pytest.raises(DiskFull), django_capture_on_commit_callbacks(execute=True):
        upload(client, data)
    dataset = Dataset.objects.get()
    assert dataset.status == Dataset.Status.FAILED
    assert not Value.objects.exists()
    page = client.get(f"/benchmarks/datasets/{dataset.pk}/").content.decode()
    assert "取り込みが予期せず停止しました（DiskFull）" in page

    writer.disarm()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, data)
    dataset.refresh_from_db()
    assert (dataset.status, dataset.errors, dataset.value_count) == ("ready", [], VALUES)


def test_a_correction_that_failed_half_way_can_be_retried(answers, writer):
    original = import_file(long_csv(answers), "v1.csv").dataset
    assert original is not None
    writer.arm()
    correction = long_csv(corrected(answers))
    with pytest.raises(DiskFull):
        import_file(correction, "v2.csv", supersedes=original)
    failed = Dataset.objects.exclude(pk=original.pk).get()
    assert (failed.status, failed.supersedes) == ("failed", None)
    assert Value.objects.filter(dataset=failed).count() == 0

    writer.disarm()
    retried = import_file(correction, "v2.csv", supersedes=original).dataset
    assert retried == failed
    assert (retried.status, retried.supersedes) == ("ready", original)
    assert [change["indicator"] for change in retried.changes] == ["system.cio"]


# --- a process that died ---------------------------------------------------------------------------


def test_a_dataset_left_importing_by_a_dead_worker_says_so_once_its_claim_expires(client, staff, answers):
    client.force_login(staff)
    upload(client, long_csv(answers))  # the worker's message is not delivered here
    dataset = Dataset.objects.get()
    left_importing(dataset, claimed=timezone.now())
    assert client.get(f"/benchmarks/datasets/{dataset.pk}/progress/").json()["status"] == "importing"
    with time_machine.travel(timezone.now() + imports.CLAIM_TTL + dt.timedelta(minutes=1)):
        state = client.get(f"/benchmarks/datasets/{dataset.pk}/progress/").json()
        page = client.get(f"/benchmarks/datasets/{dataset.pk}/").content.decode()
    assert (state["status"], state["done"]) == ("failed", True)
    assert INTERRUPTED in page
    dataset.refresh_from_db()
    assert (dataset.status, dataset.errors) == ("failed", [INTERRUPTED])


def test_the_same_file_again_takes_over_an_import_whose_claim_expired(
    client, staff, answers, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    data = long_csv(answers)
    upload(client, data)
    dataset = Dataset.objects.get()
    left_importing(dataset, claimed=expired())
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data)
    assert response.url == f"/benchmarks/datasets/{dataset.pk}/"
    dataset.refresh_from_db()
    assert (dataset.status, dataset.value_count) == ("ready", VALUES)
    # From the command line too: a dataset it left importing is taken over by the next run.
    other = long_csv([(code, item, raw) for code, item, raw in answers if item != "service.ai"])
    cli, _created = imports.dataset_create(
        data=other, file_name="cli.csv", fiscal_year=2023, name="n", source="s", origin="real", by=None, claim=True
    )
    left_importing(cli, claimed=expired())  # the command was killed before its values were committed
    again = import_file(other)
    assert (again.created, again.dataset, again.dataset.status if again.dataset else None) == (True, cli, "ready")


def test_a_redelivered_message_takes_over_an_import_whose_claim_expired(client, staff, answers):
    client.force_login(staff)
    upload(client, long_csv(answers))
    dataset = Dataset.objects.get()
    left_importing(dataset, claimed=expired())
    assert import_national_survey(dataset_id=dataset.pk) == "ready"
    assert Value.objects.filter(dataset=dataset).count() == VALUES


def test_a_correction_left_importing_by_a_dead_worker_no_longer_blocks_the_next_one(answers):
    original = import_file(long_csv(answers), "v1.csv").dataset
    assert original is not None
    stuck, _created = imports.dataset_create(
        data=b"a first correction",
        file_name="v2.csv",
        fiscal_year=2023,
        name="v2",
        source="s",
        origin="real",
        by=None,
        supersedes=original,
    )
    left_importing(stuck, claimed=expired())
    retried = import_file(long_csv(corrected(answers)), "v3.csv", supersedes=original).dataset
    assert retried is not None
    assert (retried.status, retried.supersedes) == ("ready", original)
    stuck.refresh_from_db()
    assert (stuck.status, stuck.errors, stuck.supersedes) == ("failed", [INTERRUPTED], None)


def test_a_fresh_claim_of_another_worker_is_not_taken(client, staff, answers, django_capture_on_commit_callbacks):
    client.force_login(staff)
    data = long_csv(answers)
    upload(client, data)
    dataset = Dataset.objects.get()
    claimed = fresh()
    left_importing(dataset, claimed=claimed)
    # A redelivered message, the same file uploaded or imported again, a correction: all leave it be.
    assert import_national_survey(dataset_id=dataset.pk) == "importing"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        upload(client, data)
    assert callbacks == []
    assert import_file(data).created is False
    client.get(f"/benchmarks/datasets/{dataset.pk}/")
    dataset.refresh_from_db()
    assert (dataset.status, dataset.claimed_at, dataset.errors) == ("importing", claimed, [])
    assert not Value.objects.exists()


def test_an_importer_whose_dataset_was_taken_over_keeps_nothing(answers):
    """A slow importer outlived its claim and another took the dataset: the slow one's values go."""
    parsed = imports.parse_survey(long_csv(answers), "survey.csv")
    dataset, created = imports.dataset_create(
        data=long_csv(answers),
        file_name="survey.csv",
        fiscal_year=2023,
        name="n",
        source="s",
        origin="real",
        by=None,
        claim=True,
    )
    assert created
    # Its claim expired and another importer claimed the dataset (in its own, committed transaction).
    takeover = dataset.claimed_at + imports.CLAIM_TTL + dt.timedelta(minutes=1)
    Dataset.objects.filter(pk=dataset.pk).update(claimed_at=takeover)
    result = imports.dataset_fill(dataset=dataset, parsed=parsed)
    assert (result.status, result.claimed_at) == ("importing", takeover)
    assert not Value.objects.exists()


def test_a_claim_outlasts_the_import_task_and_expires_before_its_message_comes_back():
    """Never taken from a live import; taken by the message redelivered after its worker was killed."""
    hard_limit = dt.timedelta(seconds=import_national_survey.time_limit)
    redelivery = dt.timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    assert hard_limit < imports.CLAIM_TTL < redelivery
