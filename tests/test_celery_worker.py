"""A real Celery worker runs tasks sent through Redis; the routes and the beat schedule are wired."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from celery import Celery

from dx_platform.celery import app as platform_app
from tests.services import require_service, tcp_reachable
from tests.workers import REDIS_URL, TIMEOUT, delete_queues, start_worker, stop_worker, wait_until


def test_health_task_runs_in_a_real_worker(tmp_path: Path) -> None:
    require_service("Redis", tcp_reachable(REDIS_URL, 6379), REDIS_URL)
    queue = f"test-health-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    worker = start_worker([queue], log)
    try:
        result = client.send_task("dx_platform.core.tasks.health", queue=queue)
        wait_until(result.ready, worker, log)
        answer = result.get(timeout=TIMEOUT)
        assert answer["status"] == "ok"
        assert answer["pid"] == worker.pid
        assert answer["pid"] != os.getpid()
        result.forget()
    finally:
        stop_worker(worker)
        delete_queues(client, [queue])
        client.close()


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("dx_platform.notifications.tasks.send_daily_digests", "mail"),
        ("benchmarks.tasks.recompute", "scoring"),
        ("benchmarks.tasks.import_national_survey", "imports"),
        ("dx_platform.core.tasks.health", "default"),
    ],
)
def test_tasks_are_routed_to_their_queue(task: str, queue: str) -> None:
    assert platform_app.amqp.router.route({}, task)["queue"].name == queue


def test_beat_sends_the_daily_digests() -> None:
    tasks = {entry["task"] for entry in platform_app.conf.beat_schedule.values()}
    assert "dx_platform.notifications.tasks.send_daily_digests" in tasks
