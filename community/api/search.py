"""Community API: the same search as the community's front page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from ..forms.search import SearchForm
from ..models import SearchEntry
from ..selectors.search import search
from .serializers.search import SearchResultSerializer


@extend_schema(
    parameters=[
        OpenApiParameter(name, OpenApiTypes.STR, description=description)
        for name, description in (
            ("q", "Words; each must occur, inside longer words too (Japanese has no spaces)."),
            ("kind", "case, solution, need or procurement"),
            ("area", "an area code"),
            ("indicator", "an indicator code"),
            ("size_class", "a size class"),
            ("prefecture", "a prefecture number, e.g. 20"),
            ("outcome", "success, partial, failure or ongoing (cases)"),
        )
    ]
)
class SearchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Search what you may read; results ranked, municipalities of your size first."""

    serializer_class = SearchResultSerializer

    def get_queryset(self) -> QuerySet[SearchEntry]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user to search for
            return SearchEntry.objects.none()
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            return SearchEntry.objects.none()
        return search(user=self.request.user, query=form.cleaned_data["q"], filters=form.filters())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=400)
        return super().list(request, *args, **kwargs)


def register(router: DefaultRouter) -> None:
    router.register("search", SearchViewSet, basename="community-search")
