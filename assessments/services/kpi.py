"""Writes on KPIs: create and change, measurements by hand or CSV, reminders of due measurements.

Every service checks permission through dx_platform/organizations/permissions.py.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from benchmarks.services.imports import SurveyFileError, read_rows
from dx_platform.core.concurrency import claim
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality

from .. import kpis as kpi_rules
from ..models import Initiative, Kpi, Measurement

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


from .self_assessment import _organization


@dataclass(frozen=True)
class KpiInput:
    name: str
    unit: str
    direction: str
    baseline_value: float
    baseline_date: dt.date
    target_value: float
    target_date: dt.date
    area: str
    indicator: Indicator | None
    owner: User | None
    interval: str
    initiative: Initiative | None = None


def _check_kpi(given: KpiInput, municipality: Municipality) -> None:
    errors: dict[str, list[Any]] = {}
    if given.target_date <= given.baseline_date:
        errors["target_date"] = [_("The target date must come after the baseline date.")]
    if given.direction == Kpi.Direction.UP and given.target_value <= given.baseline_value:
        errors["target_value"] = [_("For “higher is better” the target must be above the baseline.")]
    if given.direction == Kpi.Direction.DOWN and given.target_value >= given.baseline_value:
        errors["target_value"] = [_("For “lower is better” the target must be below the baseline.")]
    if given.owner is not None and not given.owner.memberships.filter(organization__municipality=municipality).exists():
        errors["owner"] = [_("The owner must be a member of the municipality.")]
    if given.initiative is not None and given.initiative.roadmap.municipality_id != municipality.pk:
        errors["initiative"] = [_("The initiative must be one of the municipality's own roadmaps.")]
    if errors:
        raise ValidationError(errors)


def kpi_save(
    *, municipality: Municipality, given: KpiInput, by: User, kpi: Kpi | None = None, version: int | None = None
) -> Kpi:
    """Create a KPI, or change the `version` of one (Stale if someone saved since); dates out of order or a
    target the wrong way round are refused."""
    # A KPI stays with its municipality: an editor elsewhere cannot reach it by naming their own.
    if not permissions.can_edit_assessment(by, _organization(municipality)) or (
        kpi is not None and kpi.municipality_id != municipality.pk
    ):
        raise PermissionDenied(_("Only the municipality's editors and administrators manage KPIs."))
    _check_kpi(given, municipality)
    kpi = kpi or Kpi(municipality=municipality)
    with transaction.atomic():
        claim(kpi, version=version, by=by)
        for field, value in given.__dict__.items():
            setattr(kpi, field, value)
        kpi.save()
    return kpi


def measurement_add(*, kpi: Kpi, measured_on: dt.date, value: float, note: str, by: User) -> Measurement:
    """Record a measurement (a second one on the same day replaces the first)."""
    if not permissions.can_edit_assessment(by, _organization(kpi.municipality)):
        raise PermissionDenied(_("Only the municipality's editors and administrators record measurements."))
    if measured_on < kpi.baseline_date:
        raise ValidationError({"measured_on": [_("A measurement cannot be before the baseline date.")]})
    measurement, _created = Measurement.objects.update_or_create(
        kpi=kpi, measured_on=measured_on, defaults={"value": value, "note": note, "recorded_by": by}
    )
    return measurement


def measurements_import(*, kpi: Kpi, data: bytes, file_name: str, by: User) -> int:
    """CSV `date,value[,note]` (UTF-8 or Shift_JIS): every row valid, or nothing written."""
    try:
        rows = read_rows(data, file_name, kind="kpi_measurements")
    except SurveyFileError as exc:
        raise ValidationError(exc.errors) from None
    if not rows or [c.strip().lower() for c in rows[0][1][:2]] != ["date", "value"]:
        raise ValidationError(_("The first line must be the header date,value[,note]."))
    errors, parsed = [], []
    for line, row in rows[1:]:
        try:
            day = dt.date.fromisoformat(row[0].strip())
            number = float(row[1])
            # float() also reads "nan" and "inf", which no measurement is (and SQLite stores NaN as NULL).
            if not math.isfinite(number):
                raise ValueError(row[1])
        except (ValueError, IndexError):
            errors.append(
                _("line %(line)s: expected a date (YYYY-MM-DD) and a number, got %(row)s")
                % {"line": line, "row": ",".join(row)}
            )
            continue
        if day < kpi.baseline_date:
            errors.append(_("line %(line)s: %(day)s is before the baseline date") % {"line": line, "day": day})
            continue
        parsed.append((day, number, row[2].strip() if len(row) > 2 else ""))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for day, number, note in parsed:
            measurement_add(kpi=kpi, measured_on=day, value=number, note=note, by=by)
    return len(parsed)


def kpi_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each KPI's owner of a measurement that is due and missing, once per due date."""
    today = today or timezone.localdate()
    sent = 0
    # Only owners who can still act on it: active and still members of the municipality.
    kpis = (
        Kpi.objects.filter(
            owner__is_active=True,
            owner__memberships__organization__municipality=F("municipality"),
            target_date__gte=today,
        )
        .annotate(last=Max("measurements__measured_on"))
        .distinct()
    )
    for kpi in kpis.select_related("owner", "municipality"):
        due = kpi_rules.next_due(last_measured=kpi.last, baseline_date=kpi.baseline_date, interval=kpi.interval)
        if due > today or kpi.owner is None:
            continue
        with transaction.atomic():
            # Claimed with a conditional UPDATE: a second run for the same due date finds nothing; if the
            # notice cannot be recorded the claim is undone and the next run tries again.
            claimed = Kpi.objects.filter(pk=kpi.pk).exclude(reminded_for=due).update(reminded_for=due)
            if not claimed:
                continue
            notification_create(
                recipient=kpi.owner,
                title=format_lazy(_("A measurement of “{kpi}” was due on {due}"), kpi=kpi.name, due=due.isoformat()),
                url=reverse("assessments:kpi", args=[kpi.pk]),
            )
        sent += 1
    return sent
