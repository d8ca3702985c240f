"""Query parameters read defensively: a malformed one is treated as absent, never a server error."""

from __future__ import annotations

from django.http import HttpRequest


def whole_number(text: str) -> int | None:
    """An ASCII whole number (not "²", not 30 digits) or None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def int_param(request: HttpRequest, name: str) -> int | None:
    return whole_number(request.GET.get(name, ""))


def municipality_codes(text: str) -> list[str]:
    """The ASCII digit codes of a comma-separated list (?municipalities=202011,202029: the gap matrix's
    selection, handed to a new joint procurement or shared goal), the others dropped."""
    return [code for code in text.split(",") if code.isascii() and code.isdigit()]
