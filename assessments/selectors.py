"""Reads of self-assessments, scoped to who may see them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from benchmarks import scoring
from benchmarks.models import Area, Indicator
from benchmarks.selectors import Published, live_scores
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.i18n import localized
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization, Prefecture

from . import kpis as kpi_rules
from . import roadmap_data
from .models import Answer, Assessment, Initiative, Kpi, Measurement, Milestone, Roadmap, RoadmapBaseline, SurveyWindow

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def readable_municipalities(user: User | AnonymousUser) -> QuerySet[Organization, Any]:
    """Ids of the municipalities whose assessments, KPIs and roadmaps the user may read (a subquery)."""
    return Organization.objects.filter(permissions.assessable_organizations(user)).values("municipality")


def readable_municipality(*, user: User | AnonymousUser, code: str) -> Municipality | None:
    """The municipality by its code, if the user may read its assessments, KPIs and roadmaps."""
    return Municipality.objects.filter(code=code, pk__in=readable_municipalities(user)).first()


def assessable_organization(*, user: User | AnonymousUser, code: str) -> Organization | None:
    """The municipality's organisation by its code, if the user may read its assessments."""
    return (
        Organization.objects.filter(permissions.assessable_organizations(user), municipality__code=code)
        .select_related("municipality", "municipality__prefecture")
        .first()
    )


def organization_of(*, municipality: Municipality) -> Organization:
    """The organisation of a municipality (every municipality has one)."""
    return Organization.objects.get(municipality=municipality)


def member_organizations(*, user: User) -> QuerySet[Organization]:
    """The municipalities the user is a member of (and so reads the assessments of)."""
    return Organization.objects.filter(
        permissions.assessable_organizations(user), memberships__user=user
    ).select_related("municipality")


def review_prefectures(*, user: User | AnonymousUser) -> QuerySet[Prefecture]:
    """The prefectures whose review list the assessments page offers the user."""
    return Prefecture.objects.filter(permissions.assessment_review_prefectures(user))


def assessment_list(
    *, user: User | AnonymousUser, organizations: QuerySet[Organization] | None = None
) -> QuerySet[Assessment]:
    """The assessments the user may read (of the given municipalities' organisations only, if given)."""
    assessments = Assessment.objects.filter(municipality__in=readable_municipalities(user))
    if organizations is not None:
        assessments = assessments.filter(municipality__organization__in=organizations)
    return assessments.select_related("municipality", "municipality__prefecture")


def assessment_list_with_answers(*, user: User | AnonymousUser) -> QuerySet[Assessment]:
    return assessment_list(user=user).prefetch_related("answers__indicator")


def assessment_for(*, user: User | AnonymousUser, municipality: Municipality, fiscal_year: int) -> Assessment | None:
    return assessment_list(user=user).filter(municipality=municipality, fiscal_year=fiscal_year).first()


def assessments_chosen(*, user: User | AnonymousUser, prefecture: Prefecture, ids: list[int]) -> list[Assessment]:
    """The assessments picked on a prefecture's review list; ids of others' are left out."""
    return list(assessment_list(user=user).filter(pk__in=ids, municipality__prefecture=prefecture))


def answers_of(*, assessment: Assessment) -> list[Answer]:
    return list(assessment.answers.select_related("indicator", "updated_by").order_by("indicator__position"))


def answers_by_code(*, assessment: Assessment) -> dict[str, Answer]:
    """The assessment's answers by their item's code."""
    return {answer.indicator.code: answer for answer in assessment.answers.select_related("indicator")}


def awaits_the_town(answer: Answer) -> bool:
    """A scored item nobody of the town has answered yet: unanswered, or prefilled and not confirmed."""
    return answer.indicator.scored and (not answer.answered or bool(answer.prefilled_from))


@dataclass(frozen=True)
class AreaProgress:
    """How far an area is answered, and its rate by the benchmark method with what that rate counts.

    The method takes an area's rate from its answered scored yes/no items, else from its procedures (online
    among those offered), else from its first rate item; `basis` is the rule that applied, `counted` the
    answered items of that kind (prefilled ones included, `prefilled` of them) out of `of`.
    """

    area: str
    label: str
    done: int  # scored items answered by the town (entered, or a prefill confirmed)
    total: int  # scored items
    pending: int  # scored items prefilled and not confirmed yet
    basis: str  # "boolean", "procedure", "rate" or "" (no rate yet)
    counted: int
    of: int
    prefilled: int
    rate: float | None
    rate_item: str  # the rate item's name, for the "rate" basis
    procedures_answered: int
    procedures: int

    @property
    def complete(self) -> bool:
        return self.counted == self.of


def area_progress(*, answers: list[Answer]) -> list[AreaProgress]:
    """Per area of the answers (in the areas' order): answered out of all, and the area's rate as the
    benchmark method computes it from the answers as they stand (benchmarks.scoring, the same code)."""
    code = "self"
    values = scoring.values_frame((code, a.indicator.code, a.value, a.status, "") for a in answers if a.answered)
    catalog = scoring.catalog_frame(
        (a.indicator.code, a.indicator.area, a.indicator.kind, a.indicator.scored, a.indicator.position)
        for a in answers
    )
    rates = scoring.municipality_area_rates(values, catalog)
    row = rates.loc[code] if code in rates.index else None
    result = []
    for area, label in Area.choices:
        if not any(a.indicator.area == area for a in answers):
            continue
        mine = sorted(
            (a for a in answers if a.indicator.area == area and a.indicator.scored), key=lambda a: a.indicator.position
        )
        of_kind = {kind: [a for a in mine if a.indicator.kind == kind] for kind in Indicator.Kind.values}
        answered_kind = {kind: [a for a in items if a.answered] for kind, items in of_kind.items()}
        offered = [a for a in answered_kind[Indicator.Kind.PROCEDURE] if a.status != Answer.Status.NOT_OFFERED]
        rate = None if row is None or row.isna()[area] else float(row[area])
        basis, rate_item = "", ""
        if answered_kind[Indicator.Kind.BOOLEAN]:
            basis = Indicator.Kind.BOOLEAN
        elif offered:
            basis = Indicator.Kind.PROCEDURE
        elif answered_kind[Indicator.Kind.RATE]:
            basis, rate_item = Indicator.Kind.RATE, localized(answered_kind[Indicator.Kind.RATE][0].indicator, "name")
        counted = answered_kind.get(basis, [])[:1] if basis == Indicator.Kind.RATE else answered_kind.get(basis, [])
        result.append(
            AreaProgress(
                area=area,
                label=str(label),
                done=sum(not awaits_the_town(a) for a in mine),
                total=len(mine),
                pending=sum(a.answered and bool(a.prefilled_from) for a in mine),
                basis=basis,
                counted=len(counted),
                of=1 if basis == Indicator.Kind.RATE else len(of_kind.get(basis, [])),
                prefilled=sum(bool(a.prefilled_from) for a in counted),
                rate=rate if basis else None,
                rate_item=rate_item,
                procedures_answered=len(answered_kind[Indicator.Kind.PROCEDURE]),
                procedures=len(of_kind[Indicator.Kind.PROCEDURE]),
            )
        )
    return result


def evidence_answer(*, assessment: Assessment, item: str) -> Answer | None:
    """The answer to the item, if it carries an evidence file."""
    return assessment.answers.exclude(evidence_file="").filter(indicator__code=item).first()


def history(*, assessment: Assessment, limit: int = 100) -> QuerySet[LogEntry]:
    """Every change of the assessment and its answers: who, when, old → new."""
    return (
        LogEntry.objects.filter(additional_data__assessment_id=assessment.pk)
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )


# A KPI nobody has measured for this long needs attention.
STALE_AFTER = dt.timedelta(days=90)


def review_rows(
    *,
    user: User | AnonymousUser,
    prefecture_id: int,
    fiscal_year: int,
    towns_only: bool = False,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Every municipality of a prefecture the user coordinates: its assessment's state for the year, its
    KPI coverage (how many, how many on track or off track, how many unmeasured for 90 days) and roadmap health
    (late initiatives and milestones). A fixed number of queries, however many municipalities."""
    organizations = Organization.objects.filter(
        permissions.assessable_organizations(user), prefecture_id=prefecture_id
    ).select_related("municipality")
    if towns_only:
        organizations = organizations.filter(municipality__kind__in=[Municipality.Kind.TOWN, Municipality.Kind.VILLAGE])
    assessments: dict[int | None, Assessment] = {
        a.municipality_id: a
        for a in Assessment.objects.filter(municipality__prefecture_id=prefecture_id, fiscal_year=fiscal_year)
    }
    today = today or timezone.localdate()
    in_prefecture = {"municipality__prefecture_id": prefecture_id}
    kpis: dict[int | None, list[kpi_rules.Status]] = {}
    stale: Counter[int | None] = Counter()
    for kpi in Kpi.objects.filter(**in_prefecture).prefetch_related("measurements"):
        kpis.setdefault(kpi.municipality_id, []).append(kpi_status(kpi))
        last = max([m.measured_on for m in kpi.measurements.all()], default=kpi.baseline_date)
        stale[kpi.municipality_id] += today - last > STALE_AFTER
    roadmaps: dict[int | None, int] = dict(
        Roadmap.objects.filter(**in_prefecture)
        .values("municipality_id")
        .annotate(n=Count("pk"))
        .values_list("municipality_id", "n")
    )
    late_initiatives = (
        Initiative.objects.filter(roadmap__municipality__prefecture_id=prefecture_id, ends_on__lt=today)
        .exclude(status=Initiative.Status.DONE)
        .values_list("roadmap__municipality_id", flat=True)
    )
    late_milestones = Milestone.objects.filter(
        initiative__roadmap__municipality__prefecture_id=prefecture_id, due_on__lt=today, done_on__isnull=True
    ).values_list("initiative__roadmap__municipality_id", flat=True)
    late: Counter[int | None] = Counter([*late_initiatives, *late_milestones])
    return [
        {
            "organization": org,
            "municipality": org.municipality,
            "assessment": assessments.get(org.municipality_id),
            "kpis": len(kpis.get(org.municipality_id, [])),
            "kpis_on_track": sum(s.code == "on_track" for s in kpis.get(org.municipality_id, [])),
            "kpis_off_track": sum(s.code == "off_track" for s in kpis.get(org.municipality_id, [])),
            "kpis_stale": stale.get(org.municipality_id, 0),
            "roadmaps": roadmaps.get(org.municipality_id, 0),
            "late_items": late.get(org.municipality_id, 0),
        }
        for org in organizations.order_by("municipality__code")
    ]


# The states in which the prefecture has the assessment: sent, or sent and confirmed.
HANDED_IN = (Assessment.Status.SUBMITTED, Assessment.Status.CONFIRMED)


def assessment_submitted(*, municipality: Municipality, fiscal_year: int) -> bool:
    return Assessment.objects.filter(municipality=municipality, fiscal_year=fiscal_year, status__in=HANDED_IN).exists()


def survey_window(*, prefecture_id: int, fiscal_year: int) -> SurveyWindow | None:
    """When the prefecture's municipalities answer the year's survey (None until its coordinators set it)."""
    return SurveyWindow.objects.filter(prefecture_id=prefecture_id, fiscal_year=fiscal_year).first()


def live_result(*, municipality: Municipality, beside: Published | None) -> dict[str, Any] | None:
    """The live layer: the newest confirmed self-assessment scored against the latest national
    distribution of the same origin as the published scores it is shown beside (None while nothing
    is published)."""
    assessment = (
        Assessment.objects.filter(municipality=municipality, status=Assessment.Status.CONFIRMED)
        .order_by("-fiscal_year")
        .first()
    )
    if assessment is None or beside is None:
        return None
    answers = [(a.indicator, a.value, a.status) for a in assessment.answers.select_related("indicator") if a.answered]
    live = live_scores(
        code=municipality.code, answers=answers, key=f"assessment-{assessment.pk}-{assessment.version}", beside=beside
    )
    return {"assessment": assessment, **live}


def kpi_list(*, user: User | AnonymousUser, municipality: Municipality) -> list[tuple[Kpi, kpi_rules.Status]]:
    """The municipality's KPIs (if the user may read them) with their status against the plan."""
    if not permissions.can_view_assessment(user, organization_of(municipality=municipality)):
        return []
    kpis = (
        Kpi.objects.filter(municipality=municipality)
        .select_related("owner", "indicator", "initiative")
        .prefetch_related("measurements")
    )
    return [(kpi, kpi_status(kpi)) for kpi in kpis]


def kpi_status(kpi: Kpi) -> kpi_rules.Status:
    measurements = list(kpi.measurements.all())
    latest = max(measurements, key=lambda m: m.measured_on) if measurements else None
    return kpi_rules.status(
        baseline_value=kpi.baseline_value,
        baseline_date=kpi.baseline_date,
        target_value=kpi.target_value,
        target_date=kpi.target_date,
        latest=(latest.measured_on, latest.value) if latest else None,
    )


def kpi_for(*, user: User | AnonymousUser, pk: int) -> Kpi | None:
    municipalities = readable_municipalities(user)
    return Kpi.objects.filter(pk=pk, municipality__in=municipalities).select_related("municipality", "owner").first()


def readable_kpis(*, user: User | AnonymousUser) -> QuerySet[Kpi]:
    """Every KPI the user may read, with what its API representation shows."""
    return (
        Kpi.objects.filter(municipality__in=readable_municipalities(user))
        .select_related("municipality", "owner", "indicator")
        .prefetch_related("measurements")
    )


def measurements_of(*, kpi: Kpi) -> list[Measurement]:
    """The KPI's measurements, oldest first."""
    return list(kpi.measurements.all())


# --- roadmaps ------------------------------------------------------------------------------------


def roadmap_list(*, user: User | AnonymousUser, municipality: Municipality) -> QuerySet[Roadmap]:
    if not permissions.can_view_assessment(user, organization_of(municipality=municipality)):
        return Roadmap.objects.none()
    return Roadmap.objects.filter(municipality=municipality)


def roadmap_for(*, user: User | AnonymousUser, pk: int) -> Roadmap | None:
    municipalities = readable_municipalities(user)
    return Roadmap.objects.filter(pk=pk, municipality__in=municipalities).select_related("municipality").first()


def readable_roadmaps(*, user: User | AnonymousUser) -> QuerySet[Roadmap]:
    """Every roadmap the user may read, with its initiatives as the API shows them."""
    return (
        Roadmap.objects.filter(municipality__in=readable_municipalities(user))
        .prefetch_related("initiatives__milestones", "initiatives__indicators", "initiatives__owner")
        .select_related("municipality")
    )


def readable_initiatives(*, user: User | AnonymousUser) -> QuerySet[Initiative]:
    return (
        Initiative.objects.filter(roadmap__municipality__in=readable_municipalities(user))
        .prefetch_related("milestones", "indicators")
        .select_related("owner", "roadmap")
    )


def initiative_for(*, user: User | AnonymousUser, pk: int) -> Initiative | None:
    return readable_initiatives(user=user).filter(pk=pk).first()


def initiative_values(*, initiative: Initiative) -> dict[str, Any]:
    """The initiative's editable values, keyed as InitiativeInput: what its edit form starts from and a
    partial update keeps."""
    return {
        "title": initiative.title,
        "area": initiative.area,
        "indicators": list(initiative.indicators.all()),
        "owner": initiative.owner,
        "starts_on": initiative.starts_on,
        "ends_on": initiative.ends_on,
        "status": initiative.status,
    }


def milestones_of(*, initiative: Initiative, today: dt.date) -> list[tuple[Milestone, bool]]:
    """The initiative's milestones, each with whether it is late."""
    return [(m, m.done_on is None and m.due_on < today) for m in initiative.milestones.all()]


def milestone_of(*, initiative: Initiative, pk: int) -> Milestone | None:
    return initiative.milestones.filter(pk=pk).first()


def readable_milestones(*, user: User | AnonymousUser) -> QuerySet[Milestone]:
    return Milestone.objects.filter(initiative__roadmap__municipality__in=readable_municipalities(user)).select_related(
        "initiative__roadmap__municipality"
    )


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    late: bool
    slip_days: int | None  # against the plan of record (the year's baseline)


@dataclass(frozen=True)
class InitiativeRow:
    initiative: Initiative
    late: bool
    slip_days: int | None
    milestones: list[MilestoneRow]


@dataclass(frozen=True)
class RoadmapOverview:
    roadmap: Roadmap
    rows: list[InitiativeRow]
    baseline: RoadmapBaseline | None
    steps: list[tuple[roadmap_data.Step, list[tuple[str, str, bool]]]]
    current_step: int | None  # the first step with an unticked item; None when all are ticked


def _slip(now: dt.date, planned: str | None) -> int | None:
    return None if planned is None else (now - dt.date.fromisoformat(planned)).days


def roadmap_overview(*, roadmap: Roadmap, today: dt.date) -> RoadmapOverview:
    """Initiatives and milestones with what is late and how far each slipped from the plan of record."""
    baseline = roadmap.baselines.order_by("-fiscal_year").first()
    plan: dict[str, Any] = baseline.plan if baseline else {}
    rows = []
    for initiative in roadmap.initiatives.prefetch_related("milestones", "indicators").select_related("owner"):
        planned = plan.get(str(initiative.pk), {})
        milestones = [
            MilestoneRow(
                m,
                m.done_on is None and m.due_on < today,
                _slip(m.due_on, planned.get("milestones", {}).get(str(m.pk), {}).get("due_on")),
            )
            for m in initiative.milestones.all()
        ]
        rows.append(
            InitiativeRow(
                initiative,
                initiative.status != Initiative.Status.DONE and initiative.ends_on < today,
                _slip(initiative.ends_on, planned.get("ends_on")),
                milestones,
            )
        )
    ticked = set(roadmap.step_checks.values_list("item", flat=True))
    steps = [
        (step, [(check.code, localized(check, "text"), check.code in ticked) for check in step.items])
        for step in roadmap_data.STEPS
    ]
    current = next((step.number for step, items in steps if not all(done for *_, done in items)), None)
    return RoadmapOverview(roadmap, rows, baseline, steps, current)


# --- each year's assessment with its progress: the home page and the assessments page -------------------


@dataclass(frozen=True)
class YearStatus:
    """One municipality's self-assessment of one year, as its members' home and the assessments page show it."""

    organization: Organization
    fiscal_year: int
    assessment: Assessment | None  # None: not started
    items: int  # scored survey items of the assessment
    answered: int  # of them, answered by the town (entered, or a prefill confirmed)
    to_finish: int  # scored items unanswered, or prefilled and not yet confirmed: what submitting would list
    window: SurveyWindow | None  # the prefecture's answer period, once its coordinators set it
    can_edit: bool
    can_submit: bool

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else "not_started"


def _with_progress(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    # Counted as the survey's index counts (area_progress): scored items, a prefill answered only once confirmed.
    scored = Q(answers__indicator__scored=True)
    entered = Q(answers__value__isnull=False) | Q(answers__status__gt="")
    unanswered = Q(answers__value__isnull=True, answers__status="")
    prefilled = Q(answers__prefilled_from__gt="")
    return assessments.annotate(
        item_count=Count("answers", filter=scored),
        answered_count=Count("answers", filter=scored & entered & Q(answers__prefilled_from="")),
        to_finish_count=Count("answers", filter=scored & (unanswered | prefilled)),
    )


def year_statuses(
    *, user: User, organizations: QuerySet[Organization], fiscal_year: int | None = None
) -> list[YearStatus]:
    """Every assessment of the user's municipalities, newest year first, with the given year's (the
    current one by default) first for each municipality even when it is not started."""
    year = fiscal_year or FiscalYear.current().year
    organizations = organizations.select_related("municipality")
    found: dict[tuple[int | None, int], Assessment] = {
        (a.municipality_id, a.fiscal_year): a
        for a in _with_progress(assessment_list(user=user, organizations=organizations))
    }
    prefecture_ids = {org.municipality.prefecture_id for org in organizations if org.municipality}
    windows = {
        (w.prefecture_id, w.fiscal_year): w for w in SurveyWindow.objects.filter(prefecture_id__in=prefecture_ids)
    }
    statuses = []
    for org in organizations.order_by("municipality__code"):
        municipality = org.municipality
        if municipality is None:
            continue
        years = sorted({year} | {y for (m, y) in found if m == municipality.pk}, reverse=True)
        for y in years:
            assessment = found.get((municipality.pk, y))
            statuses.append(
                YearStatus(
                    organization=org,
                    fiscal_year=y,
                    assessment=assessment,
                    items=getattr(assessment, "item_count", 0),
                    answered=getattr(assessment, "answered_count", 0),
                    to_finish=getattr(assessment, "to_finish_count", 0),
                    window=windows.get((municipality.prefecture_id, y)),
                    can_edit=permissions.can_edit_assessment(user, org),
                    can_submit=permissions.can_submit_assessment(user, org),
                )
            )
    return statuses


# --- the history in words: item names, answers as the form shows them, who and when -------------------


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    when: dt.datetime
    who: str  # the person's name ("" for the system)
    what: str  # the survey item's name, or the self-assessment itself
    action: str  # created / changed / deleted, in words
    changes: list[Change]


def _raw(value: Any) -> str | None:
    return None if value in (None, "None", "") else str(value)


def _answer_value(raw: Any, kind: str) -> str:
    value = _raw(raw)
    if value is None:
        return str(_("Not answered"))
    try:
        number = float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return str(_("Yes") if number else _("No"))
    return f"{number:g} %" if kind == "rate" else f"{number:g}"


def _choice(raw: Any, choices: Any, empty: str) -> str:
    value = _raw(raw)
    return str(dict(choices).get(value, value)) if value is not None else empty


def _answer_changes(changes: dict[str, Any], indicator: Indicator | None) -> list[Change]:
    kind = indicator.kind if indicator else ""
    none = str(_("none"))
    rows = []
    for name, (old, new) in changes.items():
        if name == "value":
            rows.append(
                Change(pgettext("column heading", "Answer"), _answer_value(old, kind), _answer_value(new, kind))
            )
        elif name == "status":
            unanswered = str(_("Not answered"))
            rows.append(
                Change(
                    pgettext("column heading", "Answer"),
                    _choice(old, Answer.Status.choices, unanswered),
                    _choice(new, Answer.Status.choices, unanswered),
                )
            )
        elif name == "prefilled_from":
            entered = str(Answer.Prefill.NONE.label)
            rows.append(
                Change(
                    pgettext("where an answer came from", "Source"),
                    _choice(old, Answer.Prefill.choices, entered),
                    _choice(new, Answer.Prefill.choices, entered),
                )
            )
        elif name in ("note", "link"):
            label = _("Evidence note") if name == "note" else _("Evidence link")
            rows.append(Change(str(label), _raw(old) or none, _raw(new) or none))
        elif name == "evidence_name":
            rows.append(Change(str(_("Evidence file")), _raw(old) or none, _raw(new) or none))
        elif name == "evidence_file" and "evidence_name" not in changes:
            # The stored file's path is nobody's business: only whether there is one.
            attached = str(_("attached"))
            rows.append(
                Change(str(_("Evidence file")), attached if _raw(old) else none, attached if _raw(new) else none)
            )
        # Who changed it is the row's "who"; the assessment and the item are the row's "what".
    return rows


def _assessment_changes(changes: dict[str, Any]) -> list[Change]:
    rows = []
    for name, (old, new) in changes.items():
        if name == "status":
            rows.append(
                Change(
                    str(_("Status")),
                    _choice(old, Assessment.Status.choices, "—"),
                    _choice(new, Assessment.Status.choices, "—"),
                )
            )
        elif name == "review_comment":
            rows.append(Change(str(_("Review comment")), _raw(old) or str(_("none")), _raw(new) or str(_("none"))))
    return rows


def history_rows(*, assessment: Assessment, limit: int = 100) -> list[HistoryRow]:
    """The assessment's history as its page shows it: each answer by its item's name, yes/no and the other
    answers in words, the file by the name it was uploaded under; bookkeeping fields left out."""
    entries = list(history(assessment=assessment, limit=limit))
    answer_type = ContentType.objects.get_for_model(Answer)
    answer_ids = {int(e.object_pk) for e in entries if e.content_type_id == answer_type.pk}
    indicators = {a.pk: a.indicator for a in Answer.objects.filter(pk__in=answer_ids).select_related("indicator")}
    actions = {
        LogEntry.Action.CREATE: _("created"),
        LogEntry.Action.UPDATE: _("changed"),
        LogEntry.Action.DELETE: _("deleted"),
    }
    rows = []
    for entry in entries:
        changes = entry.changes_dict
        if entry.content_type_id == answer_type.pk:
            indicator = indicators.get(int(entry.object_pk))
            what = localized(indicator, "name") if indicator else str(_("a removed answer"))
            shown = _answer_changes(changes, indicator)
        else:
            what = str(_("The self-assessment"))
            shown = _assessment_changes(changes)
        if not shown and entry.action == LogEntry.Action.UPDATE:
            continue  # only bookkeeping changed
        actor = entry.actor
        rows.append(
            HistoryRow(
                when=entry.timestamp,
                who=(actor.get_short_name() or actor.email) if actor else "",
                what=what,
                action=str(actions.get(entry.action, "")),
                changes=shown,
            )
        )
    return rows
