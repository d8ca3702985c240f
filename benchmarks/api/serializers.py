from __future__ import annotations

from rest_framework import serializers

from dx_platform.core.i18n import localized

from ..exports import ITEM_COLUMNS
from ..models import Dataset, ItemRate, MunicipalityScore, PrefectureScore, ScoreRun
from ..scoring import AREAS

AREA_FIELDS = tuple(f"{kind}_{area}" for kind in ("rate", "dev") for area in AREAS) + ("composite", "rank")
# Every score row names where it comes from: real national data or synthetic demo data.
ORIGIN_FIELDS = ("dataset", "origin", "source")


class _FromRun(serializers.ModelSerializer):
    dataset = serializers.IntegerField(source="run.dataset_id")
    origin = serializers.ChoiceField(source="run.dataset.origin", choices=Dataset.Origin.choices)
    source = serializers.CharField(source="run.dataset.source")  # type: ignore[assignment]  # the field is named source; stubs see Field.source


class DatasetSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(read_only=True)

    class Meta:
        model = Dataset
        fields = (
            "id",
            "fiscal_year",
            "name",
            "source",
            "name_en",
            "source_en",
            "origin",
            "status",
            "value_count",
            "imported_at",
            "supersedes",
        )


class ScoreRunSerializer(serializers.ModelSerializer):
    origin = serializers.ChoiceField(source="dataset.origin", choices=Dataset.Origin.choices)
    source = serializers.CharField(source="dataset.source")  # type: ignore[assignment]

    class Meta:
        model = ScoreRun
        fields = ("id", "dataset", "origin", "source", "status", "started_at", "finished_at", "statistics")


class PrefectureScoreSerializer(_FromRun):
    pref_code = serializers.CharField(source="prefecture.pref_code")
    name = serializers.CharField(source="prefecture.name")

    class Meta:
        model = PrefectureScore
        fields = ("pref_code", "name", *ORIGIN_FIELDS, "run", *AREA_FIELDS, "towns_villages_share", "n_municipalities")


class MunicipalityScoreSerializer(_FromRun):
    code = serializers.CharField(source="municipality.code")
    name = serializers.CharField(source="municipality.name")
    pref_code = serializers.CharField(source="municipality.prefecture.pref_code")
    size_class = serializers.CharField(source="municipality.size_class")

    class Meta:
        model = MunicipalityScore
        fields = (
            "code",
            "name",
            "pref_code",
            "size_class",
            *ORIGIN_FIELDS,
            "run",
            *AREA_FIELDS,
            "composite_areas",
            *(f"peer_dev_{area}" for area in AREAS),
            "peer_composite",
            "peer_rank",
            "peer_size",
        )


class ItemRateSerializer(_FromRun):
    """An item's rate in a group: numerator of denominator municipalities, and those left out and why."""

    indicator = serializers.CharField(source="indicator.code")
    label = serializers.SerializerMethodField(help_text="the item's name in the request's language")  # type: ignore[assignment]  # a field named label; stubs see Field.label
    scope = serializers.CharField(source="level")
    denominator = serializers.IntegerField(source="n")
    rate = serializers.FloatField(allow_null=True, help_text="percent")
    excluded = serializers.IntegerField()
    left_out = serializers.DictField(child=serializers.IntegerField(), help_text="count per reason")

    class Meta:
        model = ItemRate
        # The columns of export_benchmarks --level items, then the reasons, the origin and the run.
        fields = (*ITEM_COLUMNS, "left_out", *ORIGIN_FIELDS, "run")

    def get_label(self, rate: ItemRate) -> str:
        return localized(rate.indicator, "name")
