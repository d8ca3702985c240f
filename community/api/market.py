"""Community API: needs, solutions, proposals and reference municipalities.

The same services and permissions as the pages: what the user may not read is a 404, what they may
not do a 403, bad input a 400 with the reason. The serializers are in serializers/market.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from dx_platform.core.api import ServiceCreateMixin, named
from dx_platform.core.auth import signed_in
from dx_platform.organizations.models import Organization

from ..forms.market import NeedFilterForm, SolutionFilterForm
from ..models import Need, Proposal, Solution, SolutionReference
from ..selectors import market as selectors
from ..services import market as services
from .serializers.market import NeedSerializer, ProposalSerializer, ReferenceSerializer, SolutionSerializer, decision


def _decision(request: Request, choices: tuple[str, str]) -> bool:
    """True for the first choice, False for the second; anything else, a body that is no JSON object too, is a 400."""
    given = request.data.get("decision") if isinstance(request.data, Mapping) else None
    if given not in choices:
        raise exceptions.ValidationError({"decision": [f"{choices[0]} or {choices[1]}"]})
    return given == choices[0]


class _Writable(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Create and change (PATCH) through a service that takes an input dataclass."""

    http_method_names = ("get", "post", "patch", "head", "options")
    input_class: Any

    def write(self, *, organization: Organization, given: Any, instance: Any = None) -> Any:
        raise NotImplementedError

    def _given(self, data: dict[str, Any], instance: Any = None) -> Any:
        """The service's input: what was sent, over the object's current values when changing one."""
        sent = {f.name: data[f.name] for f in fields(self.input_class) if f.name in data}
        return replace(self.input_class.of(instance), **sent) if instance is not None else self.input_class(**sent)

    def _answer(self, instance: Any, code: int) -> Response:
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=instance.pk)).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = self.write(organization=body.validated_data["organization"], given=self._given(body.validated_data))
        return self._answer(saved, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        body = self.get_serializer(instance, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {k: v for k, v in body.validated_data.items() if k != "organization"}
        saved = self.write(organization=instance.organization, given=self._given(changes, instance), instance=instance)
        return self._answer(saved, status.HTTP_200_OK)


class NeedViewSet(_Writable):
    """Needs of municipalities and prefectures (everyone signed in reads them); filters: category, area, status."""

    serializer_class = NeedSerializer
    input_class = services.NeedInput

    def get_queryset(self) -> QuerySet[Need]:
        form = NeedFilterForm(self.request.query_params)
        filters = form.filters() if form.is_valid() else None
        return selectors.need_list(user=self.request.user, filters=filters, with_indicators=True)

    def write(self, *, organization: Organization, given: Any, instance: Any = None) -> Need:
        return services.need_save(organization=organization, given=given, by=signed_in(self.request), need=instance)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        need = services.need_close(need=self.get_object(), by=signed_in(request))
        return Response(self.get_serializer(need).data)


class SolutionViewSet(_Writable):
    """GovTech solutions: published ones, and your own drafts; filters: category, deployment and
    qualifications (repeated: ?qualifications=ismap&qualifications=lgwan_asp)."""

    serializer_class = SolutionSerializer
    input_class = services.SolutionInput

    def get_queryset(self) -> QuerySet[Solution]:
        form = SolutionFilterForm(self.request.query_params)
        filters = form.filters() if form.is_valid() else None
        return selectors.solution_list(user=self.request.user, filters=filters, with_indicators=True)

    def write(self, *, organization: Organization, given: Any, instance: Any = None) -> Solution:
        return services.solution_save(
            organization=organization, given=given, by=signed_in(self.request), solution=instance
        )


class ProposalViewSet(ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    """Proposals you may read: your partner's own, and those answering your body's needs; ?need= to filter."""

    serializer_class = ProposalSerializer
    filterset_fields = ("need", "status")

    def get_queryset(self) -> QuerySet[Proposal]:
        return selectors.proposal_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> Proposal:
        user = signed_in(self.request)
        need = named(selectors.need_for(user=user, pk=data["need"].pk), "need")
        solution = data.get("solution")
        if solution is not None:
            solution = named(selectors.solution_for(user=user, pk=solution.pk), "solution")
        given = services.ProposalInput(
            summary=data["summary"], price_note=data.get("price_note", ""), solution=solution
        )
        return services.proposal_submit(need=need, organization=data["organization"], given=given, by=user)

    @extend_schema(request=None, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        proposal = services.proposal_withdraw(proposal=self.get_object(), by=signed_in(request))
        return Response(self.get_serializer(proposal).data)

    @extend_schema(request=decision(("shortlist", "decline")), responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        proposal = self.get_object()
        shortlist = _decision(request, ("shortlist", "decline"))
        proposal = services.proposal_decide(proposal=proposal, shortlist=shortlist, by=signed_in(request))
        return Response(self.get_serializer(proposal).data)


class ReferenceViewSet(ServiceCreateMixin, viewsets.ReadOnlyModelViewSet):
    """Reference municipalities: confirmed ones of published solutions; your partner's own and those naming
    your municipality whatever their status. Only the named municipality decides."""

    serializer_class = ReferenceSerializer
    filterset_fields = ("solution", "status")

    def get_queryset(self) -> QuerySet[SolutionReference]:
        return selectors.reference_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> SolutionReference:
        user = signed_in(self.request)
        solution = named(selectors.solution_for(user=user, pk=data["solution"].pk), "solution")
        return services.reference_request(solution=solution, organization=data["organization"], by=user)

    @extend_schema(request=decision(("confirm", "decline")), responses=ReferenceSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        reference = self.get_object()
        confirm = _decision(request, ("confirm", "decline"))
        reference = services.reference_decide(reference=reference, confirm=confirm, by=signed_in(request))
        return Response(self.get_serializer(reference).data)


def register(router: DefaultRouter) -> None:
    """Add this area's viewsets to the community API router."""
    router.register("needs", NeedViewSet, basename="community-need")
    router.register("solutions", SolutionViewSet, basename="community-solution")
    router.register("proposals", ProposalViewSet, basename="community-proposal")
    router.register("references", ReferenceViewSet, basename="community-reference")
