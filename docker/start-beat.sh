#!/usr/bin/env bash
# Beat: the schedule is in code (CELERY_BEAT_SCHEDULE), so its state file can live in /tmp.
# Run exactly one beat, or every periodic task is sent once per beat.
set -euo pipefail

exec celery -A dx_platform beat \
  --schedule /tmp/celerybeat-schedule \
  --loglevel INFO
