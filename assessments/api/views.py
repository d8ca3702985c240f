"""Assessments API: assessments and answers, KPIs and measurements, roadmaps, initiatives, milestones.

The same services and permissions as the pages. Optimistic concurrency: an assessment carries its
version (a stale write gets 409 with the answers that moved); every other object answers GET with an
ETag and takes changes only with a matching If-Match (412 when it moved, 428 when it is missing).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dx_platform.core.api import ETagMixin, PreconditionRequired
from dx_platform.core.auth import signed_in
from dx_platform.organizations.models import Municipality

from .. import selectors, services
from ..models import Assessment, Initiative, Kpi, Milestone, Roadmap
from .serializers import (
    AnswerSerializer,
    AnswersWriteSerializer,
    AssessmentSerializer,
    AssessmentStartSerializer,
    InitiativeSerializer,
    KpiSerializer,
    MeasurementSerializer,
    MilestoneSerializer,
    MunicipalityBodySerializer,
    ReviewSerializer,
    RoadmapSerializer,
    SubmitSerializer,
)


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The request's body as the serializer reads it: anything else (a list, a wrong type) is a 400."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _municipality(request: Request, code: Any) -> Municipality:
    municipality = selectors.readable_municipality(user=request.user, code=str(code))
    if municipality is None:
        raise exceptions.ValidationError({"municipality": ["Unknown municipality, or not one whose data you may see."]})
    return municipality


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Self-assessments you may read; start one with POST {municipality, fiscal_year}."""

    serializer_class = AssessmentSerializer
    filterset_fields = ("fiscal_year", "status")

    def get_queryset(self) -> QuerySet[Assessment]:
        return selectors.assessment_list_with_answers(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self.get_object()
        response = Response(self.get_serializer(assessment).data)
        response["ETag"] = f'"v{assessment.version}"'
        return response

    @extend_schema(request=AssessmentStartSerializer, responses={201: AssessmentSerializer})
    def create(self, request: Request) -> Response:
        body = _body(AssessmentStartSerializer, request)
        municipality = _municipality(request, body["municipality"])
        assessment = services.assessment_start(
            municipality=municipality, fiscal_year=body["fiscal_year"], by=signed_in(request)
        )
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AnswersWriteSerializer,
        responses={
            200: AssessmentSerializer,
            409: OpenApiResponse(
                description="Someone saved the assessment after your version: `changed` lists their answers."
            ),
            428: OpenApiResponse(description='Neither a version in the body nor If-Match "v<version>".'),
        },
    )
    @action(detail=True, methods=["post"])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Change answers; the version (in the body, or If-Match "v3") must be the current one."""
        assessment = self.get_object()
        body = AnswersWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = body.validated_data.get("version")
        if version is None:
            match = request.headers.get("If-Match", "").strip('"')
            if not (match.startswith("v") and match[1:].isdigit()):
                raise PreconditionRequired()
            version = int(match[1:])
        current = selectors.answers_by_code(assessment=assessment)
        unknown = sorted(set(body.validated_data["answers"]) - set(current))
        if unknown:
            raise exceptions.ValidationError({"answers": [f"Unknown items: {', '.join(unknown)}"]})
        given = {
            current[code].indicator_id: services.AnswerInput(
                value=change.get("value", current[code].value),
                status=change.get("status", current[code].status),
                note=change.get("note", current[code].note),
                link=change.get("link", current[code].link),
                confirm_prefill=change.get("confirm_prefill", False),
            )
            for code, change in body.validated_data["answers"].items()
        }
        try:
            assessment = services.assessment_save(
                assessment=assessment, answers=given, version=version, by=signed_in(request)
            )
        except services.StaleAssessment as exc:
            return Response(
                {
                    "detail": "Someone saved this assessment after your version.",
                    "changed": AnswerSerializer(exc.changed, many=True).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self.retrieve(request, pk=pk)

    @extend_schema(request=SubmitSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        body = _body(SubmitSerializer, request)
        services.assessment_submit(assessment=assessment, by=signed_in(request), accept_missing=body["accept_missing"])
        return self.retrieve(request, pk=pk)

    @extend_schema(request=ReviewSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        body = _body(ReviewSerializer, request)
        services.assessment_review(
            assessment=assessment, by=signed_in(request), confirm=body["decision"] == "confirm", comment=body["comment"]
        )
        return self.retrieve(request, pk=pk)


class KpiViewSet(ETagMixin, viewsets.ModelViewSet):
    serializer_class = KpiSerializer
    http_method_names = ("get", "post", "put", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Kpi]:
        return selectors.readable_kpis(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kpi = self.get_object()
        return self.with_etag(Response(self.get_serializer(kpi).data), kpi)

    def _save(
        self, validated: dict[str, Any], municipality: Municipality, kpi: Kpi | None, version: int | None = None
    ) -> Kpi:
        # What a partial update leaves out stays as it is on the KPI (model values, not their JSON text);
        # what a new KPI leaves out (the interval, say) takes the model's default.
        base = kpi or Kpi(municipality=municipality)
        current = {f.name: getattr(base, f.name) for f in fields(services.KpiInput)}
        data = {**current, **validated}
        given = services.KpiInput(
            **{f.name: data.get(f.name) for f in fields(services.KpiInput)} | {"area": data.get("area") or ""}
        )
        return services.kpi_save(
            municipality=municipality, given=given, by=signed_in(self.request), kpi=kpi, version=version
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        municipality = _municipality(request, _body(MunicipalityBodySerializer, request)["municipality"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kpi = self._save(serializer.validated_data, municipality, None)
        return self.with_etag(Response(self.get_serializer(kpi).data, status=status.HTTP_201_CREATED), kpi)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kpi = self.get_object()
        version = self.check_if_match(kpi)
        serializer = self.get_serializer(kpi, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        kpi = self._save(serializer.validated_data, kpi.municipality, kpi, version)
        return self.with_etag(Response(self.get_serializer(kpi).data), kpi)

    @extend_schema(request=MeasurementSerializer, responses=MeasurementSerializer)
    @action(detail=True, methods=["post"])
    def measurements(self, request: Request, pk: str | None = None) -> Response:
        kpi = self.get_object()
        body = MeasurementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        measurement = services.measurement_add(
            kpi=kpi,
            measured_on=body.validated_data["measured_on"],
            value=body.validated_data["value"],
            note=body.validated_data.get("note", ""),
            by=signed_in(request),
        )
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)


class RoadmapViewSet(ETagMixin, viewsets.ModelViewSet):
    serializer_class = RoadmapSerializer
    http_method_names = ("get", "post", "put", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Roadmap]:
        return selectors.readable_roadmaps(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        roadmap = self.get_object()
        return self.with_etag(Response(self.get_serializer(roadmap).data), roadmap)

    def _save(
        self, data: dict[str, Any], municipality: Municipality, roadmap: Roadmap | None, version: int | None = None
    ) -> Roadmap:
        given = services.RoadmapInput(
            title=data["title"],
            vision=data.get("vision", ""),
            period_start=data["period_start"],
            period_end=data["period_end"],
            adopted_on=data.get("adopted_on"),
        )
        return services.roadmap_save(
            municipality=municipality,
            given=given,
            by=signed_in(self.request),
            roadmap=roadmap,
            template=data.get("template", ""),
            version=version,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        municipality = _municipality(request, _body(MunicipalityBodySerializer, request)["municipality"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        roadmap = self._save(serializer.validated_data, municipality, None)
        return self.with_etag(Response(self.get_serializer(roadmap).data, status=status.HTTP_201_CREATED), roadmap)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        roadmap = self.get_object()
        version = self.check_if_match(roadmap)
        serializer = self.get_serializer(roadmap, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        current = {f: getattr(roadmap, f) for f in ("title", "vision", "period_start", "period_end", "adopted_on")}
        data = {**current, **serializer.validated_data, "template": ""}
        roadmap = self._save(data, roadmap.municipality, roadmap, version)
        return self.with_etag(Response(self.get_serializer(roadmap).data), roadmap)


class InitiativeViewSet(ETagMixin, viewsets.ModelViewSet):
    serializer_class = InitiativeSerializer
    http_method_names = ("get", "post", "put", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Initiative]:
        return selectors.readable_initiatives(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        initiative = self.get_object()
        return self.with_etag(Response(self.get_serializer(initiative).data), initiative)

    def _save(
        self, data: dict[str, Any], roadmap: Roadmap, initiative: Initiative | None, version: int | None = None
    ) -> Initiative:
        given = services.InitiativeInput(
            title=data["title"],
            area=data.get("area", ""),
            indicators=list(data.get("indicators", [])),
            owner=data.get("owner"),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            status=data.get("status", Initiative.Status.PLANNED),
        )
        return services.initiative_save(
            roadmap=roadmap, given=given, by=signed_in(self.request), initiative=initiative, version=version
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        roadmap = serializer.validated_data["roadmap"]
        initiative = self._save(serializer.validated_data, roadmap, None)
        return self.with_etag(
            Response(self.get_serializer(initiative).data, status=status.HTTP_201_CREATED), initiative
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        initiative = self.get_object()
        version = self.check_if_match(initiative)
        serializer = self.get_serializer(initiative, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        current = selectors.initiative_values(initiative=initiative)
        initiative = self._save({**current, **serializer.validated_data}, initiative.roadmap, initiative, version)
        return self.with_etag(Response(self.get_serializer(initiative).data), initiative)


class MilestoneViewSet(ETagMixin, viewsets.ModelViewSet):
    serializer_class = MilestoneSerializer
    http_method_names = ("get", "post", "put", "patch", "head", "options")

    def get_queryset(self) -> QuerySet[Milestone]:
        return selectors.readable_milestones(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        return self.with_etag(Response(self.get_serializer(milestone).data), milestone)

    def _save(
        self, data: dict[str, Any], initiative: Initiative, milestone: Milestone | None, version: int | None = None
    ) -> Milestone:
        return services.milestone_save(
            initiative=initiative,
            title=data["title"],
            due_on=data["due_on"],
            done_on=data.get("done_on"),
            by=signed_in(self.request),
            milestone=milestone,
            version=version,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        initiative = serializer.validated_data["initiative"]
        milestone = self._save(serializer.validated_data, initiative, None)
        return self.with_etag(Response(self.get_serializer(milestone).data, status=status.HTTP_201_CREATED), milestone)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        milestone = self.get_object()
        version = self.check_if_match(milestone)
        serializer = self.get_serializer(milestone, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        current = {"title": milestone.title, "due_on": milestone.due_on, "done_on": milestone.done_on}
        milestone = self._save({**current, **serializer.validated_data}, milestone.initiative, milestone, version)
        return self.with_etag(Response(self.get_serializer(milestone).data), milestone)
