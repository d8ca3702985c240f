"""Text people type, cleaned of control characters where it comes in: the page forms' posts
(TypedTextMiddleware) and the API's bodies (the parsers below), so no form or serializer can miss it.

A control character pasted into a name (a form feed, say, or an escape from a terminal) is invisible on
the page, where no one could find it to remove it, and it has no place in an XLSX: removed, not refused.
Tabs and line breaks stay (a description's paragraphs); every other C0 and C1 control and DEL goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from rest_framework import parsers

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def typed_text(value: Any) -> Any:
    """The value with the control characters of its strings removed (in lists and objects too)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, list):
        return [typed_text(item) for item in value]
    if isinstance(value, dict):
        return {typed_text(key): typed_text(item) for key, item in value.items()}
    return value


def _typed_query(query: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        cleaned.setlist(typed_text(key), typed_text(values))
    cleaned._mutable = False
    return cleaned


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class TypedTextMiddleware:
    """A form post's fields as typed_text (its files are left as they are)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in FORM_TYPES:
            request.POST = _typed_query(request.POST)  # type: ignore[assignment]  # immutable, as Django's
        return self.get_response(request)


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return typed_text(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return _typed_query(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(_typed_query(parsed.data), parsed.files)
