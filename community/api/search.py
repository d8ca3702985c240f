"""Community API: the same search as the community's front page."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from ..forms.search import SearchForm
from ..models import SearchEntry
from ..selectors.search import search, visible_entries
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
class SearchViewSet(viewsets.GenericViewSet):
    """Search what you may read; results ranked, municipalities of your size first. Only the 1,000 newest
    matches are ranked and counted: `capped` is true when there were more."""

    serializer_class = SearchResultSerializer
    query_refusals = True  # words or filters that make no sense are a 400

    def get_queryset(self) -> QuerySet[SearchEntry]:
        # What the results are drawn from (the schema's model); list() runs the search itself.
        return visible_entries(user=self.request.user)

    def list(self, request: Request) -> Response:
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=400)
        results = search(user=request.user, query=form.cleaned_data["q"], filters=form.filters())
        page = self.paginate_queryset(results.entries)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        # More matches than are ranked: count is of the newest ones listed, not of every match.
        response.data["capped"] = results.capped
        return response


def register(router: DefaultRouter) -> None:
    router.register("search", SearchViewSet, basename="community-search")
