"""Platform-level tasks."""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.utils import timezone


@shared_task
def health() -> dict[str, str | int]:
    """Answer from whichever worker picks this up; used by probes, beat and the round-trip test."""
    return {
        "status": "ok",
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "at": timezone.now().isoformat(),
    }
