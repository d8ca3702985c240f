"""The audit log's actor for every request, API tokens included."""

from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ActorAuditlogMiddleware(AuditlogMiddleware):
    """django-auditlog takes the actor from the session's user, but DRF authenticates a token only in the
    view, after this middleware: without this, every write made with a token is logged as 「システム」."""

    @staticmethod
    def _get_actor(request: HttpRequest) -> Any:
        actor = AuditlogMiddleware._get_actor(request)
        if actor is None:
            try:
                authenticated = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
            except AuthenticationFailed:
                return None  # the view refuses the request with its reason
            actor = authenticated[0] if authenticated else None
        return actor
