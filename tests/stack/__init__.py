"""A production-like stack (gunicorn, a Celery worker per queue, beat, PostgreSQL, Redis) and what drives it."""
