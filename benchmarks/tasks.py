"""Benchmark tasks (imports queue for files, scoring queue for recomputes); ids in, services do the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import selectors
from .services import imports, runs


@shared_task(soft_time_limit=settings.NATIONAL_IMPORT_SOFT_TIME_LIMIT, time_limit=settings.NATIONAL_IMPORT_TIME_LIMIT)
def import_national_survey(*, dataset_id: int) -> str:
    return imports.dataset_import_upload(dataset_id=dataset_id).status


@shared_task(soft_time_limit=60 * 10, time_limit=60 * 15)
def recompute(*, dataset_id: int) -> int:
    return runs.recompute(dataset_id=dataset_id).pk


@shared_task
def recompute_all() -> int:
    """Nightly: recompute every ready dataset (unchanged inputs are skipped without computing)."""
    ids = selectors.ready_dataset_ids()
    for dataset_id in ids:
        recompute.delay(dataset_id=dataset_id)
    return len(ids)
