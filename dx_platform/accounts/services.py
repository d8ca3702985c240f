"""Writes on the user's own account."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import User


@transaction.atomic
def user_preferences_update(*, user: User, name: str, notification_delivery: str, language: str) -> User:
    """Save the name, how notices are mailed and the language of email."""
    user.name = name
    user.notification_delivery = notification_delivery
    user.language = language
    user.save(update_fields=["name", "notification_delivery", "language"])
    return user


def api_token_rotate(*, user: User) -> Token:
    """Replace the user's API token with a new one."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def api_token_delete(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
