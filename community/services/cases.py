"""Writes on practice cases (事例): drafts, publishing, the reusable kit, adoptions, questions to the author.

Every service checks permission through dx_platform/organizations/permissions.py and keeps the search
index in step (every save indexes the case again; visibility is applied when searching).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from dx_platform.core.concurrency import claim
from dx_platform.core.uploads import DOCUMENT_TYPES, document_check
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import REGIONAL_KINDS, Organization
from dx_platform.organizations.selectors import latest_population, writers_of

from ..models import Adoption, CaseAttachment, CaseMetric, Comment, PracticeCase, SearchEntry
from ..models.cases import Audience
from ..selectors.cases import is_released, newest_indicators, readable_cases, shown_population
from ..selectors.discussion import target_url
from .discussion import comment_post
from .search import search_entry_delete, search_entry_save

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

# An RPA scenario is usually a folder of files (UiPath, Power Automate): shared as a zip archive. It
# is never unpacked here, only stored and downloaded as an attachment; other kinds take documents only.
RPA_TYPES: dict[str, tuple[str, ...]] = {**DOCUMENT_TYPES, "application/zip": (".zip",)}


def attachment_types(kind: str) -> dict[str, tuple[str, ...]]:
    """The file types a piece of the kit of this kind may have."""
    return RPA_TYPES if kind == CaseAttachment.Kind.RPA else DOCUMENT_TYPES


@dataclass(frozen=True)
class MetricInput:
    label: str
    before: float | None = None
    after: float | None = None
    unit: str = ""


@dataclass(frozen=True)
class CaseInput:
    """The author's text and choices; the fields of PracticeCase the author writes, plus the metrics."""

    title: str
    problem: str
    what_was_done: str
    outcome: str
    context: str = ""
    tools: str = ""
    cost_yen: int | None = None
    cost_note: str = ""
    people: str = ""
    started_on: dt.date | None = None
    finished_on: dt.date | None = None
    outcomes: str = ""
    what_did_not_work: str = ""
    lessons: str = ""
    would_do_again: str = ""
    area: str = ""
    audience: str = Audience.PUBLIC_SECTOR
    anonymous: bool = False
    embargo_until: dt.date | None = None
    indicators: Sequence[Indicator] = ()
    metrics: Sequence[MetricInput] = ()

    @classmethod
    def of(cls, case: PracticeCase) -> CaseInput:
        """What the case holds now (an API change starts from it)."""
        values = {f.name: getattr(case, f.name) for f in fields(cls) if f.name not in ("indicators", "metrics")}
        metrics = [MetricInput(m.label, m.before, m.after, m.unit) for m in case.metrics.all()]
        return cls(**values, indicators=list(case.indicators.all()), metrics=metrics)


CASE_FIELDS = tuple(f.name for f in fields(CaseInput) if f.name not in ("indicators", "metrics"))


def _check_editor(by: User, organization: Organization) -> None:
    if not permissions.can_edit_practice_case(by, organization):
        raise PermissionDenied(_("Only the author body's editors write its practice cases."))


def _check(case: PracticeCase, given: CaseInput) -> list[CaseMetric]:
    """The metrics to store, if everything given is valid; else every problem, by field."""
    errors: dict[str, list[Any]] = {}
    if given.started_on and given.finished_on and given.finished_on < given.started_on:
        errors["finished_on"] = [_("The end cannot be before the start.")]
    allowed = set(newest_indicators().values_list("pk", flat=True))
    if any(indicator.pk not in allowed for indicator in given.indicators):
        errors["indicators"] = [_("Tag the case with survey items of the newest catalog.")]
    metrics = []
    for metric in given.metrics:
        row = CaseMetric(label=metric.label.strip(), before=metric.before, after=metric.after, unit=metric.unit.strip())
        if any(value is not None and not math.isfinite(value) for value in (metric.before, metric.after)):
            errors.setdefault("metrics", []).append(
                _("%(label)s: before and after must be numbers.") % {"label": row.label}
            )
        try:
            row.full_clean(exclude=["case"])
        except ValidationError as exc:
            errors.setdefault("metrics", []).extend(exc.messages)
        metrics.append(row)
    try:
        case.full_clean(exclude=["author", "indicators"], validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return metrics


def _snapshot(case: PracticeCase) -> None:
    """The author's size class and population as they are now (frozen when the case is published)."""
    municipality = case.organization.municipality if case.organization.municipality_id else None
    case.size_class = municipality.size_class if municipality else ""
    case.population = latest_population(case.organization)


def _index(case: PracticeCase) -> None:
    """Index the case (again): its texts and, unless anonymised, its author's name."""
    parts = [
        case.problem,
        case.context,
        case.what_was_done,
        case.tools,
        case.cost_note,
        case.people,
        case.outcomes,
        case.what_did_not_work,
        case.lessons,
        *(metric.label for metric in case.metrics.all()),
    ]
    if not case.anonymous:
        parts.append(case.organization.name)
    search_entry_save(
        kind=SearchEntry.Kind.CASE,
        object_id=case.pk,
        title=case.title,
        parts=[part for part in parts if part],
        organization=case.organization,
        area=case.area,
        outcome=case.outcome,
        indicator_codes=[indicator.code for indicator in case.indicators.all()],
        # Rounded as the pages show it: the entry's population reaches others through the search.
        population=shown_population(case.population) if case.anonymous else case.population,
        anonymous=case.anonymous,
    )


def practice_case_save(
    *,
    organization: Organization,
    given: CaseInput,
    by: User,
    case: PracticeCase | None = None,
    version: int | None = None,
) -> PracticeCase:
    """Create a case as a draft of the author body, or change the `version` of one (Stale if someone saved
    since); everything is checked first."""
    if case is not None and case.organization_id != organization.pk:
        raise PermissionDenied(_("A case stays with the body that wrote it."))
    _check_editor(by, organization)
    if organization.kind not in REGIONAL_KINDS:  # not even platform staff make a partner an author
        raise PermissionDenied(_("Practice cases are written by municipalities and prefectures."))
    # A fresh copy: the caller's object stays as stored if the change is refused.
    case = PracticeCase.objects.get(pk=case.pk) if case else PracticeCase(organization=organization, author=by)
    for name in CASE_FIELDS:
        setattr(case, name, getattr(given, name))
    if case.status == PracticeCase.Status.DRAFT:
        _snapshot(case)
    metrics = _check(case, given)
    with transaction.atomic():
        claim(case, version=version, by=by)
        case.save()
        case.indicators.set(given.indicators)
        case.metrics.all().delete()
        for metric in metrics:
            metric.case = case
        CaseMetric.objects.bulk_create(metrics)
        _index(case)
    return case


def practice_case_publish(*, case: PracticeCase, by: User) -> PracticeCase:
    """Publish a draft: from now (or its embargo date) others may read it; its author's size is frozen."""
    _check_editor(by, case.organization)
    if case.status == PracticeCase.Status.PUBLISHED:
        raise ValidationError(_("The case is already published."))
    if case.outcome in (PracticeCase.Outcome.FAILURE, PracticeCase.Outcome.PARTIAL) and not case.what_did_not_work:
        raise ValidationError(
            {"what_did_not_work": [_("Say what did not work: that is what others learn from a failure.")]}
        )
    _snapshot(case)
    case.status, case.published_at = PracticeCase.Status.PUBLISHED, timezone.now()
    with transaction.atomic():
        claim(case, version=None, by=by)  # an edit open since is refused rather than making it a draft again
        case.save(update_fields=["status", "published_at", "size_class", "population", "updated_at"])
        _index(case)
    return case


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def practice_case_delete(*, case: PracticeCase, by: User) -> None:
    """Delete a case with its kit (files too), adoptions, discussion and search entry."""
    _check_editor(by, case.organization)
    files = [str(name) for name in case.attachments.values_list("file", flat=True)]
    with transaction.atomic():
        Comment.objects.filter(target_type=ContentType.objects.get_for_model(PracticeCase), target_id=case.pk).delete()
        search_entry_delete(kind=SearchEntry.Kind.CASE, object_id=case.pk)
        case.delete()
        # Files go only once the rows are gone for good.
        transaction.on_commit(partial(_remove_files, files))


def case_attachment_add(*, case: PracticeCase, kind: str, upload: UploadedFile, by: User) -> CaseAttachment:
    """Add a piece to the case's kit, checked by content and size; nothing is kept if that fails."""
    _check_editor(by, case.organization)
    if kind not in CaseAttachment.Kind.values:
        raise ValidationError({"kind": [_("Choose what the file is.")]})
    content_type = document_check(upload, types=attachment_types(kind))
    attachment = CaseAttachment(
        case=case,
        kind=kind,
        name=(upload.name or "file")[:200],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            attachment.file.save(upload.name or "file", upload, save=False)
            attachment.save()
    except BaseException:
        if attachment.file.name:
            default_storage.delete(attachment.file.name)
        raise
    return attachment


def case_attachment_delete(*, attachment: CaseAttachment, by: User) -> None:
    """Remove a piece of the kit and its file."""
    _check_editor(by, attachment.case.organization)
    with transaction.atomic():
        attachment.delete()
        transaction.on_commit(partial(_remove_files, [str(attachment.file.name)]))


def _check_readable(case: PracticeCase, by: User) -> None:
    """Adopting and asking need a case the user may read that is out for others to read."""
    if not readable_cases(user=by).filter(pk=case.pk).exists():
        raise PermissionDenied(_("No such case among those you may read."))
    if not is_released(case):
        raise ValidationError(_("The case is not published yet."))


def case_adopt(*, case: PracticeCase, organization: Organization, by: User, note: str = "") -> Adoption:
    """横展開: the body says it adopted the case, once; the author body is told."""
    _check_readable(case, by)
    if not permissions.can_adopt(by, organization, case.organization):
        raise PermissionDenied(_("Only another municipality's or prefecture's editors say it adopted a case."))
    adoption, created = Adoption.objects.get_or_create(
        case=case, organization=organization, defaults={"by": by, "note": note.strip()[:500]}
    )
    if not created:
        raise ValidationError(_("%(body)s has already said it adopted this case."), params={"body": organization.name})
    for writer in writers_of(case.organization):
        notification_create(
            recipient=writer,
            title=format_lazy(_("{body} adopted your case “{case}”"), body=organization.name, case=case.title),
            body=adoption.note,
            url=target_url(case),
        )
    return adoption


def case_adoption_withdraw(*, adoption: Adoption, by: User) -> None:
    """Undo an adoption: only the adopting body's editors may."""
    if not permissions.can_adopt(by, adoption.organization, adoption.case.organization):
        raise PermissionDenied(_("Only the adopting body's editors undo its adoption."))
    adoption.delete()


def case_question_ask(*, case: PracticeCase, body: str, by: User) -> Comment:
    """Ask the body that wrote a published case: a question in the case's thread, which tells the body's
    writers (only them, so an anonymised case's author stays unknown to the asker); answers are replies."""
    _check_readable(case, by)
    return comment_post(target=case, body=body, by=by, kind=Comment.Kind.QUESTION)
