"""`make perf`, part 2, in a process of its own: recompute the scale set's datasets end to end; print the seconds
and this process's peak resident memory as JSON, so the peak is that run's alone.

python -m tests.perf.scale DATASET_ID ... (DATABASE_URL names the database `make perf` filled)
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dx_platform.settings.test")

import django  # noqa: E402

django.setup()

from benchmarks.services import runs  # noqa: E402


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries that over from the parent
    across fork and exec, so a child started by a big parent would report the parent's peak."""
    status = Path("/proc/self/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert match, "no VmHWM in /proc/self/status (Linux only)"
    return int(match.group(1)) / 1024


def main(dataset_ids: list[int]) -> None:
    before = peak_rss_mib()
    started = time.perf_counter()
    for dataset_id in dataset_ids:
        runs.recompute(dataset_id=dataset_id)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "rss_before_mib": before, "rss_peak_mib": peak_rss_mib()}))


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:]])
