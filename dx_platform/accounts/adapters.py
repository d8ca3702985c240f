"""allauth adapter: sign-up is open only to someone holding a valid invitation."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import get_language

from dx_platform.organizations.services import invitation_accept

from .invitations import forget_invitation, pending_invitation
from .services import api_token_delete


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return pending_invitation(request) is not None

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        """Create the account and join the invited organisation, both or neither."""
        user.name = form.cleaned_data.get("name", "")
        user.language = "en" if (get_language() or "").startswith("en") else "ja"
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            invitation = pending_invitation(request)
            if commit and invitation is not None:
                invitation_accept(invitation=invitation, user=user)
                forget_invitation(request)
        return user

    def set_password(self, user: Any, password: str) -> None:
        """A new password (changed or reset) also ends the user's API token."""
        super().set_password(user, password)
        api_token_delete(user=user)
