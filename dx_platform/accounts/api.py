"""API permission classes for account-level rules."""

from __future__ import annotations

from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from dx_platform.organizations.permissions import mfa_required_for


class HasRequiredTwoFactor(BasePermission):
    """Refuse API calls (token or session) of users whose prefecture requires TOTP they lack."""

    message = _("Your prefecture requires two-factor authentication. Set it up in your account to use the API.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return not (user and user.is_authenticated and mfa_required_for(user) and not is_mfa_enabled(user))
