"""Mail-queue tasks of organisations; safe to run twice (the email is claimed before sending)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def send_invitation_email(*, invitation_id: int) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id)
