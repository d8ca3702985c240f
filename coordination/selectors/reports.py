"""Reads of council reports: a prefecture's, for its coordinators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Prefecture

from ..models import CouncilReport

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def council_report_list(*, user: User | AnonymousUser, prefecture: Prefecture) -> QuerySet[CouncilReport]:
    """The prefecture's reports, newest first."""
    if not permissions.can_coordinate(user, prefecture.pk):
        return CouncilReport.objects.none()
    return CouncilReport.objects.filter(prefecture=prefecture)


def council_report_for(*, user: User | AnonymousUser, pk: int) -> CouncilReport | None:
    """One report, with its prefecture, if the user coordinates the prefecture."""
    report = CouncilReport.objects.select_related("prefecture").filter(pk=pk).first()
    return report if report is not None and permissions.can_coordinate(user, report.prefecture_id) else None
