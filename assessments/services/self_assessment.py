"""Writes on self-assessments: start (prefilled), save with optimistic concurrency, submit, review.

Every service checks permission through dx_platform/organizations/permissions.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from benchmarks.selectors import catalog_for, latest_dataset
from benchmarks.services.imports import SurveyFileError, parse_value, read_rows, survey_cells
from dx_platform.core.fiscal import FiscalYear, fiscal_year_check
from dx_platform.core.i18n import join_list, localized
from dx_platform.core.uploads import document_check
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization, Prefecture
from dx_platform.organizations.selectors import coordinators_of, writers_of

from ..models import Answer, Assessment, SurveyWindow

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


class StaleAssessment(Exception):
    """Someone saved the assessment after this form was loaded; nothing of this save was written."""

    def __init__(self, changed: list[Answer]) -> None:
        self.changed = changed
        super().__init__(f"{len(changed)} answer(s) changed since the form was loaded")


@dataclass(frozen=True)
class AnswerInput:
    """What the form sends for one item; `value`/`status` already parsed by the form."""

    value: float | None
    status: str
    note: str
    link: str
    confirm_prefill: bool
    file: UploadedFile | None = None  # a new evidence file, replacing the old one
    remove_file: bool = False


def _organization(municipality: Municipality) -> Organization:
    return Organization.objects.get(municipality=municipality)


def assessment_start(*, municipality: Municipality, fiscal_year: int, by: User) -> Assessment:
    """Open (or return) the year's assessment; a new one is prefilled from last year and national data."""
    if not permissions.can_edit_assessment(by, _organization(municipality)):
        raise PermissionDenied(_("Only the municipality's editors and administrators start an assessment."))
    fiscal_year_check(fiscal_year)
    # The national survey of a year is published later; until then the newest catalog is the one to answer.
    catalog = catalog_for(fiscal_year=fiscal_year)
    if catalog is None:
        raise ValidationError(_("There is no survey catalog for FY%(year)s."), params={"year": fiscal_year})
    indicators = list(catalog.indicators.order_by("position"))
    with transaction.atomic():
        assessment, created = Assessment.objects.get_or_create(municipality=municipality, fiscal_year=fiscal_year)
        if created:
            Answer.objects.bulk_create(_prefilled(assessment, indicators))
    return assessment


def _prefilled(assessment: Assessment, indicators: list[Indicator]) -> list[Answer]:
    """Answer once, reuse: last year's own answers first, else the latest national data, marked as such."""
    previous = {
        answer.indicator.code: answer
        for answer in Answer.objects.filter(
            assessment__municipality=assessment.municipality, assessment__fiscal_year=assessment.fiscal_year - 1
        ).select_related("indicator")
        if answer.answered
    }
    national: dict[str, Any] = {}
    dataset = latest_dataset(until=assessment.fiscal_year)
    if dataset is not None:
        national = {
            v.indicator.code: v
            for v in dataset.values.filter(municipality=assessment.municipality, missing="").select_related("indicator")
        }
    answers = []
    for indicator in indicators:
        answer = Answer(assessment=assessment, indicator=indicator)
        source = previous.get(indicator.code)
        if source is not None:
            answer.value, answer.status, answer.prefilled_from = source.value, source.status, Answer.Prefill.PREVIOUS
        elif (value := national.get(indicator.code)) is not None:
            answer.value, answer.status, answer.prefilled_from = value.value, value.status, Answer.Prefill.NATIONAL
        answers.append(answer)
    return answers


def _check_value(indicator: Indicator, given: AnswerInput) -> None:
    if indicator.kind == Indicator.Kind.BOOLEAN and given.value not in (None, 0.0, 1.0):
        raise ValidationError(_("%(item)s: answer yes or no."), params={"item": localized(indicator, "name")})
    if indicator.kind == Indicator.Kind.RATE and given.value is not None and not 0 <= given.value <= 100:
        raise ValidationError(
            _("%(item)s: a rate is between 0 and 100 %%."), params={"item": localized(indicator, "name")}
        )
    if indicator.kind == Indicator.Kind.PROCEDURE and given.status not in ("", *Answer.Status.values):
        raise ValidationError(
            _("%(item)s: choose online, not online or not offered."), params={"item": localized(indicator, "name")}
        )


def assessment_save(*, assessment: Assessment, answers: dict[int, AnswerInput], version: int, by: User) -> Assessment:
    """Save the changed answers, if nobody saved since `version`; else refuse, naming what moved.

    Evidence files are written with the answers; if the save fails, the files written are removed again.
    """
    if not permissions.can_edit_assessment(by, _organization(assessment.municipality)):
        raise PermissionDenied(_("Only the municipality's editors and administrators edit the assessment."))
    stored: list[str] = []
    try:
        with transaction.atomic():
            _save_answers(assessment, answers, version, by, stored)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    assessment.refresh_from_db()
    return assessment


def _save_answers(
    assessment: Assessment, answers: dict[int, AnswerInput], version: int, by: User, stored: list[str]
) -> None:
    current = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if not current.editable:
        raise ValidationError(
            _("The assessment is %(status)s and cannot be edited."), params={"status": current.get_status_display()}
        )
    if current.version != version:
        raise StaleAssessment(
            list(current.answers.filter(revision__gt=version).select_related("indicator", "updated_by"))
        )
    changed = 0
    for answer in current.answers.select_related("indicator", "assessment__municipality").filter(
        indicator_id__in=answers
    ):
        given = answers[answer.indicator_id]
        _check_value(answer.indicator, given)
        moved = (answer.value, answer.status, answer.note, answer.link) != (
            given.value,
            given.status,
            given.note,
            given.link,
        )
        replaced = answer.evidence_file.name if (given.file or given.remove_file) and answer.evidence_file else ""
        if given.file is not None:
            document_check(given.file)
            answer.evidence_file.save(given.file.name or "evidence", given.file, save=False)
            stored.append(str(answer.evidence_file.name))
            answer.evidence_name = (given.file.name or "")[:200]
        elif replaced:
            answer.evidence_file, answer.evidence_name = None, ""
        if not (moved or given.file or replaced) and not (given.confirm_prefill and answer.prefilled_from):
            continue
        answer.value, answer.status, answer.note, answer.link = given.value, given.status, given.note, given.link
        # An answer someone changed or confirmed is theirs now, no longer a prefill.
        answer.prefilled_from = ""
        answer.revision, answer.updated_by = current.version + 1, by
        answer.save()
        if replaced:
            transaction.on_commit(partial(default_storage.delete, replaced))
        changed += 1
    if changed:
        Assessment.objects.filter(pk=current.pk).update(version=F("version") + 1)


def missing_items(assessment: Assessment) -> list[Indicator]:
    """Scored items without an answer, or with a prefilled answer nobody has confirmed."""
    return [
        answer.indicator
        for answer in assessment.answers.select_related("indicator")
        if answer.indicator.scored and (not answer.answered or answer.prefilled_from)
    ]


def _notify(users: Any, title: Any, assessment: Assessment) -> None:
    url = reverse("assessments:detail", args=[assessment.municipality.code, assessment.fiscal_year])
    for user in users:
        notification_create(recipient=user, title=title, url=url)


def assessment_submit(*, assessment: Assessment, by: User, accept_missing: bool = False) -> Assessment:
    """Send to the prefecture; with unanswered or unconfirmed items only if the submitter accepts that."""
    organization = _organization(assessment.municipality)
    if not permissions.can_submit_assessment(by, organization):
        raise PermissionDenied(_("Only the municipality's administrators submit the assessment."))
    with transaction.atomic():
        current = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
        if not current.editable:
            raise ValidationError(_("Only a draft or a returned assessment can be submitted."))
        missing = missing_items(current)
        if missing and not accept_missing:
            raise ValidationError(
                _("%(n)s items are unanswered or unconfirmed: %(items)s. Confirm that you submit without them."),
                code="incomplete",
                params={"n": len(missing), "items": join_list(localized(i, "name") for i in missing[:10])},
            )
        current.status, current.submitted_at, current.submitted_by = Assessment.Status.SUBMITTED, timezone.now(), by
        current.version += 1
        current.save()
        _notify(
            coordinators_of(prefecture_id=assessment.municipality.prefecture_id),
            format_lazy(
                _("{name} submitted its FY{year} self-assessment"), name=organization.name, year=current.fiscal_year
            ),
            current,
        )
    return current


def assessment_review(*, assessment: Assessment, by: User, confirm: bool, comment: str = "") -> Assessment:
    """A coordinator confirms a submitted assessment, or returns it with a comment."""
    organization = _organization(assessment.municipality)
    if not permissions.can_review_assessment(by, organization):
        raise PermissionDenied(_("Only the prefecture's coordinators confirm or return assessments."))
    if not confirm and not comment.strip():
        raise ValidationError(_("Say what to fix when returning an assessment."), code="comment")
    with transaction.atomic():
        current = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
        if current.status != Assessment.Status.SUBMITTED:
            raise ValidationError(
                _("%(name)s: only a submitted assessment can be reviewed (it is %(status)s)."),
                params={"name": organization.name, "status": current.get_status_display()},
            )
        current.status = Assessment.Status.CONFIRMED if confirm else Assessment.Status.RETURNED
        current.reviewed_at, current.reviewed_by, current.review_comment = timezone.now(), by, comment.strip()
        current.version += 1
        current.save()
        title = (
            format_lazy(_("Your FY{year} self-assessment was confirmed"), year=current.fiscal_year)
            if confirm
            else format_lazy(
                _("Your FY{year} self-assessment was returned: {comment}"),
                year=current.fiscal_year,
                comment=current.review_comment,
            )
        )
        _notify(writers_of(organization), title, current)
    return current


def assessments_review_bulk(*, assessments: list[Assessment], by: User, confirm: bool, comment: str = "") -> int:
    """Review several at once: all of them or, if one cannot be, none."""
    with transaction.atomic():
        for assessment in assessments:
            assessment_review(assessment=assessment, by=by, confirm=confirm, comment=comment)
    return len(assessments)


def assessment_import(*, assessment: Assessment, data: bytes, file_name: str, version: int, by: User) -> int:
    """Read answers back from a file in the national survey's shapes (long or wide, CSV or XLSX).

    Every row must be this municipality's and year's, each item known and given once with a value of
    its kind; otherwise nothing is saved and every problem is listed. Returns how many items the file gave.
    """
    errors: list[str] = []
    try:
        rows = read_rows(data, file_name, kind="assessment_import")
    except SurveyFileError as exc:
        raise ValidationError(exc.errors) from None
    if not rows:
        raise ValidationError(_("%(name)s is empty.") % {"name": file_name})
    _year, cells = survey_cells(rows, assessment.fiscal_year, errors)
    answers = {a.indicator.code: a for a in assessment.answers.select_related("indicator")}
    given: dict[int, AnswerInput] = {}
    for cell in cells:
        where = _("line %(line)s") % {"line": cell.line}
        answer = answers.get(cell.indicator)
        if cell.lg_code != assessment.municipality.code:
            errors.append(
                _("%(where)s: municipality %(code)s, but this is %(name)s's assessment (%(own)s)")
                % {
                    "where": where,
                    "code": cell.lg_code,
                    "name": assessment.municipality,
                    "own": assessment.municipality.code,
                }
            )
        elif answer is None:
            errors.append(
                _("%(where)s: %(item)s is not an item of this assessment") % {"where": where, "item": cell.indicator}
            )
        elif answer.indicator_id in given:
            errors.append(_("%(where)s: %(item)s appears again") % {"where": where, "item": cell.indicator})
        else:
            # An empty cell leaves the item unanswered, as a missing reason does.
            parsed = parse_value(cell.raw or "not_reported", answer.indicator)
            if isinstance(parsed, str):
                errors.append(f"{where}: {parsed}")
                continue
            value, status, _missing = parsed
            given[answer.indicator_id] = AnswerInput(
                value=value, status=status, note=answer.note, link=answer.link, confirm_prefill=True
            )
    if errors:
        raise ValidationError(errors)
    assessment_save(assessment=assessment, answers=given, version=version, by=by)
    return len(given)


def survey_window_set(
    *, prefecture: Prefecture, fiscal_year: int, opens_on: dt.date, closes_on: dt.date, by: User
) -> SurveyWindow:
    """The prefecture's coordinators set when its municipalities answer the year's survey."""
    if not permissions.can_coordinate(by, prefecture.pk):
        raise PermissionDenied(_("Only the prefecture's coordinators set its survey window."))
    fiscal_year_check(fiscal_year)
    year = FiscalYear(fiscal_year)
    errors: dict[str, list[object]] = {}
    if opens_on not in year:
        errors["opens_on"] = [_("The window opens within %(year)s.") % {"year": year.label}]
    if closes_on < opens_on:
        errors["closes_on"] = [_("The deadline cannot come before the window opens.")]
    elif closes_on not in year:
        errors["closes_on"] = [_("The deadline falls within %(year)s.") % {"year": year.label}]
    if errors:
        raise ValidationError(errors)
    window, _created = SurveyWindow.objects.update_or_create(
        prefecture=prefecture,
        fiscal_year=fiscal_year,
        defaults={"opens_on": opens_on, "closes_on": closes_on, "set_by": by},
    )
    return window
