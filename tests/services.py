"""Tests that need a service (Redis, chromium, gettext) skip without it, unless REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def require_service(name: str, reachable: bool, detail: str) -> None:
    """Skip when a service is missing, unless REQUIRE_SERVICES=1, where it fails instead."""
    if reachable:
        return
    message = f"{name} is not available ({detail})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(f"{message}; set REQUIRE_SERVICES=1 to make this a failure")


def tcp_reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False
