"""Probes: /healthz answers without any service; /readyz checks database, cache and broker."""

from __future__ import annotations

import os
import time
from urllib.parse import urlparse

from dx_platform.core import health
from tests.services import require_service, tcp_reachable

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _point_broker_at(monkeypatch, settings, url: str) -> None:
    """Make check_broker connect to `url` for real, as it does outside tests.

    check_broker builds its connection with app.connection_for_write(), whose URL Celery reads
    from CELERY_BROKER_WRITE_URL in the environment before its configuration.
    """
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = url
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", url)
    parsed = urlparse(url)
    with health.app.connection_for_write() as conn:
        assert (conn.transport_cls, conn.hostname, conn.port) == (
            "redis",
            parsed.hostname,
            parsed.port or 6379,
        )


def test_healthz_answers_without_the_database(client):
    # No `db` fixture: any query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_sign_in_even_where_mfa_is_required(client, people, region):
    region["home"]["prefecture"].mfa_required = True
    region["home"]["prefecture"].save()
    client.force_login(people["admin"])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_every_check_ok(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_readyz_fails_naming_the_broken_check(client, db, monkeypatch, caplog):
    def broken_cache() -> None:
        raise ConnectionError("cache host is down")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] != "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert body["checks"]["cache"] == "error"
    # The cause goes to the operator's log, not to whoever calls the probe.
    assert "cache host is down" not in response.content.decode()
    assert "cache host is down" in caplog.text


def test_readyz_fails_when_the_database_is_unreachable(client, db, monkeypatch):
    def broken_database() -> None:
        raise OSError("could not connect to server")

    monkeypatch.setitem(health.CHECKS, "database", broken_database)
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "error"
    assert checks["cache"] == "ok"


def test_unreachable_broker_fails_readyz_quickly(client, db, monkeypatch, settings):
    _point_broker_at(monkeypatch, settings, UNREACHABLE_BROKER)

    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"].startswith("error")
    assert checks["database"] == "ok"
    assert checks["cache"] == "ok"
    assert elapsed < 10, f"/readyz took {elapsed:.1f}s with the broker down"


def test_reachable_redis_broker_is_ok(client, db, monkeypatch, settings):
    """With a real Redis (as in CI) the broker check connects to it and reports ok."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    require_service("Redis", tcp_reachable(url, 6379), url)
    _point_broker_at(monkeypatch, settings, url)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"
