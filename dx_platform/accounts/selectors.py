"""Reads of accounts."""

from __future__ import annotations

from rest_framework.authtoken.models import Token

from .models import User


def api_token_of(*, user: User) -> Token | None:
    """The user's API token, if they have one."""
    return Token.objects.filter(user=user).first()


def account_exists(*, email: str) -> bool:
    """True if an account signs in with this address (in any case)."""
    return User.objects.filter(email__iexact=email).exists()
