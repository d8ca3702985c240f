"""The signed-in user's own settings: preferences and API token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dx_platform.core.auth import AuthenticatedRequest

from . import selectors, services
from .forms import PreferencesForm


@login_required
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your preferences were saved."))
        return redirect("accounts:preferences")
    return render(
        request, "accounts/preferences.html", {"form": form, "token": selectors.api_token_of(user=request.user)}
    )


@login_required
@require_POST
@never_cache
def api_token(request: AuthenticatedRequest) -> HttpResponse:
    """Create or replace the user's API token; it is shown once, on the page that follows."""
    if request.POST.get("action") == "delete":
        services.api_token_delete(user=request.user)
        messages.success(request, _("Your API token was deleted."))
        return redirect("accounts:preferences")
    token = services.api_token_rotate(user=request.user)
    return render(request, "accounts/api_token.html", {"token": token})
