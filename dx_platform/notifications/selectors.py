"""Reads of a user's own notices."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from dx_platform.accounts.models import User

from .models import Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def digest_recipient_ids(*, until: dt.datetime) -> list[int]:
    """Active users on the daily digest with notices not yet emailed, created up to `until`."""
    return list(
        User.objects.filter(
            is_active=True,
            notification_delivery=User.Delivery.DIGEST,
            notifications__emailed_at__isnull=True,
            notifications__created_at__lte=until,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
