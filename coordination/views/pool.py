"""The specialist pool (外部デジタル人材の共同活用): who is in it, their load, adding and editing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.params import int_param

from .. import selectors, services
from ..forms import SpecialistForm
from ..models import SKILLS
from .common import coordinated


@login_required
def specialists(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    prefecture = coordinated(request, pref_code)
    editing = None
    if (pk := int_param(request, "edit")) is not None:
        editing = get_object_or_404(selectors.specialist_list(user=request.user, prefecture=prefecture), pk=pk)
    form = SpecialistForm(request.POST or None, prefecture=prefecture, initial=SpecialistForm.initial_of(editing))
    if request.method == "POST" and form.is_valid():
        try:
            services.specialist_save(prefecture=prefecture, given=form.given(), by=request.user, specialist=editing)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The specialist was saved."))
            return redirect("coordination:specialists", pref_code=pref_code)
    return render(
        request,
        "coordination/specialists.html",
        {
            "prefecture": prefecture,
            "pool": selectors.specialist_list(user=request.user, prefecture=prefecture),
            "load": selectors.pool_load(user=request.user, prefecture=prefecture),
            "form": form,
            "editing": editing,
            "skill_labels": dict(SKILLS),
        },
        status=400 if form.errors else 200,
    )
