"""Writes on the user's own account."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User


def api_token_rotate(*, user: User) -> Token:
    """Replace the user's API token with a new one."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_delete(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
