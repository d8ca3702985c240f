"""Community API: joint procurements, their participants, specification versions and public Q&A.

The same services and permissions as the pages. Partners get only the published parts of a
procurement (its RFI and tender texts once published) and no participants or specification drafts;
who asked a question is never shown. Refusals answer 400 with the reason, 403 or 404. The serializers
are in serializers/procurement.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from dx_platform.core.api import ServiceCreateMixin
from dx_platform.core.auth import signed_in

from ..models import Participant, Procurement, ProcurementQuestion, SpecificationVersion
from ..models.procurement import Stage
from ..selectors import procurement as selectors
from ..services import procurement as services
from .serializers.procurement import (
    ProcurementAnswerSerializer,
    ProcurementBodySerializer,
    ProcurementCommitSerializer,
    ProcurementCreateSerializer,
    ProcurementDiffSerializer,
    ProcurementMoveSerializer,
    ProcurementParticipantSerializer,
    ProcurementQuestionSerializer,
    ProcurementSeatSerializer,
    ProcurementSerializer,
    ProcurementSharingSerializer,
    ProcurementSpecificationSerializer,
    ProcurementWorkspaceSerializer,
    ProcurementWriteSerializer,
    schema_only,
)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _sharing(data: dict[str, Any]) -> selectors.Sharing:
    """The cost sharing of a valid ProcurementSharingSerializer body (the total may be left out)."""
    return selectors.Sharing(
        total_cost_yen=data.get("total_cost_yen"),
        sharing_rule=data["sharing_rule"],
        flat_weight=data["flat_weight"],
        population_weight=data["population_weight"],
        usage_weight=data["usage_weight"],
    )


# What a procurement opened through the API has unless the request says otherwise (as the form's defaults).
NEW_DEFAULTS: dict[str, Any] = {
    "area": "",
    "indicators": [],
    "model": Procurement.Model.SHARED_SPECIFICATION,
    "customisation_rules": "",
    "commit_until": None,
    "specification_shareable": True,
    "subsidy": "",
}


@extend_schema_view(
    list=extend_schema(
        description="Partners get the published parts only (ProcurementSerializer's fields).",
        responses=ProcurementWorkspaceSerializer(many=True),
    ),
    retrieve=extend_schema(responses=ProcurementWorkspaceSerializer),
)
class ProcurementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Joint procurements you may see; the lead body opens one, changes it and moves its stages."""

    filterset_fields = ("stage", "category", "model")

    def get_queryset(self) -> QuerySet[Procurement]:
        return selectors.procurement_list(user=self.request.user, with_indicators=True)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if schema_only(self) or selectors.sees_workspace(self.request.user):
            return ProcurementWorkspaceSerializer
        return ProcurementSerializer

    def _show(self, procurement: Procurement, code: int = status.HTTP_200_OK) -> Response:
        procurement = get_object_or_404(self.get_queryset(), pk=procurement.pk)
        return Response(self.get_serializer(procurement).data, status=code)

    def _details(self, data: dict[str, Any], procurement: Procurement | None) -> services.ProcurementInput:
        """The details given, over the procurement's current ones (or the defaults of a new one)."""
        names = services.ProcurementInput.__dataclass_fields__
        given = {name: value for name, value in data.items() if name in names}
        if procurement is not None:
            return replace(services.ProcurementInput.of(procurement), **given)
        return services.ProcurementInput(**(NEW_DEFAULTS | given))

    @extend_schema(request=ProcurementCreateSerializer, responses={201: ProcurementWorkspaceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(ProcurementCreateSerializer, request.data)
        if data.get("lead") is None:
            raise exceptions.ValidationError({"lead": ["The lead body (an organisation id) is required."]})
        procurement = services.procurement_create(
            lead=data["lead"], given=self._details(data, None), sharing=_sharing(data), by=signed_in(request)
        )
        return self._show(procurement, status.HTTP_201_CREATED)

    @extend_schema(request=ProcurementWriteSerializer, responses=ProcurementWorkspaceSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        procurement = self.get_object()
        body = ProcurementWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.procurement_update(
            procurement=procurement, given=self._details(dict(body.validated_data), procurement), by=signed_in(request)
        )
        return self._show(procurement)

    @extend_schema(request=ProcurementSharingSerializer, responses=ProcurementWorkspaceSerializer)
    @action(detail=True, methods=["post"])
    def sharing(self, request: Request, pk: str | None = None) -> Response:
        """Set the total and the cost sharing rule (fixed once a participant has committed)."""
        procurement = self.get_object()
        data = _valid(ProcurementSharingSerializer, request.data)
        services.cost_sharing_save(procurement=procurement, sharing=_sharing(data), by=signed_in(request))
        return self._show(procurement)

    @extend_schema(request=ProcurementMoveSerializer, responses=ProcurementWorkspaceSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """One stage on, or cancelled before the award; a skip or a step back is refused naming the next stages."""
        procurement = self.get_object()
        data = _valid(ProcurementMoveSerializer, request.data)
        award = None
        if data["to_stage"] == Stage.AWARDED and "contract_amount_yen" in data and "contract_on" in data:
            award = services.Award(
                awarded_to=data["awarded_to"],
                awarded_partner=data.get("awarded_partner"),
                contract_amount_yen=data["contract_amount_yen"],
                contract_on=data["contract_on"],
            )
        services.procurement_move(
            procurement=procurement, to_stage=data["to_stage"], by=signed_in(request), note=data["note"], award=award
        )
        return self._show(procurement)

    @extend_schema(request=ProcurementSeatSerializer, responses=ProcurementParticipantSerializer)
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str | None = None) -> Response:
        """Join (or restate expected usage, staff and constraints) for one of your municipalities."""
        procurement = self.get_object()
        data = _valid(ProcurementSeatSerializer, request.data)
        given = services.SeatInput(**{k: data[k] for k in ("expected_volume", "staff", "constraints")})
        seat = services.participant_join(
            procurement=procurement, organization=data["municipality"], given=given, by=signed_in(request)
        )
        return Response(ProcurementParticipantSerializer(seat).data)

    @extend_schema(request=ProcurementBodySerializer, responses=ProcurementParticipantSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        procurement = self.get_object()
        data = _valid(ProcurementBodySerializer, request.data)
        seat = services.participant_withdraw(
            procurement=procurement, organization=data["municipality"], by=signed_in(request)
        )
        return Response(ProcurementParticipantSerializer(seat).data)

    @extend_schema(request=ProcurementCommitSerializer, responses=ProcurementParticipantSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Commit (the municipality's administrators) in the commitments stage, before its deadline."""
        procurement = self.get_object()
        data = _valid(ProcurementCommitSerializer, request.data)
        given = services.CommitmentInput(**{name: data[name] for name in services.CommitmentInput.__dataclass_fields__})
        seat = services.participant_commit(
            procurement=procurement, organization=data["municipality"], given=given, by=signed_in(request)
        )
        return Response(ProcurementParticipantSerializer(seat).data)


class ParticipantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Participants with their commitments and shares; none for partners."""

    serializer_class = ProcurementParticipantSerializer
    filterset_fields = ("procurement", "status")

    def get_queryset(self) -> QuerySet[Participant]:
        return selectors.participant_list(user=self.request.user)


class SpecificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceCreateMixin):
    """Versions of the specification drafts (the lead adds them); none for partners."""

    serializer_class = ProcurementSpecificationSerializer
    filterset_fields = ("procurement",)

    @property
    def query_refusals(self) -> bool:
        """A diff refuses a version that is not another of the same procurement: the schema lists its 400."""
        return self.action == "diff"

    def get_queryset(self) -> QuerySet[SpecificationVersion]:
        return selectors.specification_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> SpecificationVersion:
        return services.specification_add(
            procurement=data["procurement"], text=data["text"], note=data.get("note", ""), by=signed_in(self.request)
        )

    @extend_schema(
        parameters=[OpenApiParameter("against", int, description="The version number to compare with.")],
        responses=ProcurementDiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str | None = None) -> Response:
        """A unified diff from another version of the same procurement to this one."""
        version = self.get_object()
        against = request.query_params.get("against", "")
        old = (
            selectors.specification_for(user=request.user, procurement=version.procurement, number=int(against))
            if against.isascii() and against.isdigit() and len(against) < 6
            else None
        )
        if old is None:
            raise exceptions.ValidationError({"against": ["The number of another version of this specification."]})
        diff = selectors.specification_diff(old, version)
        return Response(
            {
                "old": old.number,
                "new": version.number,
                "changed": diff.changed,
                "unified": [line for _kind, line in diff.unified],
            }
        )


class QuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceCreateMixin):
    """The public Q&A: ask while the RFI or tender is open; the lead answers."""

    serializer_class = ProcurementQuestionSerializer
    filterset_fields = ("procurement",)

    def get_queryset(self) -> QuerySet[ProcurementQuestion]:
        return selectors.question_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> ProcurementQuestion:
        return services.question_ask(
            procurement=data["procurement"], question=data["question"], by=signed_in(self.request)
        )

    @extend_schema(request=ProcurementAnswerSerializer, responses=ProcurementQuestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        question = self.get_object()
        data = _valid(ProcurementAnswerSerializer, request.data)
        question = services.question_answer(question=question, answer=data["answer"], by=signed_in(request))
        return Response(self.get_serializer(question).data)


def register(router: DefaultRouter) -> None:
    """Add this area's viewsets to the community API router."""
    router.register("procurements", ProcurementViewSet, basename="community-procurement")
    router.register("procurement-participants", ParticipantViewSet, basename="community-procurement-participant")
    router.register("procurement-specifications", SpecificationViewSet, basename="community-procurement-specification")
    router.register("procurement-questions", QuestionViewSet, basename="community-procurement-question")
