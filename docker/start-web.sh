#!/usr/bin/env bash
# Web: apply migrations and reference data (both idempotent), then serve with gunicorn.
set -euo pipefail

python manage.py migrate --noinput
python manage.py load_reference_data
exec gunicorn dx_platform.wsgi:application \
  --bind 0.0.0.0:8000 \
  --workers "${WEB_CONCURRENCY:-3}" \
  --access-logfile -
