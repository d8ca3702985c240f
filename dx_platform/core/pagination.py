"""One way to paginate list pages, and one for the API's lists."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from rest_framework.pagination import LimitOffsetPagination


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Page:
    """The page named by ?page= (the last one when it is past the end, the first when malformed)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class ApiPagination(LimitOffsetPagination):
    """?limit= and ?offset= (PAGE_SIZE by default). A limit above max_limit is cut to it: unbounded, a huge
    number went to the database as the query's LIMIT, which it refuses (a 500)."""

    max_limit = 1000
