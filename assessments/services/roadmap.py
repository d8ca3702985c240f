"""Writes on roadmaps (工程表): the policy, initiatives and milestones, the 手順書 self-check, templates,
and the yearly baseline that keeps the plan of record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from dx_platform.core.concurrency import claim
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.i18n import join_list, localized
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality

from .. import kpis as kpi_rules
from .. import roadmap_data
from ..models import Initiative, Milestone, Roadmap, RoadmapBaseline, StepCheck
from .self_assessment import _organization

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


def _check_editor(by: User, municipality: Municipality) -> None:
    if not permissions.can_edit_assessment(by, _organization(municipality)):
        raise PermissionDenied(_("Only the municipality's editors and administrators change the roadmap."))


@dataclass(frozen=True)
class RoadmapInput:
    title: str
    vision: str
    period_start: dt.date
    period_end: dt.date
    adopted_on: dt.date | None


def roadmap_save(
    *,
    municipality: Municipality,
    given: RoadmapInput,
    by: User,
    roadmap: Roadmap | None = None,
    template: str = "",
    version: int | None = None,
) -> Roadmap:
    """Create (optionally from a template) or change the `version` of a roadmap (Stale if someone saved since)."""
    _check_editor(by, municipality)
    if roadmap is not None and roadmap.municipality_id != municipality.pk:
        raise PermissionDenied(_("This roadmap belongs to another municipality."))
    if given.period_end <= given.period_start:
        raise ValidationError({"period_end": [_("The period must end after it starts.")]})
    if roadmap is not None:
        outside = roadmap.initiatives.exclude(starts_on__gte=given.period_start, ends_on__lte=given.period_end)
        if outside.exists():
            raise ValidationError(
                {
                    "period_end": [
                        _("Initiatives would fall outside the period: %(titles)s.")
                        % {"titles": join_list(outside.values_list("title", flat=True))}
                    ]
                }
            )
    if template and template not in roadmap_data.TEMPLATES:
        raise ValidationError({"template": [_("Unknown template.")]})
    with transaction.atomic():
        roadmap = roadmap or Roadmap(municipality=municipality)
        claim(roadmap, version=version, by=by)
        for field, value in given.__dict__.items():
            setattr(roadmap, field, value)
        roadmap.save()
        if template:
            items = roadmap_data.TEMPLATES[template][1]
            for item in items:
                starts = kpi_rules.add_months(given.period_start, item.start_month)
                ends = min(kpi_rules.add_months(starts, item.months) - dt.timedelta(days=1), given.period_end)
                Initiative.objects.create(
                    roadmap=roadmap,
                    title=localized(item, "title"),
                    area=item.area,
                    starts_on=min(starts, ends),
                    ends_on=ends,
                )
    return roadmap


@dataclass(frozen=True)
class InitiativeInput:
    title: str
    area: str
    indicators: list[Indicator]
    owner: User | None
    starts_on: dt.date
    ends_on: dt.date
    status: str


def initiative_save(
    *,
    roadmap: Roadmap,
    given: InitiativeInput,
    by: User,
    initiative: Initiative | None = None,
    version: int | None = None,
) -> Initiative:
    """Add an initiative, or change the `version` of one (Stale if someone saved since)."""
    _check_editor(by, roadmap.municipality)
    if initiative is not None and initiative.roadmap_id != roadmap.pk:
        raise PermissionDenied(_("This initiative belongs to another roadmap."))
    errors: dict[str, list[object]] = {}
    if given.ends_on < given.starts_on:
        errors["ends_on"] = [_("An initiative cannot end before it starts.")]
    elif not (roadmap.period_start <= given.starts_on and given.ends_on <= roadmap.period_end):
        errors["ends_on"] = [
            _("An initiative lies within its roadmap's period (%(start)s to %(end)s).")
            % {"start": roadmap.period_start, "end": roadmap.period_end}
        ]
    if initiative is not None:
        outside = initiative.milestones.exclude(due_on__range=(given.starts_on, given.ends_on))
        if outside.exists():
            errors["ends_on"] = [
                _("Milestones would fall outside the initiative: %(titles)s.")
                % {"titles": join_list(outside.values_list("title", flat=True))}
            ]
    if (
        given.owner is not None
        and not given.owner.memberships.filter(organization__municipality=roadmap.municipality).exists()
    ):
        errors["owner"] = [_("The owner must be a member of the municipality.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        initiative = initiative or Initiative(roadmap=roadmap)
        claim(initiative, version=version, by=by)
        for field in ("title", "area", "owner", "starts_on", "ends_on", "status"):
            setattr(initiative, field, getattr(given, field))
        initiative.save()
        initiative.indicators.set(given.indicators)
    return initiative


def milestone_save(
    *,
    initiative: Initiative,
    title: str,
    due_on: dt.date,
    done_on: dt.date | None,
    by: User,
    milestone: Milestone | None = None,
    version: int | None = None,
) -> Milestone:
    """Add a milestone, or change the `version` of one (Stale if someone saved since)."""
    _check_editor(by, initiative.roadmap.municipality)
    if milestone is not None and milestone.initiative_id != initiative.pk:
        raise PermissionDenied(_("This milestone belongs to another initiative."))
    if not initiative.starts_on <= due_on <= initiative.ends_on:
        raise ValidationError(
            {
                "due_on": [
                    _("A milestone is due within its initiative (%(start)s to %(end)s).")
                    % {"start": initiative.starts_on, "end": initiative.ends_on}
                ]
            }
        )
    milestone = milestone or Milestone(initiative=initiative)
    with transaction.atomic():
        claim(milestone, version=version, by=by)
        milestone.title, milestone.due_on, milestone.done_on = title, due_on, done_on
        milestone.save()
    return milestone


def step_check_set(*, roadmap: Roadmap, item: str, checked: bool, by: User) -> None:
    """Tick or untick one item of the 手順書 self-check."""
    _check_editor(by, roadmap.municipality)
    if item not in roadmap_data.STEP_ITEMS:
        raise ValidationError(_("Unknown self-check item."))
    if checked:
        StepCheck.objects.get_or_create(roadmap=roadmap, item=item, defaults={"checked_by": by})
    else:
        StepCheck.objects.filter(roadmap=roadmap, item=item).delete()


def _plan(roadmap: Roadmap) -> dict[str, object]:
    return {
        str(i.pk): {
            "title": i.title,
            "starts_on": i.starts_on.isoformat(),
            "ends_on": i.ends_on.isoformat(),
            "milestones": {str(m.pk): {"title": m.title, "due_on": m.due_on.isoformat()} for m in i.milestones.all()},
        }
        for i in roadmap.initiatives.prefetch_related("milestones")
    }


def baselines_freeze(*, today: dt.date | None = None) -> int:
    """Freeze the plan of every roadmap running in this fiscal year, once (the first run of the year)."""
    year = FiscalYear.of(today or timezone.localdate())
    frozen = 0
    for roadmap in Roadmap.objects.filter(period_start__lte=year.end, period_end__gte=year.start).exclude(
        baselines__fiscal_year=year.year
    ):
        try:
            with transaction.atomic():
                RoadmapBaseline.objects.create(roadmap=roadmap, fiscal_year=year.year, plan=_plan(roadmap))
        except IntegrityError:  # another run froze it first
            continue
        frozen += 1
    return frozen
