"""Send people whose prefecture requires two-factor authentication to set it up first."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from dx_platform.organizations.permissions import mfa_required_for

# Pages reachable before TOTP is set up: allauth itself (sign-out, the TOTP set-up), language
# switching, static files and the probes. The API answers 403 itself (accounts.api).
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/readyz", "/api/")


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and mfa_required_for(user)
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                _("Your prefecture requires two-factor authentication. Set up an authenticator app to continue."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
