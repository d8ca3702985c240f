from __future__ import annotations

from rest_framework import serializers

from ..models import Dataset, MunicipalityScore, PrefectureScore, ScoreRun
from ..scoring import AREAS

AREA_FIELDS = tuple(f"{kind}_{area}" for kind in ("rate", "dev") for area in AREAS) + ("composite", "rank")


class DatasetSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(read_only=True)

    class Meta:
        model = Dataset
        fields = ("id", "fiscal_year", "name", "source", "origin", "status", "value_count", "imported_at", "supersedes")


class ScoreRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreRun
        fields = ("id", "dataset", "status", "started_at", "finished_at", "statistics")


class PrefectureScoreSerializer(serializers.ModelSerializer):
    pref_code = serializers.CharField(source="prefecture.pref_code")
    name = serializers.CharField(source="prefecture.name")
    dataset = serializers.IntegerField(source="run.dataset_id")

    class Meta:
        model = PrefectureScore
        fields = ("pref_code", "name", "dataset", "run", *AREA_FIELDS, "towns_villages_share", "n_municipalities")


class MunicipalityScoreSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="municipality.code")
    name = serializers.CharField(source="municipality.name")
    pref_code = serializers.CharField(source="municipality.prefecture.pref_code")
    size_class = serializers.CharField(source="municipality.size_class")
    dataset = serializers.IntegerField(source="run.dataset_id")

    class Meta:
        model = MunicipalityScore
        fields = (
            "code",
            "name",
            "pref_code",
            "size_class",
            "dataset",
            "run",
            *AREA_FIELDS,
            "composite_areas",
            *(f"peer_dev_{area}" for area in AREAS),
            "peer_composite",
            "peer_rank",
            "peer_size",
        )
