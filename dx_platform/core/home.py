"""The home page's "what to do next": each app adds its own section for the signed-in user.

The foundation imports no app (docs/architecture.md), so each app registers a provider when it is ready
(`register(order, provider)` in its AppConfig.ready); the home view renders, in order, the sections the
providers return for the user (a provider returns None when it has nothing for them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


@dataclass(frozen=True)
class HomeSection:
    template: str  # rendered with `context`, the request's context around it
    context: dict[str, Any] = field(default_factory=dict)


Provider = Callable[["User"], "HomeSection | None"]
_providers: dict[str, tuple[int, Provider]] = {}


def register(order: int, provider: Provider) -> None:
    """Add (or replace, by its qualified name) a provider; lower orders come first on the page."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = (order, provider)


def home_sections(*, user: User) -> list[HomeSection]:
    sections = []
    for _, provider in sorted(_providers.values(), key=lambda entry: entry[0]):
        section = provider(user)
        if section is not None:
            sections.append(section)
    return sections
