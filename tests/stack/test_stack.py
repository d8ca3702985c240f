"""The production stack, started and driven over HTTP (tests/stack/runner.py; `make stack` runs the same).

It needs the local PostgreSQL and Redis: without them it skips, unless REQUIRE_SERVICES=1 (CI), where it
fails. It takes a few minutes: 60 s of load by 50 clients, and the waits of an import and three recomputes.
"""

from __future__ import annotations

import pytest

from tests.services import require_service
from tests.stack.runner import run
from tests.stack.stack import missing_services


@pytest.mark.stack
def test_the_stack_serves_load_and_survives_killed_workers(record_property: pytest.RecordProperty) -> None:
    missing = missing_services()
    require_service("PostgreSQL and Redis", not missing, "; ".join(missing))
    report = run(say=print)
    record_property("stack figures", "\n".join(report.lines))
    assert report.load is not None and report.web_kill is not None
    assert report.load.requests > 0
    assert sum(report.load.errors.values()) == 0, report.load.summary()
