"""Typed access to the signed-in user: pages behind login_required and API views behind IsAuthenticated
hand services a User, never an AnonymousUser."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated

if TYPE_CHECKING:
    from rest_framework.request import Request

    from dx_platform.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request of a page behind login_required (django-stubs types request.user as User | AnonymousUser)."""

    user: User


def signed_in(request: Request) -> User:
    """The API caller's account; NotAuthenticated (403) if there is none."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return cast("User", request.user)
