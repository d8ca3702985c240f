"""The signed-in user's own settings: preferences and API token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from . import services
from .forms import PreferencesForm


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences were saved."))
        return redirect("accounts:preferences")
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/preferences.html", {"form": form, "token": token})


@login_required
@require_POST
@never_cache
def api_token(request: HttpRequest) -> HttpResponse:
    """Create or replace the user's API token; it is shown once, on the page that follows."""
    if request.POST.get("action") == "delete":
        services.api_token_delete(user=request.user)
        messages.success(request, _("Your API token was deleted."))
        return redirect("accounts:preferences")
    token = services.api_token_rotate(user=request.user)
    return render(request, "accounts/api_token.html", {"token": token})
