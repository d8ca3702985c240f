"""A real Celery worker on Redis recomputes the scores after an import (as in production, not in-process).

The worker is another process, so it must reach the test database: that needs PostgreSQL (pytest's SQLite
test database lives in memory). Locally on SQLite the test skips; in CI (PostgreSQL, Redis,
REQUIRE_SERVICES=1) it runs. The worker listens on queues of its own, so no other worker on the same
Redis takes its tasks.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest
from celery import Celery
from django.core.management import call_command
from django.db import connection

from benchmarks.models import Dataset, MunicipalityScore, PrefectureScore, ScoreRun
from benchmarks.selectors import published_run
from benchmarks.services import runs
from benchmarks.services.imports import dataset_import
from dx_platform.celery import app
from tests.benchmarks.support import long_csv, municipality_codes, sample_answers
from tests.services import require_service, tcp_reachable
from tests.workers import REDIS_URL, TIMEOUT, delete_queues, start_worker, stop_worker, wait_until


def worker_database_url() -> str:
    """The test database as a DATABASE_URL for the worker."""
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = quote(settings["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings['NAME'], safe='')}"


def worker_env() -> dict[str, str]:
    """The worker's settings on top of the shared ones: the test database, and no eager tasks."""
    return {
        "DATABASE_URL": worker_database_url(),
        # Close the connection after each task, so the test database can be flushed and dropped.
        "DJANGO_CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }


def _rebuild_from_conf() -> None:
    """The router and the broker pools are built from app.conf on first use: build them again."""
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def tasks_sent_to(broker: str, routes: dict[str, dict[str, str]]) -> Iterator[None]:
    """This process sends tasks to the broker (not in-process) along the given routes; restored afterwards."""
    keys = ("task_always_eager", "broker_url", "task_routes")
    before = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=broker, task_routes=routes)
    _rebuild_from_conf()
    try:
        yield
    finally:
        app.conf.update(before)
        _rebuild_from_conf()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_after_an_import(tmp_path, monkeypatch):
    require_service("Redis", tcp_reachable(REDIS_URL, 6379), REDIS_URL)
    require_service(
        "PostgreSQL test database",
        connection.vendor == "postgresql",
        "a worker process cannot reach the in-memory SQLite test database; run with DATABASE_URL=postgres://…",
    )
    call_command("load_reference_data", verbosity=0)
    call_command("load_catalog", stdout=io.StringIO())
    data = long_csv(sample_answers(municipality_codes()))

    def not_here(**kwargs: Any) -> None:
        raise AssertionError("the recompute ran in the test process, not in the worker")

    monkeypatch.setattr(runs, "recompute", not_here)
    suffix = uuid.uuid4().hex
    scoring, imports = f"test-scoring-{suffix}", f"test-imports-{suffix}"
    routes = {"benchmarks.tasks.import_*": {"queue": imports}, "benchmarks.tasks.*": {"queue": scoring}}
    log = tmp_path / "worker.log"
    # Not the current app: the tasks' proxies must keep resolving to the platform's app in this process.
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    worker = start_worker([scoring, imports], log, **worker_env())
    try:
        with tasks_sent_to(REDIS_URL, routes):
            outcome = dataset_import(
                data=data,
                file_name="survey.csv",
                name="テスト調査",
                source="テスト",
                origin=Dataset.Origin.SYNTHETIC,
                by=None,
            )
        dataset = outcome.dataset
        assert dataset is not None
        assert outcome.created

        def published() -> bool:
            return ScoreRun.objects.filter(dataset=dataset, status=ScoreRun.Status.COMPLETE).exists()

        wait_until(published, worker, log)
        run = published_run(dataset=dataset)
        assert run is not None
        assert MunicipalityScore.objects.filter(run=run).count() == 1741
        assert PrefectureScore.objects.filter(run=run).count() == 47
        assert MunicipalityScore.objects.filter(run=run, composite__isnull=False).count() > 1700

        # The task a second time, in the worker (house style): the same run, nothing new.
        result = client.send_task("benchmarks.tasks.recompute", kwargs={"dataset_id": dataset.pk}, queue=scoring)
        wait_until(result.ready, worker, log)
        assert result.get(timeout=TIMEOUT) == run.pk
        result.forget()
        assert list(ScoreRun.objects.values_list("pk", "status")) == [(run.pk, ScoreRun.Status.COMPLETE)]
        assert "benchmarks.tasks.recompute" in log.read_text()
    finally:
        stop_worker(worker)
        # The results of the tasks this process did not wait for, too (they would expire in a day).
        for task_id in re.findall(r"benchmarks\.tasks\.\w+\[([0-9a-f-]+)\] succeeded", log.read_text()):
            client.AsyncResult(task_id).forget()
        delete_queues(client, [scoring, imports])
        client.close()
