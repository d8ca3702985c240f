"""Context notes on a municipality's scores: added and removed from its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.organizations.selectors import municipality_list

from .. import selectors
from ..forms import ScoreNoteForm
from ..services.notes import score_note_add, score_note_delete


@login_required
@require_POST
def note_add(request: AuthenticatedRequest, code: str) -> HttpResponse:
    place = get_object_or_404(municipality_list(), code=code)
    form = ScoreNoteForm(request.POST)
    if form.is_valid():
        try:
            score_note_add(
                municipality=place,
                fiscal_year=form.cleaned_data["fiscal_year"],
                area=form.cleaned_data["area"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The note was added; it shows wherever this score does."))
    else:
        messages.error(request, " ".join(str(error) for _field, errors in form.errors.items() for error in errors))
    year = form.cleaned_data.get("fiscal_year", "") if form.is_valid() else ""
    return redirect(f"{reverse('benchmarks:municipality', args=[code])}?year={year}")


@login_required
@require_POST
def note_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(selectors.score_note_list(), pk=pk)
    score_note_delete(note=note, by=request.user)
    messages.success(request, _("The note was removed."))
    return redirect(f"{reverse('benchmarks:municipality', args=[note.municipality.code])}?year={note.fiscal_year}")
