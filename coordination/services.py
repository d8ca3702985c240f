"""Writes of the coordinator's workspace; each checks permission through permissions.py first."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from assessments.models import Initiative, Kpi
from assessments.selectors import assessment_submitted, survey_window
from benchmarks.models import Indicator
from dx_platform.accounts.models import User
from dx_platform.core.concurrency import Stale, claim
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization, Prefecture
from dx_platform.organizations.selectors import coordinators_of, writers_of

from . import report as council
from . import selectors
from .models import (
    SKILLS,
    AssessmentReminder,
    CouncilReport,
    Dispatch,
    GoalMilestone,
    SharedGoal,
    Specialist,
    SupportActivity,
    SupportCase,
)

logger = logging.getLogger(__name__)

SKILL_CODES = {code for code, _label in SKILLS}


def _municipality_writers(municipality: Municipality) -> QuerySet[User]:
    return writers_of(Organization.objects.filter(municipality=municipality))


def _check_coordinator(by: User, prefecture_id: int) -> None:
    if not permissions.can_coordinate(by, prefecture_id):
        raise PermissionDenied(_("Only the prefecture's coordinators do this."))


# --- support cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportRequest:
    topic: str
    skill: str
    indicator: Indicator | None
    urgency: str
    description: str


@transaction.atomic
def support_case_raise(*, municipality: Municipality, given: SupportRequest, by: User) -> SupportCase:
    """A municipality asks its prefecture for support; the coordinators hear of it."""
    organization = Organization.objects.get(municipality=municipality)
    if not permissions.can_raise_support_case(by, organization):
        raise PermissionDenied(_("Only the municipality's editors and administrators ask for support."))
    if given.skill and given.skill not in SKILL_CODES:
        raise ValidationError({"skill": [_("Choose what the support is about from the list.")]})
    case = SupportCase.objects.create(
        municipality=municipality,
        topic=given.topic,
        skill=given.skill,
        indicator=given.indicator,
        urgency=given.urgency,
        description=given.description,
        raised_by=by,
    )
    url = reverse("coordination:case_detail", args=[case.pk])
    if permissions.can_write_for(by, organization):
        told, title = (
            coordinators_of(prefecture_id=municipality.prefecture_id),
            format_lazy(_("{name} asks for support: {topic}"), name=municipality, topic=case.topic),
        )
    else:  # the prefecture opened it: the municipality hears
        told, title = (
            writers_of(organization),
            format_lazy(
                _("{prefecture} opened a support case with you: {topic}"),
                prefecture=municipality.prefecture,
                topic=case.topic,
            ),
        )
    for user in told:
        if user != by:
            notification_create(recipient=user, title=title, url=url)
    return case


def _lock_open(case: SupportCase) -> None:
    """Read the case afresh and lock it until the transaction ends, so that a write racing a close neither
    undoes the close nor lands on a closed case. Call it inside a transaction."""
    case.refresh_from_db(from_queryset=SupportCase.objects.select_for_update())
    if case.status == SupportCase.Status.CLOSED:
        raise ValidationError(_("The case is closed."))


@transaction.atomic
def support_case_assign(
    *, case: SupportCase, specialist: Specialist | None, by: User, version: int | None = None
) -> SupportCase:
    """Triage: set (or clear) the specialist; the case is triaged, the specialist and the town told.

    `version`: the one the choice was made against (Stale if someone changed the case since)."""
    _check_coordinator(by, case.municipality.prefecture_id)
    claim(case, version=version, by=by)
    _lock_open(case)
    if specialist is not None and (
        specialist.prefecture_id != case.municipality.prefecture_id or not specialist.active
    ):
        raise ValidationError({"specialist": [_("Choose an active specialist of this prefecture's pool.")]})
    case.specialist = specialist
    if case.status == SupportCase.Status.REQUESTED:
        case.status = SupportCase.Status.TRIAGED
    case.save()
    url = reverse("coordination:case_detail", args=[case.pk])
    recipients = list(_municipality_writers(case.municipality))
    if specialist is not None and specialist.user is not None:
        recipients.append(specialist.user)
    for user in recipients:
        notification_create(
            recipient=user,
            title=format_lazy(
                _("Support case “{topic}”: {name} is assigned"), topic=case.topic, name=specialist or "—"
            ),
            url=url,
        )
    return case


@transaction.atomic
def support_case_links(
    *, case: SupportCase, kpis: list[Kpi], initiatives: list[Initiative], by: User, version: int | None = None
) -> None:
    """Tie the case to the municipality's own KPIs and roadmap initiatives (of `version`, as assign)."""
    _check_coordinator(by, case.municipality.prefecture_id)
    if any(k.municipality_id != case.municipality_id for k in kpis) or any(
        i.roadmap.municipality_id != case.municipality_id for i in initiatives
    ):
        raise ValidationError(_("Link only the municipality's own KPIs and roadmap initiatives."))
    claim(case, version=version, by=by)
    _lock_open(case)
    case.kpis.set(kpis)
    case.initiatives.set(initiatives)


@dataclass(frozen=True)
class ActivityInput:
    kind: str
    held_on: dt.date
    attendees: str
    hours: Decimal
    notes: str
    next_action: str
    next_action_due: dt.date | None


def support_activity_log(*, case: SupportCase, given: ActivityInput, by: User) -> SupportActivity:
    """A visit or meeting, by a coordinator or the assigned specialist; the case is then in progress."""
    if not permissions.can_log_support(by, case):
        raise PermissionDenied(_("Only the prefecture's coordinators and the assigned specialist log activities."))
    errors: dict[str, list[object]] = {}
    if given.held_on > timezone.localdate():
        errors["held_on"] = [_("An activity is logged once it has happened.")]
    if given.next_action_due and given.next_action_due < given.held_on:
        errors["next_action_due"] = [_("The next action is due after the activity.")]
    if given.next_action_due and not given.next_action.strip():
        errors["next_action"] = [_("Say what the next action is.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_open(case)
        activity = SupportActivity.objects.create(case=case, recorded_by=by, **given.__dict__)
        if case.status in (SupportCase.Status.REQUESTED, SupportCase.Status.TRIAGED):
            SupportCase.objects.filter(pk=case.pk).update(status=SupportCase.Status.IN_PROGRESS)
    return activity


@transaction.atomic
def support_case_close(*, case: SupportCase, outcome: str, by: User, version: int | None = None) -> SupportCase:
    """Close the case with its outcome (of `version`, as assign); the municipality is told."""
    _check_coordinator(by, case.municipality.prefecture_id)
    if not outcome.strip():
        raise ValidationError({"outcome": [_("Say what came of the support before closing the case.")]})
    claim(case, version=version, by=by)
    _lock_open(case)
    case.status, case.outcome, case.closed_at = SupportCase.Status.CLOSED, outcome.strip(), timezone.now()
    case.save()
    for user in _municipality_writers(case.municipality):
        notification_create(
            recipient=user,
            title=format_lazy(_("Support case “{topic}” closed"), topic=case.topic),
            url=reverse("coordination:case_detail", args=[case.pk]),
        )
    return case


def overdue_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each overdue next action's assignee (the specialist, else the coordinators) once."""
    today = today or timezone.localdate()
    sent = 0
    overdue = (
        selectors.overdue_next_actions(today=today)
        .filter(reminded_at__isnull=True)
        .select_related("case__specialist__user", "case__municipality")
    )
    for activity in overdue:
        # Claim first: a second run (or a parallel one) finds nothing left to send.
        if not SupportActivity.objects.filter(pk=activity.pk, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        ):
            continue
        case = activity.case
        for user in selectors.next_action_assignees(case=case):
            notification_create(
                recipient=user,
                title=format_lazy(
                    _("Overdue next action for {name}: {action} (due {due})"),
                    name=case.municipality,
                    action=activity.next_action,
                    due=activity.next_action_due,
                ),
                url=reverse("coordination:case_detail", args=[case.pk]),
            )
        sent += 1
    return sent


# --- reminders to submit the self-assessment ------------------------------------------------------


def assessment_reminder_send(
    *, municipality: Municipality, by: User, now: dt.datetime | None = None
) -> AssessmentReminder:
    """Remind the municipality's editors and administrators to submit this fiscal year's self-assessment:
    logged, and at most once a week whoever of the coordinators sends it."""
    _check_coordinator(by, municipality.prefecture_id)
    now = now or timezone.now()
    year = FiscalYear.of(timezone.localdate(now)).year
    with transaction.atomic():
        # One reminder at a time per municipality: two coordinators clicking together send one.
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        if assessment_submitted(municipality=municipality, fiscal_year=year):
            raise ValidationError(_("%(name)s has already submitted its self-assessment.") % {"name": municipality})
        last = selectors.last_reminder(municipality=municipality, fiscal_year=year)
        if last is not None and now < last.next_allowed:
            raise ValidationError(
                _("%(name)s was reminded on %(sent)s; the next reminder can be sent from %(next)s.")
                % {
                    "name": municipality,
                    "sent": date_format(timezone.localdate(last.sent_at)),
                    "next": date_format(timezone.localdate(last.next_allowed)),
                }
            )
        recipients = list(writers_of(Organization.objects.filter(municipality=municipality)))
        if not recipients:
            raise ValidationError(
                _("%(name)s has no active administrator or editor on the platform to remind.") % {"name": municipality}
            )
        reminder = AssessmentReminder.objects.create(
            municipality=municipality, fiscal_year=year, sent_by=by, sent_at=now, recipients=len(recipients)
        )
        window = survey_window(prefecture_id=municipality.prefecture_id, fiscal_year=year)
        for user in recipients:
            notification_create(
                recipient=user,
                title=format_lazy(
                    _("Reminder from {prefecture}: please submit your FY{year} self-assessment"),
                    prefecture=municipality.prefecture,
                    year=year,
                ),
                body=format_lazy(_("The answer deadline is {deadline}."), deadline=date_format(window.closes_on))
                if window
                else "",
                url=reverse("assessments:detail", args=[municipality.code, year]),
            )
    return reminder


# --- the specialist pool -------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialistInput:
    name: str
    kind: str
    affiliation: str
    user: User | None
    skills: list[str]
    days_per_month: Decimal
    municipalities: list[Municipality]
    active: bool


def specialist_save(
    *, prefecture: Prefecture, given: SpecialistInput, by: User, specialist: Specialist | None = None
) -> Specialist:
    _check_coordinator(by, prefecture.pk)
    if specialist is not None and specialist.prefecture_id != prefecture.pk:
        raise PermissionDenied(_("This specialist is in another prefecture's pool."))
    errors: dict[str, list[object]] = {}
    if unknown := sorted(set(given.skills) - SKILL_CODES):
        errors["skills"] = [ValidationError(_("Unknown skills: %(codes)s."), params={"codes": ", ".join(unknown)})]
    if any(m.prefecture_id != prefecture.pk for m in given.municipalities):
        errors["municipalities"] = [_("A specialist of the pool serves the prefecture's own municipalities.")]
    pool_accounts = User.objects.filter(permissions.pool_accounts(prefecture.pk))
    if given.user is not None and not pool_accounts.filter(pk=given.user.pk).exists():
        errors["user"] = [_("Give the account of a partner engineer or of the prefecture's own staff.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        specialist = specialist or Specialist(prefecture=prefecture)
        for name in ("name", "kind", "affiliation", "user", "skills", "days_per_month", "active"):
            setattr(specialist, name, getattr(given, name))
        specialist.save()
        specialist.municipalities.set(given.municipalities)
    return specialist


DISPATCH_REACH = dt.timedelta(days=366)


def _days(days: Decimal) -> Decimal:
    """Days to one decimal place, as stored: a sum reads 3.0 on every database (SQLite's would be 3)."""
    return days.quantize(Decimal("0.1"))


def dispatch_record(*, case: SupportCase, worked_on: dt.date, days: Decimal, by: User) -> Dispatch:
    """Days of the assigned specialist's work, done or planned within a year of today; refused, with the
    numbers, beyond their monthly days."""
    _check_coordinator(by, case.municipality.prefecture_id)
    if days <= 0:
        raise ValidationError({"days": [_("Days are more than zero.")]})
    if abs(worked_on - timezone.localdate()) > DISPATCH_REACH:
        raise ValidationError({"worked_on": [_("Record days within a year of today.")]})
    with transaction.atomic():
        _lock_open(case)
        if case.specialist_id is None:
            raise ValidationError(_("Assign a specialist before recording their days."))
        # Locking the specialist serialises dispatches of the same person: two cannot both take the last days.
        specialist = Specialist.objects.select_for_update().get(pk=case.specialist_id)
        start = worked_on.replace(day=1)
        used = selectors.days_used(specialist=specialist, month=start)
        if used + days > specialist.days_per_month:
            refusal = _(
                "%(name)s has %(available)s days in %(month)s, %(used)s already booked: "
                "%(days)s more would be %(total)s."
            )
            numbers = {
                "name": specialist.name,
                "available": _days(specialist.days_per_month),
                "month": start.strftime("%Y-%m"),
                "used": _days(used),
                "days": _days(days),
                "total": _days(used + days),
            }
            # params, not %: the message is put in the reader's language when it is shown.
            raise ValidationError({"days": [ValidationError(refusal, params=numbers)]})
        return Dispatch.objects.create(specialist=specialist, case=case, worked_on=worked_on, days=days, recorded_by=by)


# --- shared goals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalInput:
    title: str
    description: str
    indicators: list[Indicator]
    target_date: dt.date
    # The municipalities it boards (those ticked on the gap matrix, say); None: all of the prefecture's.
    municipalities: list[Municipality] | None = None


def shared_goal_save(
    *, prefecture: Prefecture, given: GoalInput, by: User, goal: SharedGoal | None = None, version: int | None = None
) -> SharedGoal:
    """Set a goal, or change the `version` of one (Stale if someone saved since)."""
    _check_coordinator(by, prefecture.pk)
    if goal is not None and goal.prefecture_id != prefecture.pk:
        raise PermissionDenied(_("This goal belongs to another prefecture."))
    errors: dict[str, list[object]] = {}
    if not given.indicators:
        errors["indicators"] = [_("Tie the goal to at least one survey item: that is how progress is measured.")]
    if given.target_date <= timezone.localdate() and goal is None:
        errors["target_date"] = [_("A new goal's date lies in the future.")]
    boarded = (
        list(Municipality.objects.filter(prefecture=prefecture))
        if given.municipalities is None
        else given.municipalities
    )
    if not boarded:
        errors["municipalities"] = [_("Board at least one municipality.")]
    elif any(m.prefecture_id != prefecture.pk for m in boarded):
        errors["municipalities"] = [_("A goal boards municipalities of its own prefecture only.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        goal = goal or SharedGoal(prefecture=prefecture, created_by=by)
        claim(goal, version=version, by=by)
        goal.title, goal.description, goal.target_date = given.title, given.description, given.target_date
        goal.save()
        goal.indicators.set(given.indicators)
        goal.municipalities.set(boarded)
    return goal


def goal_milestone_set(
    *,
    goal: SharedGoal,
    municipality: Municipality,
    due_on: dt.date,
    note: str,
    by: User,
    version: int | None = None,
) -> GoalMilestone:
    """A municipality sets its own date for the goal (its editors and admins, or the coordinators).

    `version` is the date's version the change was made against, 0 if it had none yet (Stale if someone
    set it since)."""
    organization = Organization.objects.filter(municipality=municipality).first()
    if organization is None or not permissions.can_set_goal_date(by, goal, organization):
        raise PermissionDenied(_("Only the municipality's editors and administrators set its date."))
    # The goal's period runs from the day it was set to its date.
    if due_on > goal.target_date:
        refusal = _("Our date is on or before the goal's date (%(date)s).")
        raise ValidationError({"due_on": [ValidationError(refusal, params={"date": goal.target_date})]})
    if due_on < (start := timezone.localdate(goal.created_at)):
        refusal = _("Our date is on or after the day the goal was set (%(date)s).")
        raise ValidationError({"due_on": [ValidationError(refusal, params={"date": start})]})
    with transaction.atomic():
        milestone = selectors.goal_milestone(goal=goal, municipality=municipality)
        claim(milestone, version=version, by=by)
        milestone.due_on, milestone.note = due_on, note
        try:
            with transaction.atomic():
                milestone.save()
        except IntegrityError:  # the first date, set by another at the same time
            raise Stale(selectors.goal_milestone(goal=goal, municipality=municipality)) from None
    return milestone


# --- council reports -----------------------------------------------------------------------------


def council_report_request(*, prefecture: Prefecture, by: User) -> CouncilReport:
    """Queue a report; a worker makes it (tasks.make_council_report) and the page shows its progress."""
    from .tasks import make_council_report  # here: the tasks module imports this one

    _check_coordinator(by, prefecture.pk)
    report = CouncilReport.objects.create(prefecture=prefecture, requested_by=by)
    transaction.on_commit(lambda: make_council_report.delay(report_id=report.pk))
    return report


def _progress(report: CouncilReport, percent: int, step: str) -> None:
    CouncilReport.objects.filter(pk=report.pk).update(progress=percent, step=step)


def council_report_make(*, report_id: int) -> CouncilReport:
    """Make the report's PDF and XLSX, saying how far it got; a report claimed once is made once."""
    claimed = CouncilReport.objects.filter(pk=report_id, status=CouncilReport.Status.PENDING).update(
        status=CouncilReport.Status.RUNNING, step="data"
    )
    report = CouncilReport.objects.select_related("prefecture", "requested_by").get(pk=report_id)
    if not claimed:
        return report
    try:
        if report.requested_by is None or not permissions.can_coordinate(report.requested_by, report.prefecture_id):
            raise PermissionDenied("the requester no longer coordinates this prefecture")
        # In the requester's language throughout: the data's words (the reasons) as much as the page's.
        with translation.override(report.requested_by.language or "ja"):
            _progress(report, 10, "data")
            data = council.report_data(prefecture=report.prefecture, user=report.requested_by)
            _progress(report, 40, "pdf")
            pdf = council.render_pdf(data)
        _progress(report, 80, "xlsx")
        xlsx = council.render_xlsx(data)
        stem = f"council-report-{report.prefecture.pref_code}-{timezone.localdate():%Y%m%d}"
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        report.status, report.progress, report.step, report.finished_at = (
            CouncilReport.Status.DONE,
            100,
            "done",
            timezone.now(),
        )
        report.save()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the page must stop waiting and say so
        # The page only says it failed; the log tells the platform staff why (e.g. which font to install).
        logger.exception("Council report %s failed", report.pk)
        CouncilReport.objects.filter(pk=report.pk).update(
            status=CouncilReport.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000], finished_at=timezone.now()
        )
        report.refresh_from_db()
    return report
