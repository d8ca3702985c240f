"""Mail-queue tasks; both are safe to run twice (notices are claimed before they are sent)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def send_notification_email(*, notification_id: int) -> bool:
    return services.notification_send_email(notification_id=notification_id)


@shared_task
def send_daily_digests() -> int:
    return services.digests_send_all()
