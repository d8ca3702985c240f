"""Municipalities' self-assessments on the national survey items, reviewed by their prefecture."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benchmarks.models import Area, Indicator
from dx_platform.core.concurrency import Versioned
from dx_platform.organizations.models import Municipality, Organization, Prefecture


class Assessment(models.Model):
    """One municipality's answers for one fiscal year, with its review state."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CONFIRMED = "confirmed", _("Confirmed")
        RETURNED = "returned", _("Returned")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="assessments")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    # Optimistic concurrency: every save names the version it started from; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-fiscal_year", "municipality__code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "fiscal_year"], name="one_assessment_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.fiscal_year}"

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(self.municipality_id), "assessment_id": self.pk}


class SurveyWindow(models.Model):
    """When a prefecture's municipalities answer a fiscal year's survey: before the deadline a missing
    self-assessment is a status; after it, a reason for the prefecture to act."""

    prefecture = models.ForeignKey(Prefecture, on_delete=models.CASCADE, related_name="survey_windows")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("answer deadline"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["prefecture", "-fiscal_year"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["prefecture", "fiscal_year"], name="one_survey_window_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.prefecture} {self.fiscal_year}: {self.opens_on}–{self.closes_on}"

    def get_additional_data(self) -> dict[str, Any]:
        return {
            "organization_id": Organization.objects.filter(kind="prefecture", prefecture_id=self.prefecture_id)
            .values_list("pk", flat=True)
            .first()
        }


def _organization_id(municipality_id: int | None) -> int | None:
    if municipality_id is None:
        return None
    return Organization.objects.filter(municipality_id=municipality_id).values_list("pk", flat=True).first()


def evidence_path(answer: Answer, filename: str) -> str:
    # A random name: the stored file neither collides nor tells its content; the upload's name is kept apart.
    return f"evidence/{answer.assessment.municipality.code}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class Answer(models.Model):
    """The answer to one catalog item, with optional evidence, and where a prefilled value came from."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Not online")
        NOT_OFFERED = "na", _("Not offered")

    class Prefill(models.TextChoices):
        NONE = "", _("Entered")
        PREVIOUS = "previous", _("From last year's assessment")
        NATIONAL = "national", _("From the latest national data")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField(_("value"), null=True, blank=True)
    status = models.CharField(_("procedure"), max_length=8, choices=Status, blank=True)
    prefilled_from = models.CharField(_("prefilled from"), max_length=10, choices=Prefill, blank=True)
    note = models.TextField(_("evidence note"), blank=True, max_length=2000)
    link = models.URLField(_("evidence link"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=evidence_path, blank=True, max_length=200)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    # The assessment version of this answer's last change: a stale save names the answers that moved.
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["indicator__position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="one_answer_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} {self.indicator.code}"

    @property
    def answered(self) -> bool:
        return self.value is not None or bool(self.status)

    def get_additional_data(self) -> dict[str, Any]:
        municipality_id = Assessment.objects.filter(pk=self.assessment_id).values_list("municipality_id", flat=True)
        return {"organization_id": _organization_id(municipality_id.first()), "assessment_id": self.assessment_id}


class Kpi(Versioned):
    """A municipality's key performance indicator, measured against a straight line to its target."""

    class Direction(models.TextChoices):
        UP = "up", _("Higher is better")
        DOWN = "down", _("Lower is better")

    class Interval(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="kpis")
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction)
    baseline_value = models.FloatField(_("baseline value"))
    baseline_date = models.DateField(_("baseline date"))
    target_value = models.FloatField(_("target value"))
    target_date = models.DateField(_("target date"))
    area = models.CharField(_("area"), max_length=20, choices=Area, blank=True)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("indicator")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="kpis", verbose_name=_("owner")
    )
    initiative = models.ForeignKey(
        "Initiative",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name=_("initiative"),
    )
    interval = models.CharField(_("measured"), max_length=10, choices=Interval, default=Interval.QUARTERLY)
    # The due date the owner was last reminded of: a reminder is claimed once per due date.
    reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["municipality__code", "name"]
        constraints: ClassVar = [
            models.CheckConstraint(
                name="kpi_target_after_baseline", condition=models.Q(target_date__gt=models.F("baseline_date"))
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(self.municipality_id)}


class Measurement(models.Model):
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["kpi", "measured_on"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kpi", "measured_on"], name="one_measurement_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.measured_on}: {self.value}"

    def get_additional_data(self) -> dict[str, Any]:
        municipality_id = Kpi.objects.filter(pk=self.kpi_id).values_list("municipality_id", flat=True).first()
        return {"organization_id": _organization_id(municipality_id)}


class Roadmap(Versioned):
    """A municipality's DX policy (全体方針) and its roadmap (工程表) of initiatives."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="roadmaps")
    title = models.CharField(_("title"), max_length=200)
    vision = models.TextField(_("vision"), blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["municipality__code", "-period_start"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": _organization_id(self.municipality_id)}


class Initiative(Versioned):
    """取組事項: a piece of the roadmap with its area, survey items, owner and dates."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("initiative status", "Done")
        ON_HOLD = "on_hold", _("On hold")

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(_("title"), max_length=200)
    area = models.CharField(_("area"), max_length=20, choices=Area, blank=True)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("survey items"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PLANNED)

    class Meta:
        ordering: ClassVar = ["roadmap", "starts_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        municipality_id = Roadmap.objects.filter(pk=self.roadmap_id).values_list("municipality_id", flat=True).first()
        return {"organization_id": _organization_id(municipality_id)}


class Milestone(Versioned):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["initiative", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        municipality_id = (
            Initiative.objects.filter(pk=self.initiative_id).values_list("roadmap__municipality_id", flat=True).first()
        )
        return {"organization_id": _organization_id(municipality_id)}


class StepCheck(models.Model):
    """One ticked item of 総務省's 自治体DX全体手順書 self-check (steps 0–3), per roadmap."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="step_checks")
    item = models.CharField(max_length=40)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["roadmap", "item"], name="one_check_per_item")]

    def __str__(self) -> str:
        return self.item


class RoadmapBaseline(models.Model):
    """The plan of record, frozen at the start of a fiscal year: slippage stays visible after re-planning."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="baselines")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    frozen_at = models.DateTimeField(auto_now_add=True)
    # {initiative id: {"title", "starts_on", "ends_on", "milestones": {id: {"title", "due_on"}}}}
    plan = models.JSONField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["roadmap", "fiscal_year"], name="one_baseline_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.roadmap} FY{self.fiscal_year}"
