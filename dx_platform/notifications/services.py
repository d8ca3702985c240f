"""Notifications: one service records a notice and has it emailed per the recipient's choice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from dx_platform.core.links import absolute_url

from .models import TITLE_MAX_LENGTH, Notification

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from dx_platform.accounts.models import User


def notification_create(
    *, recipient: User, title: str | Promise, body: str | Promise = "", url: str = ""
) -> Notification | None:
    """Record an in-app notice; email it now, or leave it for the daily digest.

    Lazy texts are rendered in the recipient's language. A deactivated account gets nothing (None).
    """
    from .tasks import send_notification_email  # here: the tasks module imports this one

    if not recipient.is_active:
        return None
    with translation.override(recipient.language):
        notification = Notification.objects.create(
            # Titles embed names, addresses and what people typed: on one line (a title is an email's
            # subject, which cannot hold a line break) and cut to the column, so no title fails the caller.
            recipient=recipient,
            title=Truncator(" ".join(str(title).splitlines())).chars(TITLE_MAX_LENGTH),
            body=str(body),
            url=url,
        )
    if recipient.notification_delivery == recipient.Delivery.IMMEDIATE:
        transaction.on_commit(lambda: send_notification_email.delay(notification_id=notification.pk))
    return notification


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notices read (all unread ones when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def _claim(notifications: QuerySet[Notification], now: dt.datetime) -> list[Notification]:
    """Claim unsent notices with one conditional UPDATE, so a second run finds nothing to send."""
    ids = list(notifications.filter(emailed_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return []
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
    return list(Notification.objects.filter(pk__in=ids, emailed_at=now).order_by("-created_at", "-pk"))


def notification_send_email(*, notification_id: int) -> bool:
    """Email one notice if nobody has yet; True if this call sent it."""
    with transaction.atomic():
        # An account deactivated since the notice was recorded is not mailed.
        claimed = _claim(Notification.objects.filter(pk=notification_id, recipient__is_active=True), timezone.now())
        if not claimed:
            return False
        notification = claimed[0]
        user = notification.recipient
        with translation.override(user.language):
            send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}",
                message=render_to_string(
                    "emails/notification.txt",
                    {
                        "notification": notification,
                        "link": absolute_url(notification.url),
                        "user": user,
                    },
                ),
                from_email=None,
                recipient_list=[user.email],
            )
    return True


def digest_send(*, user: User, now: dt.datetime | None = None) -> int:
    """Send the user one email with every notice not yet emailed, newest first; never an empty one.

    The notices are claimed and the mail sent in one transaction: if sending fails the claim is
    undone and the next run tries again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        notices = _claim(
            Notification.objects.filter(recipient=user, created_at__lte=now),
            now,
        )
        if not notices:
            return 0
        with translation.override(user.language):
            send_mail(
                subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
                + _("Daily digest: %(count)d new notices") % {"count": len(notices)},
                message=render_to_string(
                    "emails/digest.txt",
                    {
                        "user": user,
                        "items": [(n, absolute_url(n.url)) for n in notices],
                        "site_url": settings.SITE_URL,
                    },
                ),
                from_email=None,
                recipient_list=[user.email],
            )
    return len(notices)
