"""Mail-queue tasks of organisations; safe to run twice (the email is claimed before sending)."""

from __future__ import annotations

from celery import shared_task

from dx_platform.notifications.tasks import MAIL_RETRY

from . import services


@shared_task(**MAIL_RETRY)
def send_invitation_email(*, invitation_id: int) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id)
