"""Helpers of the tests that run a real Celery worker on Redis: start it on queues of its own (so no other
worker on the same Redis takes its tasks), wait for it, stop it and drop its queues."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from celery import Celery
from kombu import Exchange, Queue

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
TIMEOUT = 60


def start_worker(queues: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
    """A worker on `queues` with the local settings on Redis (with REDIS_URL set they turn off eager mode) and
    `env` on top, logging to `log`."""
    command = [
        str(Path(sys.executable).with_name("celery")),
        *("-A", "dx_platform", "worker", "--pool", "solo", "--queues", ",".join(queues), "--loglevel", "INFO"),
        *("--without-heartbeat", "--without-mingle", "--without-gossip"),
    ]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "dx_platform.settings.local", "REDIS_URL": REDIS_URL, **env}
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)


def wait_until(condition: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for `condition`; fail at once, with the worker's log, if the worker dies."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert worker.poll() is None, f"the worker exited with {worker.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"nothing after {TIMEOUT}s; worker log:\n{log.read_text()}"
        time.sleep(0.1)


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def delete_queues(client: Celery, names: list[str]) -> None:
    """Drop the test queues' bindings from Redis; kombu deletes only bindings it declared itself."""
    with client.connection_for_write() as broker:
        for name in names:
            bound = Queue(name, Exchange(name), name)(broker.default_channel)
            bound.declare()
            bound.delete()
