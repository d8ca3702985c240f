"""One way to paginate list pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Page:
    """The page named by ?page= (the last one when it is past the end, the first when malformed)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
