"""Read a score's area columns in templates: {{ score|dev:"system" }}, {{ score|rate:"system" }}; say
why a figure across years has nothing to compare with: {{ comparable|no_comparison }}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dx_platform.core.fiscal import FiscalYear

from ..models import Dataset

if TYPE_CHECKING:
    from ..selectors import Comparable

register = template.Library()


@register.filter
def dev(score: Any, area: str) -> float | None:
    return getattr(score, f"dev_{area}", None)


@register.filter
def peer_dev(score: Any, area: str) -> float | None:
    return getattr(score, f"peer_dev_{area}", None)


@register.filter
def rate(score: Any, area: str) -> float | None:
    return getattr(score, f"rate_{area}", None)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def signed(number: float) -> str:
    """A whole number with its sign, as a difference reads: "+12", "−8", and "±0" for what rounds to none."""
    rounded = round(number)
    return "±0" if rounded == 0 else f"{rounded:+d}".replace("-", "\u2212")


@register.filter
def no_comparison(comparable: Comparable | None) -> str:
    """What a figure across years says instead of drawing data of the other origin: where a year has
    only that, or there is no other year of the same origin at all ("" where there is nothing to say)."""
    if comparable is None or (len(comparable.series) > 1 and not comparable.other_years):
        return ""
    years = pgettext("list separator", ", ").join(FiscalYear(year).label for year in comparable.years)
    if comparable.origin == Dataset.Origin.REAL:
        return _("No comparable data (real data exists only for %(years)s)") % {"years": years}
    return _("No comparable data (synthetic data exists only for %(years)s)") % {"years": years}
