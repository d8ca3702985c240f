"""The benchmarks' section of the home page, for everyone signed in: the newest published scores, where to
start reading them (dx_platform.core.home)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dx_platform.core.home import HomeSection

from .. import selectors

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


def home_section(user: User) -> HomeSection | None:
    return HomeSection("benchmarks/_home.html", {"home_published": selectors.published_scores()})
