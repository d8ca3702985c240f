"""Prefecture coordination: support cases (伴走支援), the specialist pool (外部デジタル人材の共同活用),
shared goals (共同目標) and council reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessments.models import Initiative, Kpi
from benchmarks.models import Area, Indicator
from community.models.market import Category
from dx_platform.core.concurrency import Versioned
from dx_platform.organizations.models import Municipality, Organization, Prefecture

# What a specialist can help with, and what a support case is about: the survey areas and the
# solution categories of the community (My Number Card is both: listed once).
SKILLS: list[tuple[str, Any]] = [*Area.choices, *(c for c in Category.choices if c[0] not in Area.values)]


def _organization_id(**lookup: Any) -> int | None:
    """The organisation the audit log files an entry under (its members' managers read it)."""
    return Organization.objects.filter(**lookup).values_list("pk", flat=True).first()


class Specialist(models.Model):
    class Kind(models.TextChoices):
        EXTERNAL = "external", _("External digital talent")
        PREFECTURE_STAFF = "prefecture_staff", _("Prefecture staff")
        PARTNER_ENGINEER = "partner_engineer", _("Partner engineer")

    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, related_name="specialists")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    # A specialist who uses the platform (a partner engineer, say) sees the cases assigned to them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="specialist_roles"
    )
    skills = models.JSONField(_("skills"), default=list)  # codes of SKILLS
    days_per_month = models.DecimalField(
        _("days available per month"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal(0))]
    )
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="specialists", verbose_name=_("municipalities served")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["prefecture", "name"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(kind="prefecture", prefecture_id=self.prefecture_id)}


class SupportCase(Versioned):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        TRIAGED = "triaged", _("Triaged")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", pgettext_lazy("support case", "Closed")

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="support_cases")
    topic = models.CharField(_("topic"), max_length=200)
    skill = models.CharField(_("about"), max_length=20, choices=SKILLS, blank=True)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("survey item")
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency, default=Urgency.NORMAL)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.REQUESTED)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    specialist = models.ForeignKey(Specialist, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    kpis = models.ManyToManyField(Kpi, blank=True, related_name="support_cases", verbose_name=_("KPIs"))
    initiatives = models.ManyToManyField(
        Initiative, blank=True, related_name="support_cases", verbose_name=_("roadmap initiatives")
    )
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.topic

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(municipality_id=self.municipality_id)}


class SupportActivity(models.Model):
    """A visit, meeting or call of a support case, with the next action it agreed."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        ONLINE = "online", _("Online meeting")
        CALL = "call", _("Phone call")

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    held_on = models.DateField(_("date"))
    attendees = models.CharField(_("attendees"), max_length=500)
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    notes = models.TextField(_("notes"), blank=True)
    next_action = models.CharField(_("next action"), max_length=300, blank=True)
    next_action_due = models.DateField(_("next action due"), null=True, blank=True)
    # The assignee is reminded once per overdue next action.
    reminded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["case", "-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.held_on}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(municipality__support_cases=self.case_id)}


class Dispatch(models.Model):
    """Days of a specialist's work for a case, counted against their monthly availability."""

    specialist = models.ForeignKey(Specialist, on_delete=models.PROTECT, related_name="dispatches")
    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="dispatches")
    worked_on = models.DateField(_("date"))
    days = models.DecimalField(
        _("days"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["specialist", "worked_on", "pk"]

    def __str__(self) -> str:
        return f"{self.specialist} {self.worked_on}: {self.days}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(municipality__support_cases=self.case_id)}


# A municipality is reminded of its self-assessment at most once in this long.
REMIND_EVERY = dt.timedelta(days=7)


class AssessmentReminder(models.Model):
    """A coordinator's reminder to a municipality to submit its self-assessment: the log that keeps
    reminders to one a week."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="assessment_reminders")
    fiscal_year = models.PositiveSmallIntegerField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.municipality} {self.fiscal_year} {self.sent_at:%Y-%m-%d}"

    @property
    def next_allowed(self) -> dt.datetime:
        """The start of the day a week after (local time), so that the date the refusal names is the whole
        rule: reminded on a Monday afternoon, the next may go from the next Monday morning."""
        day = timezone.localdate(self.sent_at) + REMIND_EVERY
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class SharedGoal(Versioned):
    """A goal the prefecture sets across its municipalities, tied to survey items and a date (大分県 style)."""

    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, related_name="shared_goals")
    title = models.CharField(_("goal"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    indicators = models.ManyToManyField(Indicator, related_name="+", verbose_name=_("survey items"))
    municipalities = models.ManyToManyField(Municipality, related_name="+", verbose_name=_("municipalities"))
    target_date = models.DateField(_("by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["prefecture", "target_date", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(kind="prefecture", prefecture_id=self.prefecture_id)}


class GoalMilestone(Versioned):
    """A municipality's own date for a shared goal (its editors may set it at the same time)."""

    goal = models.ForeignKey(SharedGoal, on_delete=models.CASCADE, related_name="milestones")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(_("our date"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["goal", "municipality"], name="one_milestone_per_goal"),
        ]

    def __str__(self) -> str:
        return f"{self.goal} {self.municipality}"


# Longer than the report task's time limit and a queue's usual wait.
REPORT_GIVE_UP = dt.timedelta(minutes=30)


def report_path(report: CouncilReport, filename: str) -> str:
    return f"council-reports/{report.prefecture.pref_code}/{report.pk}/{filename}"


class CouncilReport(models.Model):
    """A one-click report of the prefecture's state for its DX council, made by a worker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    prefecture = models.ForeignKey(Prefecture, on_delete=models.PROTECT, related_name="council_reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=100, blank=True)
    pdf = models.FileField(upload_to=report_path, blank=True)
    xlsx = models.FileField(upload_to=report_path, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.prefecture} {self.created_at:%Y-%m-%d}"

    @property
    def finished(self) -> bool:
        """Made, failed, or waited on far longer than a worker may take (its time limit): a worker that
        died mid-way will not come back to it, and the page should stop waiting."""
        waited = timezone.now() - self.created_at
        return self.status in (self.Status.DONE, self.Status.FAILED) or waited > REPORT_GIVE_UP
