"""What a page does with a selector's `None`: the object is missing or not the user's to read, a 404 either way."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def or_404(item: T | None, message: str) -> T:
    """`item`, or a 404 saying `message` (a selector's None: missing, or not one the user may read)."""
    if item is None:
        raise Http404(message)
    return item
