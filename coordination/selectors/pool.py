"""Reads of the specialist pool: who is in it, the days they are dispatched, who can take a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Prefecture

from ..models import Dispatch, Specialist, SupportCase

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def specialist_list(*, user: User | AnonymousUser, prefecture: Prefecture) -> QuerySet[Specialist]:
    if not permissions.can_coordinate(user, prefecture.pk):
        return Specialist.objects.none()
    served = Municipality.objects.select_related("prefecture")  # the table names each with its prefecture
    return Specialist.objects.filter(prefecture=prefecture).prefetch_related(Prefetch("municipalities", served))


def specialist_for(*, user: User | AnonymousUser, prefecture: Prefecture, pk: int) -> Specialist | None:
    """One specialist of the prefecture's pool, if the user coordinates the prefecture."""
    return specialist_list(user=user, prefecture=prefecture).filter(pk=pk).first()


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after `month`'s."""
    return (month + dt.timedelta(days=32)).replace(day=1)


def monthly_days(
    *, specialists: Iterable[Specialist] | QuerySet[Specialist], months: Sequence[dt.date]
) -> dict[tuple[int, dt.date], Decimal]:
    """Days each specialist is dispatched per month, by (specialist id, first day of the month), over the
    months from the first of `months` to the last (firsts of months, oldest first). One query, however
    many specialists: the one read of "days used" — against the monthly days (a dispatch, a match) and
    in the pool's load."""
    rows = (
        Dispatch.objects.filter(
            specialist__in=specialists, worked_on__gte=months[0], worked_on__lt=next_month(months[-1])
        )
        .annotate(month=TruncMonth("worked_on"))
        .values("specialist_id", "month")
        .annotate(n=Sum("days"))
        .order_by()
        .values_list("specialist_id", "month", "n")
    )
    return {(specialist_id, month): n for specialist_id, month, n in rows}


def days_used(*, specialist: Specialist, month: dt.date) -> Decimal:
    """Days the specialist is dispatched in the month of `month`."""
    start = month.replace(day=1)
    return monthly_days(specialists=[specialist], months=[start]).get((specialist.pk, start), Decimal(0))


def days_left(*, prefecture_id: int, month: dt.date) -> list[tuple[Specialist, Decimal]]:
    """The prefecture's active specialists (with the municipalities they serve) and the days each has
    left in the month of `month`, over or at zero included."""
    start = month.replace(day=1)
    pool = list(Specialist.objects.filter(prefecture_id=prefecture_id, active=True).prefetch_related("municipalities"))
    used = monthly_days(specialists=pool, months=[start])
    return [(s, s.days_per_month - used.get((s.pk, start), Decimal(0))) for s in pool]


@dataclass(frozen=True)
class Match:
    specialist: Specialist
    skilled: bool
    serves: bool
    remaining: Decimal


def matching_specialists(*, case: SupportCase, today: dt.date | None = None) -> list[Match]:
    """Active specialists of the case's prefecture with days left this month: those with the case's skill
    first, then those who already serve the municipality, then by most remaining days."""
    pool = days_left(prefecture_id=case.municipality.prefecture_id, month=today or timezone.localdate())
    matches = [
        Match(
            specialist,
            bool(case.skill) and case.skill in specialist.skills,
            any(m.pk == case.municipality_id for m in specialist.municipalities.all()),
            remaining,
        )
        for specialist, remaining in pool
    ]
    return sorted(
        (m for m in matches if m.remaining > 0),
        key=lambda m: (not m.skilled, not m.serves, -m.remaining, m.specialist.name),
    )


@dataclass(frozen=True)
class PoolLoad:
    months: list[dt.date]
    rows: list[tuple[Specialist, list[Decimal]]]  # days dispatched in each of `months`
    by_municipality: list[tuple[str, Decimal]]


def pool_load(
    *, user: User | AnonymousUser, prefecture: Prefecture, months: int = 6, today: dt.date | None = None
) -> PoolLoad:
    """Days dispatched per specialist and month, and per municipality, over the last `months` months."""
    first = (today or timezone.localdate()).replace(day=1)
    month_list = [first]
    for _month in range(months - 1):
        month_list.insert(0, (month_list[0] - dt.timedelta(days=1)).replace(day=1))
    if not permissions.can_coordinate(user, prefecture.pk):
        return PoolLoad(month_list, [], [])
    pool = Specialist.objects.filter(prefecture=prefecture)
    days = monthly_days(specialists=pool, months=month_list)
    rows = [
        (specialist, [days.get((specialist.pk, month), Decimal(0)) for month in month_list])
        for specialist in pool.order_by("name")
    ]
    by_municipality = list(
        Dispatch.objects.filter(
            specialist__prefecture=prefecture, worked_on__gte=month_list[0], worked_on__lt=next_month(first)
        )
        .values("case__municipality__name")
        .annotate(n=Sum("days"))
        .order_by("-n")
        .values_list("case__municipality__name", "n")
    )
    return PoolLoad(month_list, rows, by_municipality)
