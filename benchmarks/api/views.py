"""Benchmark API: datasets, runs and published scores (national data is public)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny

from dx_platform.core.params import whole_number
from dx_platform.organizations.models import Municipality

from .. import selectors
from ..models import Dataset, ItemRate, MunicipalityScore, PrefectureScore, ScoreRun
from .serializers import (
    DatasetSerializer,
    ItemRateSerializer,
    MunicipalityScoreSerializer,
    PrefectureScoreSerializer,
    ScoreRunSerializer,
)

YEAR_AND_DATASET = [
    OpenApiParameter("fiscal_year", int, required=True, description="e.g. 2023"),
    OpenApiParameter("dataset", int, description="dataset id (default: the year's most recently imported)"),
]


class DatasetViewSet(viewsets.ReadOnlyModelViewSet):
    """National survey datasets, each with its source and origin (real or synthetic)."""

    permission_classes = (AllowAny,)
    serializer_class = DatasetSerializer
    filterset_fields = ("origin", "status")

    def get_queryset(self) -> QuerySet[Dataset]:
        return selectors.dataset_list()


class ScoreRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Complete score runs (immutable); statistics hold the correlations, achievements and spreads."""

    permission_classes = (AllowAny,)
    serializer_class = ScoreRunSerializer
    filterset_fields = ("dataset",)

    def get_queryset(self) -> QuerySet[ScoreRun]:
        return selectors.complete_runs()


# Both the list and one item are of a fiscal year's published scores.
YEAR_SCHEMA = {action: extend_schema(parameters=YEAR_AND_DATASET) for action in ("list", "retrieve")}


class _PublishedRun(viewsets.GenericViewSet):
    """Rows of the published run of a fiscal year's dataset."""

    permission_classes = (AllowAny,)
    query_refusals = True  # fiscal_year is required

    def published(self) -> ScoreRun | None:
        """The run to list; None for the schema generator, which reads only the rows' model."""
        if getattr(self, "swagger_fake_view", False):
            return None
        params = self.request.query_params
        year, dataset_id = params.get("fiscal_year", ""), params.get("dataset", "")
        fiscal_year, dataset_pk = whole_number(year), whole_number(dataset_id)
        if fiscal_year is None or (dataset_id and dataset_pk is None):
            raise serializers.ValidationError({"fiscal_year": "Give fiscal_year (and optionally dataset) as numbers."})
        published = selectors.published_scores(fiscal_year=fiscal_year, dataset_id=dataset_pk)
        if published is None:
            raise serializers.ValidationError({"fiscal_year": f"No published scores for FY{year}."})
        return published.run


class _PublishedScores(mixins.RetrieveModelMixin, mixins.ListModelMixin, _PublishedRun):
    """Scores of a municipality or prefecture: listed, or one by its code."""


class ScoreFilter(django_filters.FilterSet):
    prefecture = django_filters.CharFilter(field_name="municipality__prefecture__pref_code")
    size_class = django_filters.MultipleChoiceFilter(
        field_name="municipality__size_class", choices=Municipality.SizeClass.choices
    )
    kind = django_filters.MultipleChoiceFilter(field_name="municipality__kind", choices=Municipality.Kind.choices)

    class Meta:
        model = MunicipalityScore
        fields = ("prefecture", "size_class", "kind")


@extend_schema_view(**YEAR_SCHEMA)
class PrefectureScoreViewSet(_PublishedScores):
    serializer_class = PrefectureScoreSerializer
    lookup_field = "prefecture__pref_code"
    lookup_url_kwarg = "pref_code"

    def get_queryset(self) -> QuerySet[PrefectureScore]:
        return selectors.prefecture_scores(run=self.published())


@extend_schema_view(**YEAR_SCHEMA)
class MunicipalityScoreViewSet(_PublishedScores):
    serializer_class = MunicipalityScoreSerializer
    filterset_class = ScoreFilter
    lookup_field = "municipality__code"
    lookup_url_kwarg = "code"

    def get_queryset(self) -> QuerySet[MunicipalityScore]:
        return selectors.municipality_scores(run=self.published())


@extend_schema_view(
    list=extend_schema(
        parameters=[
            *YEAR_AND_DATASET,
            OpenApiParameter("scope", str, enum=ItemRate.Level.values, description="default: every scope"),
            OpenApiParameter("group", str, description="all (nation), a prefecture code, or a size class"),
        ]
    )
)
class ItemRateViewSet(mixins.ListModelMixin, _PublishedRun):
    """Each survey item's rate in the nation, a prefecture or a size class: numerator of denominator
    municipalities, and how many were left out (not reported, excluded from the survey) and why."""

    serializer_class = ItemRateSerializer

    def get_queryset(self) -> QuerySet[ItemRate]:
        params = self.request.query_params
        scope, group = params.get("scope") or None, params.get("group") or None
        if scope is not None and scope not in ItemRate.Level.values:
            raise serializers.ValidationError({"scope": f"scope is one of {', '.join(ItemRate.Level.values)}."})
        if group is not None:
            if scope is None:
                raise serializers.ValidationError({"group": "Give scope with group."})
            if group not in selectors.item_groups(level=scope):
                raise serializers.ValidationError({"group": f"No group {group!r} in scope {scope}."})
        return selectors.item_rate_list(
            run=self.published(), levels=[scope] if scope else [], groups=[group] if group else []
        )
