"""Serializers of the market: needs, solutions, proposals and reference municipalities."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from benchmarks.models import Indicator
from dx_platform.organizations.models import Organization

from ...forms.market import NeedForm, SolutionForm
from ...models import Need, Proposal, Solution, SolutionReference
from ...selectors.cases import newest_indicators


class IndicatorCodes(serializers.ListField):
    """Survey items by code, from the newest catalog."""

    child = serializers.CharField()

    def to_internal_value(self, data: Any) -> list[Indicator]:
        codes = super().to_internal_value(data)
        found = {i.code: i for i in newest_indicators(codes=codes)}
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise serializers.ValidationError(f"Unknown survey items: {', '.join(unknown)}")
        return [found[code] for code in dict.fromkeys(codes)]

    def to_representation(self, data: Any) -> list[str]:
        return [indicator.code for indicator in data.all()]


class OrganizationField(serializers.PrimaryKeyRelatedField):
    """An organisation by id; whether the user may write for it is the service's to decide (403)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Organization.objects.all(), **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value.pk


class _Tagged(serializers.ModelSerializer):
    organization = OrganizationField()
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    indicators = IndicatorCodes(required=False)


class NeedSerializer(_Tagged):
    class Meta:
        model = Need
        fields = ("id", "organization", "organization_name", *NeedForm.Meta.fields, "status", "created_at")
        read_only_fields = ("status", "created_at")


class SolutionSerializer(_Tagged):
    confirmed_references = serializers.IntegerField(read_only=True)

    class Meta:
        model = Solution
        fields = (
            "id",
            "organization",
            "organization_name",
            *SolutionForm.Meta.fields,
            "confirmed_references",
            "updated_at",
        )
        read_only_fields = ("updated_at",)


class ProposalSerializer(serializers.ModelSerializer):
    need = serializers.PrimaryKeyRelatedField(queryset=Need.objects.all())
    organization = OrganizationField()
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    solution = serializers.PrimaryKeyRelatedField(queryset=Solution.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Proposal
        fields = ("id", "need", "organization", "organization_name", "solution", "summary", "price_note", "status")
        read_only_fields = ("status",)
        # One per partner is the service's rule (it allows proposing again after withdrawing).
        validators: list[Any] = []


@extend_schema_field(OpenApiTypes.STR)
class MunicipalityCode(serializers.SlugRelatedField):
    """A municipality's organisation by its local government code."""


class ReferenceSerializer(serializers.ModelSerializer):
    solution = serializers.PrimaryKeyRelatedField(queryset=Solution.objects.all())
    municipality = MunicipalityCode(
        source="organization",
        slug_field="municipality__code",
        queryset=Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY),
        help_text="The municipality's local government code (6 digits).",
    )
    municipality_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = SolutionReference
        fields = ("id", "solution", "municipality", "municipality_name", "status", "decided_at")
        read_only_fields = ("status", "decided_at")
        # The service refuses a second request, after checking who asks.
        validators: list[Any] = []


def decision(choices: tuple[str, str]) -> Any:
    return inline_serializer(f"Decision_{'_'.join(choices)}", {"decision": serializers.ChoiceField(choices=choices)})
