"""Joint procurement (共同調達), stage by stage as prefectures run it: interest survey → RFI →
specification → cost sharing → commitments → tender → awarded → user group."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benchmarks.models import Area, Indicator
from dx_platform.core.concurrency import Versioned
from dx_platform.organizations.models import Organization

from .market import Category, Need


class Stage(models.TextChoices):
    INTEREST = "interest", _("Interest survey")
    RFI = "rfi", _("Request for information (RFI)")
    SPECIFICATION = "specification", _("Specification drafts")
    COST_SHARING = "cost_sharing", _("Cost sharing")
    COMMITMENT = "commitment", _("Commitments")
    TENDER = "tender", _("Tender")
    AWARDED = "awarded", _("Awarded")
    USER_GROUP = "user_group", _("User group")
    CANCELLED = "cancelled", _("Cancelled")


# The stages in their only order; a procurement moves one step on (or is cancelled before the award).
STAGE_ORDER: tuple[str, ...] = (
    Stage.INTEREST,
    Stage.RFI,
    Stage.SPECIFICATION,
    Stage.COST_SHARING,
    Stage.COMMITMENT,
    Stage.TENDER,
    Stage.AWARDED,
    Stage.USER_GROUP,
)
# Bodies join, and the lead drafts the specification, until the tender is published.
OPEN_STAGES: tuple[str, ...] = STAGE_ORDER[: STAGE_ORDER.index(Stage.TENDER)]


class Procurement(Versioned):
    class Model(models.TextChoices):
        SHARED_SPECIFICATION = "shared_spec", _("One shared specification")
        ONE_SAAS = "one_saas", _("One SaaS, configured by each body (the Nagasaki model)")

    class SharingRule(models.TextChoices):
        FLAT = "flat", _("Equal shares")
        POPULATION = "population", _("By population")
        USAGE = "usage", _("By expected usage")
        MIXED = "mixed", _("A mix (weights)")

    lead = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="led_procurements", verbose_name=_("lead body")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    category = models.CharField(_("category"), max_length=16, choices=Category)
    area = models.CharField(_("area"), max_length=20, choices=Area, blank=True)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+", verbose_name=_("survey items"))
    need = models.ForeignKey(Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="procurements")
    model = models.CharField(_("procurement model"), max_length=12, choices=Model, default=Model.SHARED_SPECIFICATION)
    customisation_rules = models.TextField(
        _("rules limiting customisation"),
        blank=True,
        help_text=_("What participants may and may not ask to change; shared specifications stay shared."),
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage, default=Stage.INTEREST)
    join_until = models.DateField(_("join until"))
    commit_until = models.DateField(_("commit until"), null=True, blank=True)
    total_cost_yen = models.PositiveBigIntegerField(_("estimated total cost (yen)"), null=True, blank=True)
    sharing_rule = models.CharField(_("cost sharing"), max_length=12, choices=SharingRule, default=SharingRule.FLAT)
    # Percent weights of the mixed rule; they add up to 100.
    flat_weight = models.PositiveSmallIntegerField(_("equal part (%)"), default=0)
    population_weight = models.PositiveSmallIntegerField(_("population part (%)"), default=0)
    usage_weight = models.PositiveSmallIntegerField(_("usage part (%)"), default=0)
    rfi_text = models.TextField(_("RFI"), blank=True)
    rfi_published_at = models.DateTimeField(null=True, blank=True)
    tender_text = models.TextField(_("tender notice"), blank=True)
    tender_published_at = models.DateTimeField(null=True, blank=True)
    awarded_to = models.CharField(_("awarded to"), max_length=200, blank=True)
    awarded_partner = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="won_procurements"
    )
    contract_amount_yen = models.PositiveBigIntegerField(_("contract amount (yen)"), null=True, blank=True)
    contract_on = models.DateField(_("contract date"), null=True, blank=True)
    specification_shareable = models.BooleanField(_("the specification may be shared with other bodies"), default=True)
    subsidy = models.CharField(_("subsidy used"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                name="mixed_weights_add_up",
                condition=~models.Q(sharing_rule="mixed")
                | models.Q(flat_weight=100 - models.F("population_weight") - models.F("usage_weight")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.lead_id}


class StageChange(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage)
    to_stage = models.CharField(max_length=16, choices=Stage)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["procurement", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.procurement}: {self.from_stage} → {self.to_stage}"


class Participant(models.Model):
    """A body taking part: from its interest to its commitment (with the approvals it needs)."""

    class Status(models.TextChoices):
        INTERESTED = "interested", _("Interested")
        JOINED = "joined", _("Joined")
        COMMITTED = "committed", _("Committed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Approval(models.TextChoices):
        PENDING = "pending", pgettext_lazy("approval", "Pending")
        APPROVED = "approved", _("Approved")
        NOT_NEEDED = "not_needed", _("Not needed")

    class Budget(models.TextChoices):
        INITIAL = "initial", _("Initial budget")
        SUPPLEMENTARY = "supplementary", _("Supplementary budget")

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="procurement_seats")
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.INTERESTED)
    # Population when joining (the latest reference figure), so the shares do not move under a signed budget.
    population = models.PositiveIntegerField(_("population"))
    staff = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    expected_volume = models.FloatField(_("expected usage"), null=True, blank=True)
    constraints = models.TextField(_("constraints"), blank=True)
    department_approval = models.CharField(_("department"), max_length=12, choices=Approval, default=Approval.PENDING)
    mayor_approval = models.CharField(_("mayor"), max_length=12, choices=Approval, default=Approval.PENDING)
    council_approval = models.CharField(_("council"), max_length=12, choices=Approval, default=Approval.PENDING)
    budget = models.CharField(_("budget"), max_length=14, choices=Budget, blank=True)
    budget_fiscal_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["procurement", "organization__municipality__code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["procurement", "organization"], name="one_seat_per_body"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.procurement}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"organization_id": self.organization_id}


class SpecificationVersion(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="specifications")
    number = models.PositiveSmallIntegerField()
    text = models.TextField(_("specification"))
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["procurement", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["procurement", "number"], name="one_spec_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.procurement} v{self.number}"


class ProcurementQuestion(models.Model):
    """The public Q&A on a published RFI or tender: every reader sees the answer, nobody the asker's body."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="questions")
    stage = models.CharField(max_length=16, choices=Stage)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["procurement", "created_at", "pk"]

    def __str__(self) -> str:
        return self.question[:50]
