"""Readiness checks of the services the site depends on."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from dx_platform.celery import app


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    cache.set("readyz", "ok", 10)
    if cache.get("readyz") != "ok":
        raise RuntimeError("the cache did not return what was stored")


def check_broker() -> None:
    # In the embedded default tasks run in-process and there is no broker to reach.
    if settings.CELERY_TASK_ALWAYS_EAGER and not settings.REDIS_URL:
        return
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


logger = logging.getLogger(__name__)

CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness() -> dict[str, str]:
    """Each service's state, "ok" or "error"; the details go to the log, not to the caller."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure means "not ready"; the message may name hosts and users
            logger.exception("Readiness check %s failed", name)
            results[name] = "error"
        else:
            results[name] = "ok"
    return results


def all_ok(checks: dict[str, str]) -> bool:
    """Ready only if every service answered."""
    return all(state == "ok" for state in checks.values())
