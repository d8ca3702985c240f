"""Mail-queue tasks; safe to run twice (notices are claimed before they are sent)."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from dx_platform.accounts.models import User

from . import selectors, services

# A mail server that is down or refuses now is tried again later; the claim was rolled back.
MAIL_RETRY = {"autoretry_for": (SMTPException, OSError), "retry_backoff": 60, "max_retries": 6}


@shared_task(**MAIL_RETRY)
def send_notification_email(*, notification_id: int) -> bool:
    return services.notification_send_email(notification_id=notification_id)


@shared_task
def send_daily_digests() -> int:
    """One digest task per recipient, so one failing mailbox never holds up the others."""
    until = timezone.now()
    user_ids = selectors.digest_recipient_ids(until=until)
    for user_id in user_ids:
        send_digest.delay(user_id=user_id, until=until.isoformat())
    return len(user_ids)


@shared_task(**MAIL_RETRY)
def send_digest(*, user_id: int, until: str) -> int:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    return services.digest_send(user=user, now=dt.datetime.fromisoformat(until))
