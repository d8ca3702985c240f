"""Template helpers shared by every app."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from dx_platform.core import i18n
from dx_platform.core.fiscal import FiscalYear

register = template.Library()


@register.filter
def fiscal_year(year: int | str) -> str:
    """{{ 2023|fiscal_year }} → 2023年度（令和5年度）."""
    return str(FiscalYear(int(year)))


@register.filter
def fiscal_year_short(year: int | str) -> str:
    """{{ 2023|fiscal_year_short }} → 2023年度, FY2023 in English."""
    return FiscalYear(int(year)).label


@register.filter(name="abs")
def absolute(number: int | float) -> int | float:
    return abs(number)


@register.filter
def localized(obj: object, field: str = "name") -> str:
    """{{ indicator|localized }} → its English name on English pages, the Japanese otherwise."""
    return i18n.localized(obj, field)


@register.filter
def join_list(items: Iterable[object]) -> str:
    """{{ names|join_list }}: 「、」 between Japanese words, ", " between English ones."""
    return i18n.join_list(items)


@register.simple_tag
def list_separator() -> str:
    """{% if not forloop.last %}{% list_separator %}{% endif %} between the items of a list in a sentence."""
    return i18n.list_separator()
