"""A page's one-button action (publish, close, withdraw…): it runs, says how it went, and goes back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def act(request: HttpRequest, action: Callable[[], object], done: str, to: str) -> HttpResponse:
    """Run `action`: its refusal as an error message, else `done`; then go to `to`. A missing right stays a 403."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(to)
