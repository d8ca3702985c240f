"""The self-assessment's section of a municipality member's home page: this year's assessment, its state and
the next step (dx_platform.core.home)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.home import HomeSection

from .. import selectors

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


def home_section(user: User) -> HomeSection | None:
    year = FiscalYear.current().year
    statuses = [
        status
        for status in selectors.year_statuses(user=user, organizations=selectors.member_organizations(user=user))
        if status.fiscal_year == year
    ]
    if not statuses:
        return None
    return HomeSection("assessments/_home.html", {"home_assessments": statuses, "home_fiscal_year": FiscalYear(year)})
