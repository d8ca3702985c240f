"""A real Celery worker runs tasks sent through Redis; the routes and the beat schedule are wired."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.result import AsyncResult
from kombu import Exchange, Queue

from dx_platform.celery import app as platform_app
from tests.services import require_service, tcp_reachable

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def start_worker(queue: str, log: Path) -> subprocess.Popen[bytes]:
    """A worker on its own queue, so no other worker on the same Redis takes the task."""
    command = [
        str(Path(sys.executable).with_name("celery")),
        *("-A", "dx_platform", "worker", "--pool", "solo", "--queues", queue, "--loglevel", "INFO"),
        *("--without-heartbeat", "--without-mingle", "--without-gossip"),
    ]
    # With REDIS_URL set the local settings use Redis and turn off eager mode.
    env = {**os.environ, "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "dx_platform.settings.local"}
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(result: AsyncResult, worker: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> Any:
    """The task's return value; fails at once, with the worker's log, if the worker dies."""
    deadline = time.monotonic() + timeout
    while not result.ready():
        assert worker.poll() is None, f"the worker exited with {worker.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"no result after {timeout}s; worker log:\n{log.read_text()}"
        time.sleep(0.1)
    return result.get(timeout=timeout)


def delete_queue(app: Celery, name: str) -> None:
    """Drop the test queue's bindings from Redis; kombu deletes only bindings it declared itself."""
    with app.connection_for_write() as connection:
        bound = Queue(name, Exchange(name), name)(connection.default_channel)
        bound.declare()
        bound.delete()


def test_health_task_runs_in_a_real_worker(tmp_path: Path) -> None:
    require_service("Redis", tcp_reachable(REDIS_URL, 6379), REDIS_URL)
    queue = f"test-health-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    client = Celery(broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    worker = start_worker(queue, log)
    try:
        result = client.send_task("dx_platform.core.tasks.health", queue=queue)
        answer = wait_for(result, worker, log)
        assert answer["status"] == "ok"
        assert answer["pid"] == worker.pid
        assert answer["pid"] != os.getpid()
        result.forget()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        delete_queue(client, queue)
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
