"""The coordinator's section of the home page: each prefecture's dashboard and the top of this week's
needs-attention list (dx_platform.core.home)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dx_platform.core.home import HomeSection

from .. import selectors

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

TOP = 5  # needs-attention entries on the home page; the dashboard has the rest
DASHBOARDS = 3  # more coordinated prefectures than this (platform staff): links only


def home_section(user: User) -> HomeSection | None:
    prefectures = list(selectors.coordinated_prefecture_list(user=user))
    if not prefectures:
        return None
    boards = (
        [selectors.prefecture_dashboard(user=user, prefecture=prefecture) for prefecture in prefectures]
        if len(prefectures) <= DASHBOARDS
        else []
    )
    return HomeSection(
        "coordination/_home.html",
        {"home_boards": [(board, board.listed[:TOP]) for board in boards], "home_prefectures": prefectures},
    )
