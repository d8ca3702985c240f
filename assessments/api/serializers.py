from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers
from rest_framework.relations import RelatedField

from benchmarks.models import Indicator
from dx_platform.accounts.models import User

from ..models import Answer, Assessment, Initiative, Kpi, Measurement, Milestone, Roadmap
from ..selectors import kpi_status, readable_municipalities


class AnswerSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code")
    area = serializers.CharField(source="indicator.area")
    kind = serializers.CharField(source="indicator.kind")

    class Meta:
        model = Answer
        fields = ("indicator", "area", "kind", "value", "status", "note", "link", "prefilled_from", "updated_at")


class AssessmentSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code")
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = (
            "id",
            "municipality",
            "fiscal_year",
            "status",
            "version",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "answers",
        )


class AnswerWriteSerializer(serializers.Serializer):
    value = serializers.FloatField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=["", *Answer.Status.values], required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    link = serializers.URLField(required=False, allow_blank=True)
    confirm_prefill = serializers.BooleanField(required=False)


class AnswersWriteSerializer(serializers.Serializer):
    """{"version": 3, "answers": {"system.cio": {"value": 1}, …}} — the version the change starts from."""

    version = serializers.IntegerField(required=False, min_value=1)
    answers = serializers.DictField(child=AnswerWriteSerializer())


class MunicipalityBodySerializer(serializers.Serializer):
    """The municipality a new assessment, KPI or roadmap is for."""

    municipality = serializers.CharField(max_length=6, help_text="The municipality's 6-digit code.")


class AssessmentStartSerializer(MunicipalityBodySerializer):
    # The range is the service's rule (dx_platform.core.fiscal), as on the pages.
    fiscal_year = serializers.IntegerField(error_messages={"invalid": "A fiscal year such as 2026."})


class SubmitSerializer(serializers.Serializer):
    accept_missing = serializers.BooleanField(
        default=False, help_text="Submit although items are unanswered (they are listed when it is refused)."
    )


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "return"])
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Required to return."
    )


class MeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measurement
        fields = ("id", "measured_on", "value", "note")


class ReadableRelationsSerializer(serializers.ModelSerializer):
    """A roadmap, initiative or owner named in a write is looked up among those the caller may read (owners:
    members of those municipalities): another town's id, or anyone else's email, is then as unknown as a
    missing one, and its existence does not show."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        readable = readable_municipalities(request.user if request else AnonymousUser())
        scopes = {
            "roadmap": Roadmap.objects.filter(municipality__in=readable),
            "initiative": Initiative.objects.filter(roadmap__municipality__in=readable),
            "owner": User.objects.filter(memberships__organization__municipality__in=readable).distinct(),
        }
        for name, queryset in scopes.items():
            if name in fields:
                # DRF's stubs type `queryset` as a QuerySet or a Manager, and mypy then takes the assignment
                # for the Manager descriptor's __get__.
                cast(RelatedField, fields[name]).queryset = queryset  # type: ignore[arg-type]
        return fields


class KpiSerializer(ReadableRelationsSerializer):
    municipality = serializers.CharField(source="municipality.code", read_only=True)
    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=Indicator.objects.all(), required=False, allow_null=True
    )
    owner = serializers.SlugRelatedField(
        slug_field="email", queryset=User.objects.none(), required=False, allow_null=True
    )
    measurements = MeasurementSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Kpi
        fields = (
            "id",
            "municipality",
            "name",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "area",
            "indicator",
            "initiative",
            "owner",
            "interval",
            "status",
            "measurements",
        )

    def get_status(self, kpi: Kpi) -> str:
        return kpi_status(kpi).code

    def validate_indicator(self, indicator: Indicator | None) -> Indicator | None:
        # Codes repeat across years: take the newest catalog's item of that code.
        if indicator is None:
            return None
        newest = Indicator.objects.filter(code=indicator.code).order_by("-catalog__fiscal_year").first()
        return newest


class MilestoneSerializer(ReadableRelationsSerializer):
    class Meta:
        model = Milestone
        fields = ("id", "initiative", "title", "due_on", "done_on")


class InitiativeSerializer(ReadableRelationsSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    indicators = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Indicator.objects.all(), required=False
    )
    owner = serializers.SlugRelatedField(
        slug_field="email", queryset=User.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Initiative
        fields = (
            "id",
            "roadmap",
            "title",
            "area",
            "indicators",
            "owner",
            "starts_on",
            "ends_on",
            "status",
            "milestones",
        )


class RoadmapSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code", read_only=True)
    initiatives = InitiativeSerializer(many=True, read_only=True)
    template = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Roadmap
        fields = (
            "id",
            "municipality",
            "title",
            "vision",
            "period_start",
            "period_end",
            "adopted_on",
            "template",
            "initiatives",
        )

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        values.setdefault("vision", "")
        values.setdefault("adopted_on", None)
        return values
