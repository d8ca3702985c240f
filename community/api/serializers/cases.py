"""Serializers of practice cases, their metrics, kits and adoptions.

The author of an anonymised case is shown as on the pages (author_label; no organisation, a rounded
population).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from benchmarks.models import Area, Indicator
from dx_platform.organizations.models import REGIONAL_KINDS, Organization

from ...models import Adoption, CaseAttachment, CaseMetric, PracticeCase
from ...models.cases import Audience
from ...selectors import cases as selectors
from ...services import cases as services


class CaseMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseMetric
        fields = ("label", "before", "after", "unit", "change_percent")
        read_only_fields = ("change_percent",)


class CaseAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download (for those who may read the case).")

    class Meta:
        model = CaseAttachment
        fields = ("id", "case", "kind", "name", "content_type", "size", "created_at", "url")

    def get_url(self, attachment: CaseAttachment) -> str:
        return reverse("community:case_attachment", args=[attachment.case_id, attachment.pk])


class CaseSerializer(serializers.ModelSerializer):
    """A case as its reader may see it."""

    organization = serializers.SerializerMethodField(help_text="The author body's id; null when anonymised.")
    author_label = serializers.SerializerMethodField()
    population = serializers.SerializerMethodField(help_text="Rounded when the author is anonymised.")
    indicators: serializers.SlugRelatedField[Indicator] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    metrics = CaseMetricSerializer(many=True, read_only=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)
    adoption_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = PracticeCase
        fields = (
            "id",
            "organization",
            "author_label",
            "status",
            "published_at",
            "size_class",
            "population",
            *services.CASE_FIELDS,
            "indicators",
            "metrics",
            "attachments",
            "adoption_count",
        )

    def _visible(self, case: PracticeCase) -> bool:
        return selectors.author_visible(self.context["request"].user, case)

    @extend_schema_field(OpenApiTypes.INT)
    def get_organization(self, case: PracticeCase) -> int | None:
        return case.organization_id if self._visible(case) else None

    def get_author_label(self, case: PracticeCase) -> str:
        return selectors.author_label(user=self.context["request"].user, case=case)

    @extend_schema_field(OpenApiTypes.INT)
    def get_population(self, case: PracticeCase) -> int | None:
        return case.population if self._visible(case) else selectors.shown_population(case.population)


@extend_schema_field(OpenApiTypes.STR)
class NewestIndicatorField(serializers.SlugRelatedField):
    """A survey item of the newest catalog, by its code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.newest_indicators()


class CaseMetricWriteSerializer(serializers.Serializer):
    # DRF takes declared fields off the class; the stub sees them shadow Field.label and Field.context.
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    before = serializers.FloatField(required=False, allow_null=True)
    after = serializers.FloatField(required=False, allow_null=True)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)


class CaseWriteSerializer(serializers.Serializer):
    """What an author writes; on PATCH only what changes (the metrics, when given, replace all)."""

    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind__in=REGIONAL_KINDS),
        required=False,
        help_text="The author body (a municipality or prefecture you write for); on create only.",
    )
    title = serializers.CharField(max_length=200)
    problem = serializers.CharField()
    what_was_done = serializers.CharField()
    outcome = serializers.ChoiceField(choices=PracticeCase.Outcome.choices)
    context = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]  # as label above
    tools = serializers.CharField(required=False, allow_blank=True)
    cost_yen = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    cost_note = serializers.CharField(required=False, allow_blank=True, max_length=300)
    people = serializers.CharField(required=False, allow_blank=True, max_length=300)
    started_on = serializers.DateField(required=False, allow_null=True)
    finished_on = serializers.DateField(required=False, allow_null=True)
    outcomes = serializers.CharField(required=False, allow_blank=True)
    what_did_not_work = serializers.CharField(required=False, allow_blank=True)
    lessons = serializers.CharField(required=False, allow_blank=True)
    would_do_again = serializers.ChoiceField(
        choices=[("", ""), *PracticeCase.Again.choices], required=False, allow_blank=True
    )
    area = serializers.ChoiceField(choices=[("", ""), *Area.choices], required=False, allow_blank=True)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    anonymous = serializers.BooleanField(required=False)
    embargo_until = serializers.DateField(required=False, allow_null=True)
    indicators = NewestIndicatorField(many=True, required=False)
    metrics = CaseMetricWriteSerializer(many=True, required=False)

    def given(self, current: services.CaseInput | None) -> services.CaseInput:
        data = dict(self.validated_data)
        data.pop("organization", None)
        if "metrics" in data:
            data["metrics"] = [services.MetricInput(**metric) for metric in data["metrics"]]
        return replace(current, **data) if current else services.CaseInput(**data)


class CaseQuestionSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000, help_text="The question to the author body.")


class ReadableCaseField(serializers.PrimaryKeyRelatedField):
    """A case the user may read, by id (any other is as unknown as one that does not exist)."""

    def get_queryset(self) -> QuerySet[PracticeCase]:
        return selectors.readable_cases(user=self.context["request"].user)


class AdoptionSerializer(serializers.ModelSerializer):
    case = ReadableCaseField()
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Adoption
        fields = ("id", "case", "organization", "organization_name", "note", "created_at")
        read_only_fields = ("id", "organization_name", "created_at")
        # One adoption per body is the service's to say, with its own message.
        validators: list[Any] = []
