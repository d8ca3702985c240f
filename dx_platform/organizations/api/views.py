from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dx_platform.core.auth import signed_in

from .. import selectors
from ..filters import MunicipalityFilter
from .serializers import (
    MeSerializer,
    MunicipalityCodeSerializer,
    MunicipalitySerializer,
    OrganizationSerializer,
    PrefectureSerializer,
)


class PrefectureViewSet(viewsets.ReadOnlyModelViewSet):
    """The 47 prefectures; look one up by its two-digit number (01–47). Public reference data."""

    permission_classes = (AllowAny,)
    serializer_class = PrefectureSerializer
    lookup_field = "pref_code"
    filterset_fields = ()

    def get_queryset(self) -> Any:
        return selectors.prefecture_list()


class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    """The 1,741 municipalities; filter by prefecture, kind and size class, look up by 6-digit code.

    Public reference data (anonymous callers are throttled harder).
    """

    permission_classes = (AllowAny,)
    serializer_class = MunicipalitySerializer
    filterset_class = MunicipalityFilter
    lookup_field = "code"

    def get_queryset(self) -> Any:
        return selectors.municipality_list()

    def get_object(self) -> Any:
        # A wrong check digit is a 400 that names the code probably meant, not a 404.
        MunicipalityCodeSerializer(data={"code": self.kwargs["code"]}).is_valid(raise_exception=True)
        return super().get_object()


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations the caller may see (their own, and what their role lets them read)."""

    serializer_class = OrganizationSerializer
    filterset_fields = ("kind",)

    def get_queryset(self) -> Any:
        return selectors.organization_list(user=self.request.user)


class MeView(APIView):
    """The caller and their memberships."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        data = {
            "email": user.email,
            "name": user.name,
            "is_staff": user.is_staff,
            "memberships": selectors.my_memberships(user=user),
        }
        return Response(MeSerializer(data).data)
