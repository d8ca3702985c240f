#!/usr/bin/env bash
# Worker: every queue by default; set CELERY_QUEUES to run a worker per kind of work.
set -euo pipefail

exec celery -A dx_platform worker \
  --queues "${CELERY_QUEUES:-default,scoring,imports,mail}" \
  --concurrency "${CELERY_CONCURRENCY:-2}" \
  -O fair \
  --loglevel INFO
