"""Serializers of joint procurement: partners get only the published parts (ProcurementSerializer),
public-sector staff the workspace; who asked a question is never shown."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from benchmarks.models import Area, Indicator
from dx_platform.organizations.models import Organization

from ...forms.procurement import MAX_STAFF, MAX_YEN
from ...models import Participant, Procurement, ProcurementQuestion, SpecificationVersion
from ...models.market import Category
from ...selectors import procurement as selectors
from ...services import procurement as services


def schema_only(view: Any) -> bool:
    """True while drf-spectacular builds the schema: there is no user, so no database work."""
    return bool(getattr(view, "swagger_fake_view", False))


class ProcurementSerializer(serializers.ModelSerializer):
    """What everyone who may see the procurement reads; the RFI and tender texts once published."""

    lead = serializers.CharField(source="lead.name", read_only=True)
    rfi_text = serializers.SerializerMethodField()
    tender_text = serializers.SerializerMethodField()

    class Meta:
        model = Procurement
        fields: tuple[str, ...] = (
            "id",
            "title",
            "summary",
            "lead",
            "category",
            "area",
            "model",
            "stage",
            "rfi_text",
            "rfi_published_at",
            "tender_text",
            "tender_published_at",
        )

    def get_rfi_text(self, procurement: Procurement) -> str:
        return selectors.published_rfi(procurement)

    def get_tender_text(self, procurement: Procurement) -> str:
        return selectors.published_tender(procurement)


class ProcurementWorkspaceSerializer(ProcurementSerializer):
    """The whole procurement, for public-sector staff: drafts of the texts, the cost sharing, the award."""

    lead_id = serializers.IntegerField(read_only=True)
    indicators: serializers.SlugRelatedField[Indicator] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    next_stages = serializers.SerializerMethodField()

    class Meta(ProcurementSerializer.Meta):
        fields = (
            *ProcurementSerializer.Meta.fields,
            "lead_id",
            "indicators",
            "customisation_rules",
            "join_until",
            "commit_until",
            "total_cost_yen",
            "sharing_rule",
            "flat_weight",
            "population_weight",
            "usage_weight",
            "specification_shareable",
            "subsidy",
            "awarded_to",
            "awarded_partner",
            "contract_amount_yen",
            "contract_on",
            "next_stages",
            "created_at",
        )

    def get_rfi_text(self, procurement: Procurement) -> str:
        return procurement.rfi_text

    def get_tender_text(self, procurement: Procurement) -> str:
        return procurement.tender_text

    def get_next_stages(self, procurement: Procurement) -> list[str]:
        return [str(stage) for stage in services.next_stages(procurement.stage)]


@extend_schema_field(OpenApiTypes.STR)
class ProcurementItemField(serializers.SlugRelatedField):
    """A survey item by its code: one of the newest catalog's scored yes/no items, as on the page (a code
    alone names one item in every year's catalog)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.procurement_items()


class ProcurementWriteSerializer(serializers.Serializer):
    """The details; the lead (an organisation id) and the cost sharing only when opening one."""

    lead = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    area = serializers.ChoiceField(choices=Area.choices, required=False, allow_blank=True)
    indicators = ProcurementItemField(many=True, required=False)
    model = serializers.ChoiceField(choices=Procurement.Model.choices, required=False)
    customisation_rules = serializers.CharField(required=False, allow_blank=True)
    join_until = serializers.DateField()
    commit_until = serializers.DateField(required=False, allow_null=True)
    specification_shareable = serializers.BooleanField(required=False)
    subsidy = serializers.CharField(max_length=200, required=False, allow_blank=True)
    rfi_text = serializers.CharField(required=False, allow_blank=True)
    tender_text = serializers.CharField(required=False, allow_blank=True)


class ProcurementSharingSerializer(serializers.Serializer):
    total_cost_yen = serializers.IntegerField(min_value=0, max_value=MAX_YEN, allow_null=True, required=False)
    sharing_rule = serializers.ChoiceField(choices=Procurement.SharingRule.choices)
    flat_weight = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)
    population_weight = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)
    usage_weight = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)


class ProcurementCreateSerializer(ProcurementWriteSerializer, ProcurementSharingSerializer):
    pass


class ProcurementMoveSerializer(serializers.Serializer):
    to_stage = serializers.CharField(help_text="The next stage, or cancelled (before the award).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    awarded_to = serializers.CharField(max_length=200, required=False, default="")
    awarded_partner = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.PARTNER), required=False, allow_null=True
    )
    contract_amount_yen = serializers.IntegerField(min_value=0, max_value=MAX_YEN, required=False)
    contract_on = serializers.DateField(required=False)


class ProcurementBodySerializer(serializers.Serializer):
    municipality = serializers.CharField(help_text="The local government code of the participating municipality.")

    def validate_municipality(self, code: str) -> Organization:
        organization = Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY, municipality__code=code).first()
        if organization is None:
            raise serializers.ValidationError("Unknown municipality.")
        return organization


class ProcurementSeatSerializer(ProcurementBodySerializer):
    expected_volume = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)
    staff = serializers.IntegerField(min_value=0, max_value=MAX_STAFF, required=False, allow_null=True, default=None)
    constraints = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For the one-SaaS model, the configuration note."
    )


@extend_schema_field({"type": "string", "description": "pending, approved or not_needed"})
class ApprovalField(serializers.ChoiceField):
    """One approval's state. Described rather than an enum in the schema: three fields share one choice
    set, which drf-spectacular would name three times (a warning the deploy checks refuse)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Participant.Approval.choices, **kwargs)


class ProcurementCommitSerializer(ProcurementBodySerializer):
    department_approval = ApprovalField()
    mayor_approval = ApprovalField()
    council_approval = ApprovalField()
    budget = serializers.ChoiceField(choices=Participant.Budget.choices)
    budget_fiscal_year = serializers.IntegerField()


class ProcurementParticipantSerializer(serializers.ModelSerializer):
    body = serializers.CharField(source="organization.name", read_only=True)
    department_approval = ApprovalField(read_only=True)
    mayor_approval = ApprovalField(read_only=True)
    council_approval = ApprovalField(read_only=True)
    municipality = serializers.CharField(source="organization.municipality.code", read_only=True)
    share_yen = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = (
            "id",
            "procurement",
            "body",
            "municipality",
            "status",
            "population",
            "staff",
            "expected_volume",
            "constraints",
            "department_approval",
            "mayor_approval",
            "council_approval",
            "budget",
            "budget_fiscal_year",
            "share_yen",
            "joined_at",
            "committed_at",
            "withdrawn_at",
        )

    def get_share_yen(self, participant: Participant) -> int | None:
        # One computation per procurement for a whole page of participants.
        cache = cast(dict[str, Any], self.context).setdefault("shares", {})  # DRF's context is a dict
        if participant.procurement_id not in cache:
            cache[participant.procurement_id] = selectors.cost_shares(procurement=participant.procurement).yen
        return cache[participant.procurement_id].get(participant.pk)


class OfVisibleProcurement(serializers.ModelSerializer):
    """A `procurement` field that takes only the procurements the requesting user may see."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request, view = self.context.get("request"), self.context.get("view")
        field = fields["procurement"]
        assert isinstance(field, serializers.PrimaryKeyRelatedField)  # noqa: S101  # the ModelSerializer's own
        # The stub types queryset with Manager, a descriptor, so mypy takes this assignment for its __get__.
        field.queryset = (  # type: ignore[arg-type]
            Procurement.objects.none()
            if request is None or schema_only(view)
            else selectors.procurement_list(user=request.user)
        )
        return fields


class ProcurementSpecificationSerializer(OfVisibleProcurement):
    class Meta:
        model = SpecificationVersion
        fields = ("id", "procurement", "number", "text", "note", "created_at")
        read_only_fields = ("number", "created_at")


class ProcurementDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unified = serializers.ListField(child=serializers.CharField())


class ProcurementQuestionSerializer(OfVisibleProcurement):
    """No asker: the Q&A is public, and nobody sees which company asked."""

    class Meta:
        model = ProcurementQuestion
        fields = ("id", "procurement", "stage", "question", "answer", "answered_at", "created_at")
        read_only_fields = ("stage", "answer", "answered_at", "created_at")


class ProcurementAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)
