"""Coordination tasks: ids in, services do the work; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(soft_time_limit=60 * 5, time_limit=60 * 6)
def make_council_report(*, report_id: int) -> str:
    return services.council_report_make(report_id=report_id).status


@shared_task
def send_support_reminders() -> int:
    """Daily: remind assignees of overdue next actions (each once)."""
    return services.overdue_reminders_send()
