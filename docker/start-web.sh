#!/usr/bin/env bash
# Web: apply migrations and reference data (both idempotent), then serve with gunicorn.
# RUN_MIGRATIONS=1 (the default) does both at every start. Several web replicas starting together
# would migrate concurrently: give them RUN_MIGRATIONS=0 and run the two commands once per deploy,
#   docker compose run --rm web python manage.py migrate --noinput
#   docker compose run --rm web python manage.py load_reference_data
set -euo pipefail

if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
  python manage.py migrate --noinput
  python manage.py load_reference_data
fi
exec gunicorn dx_platform.wsgi:application \
  --bind 0.0.0.0:8000 \
  --workers "${WEB_CONCURRENCY:-3}" \
  --access-logfile -
