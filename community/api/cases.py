"""Community API: practice cases, their adoptions and kits, asking the author (the thread is the comments API).

The same selectors, services and permissions as the pages: a case one may not read is 404, an action
one may not take 403, bad input 400 with the reasons by field. The serializers are in serializers/cases.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from dx_platform.core.api import ServiceCreateMixin
from dx_platform.core.auth import signed_in

from ..forms.cases import CaseListForm
from ..models import Adoption, CaseAttachment, PracticeCase
from ..selectors import cases as selectors
from ..selectors.discussion import entry_for
from ..services import cases as services
from .serializers.cases import (
    AdoptionSerializer,
    CaseAttachmentSerializer,
    CaseQuestionSerializer,
    CaseSerializer,
    CaseWriteSerializer,
)
from .serializers.discussion import CommentSerializer


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Practice cases you may read; authors create drafts, change, publish and delete them."""

    serializer_class = CaseSerializer

    def get_queryset(self) -> QuerySet[PracticeCase]:
        # The list's filters; one case is found by its id alone.
        filters = (
            CaseListForm(self.request.query_params).filters() if self.action == "list" else selectors.CaseFilters()
        )
        return selectors.cases_with_details(user=self.request.user, filters=filters)

    @extend_schema(
        parameters=[
            OpenApiParameter(name, OpenApiTypes.STR, description=description)
            for name, description in (
                ("outcome", "success, partial, failure or ongoing"),
                ("area", "an area code"),
                ("size_class", "a size class"),
                ("ours", "true: cases written by one of your bodies"),
                ("adopted", "true: cases one of your bodies adopted"),
                ("sort", "adoptions: the most adopted first (else the newest)"),
            )
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return CaseWriteSerializer if self.action in ("create", "update", "partial_update") else CaseSerializer

    def _read(self, case: PracticeCase, code: int = status.HTTP_200_OK) -> Response:
        case = get_object_or_404(self.get_queryset(), pk=case.pk)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CaseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organization = body.validated_data.get("organization")
        if organization is None:
            raise exceptions.ValidationError({"organization": ["Name the author body."]})
        case = services.practice_case_save(organization=organization, given=body.given(None), by=signed_in(request))
        return self._read(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseWriteSerializer, responses=CaseSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        body = CaseWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        case = services.practice_case_save(
            organization=case.organization,
            given=body.given(services.CaseInput.of(case)),
            by=signed_in(request),
            case=case,
        )
        return self._read(case)

    def perform_destroy(self, instance: PracticeCase) -> None:
        services.practice_case_delete(case=instance, by=signed_in(self.request))

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft (others see it from its embargo date, if any)."""
        case = self.get_object()
        services.practice_case_publish(case=case, by=signed_in(request))
        return self._read(case)

    @extend_schema(request=CaseQuestionSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["post"])
    def ask(self, request: Request, pk: str | None = None) -> Response:
        """Ask the author body: a question in the case's thread (listed, answered, reported and moderated
        through /api/v1/community/comments/); unlike a question posted there, the author body is notified."""
        case = self.get_object()
        body = CaseQuestionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        question = services.case_question_ask(case=case, body=body.validated_data["body"], by=signed_in(request))
        entry = entry_for(user=request.user, comment=question, target=case, reported=False)
        return Response(CommentSerializer(entry).data, status=status.HTTP_201_CREATED)


class AdoptionViewSet(mixins.ListModelMixin, ServiceCreateMixin, mixins.DestroyModelMixin):
    """横展開: which bodies adopted which of the cases you may read; POST to say yours did, DELETE to undo."""

    serializer_class = AdoptionSerializer
    filterset_fields = ("case", "organization")

    def get_queryset(self) -> QuerySet[Adoption]:
        return selectors.adoption_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> Adoption:
        return services.case_adopt(
            case=data["case"], organization=data["organization"], by=signed_in(self.request), note=data.get("note", "")
        )

    def perform_destroy(self, instance: Adoption) -> None:
        services.case_adoption_withdraw(adoption=instance, by=signed_in(self.request))


class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The kits of the cases you may read (metadata; `url` downloads the file)."""

    serializer_class = CaseAttachmentSerializer
    filterset_fields = ("case", "kind")

    def get_queryset(self) -> QuerySet[CaseAttachment]:
        return selectors.attachment_list(user=self.request.user)


def register(router: DefaultRouter) -> None:
    """Add this area's viewsets to the community API router."""
    router.register("cases", CaseViewSet, basename="community-case")
    router.register("adoptions", AdoptionViewSet, basename="community-adoption")
    router.register("case-attachments", AttachmentViewSet, basename="community-case-attachment")
