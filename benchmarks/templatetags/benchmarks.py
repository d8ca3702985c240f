"""Read a score's area columns in templates: {{ score|dev:"system" }}, {{ score|rate:"system" }}."""

from __future__ import annotations

from typing import Any

from django import template

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
