"""Assessment tasks; safe to run twice (reminders are claimed per due date)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def send_kpi_reminders() -> int:
    return services.kpi_reminders_send()


@shared_task
def freeze_roadmap_baselines() -> int:
    """Daily; only the first run of a fiscal year freezes anything."""
    return services.baselines_freeze()
