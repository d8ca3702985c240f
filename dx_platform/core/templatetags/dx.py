"""Template helpers shared by every app."""

from __future__ import annotations

from django import template

from dx_platform.core.fiscal import FiscalYear

register = template.Library()


@register.filter
def fiscal_year(year: int | str) -> str:
    """{{ 2023|fiscal_year }} → 2023年度（令和5年度）."""
    return str(FiscalYear(int(year)))


@register.filter(name="abs")
def absolute(number: int | float) -> int | float:
    return abs(number)
