"""Query parameters read defensively: a malformed one is treated as absent, never a server error."""

from __future__ import annotations

from django.http import HttpRequest


def whole_number(text: str) -> int | None:
    """An ASCII whole number (not "²", not 30 digits) or None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def int_param(request: HttpRequest, name: str) -> int | None:
    return whole_number(request.GET.get(name, ""))
