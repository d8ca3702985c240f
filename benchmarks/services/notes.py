"""Context notes on scores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality

from ..models import Area, ScoreNote

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


def score_note_add(*, municipality: Municipality, fiscal_year: int, area: str, text: str, by: User) -> ScoreNote:
    if not permissions.can_annotate_scores(by, municipality.pk):
        raise PermissionDenied(_("Only the municipality's editors and administrators or its coordinators add notes."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note."), code="empty")
    if area and area not in Area.values:
        raise ValidationError(_("Unknown area %(area)s."), code="area", params={"area": area})
    return ScoreNote.objects.create(municipality=municipality, fiscal_year=fiscal_year, area=area, text=text, author=by)


def score_note_delete(*, note: ScoreNote, by: User) -> None:
    if not permissions.can_annotate_scores(by, note.municipality_id):
        raise PermissionDenied(_("You cannot remove notes of this municipality."))
    note.delete()
