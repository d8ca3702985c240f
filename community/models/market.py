"""Needs posted by municipalities and prefectures; GovTech partners' solutions and their proposals."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area, Indicator
from dx_platform.organizations.models import Organization


class Category(models.TextChoices):
    """What a solution is, and what a need asks for: partners hear of new needs in their categories."""

    E_APPLICATION = "e_application", _("Online applications")
    WINDOW = "window", _("Service counter (no forms to fill in)")
    E_APPROVAL = "e_approval", _("E-approval and document management")
    RPA = "rpa", _("RPA")
    AI_OCR = "ai_ocr", _("AI-OCR")
    GENERATIVE_AI = "generative_ai", _("Generative AI and chatbots")
    TELEWORK = "telework", _("Telework and online meetings")
    CASHLESS = "cashless", _("Cashless payments")
    DATA = "data", _("Data use and open data")
    SECURITY = "security", _("Security")
    MYNUMBER = "mynumber", _("My Number Card")
    TRAINING = "training", _("Training and digital talent")
    OTHER = "other", _("Other")


class BudgetBand(models.TextChoices):
    UNDECIDED = "undecided", _("Not decided")
    UNDER_1M = "under_1m", _("Under ¥1 million")
    FROM_1M = "1m_5m", _("¥1–5 million")
    FROM_5M = "5m_10m", _("¥5–10 million")
    FROM_10M = "10m_50m", _("¥10–50 million")
    OVER_50M = "over_50m", _("¥50 million or more")


class Need(models.Model):
    """A problem a municipality or prefecture wants solved, on its own terms."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for proposals")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="needs")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem"))
    category = models.CharField(_("category"), max_length=16, choices=Category)
    area = models.CharField(_("area"), max_length=20, choices=Area, blank=True)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("survey items"))
    constraints = models.TextField(_("constraints"), blank=True)
    budget_band = models.CharField(_("budget"), max_length=10, choices=BudgetBand, default=BudgetBand.UNDECIDED)
    deadline = models.DateField(_("proposals until"))
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)
    # Its comments go with it when it is deleted.
    comments = GenericRelation("community.Comment", content_type_field="target_type", object_id_field="target_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}


class Solution(models.Model):
    """A partner's product or service, as the partner describes it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Pricing(models.TextChoices):
        SUBSCRIPTION = "subscription", _("Subscription")
        PER_USER = "per_user", _("Per user or licence")
        PER_USE = "per_use", _("Per transaction")
        ONE_OFF = "one_off", _("One-off purchase")
        FREE = "free", _("Free or open source")

    class Deployment(models.TextChoices):
        SAAS = "saas", _("SaaS (internet)")
        LGWAN_ASP = "lgwan_asp", _("LGWAN-ASP")
        ON_PREMISE = "on_premise", _("On-premise")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="solutions")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    title = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=16, choices=Category)
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="+", verbose_name=_("survey items addressed")
    )
    pricing = models.CharField(_("pricing model"), max_length=16, choices=Pricing)
    price_note = models.CharField(_("price"), max_length=300, blank=True)
    deployment = models.CharField(_("deployment"), max_length=12, choices=Deployment)
    ismap = models.BooleanField(_("ISMAP registered"), default=False)
    lgwan_asp = models.BooleanField(_("LGWAN-ASP registered"), default=False)
    unified_qualification = models.BooleanField(
        _("Unified qualification for national government tenders"), default=False
    )
    # Its comments go with it when it is deleted.
    comments = GenericRelation("community.Comment", content_type_field="target_type", object_id_field="target_id")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}


class SolutionReference(models.Model):
    """A municipality that uses a solution: the partner names it, only the municipality confirms it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the municipality")
        CONFIRMED = "confirmed", _("Confirmed by the municipality")
        DECLINED = "declined", _("Declined by the municipality")

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="references")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="solution_references")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["solution", "organization__municipality__code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["solution", "organization"], name="one_reference_per_body"),
        ]

    def __str__(self) -> str:
        return f"{self.solution} @ {self.organization}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}


class Proposal(models.Model):
    """A partner's answer to a need; seen by the need's body and the partner, not by other partners."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="proposals")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    solution = models.ForeignKey(Solution, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    summary = models.TextField(_("proposal"))
    price_note = models.CharField(_("price"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.SUBMITTED)
    # Its comments go with it when it is deleted.
    comments = GenericRelation("community.Comment", content_type_field="target_type", object_id_field="target_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["need", "organization"], name="one_proposal_per_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.need}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}
