"""The log of reminders to submit the self-assessment."""

from __future__ import annotations

from dx_platform.organizations.models import Municipality

from ..models import AssessmentReminder


def last_reminder(*, municipality: Municipality, fiscal_year: int) -> AssessmentReminder | None:
    return AssessmentReminder.objects.filter(municipality=municipality, fiscal_year=fiscal_year).first()


def last_reminders(*, municipality_ids: list[int], fiscal_year: int) -> dict[int, AssessmentReminder]:
    """The newest reminder of the year per municipality, in one query."""
    newest: dict[int, AssessmentReminder] = {}
    for reminder in AssessmentReminder.objects.filter(municipality_id__in=municipality_ids, fiscal_year=fiscal_year):
        newest.setdefault(reminder.municipality_id, reminder)  # newest first (the model's ordering)
    return newest
