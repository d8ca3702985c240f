"""Reads of support cases (伴走支援): the cases a user may see, their activities and days, and who may
ask for support."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization
from dx_platform.organizations.selectors import coordinators_of

from ..models import Dispatch, SupportActivity, SupportCase

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def support_case_list(*, user: User | AnonymousUser) -> QuerySet[SupportCase]:
    return (
        SupportCase.objects.filter(permissions.support_case_visibility(user))
        .select_related("municipality", "municipality__prefecture", "specialist", "raised_by", "indicator")
        # Open cases (never closed) first, newest first; then the most recently closed.
        .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def support_case_for(*, user: User | AnonymousUser, pk: int) -> SupportCase | None:
    """One case, if the user may see it."""
    return support_case_list(user=user).filter(pk=pk).first()


def activity_list(*, case: SupportCase) -> QuerySet[SupportActivity]:
    """The visits and meetings of a case (one the user may see), newest first."""
    return case.activities.select_related("recorded_by")


def dispatch_list(*, case: SupportCase) -> QuerySet[Dispatch]:
    """The specialists' days recorded on a case (one the user may see)."""
    return case.dispatches.select_related("specialist")


def case_links(*, case: SupportCase) -> dict[str, Any]:
    """The municipality's KPIs and roadmap initiatives the case is tied to (the links form's start)."""
    return {"kpis": case.kpis.all(), "initiatives": case.initiatives.all()}


def municipality_organization(*, code: str) -> Organization | None:
    """The organisation of the municipality with this code (reference data: whether one may act for it is
    asked of permissions)."""
    return Organization.objects.select_related("municipality").filter(municipality__code=code).first()


def support_requesters(*, user: User | AnonymousUser) -> list[Organization]:
    """The user's municipalities for which they may ask the prefecture for support."""
    own = Organization.objects.filter(
        pk__in=permissions.own_organization_ids(user), kind=Organization.Kind.MUNICIPALITY
    ).select_related("municipality")
    return [organization for organization in own if permissions.can_raise_support_case(user, organization)]


def overdue_next_actions(*, today: dt.date) -> QuerySet[SupportActivity]:
    """The next actions of open cases whose date has passed. Only the newest activity of a case counts: a
    later visit replaces the next action an earlier one set."""
    newest = SupportActivity.objects.filter(case=OuterRef("case")).order_by("-held_on", "-pk").values("pk")[:1]
    return SupportActivity.objects.filter(pk=Subquery(newest), next_action_due__lt=today).exclude(
        case__status=SupportCase.Status.CLOSED
    )


def next_action_assignees(*, case: SupportCase) -> list[User]:
    """Who is reminded of an overdue next action: the assigned specialist's account while they are in the
    pool and the account is active, else the prefecture's coordinators."""
    specialist = case.specialist
    account = specialist.user if specialist is not None and specialist.active else None
    if account is not None and account.is_active:
        return [account]
    return list(coordinators_of(prefecture_id=case.municipality.prefecture_id))
