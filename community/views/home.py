"""The partner's section of the home page: the needs open for proposals, soonest deadline first, and their own
proposals (dx_platform.core.home)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dx_platform.core.home import HomeSection

from ..selectors.market import has_partner_organizations, needs_open_for_proposals, proposal_list

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

TOP = 3


def home_section(user: User) -> HomeSection | None:
    if not has_partner_organizations(user=user):
        return None
    open_needs = needs_open_for_proposals(user=user)
    return HomeSection(
        "community/_home.html",
        {
            "home_needs": list(open_needs[:TOP]),
            "home_needs_total": open_needs.count(),
            "home_proposals": proposal_list(user=user).count(),
        },
    )
