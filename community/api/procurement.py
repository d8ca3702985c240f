"""Community API: joint procurements, their participants, specification versions and public Q&A.

The same services and permissions as the pages. Partners get only the published parts of a
procurement (its RFI and tender texts once published) and no participants or specification drafts;
who asked a question is never shown. Refusals answer 400 with the reason, 403 or 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings

from benchmarks.models import Indicator
from dx_platform.organizations.models import Organization

from ..forms_procurement import MAX_STAFF, MAX_YEN
from ..models import Participant, Procurement, ProcurementQuestion, SpecificationVersion
from ..models.procurement import Stage
from ..selectors import procurement as selectors
from ..services import procurement as services


def _bad_request(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's refusal as a 400: per field as DRF names them, else as the detail."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"detail": exc.messages})
    errors = exc.message_dict
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return exceptions.ValidationError(errors)


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's ValidationError becomes a 400 with its reasons (PermissionDenied is DRF's 403 already)."""
    try:
        yield
    except DjangoValidationError as exc:
        raise _bad_request(exc) from None


def _schema(view: Any) -> bool:
    """True while drf-spectacular builds the schema: there is no user, so no database work."""
    return bool(getattr(view, "swagger_fake_view", False))


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


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


# --- serializers ---------------------------------------------------------------------------------


class ProcurementSerializer(serializers.ModelSerializer):
    """What everyone who may see the procurement reads; the RFI and tender texts once published."""

    lead = serializers.CharField(source="lead.name", read_only=True)
    rfi_text = serializers.SerializerMethodField()
    tender_text = serializers.SerializerMethodField()

    class Meta:
        model = Procurement
        fields = (
            "id",
            "title",
            "summary",
            "lead",
            "category",
            "area",
            "model",
            "stage",
            "rfi_text",
            "rfi_published_at",
            "tender_text",
            "tender_published_at",
        )

    def get_rfi_text(self, procurement: Procurement) -> str:
        return selectors.published_rfi(procurement)

    def get_tender_text(self, procurement: Procurement) -> str:
        return selectors.published_tender(procurement)


class ProcurementWorkspaceSerializer(ProcurementSerializer):
    """The whole procurement, for public-sector staff: drafts of the texts, the cost sharing, the award."""

    lead_id = serializers.IntegerField(read_only=True)
    indicators = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    next_stages = serializers.SerializerMethodField()

    class Meta(ProcurementSerializer.Meta):
        fields = (
            *ProcurementSerializer.Meta.fields,
            "lead_id",
            "indicators",
            "customisation_rules",
            "join_until",
            "commit_until",
            "total_cost_yen",
            "sharing_rule",
            "flat_weight",
            "population_weight",
            "usage_weight",
            "specification_shareable",
            "subsidy",
            "awarded_to",
            "awarded_partner",
            "contract_amount_yen",
            "contract_on",
            "next_stages",
            "created_at",
        )

    def get_rfi_text(self, procurement: Procurement) -> str:
        return procurement.rfi_text

    def get_tender_text(self, procurement: Procurement) -> str:
        return procurement.tender_text

    def get_next_stages(self, procurement: Procurement) -> list[str]:
        return [str(stage) for stage in services.next_stages(procurement.stage)]


@extend_schema_field(OpenApiTypes.STR)
class ProcurementItemField(serializers.SlugRelatedField):
    """A survey item by its code: one of the newest catalog's scored yes/no items, as on the page (a code
    alone names one item in every year's catalog)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.procurement_items()


class ProcurementWriteSerializer(serializers.Serializer):
    """The details; the lead (an organisation id) and the cost sharing only when opening one."""

    lead = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    category = serializers.ChoiceField(choices=Procurement._meta.get_field("category").choices)
    area = serializers.ChoiceField(
        choices=Procurement._meta.get_field("area").choices, required=False, allow_blank=True
    )
    indicators = ProcurementItemField(many=True, required=False)
    model = serializers.ChoiceField(choices=Procurement.Model.choices, required=False)
    customisation_rules = serializers.CharField(required=False, allow_blank=True)
    join_until = serializers.DateField()
    commit_until = serializers.DateField(required=False, allow_null=True)
    specification_shareable = serializers.BooleanField(required=False)
    subsidy = serializers.CharField(max_length=200, required=False, allow_blank=True)
    rfi_text = serializers.CharField(required=False, allow_blank=True)
    tender_text = serializers.CharField(required=False, allow_blank=True)


class ProcurementSharingSerializer(serializers.Serializer):
    total_cost_yen = serializers.IntegerField(min_value=0, max_value=MAX_YEN, allow_null=True, required=False)
    sharing_rule = serializers.ChoiceField(choices=Procurement.SharingRule.choices)
    flat_weight = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)
    population_weight = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)
    usage_weight = serializers.IntegerField(min_value=0, max_value=100, required=False, default=0)


class ProcurementCreateSerializer(ProcurementWriteSerializer, ProcurementSharingSerializer):
    pass


class ProcurementMoveSerializer(serializers.Serializer):
    to_stage = serializers.CharField(help_text="The next stage, or cancelled (before the award).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    awarded_to = serializers.CharField(max_length=200, required=False, default="")
    awarded_partner = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=Organization.Kind.PARTNER), required=False, allow_null=True
    )
    contract_amount_yen = serializers.IntegerField(min_value=0, max_value=MAX_YEN, required=False)
    contract_on = serializers.DateField(required=False)


class ProcurementBodySerializer(serializers.Serializer):
    municipality = serializers.CharField(help_text="The local government code of the participating municipality.")

    def validate_municipality(self, code: str) -> Organization:
        organization = Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY, municipality__code=code).first()
        if organization is None:
            raise serializers.ValidationError("Unknown municipality.")
        return organization


class ProcurementSeatSerializer(ProcurementBodySerializer):
    expected_volume = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)
    staff = serializers.IntegerField(min_value=0, max_value=MAX_STAFF, required=False, allow_null=True, default=None)
    constraints = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="For the one-SaaS model, the configuration note."
    )


@extend_schema_field({"type": "string", "description": "pending, approved or not_needed"})
class ApprovalField(serializers.ChoiceField):
    """One approval's state. Described rather than an enum in the schema: three fields share one choice
    set, which drf-spectacular would name three times (a warning the deploy checks refuse)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Participant.Approval.choices, **kwargs)


class ProcurementCommitSerializer(ProcurementBodySerializer):
    department_approval = ApprovalField()
    mayor_approval = ApprovalField()
    council_approval = ApprovalField()
    budget = serializers.ChoiceField(choices=Participant.Budget.choices)
    budget_fiscal_year = serializers.IntegerField()


class ProcurementParticipantSerializer(serializers.ModelSerializer):
    body = serializers.CharField(source="organization.name", read_only=True)
    department_approval = ApprovalField(read_only=True)
    mayor_approval = ApprovalField(read_only=True)
    council_approval = ApprovalField(read_only=True)
    municipality = serializers.CharField(source="organization.municipality.code", read_only=True)
    share_yen = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = (
            "id",
            "procurement",
            "body",
            "municipality",
            "status",
            "population",
            "staff",
            "expected_volume",
            "constraints",
            "department_approval",
            "mayor_approval",
            "council_approval",
            "budget",
            "budget_fiscal_year",
            "share_yen",
            "joined_at",
            "committed_at",
            "withdrawn_at",
        )

    def get_share_yen(self, participant: Participant) -> int | None:
        # One computation per procurement for a whole page of participants.
        cache = self.context.setdefault("shares", {})
        if participant.procurement_id not in cache:
            cache[participant.procurement_id] = selectors.cost_shares(procurement=participant.procurement).yen
        return cache[participant.procurement_id].get(participant.pk)


class OfVisibleProcurement(serializers.ModelSerializer):
    """A `procurement` field that takes only the procurements the requesting user may see."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request, view = self.context.get("request"), self.context.get("view")
        field = fields["procurement"]
        assert isinstance(field, serializers.PrimaryKeyRelatedField)  # noqa: S101  # the ModelSerializer's own
        field.queryset = (
            Procurement.objects.none()
            if request is None or _schema(view)
            else selectors.procurement_list(user=request.user)
        )
        return fields


class ProcurementSpecificationSerializer(OfVisibleProcurement):
    class Meta:
        model = SpecificationVersion
        fields = ("id", "procurement", "number", "text", "note", "created_at")
        read_only_fields = ("number", "created_at")


class ProcurementDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unified = serializers.ListField(child=serializers.CharField())


class ProcurementQuestionSerializer(OfVisibleProcurement):
    """No asker: the Q&A is public, and nobody sees which company asked."""

    class Meta:
        model = ProcurementQuestion
        fields = ("id", "procurement", "stage", "question", "answer", "answered_at", "created_at")
        read_only_fields = ("stage", "answer", "answered_at", "created_at")


class ProcurementAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000)


# --- viewsets ------------------------------------------------------------------------------------


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
        if _schema(self):
            return Procurement.objects.none()
        return selectors.procurement_list(user=self.request.user).prefetch_related("indicators")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if _schema(self) or selectors.sees_workspace(self.request.user):
            return ProcurementWorkspaceSerializer
        return ProcurementSerializer

    def _show(self, procurement: Procurement, code: int = status.HTTP_200_OK) -> Response:
        procurement = self.get_queryset().get(pk=procurement.pk)
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
        sharing = selectors.Sharing(
            **{name: data.get(name) for name in ("total_cost_yen", "sharing_rule")},
            **{name: data[name] for name in ("flat_weight", "population_weight", "usage_weight")},
        )
        with _refusals():
            procurement = services.procurement_create(
                lead=data["lead"], given=self._details(data, None), sharing=sharing, by=request.user
            )
        return self._show(procurement, status.HTTP_201_CREATED)

    @extend_schema(request=ProcurementWriteSerializer, responses=ProcurementWorkspaceSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        procurement = self.get_object()
        body = ProcurementWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with _refusals():
            services.procurement_update(
                procurement=procurement, given=self._details(dict(body.validated_data), procurement), by=request.user
            )
        return self._show(procurement)

    @extend_schema(request=ProcurementSharingSerializer, responses=ProcurementWorkspaceSerializer)
    @action(detail=True, methods=["post"])
    def sharing(self, request: Request, pk: str | None = None) -> Response:
        """Set the total and the cost sharing rule (fixed once a participant has committed)."""
        procurement = self.get_object()
        data = _valid(ProcurementSharingSerializer, request.data)
        with _refusals():
            services.cost_sharing_save(
                procurement=procurement,
                sharing=selectors.Sharing(
                    total_cost_yen=data.get("total_cost_yen"),
                    **{k: data[k] for k in ("sharing_rule", "flat_weight", "population_weight", "usage_weight")},
                ),
                by=request.user,
            )
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
        with _refusals():
            services.procurement_move(
                procurement=procurement, to_stage=data["to_stage"], by=request.user, note=data["note"], award=award
            )
        return self._show(procurement)

    @extend_schema(request=ProcurementSeatSerializer, responses=ProcurementParticipantSerializer)
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str | None = None) -> Response:
        """Join (or restate expected usage, staff and constraints) for one of your municipalities."""
        procurement = self.get_object()
        data = _valid(ProcurementSeatSerializer, request.data)
        given = services.SeatInput(**{k: data[k] for k in ("expected_volume", "staff", "constraints")})
        with _refusals():
            seat = services.participant_join(
                procurement=procurement, organization=data["municipality"], given=given, by=request.user
            )
        return Response(ProcurementParticipantSerializer(seat).data)

    @extend_schema(request=ProcurementBodySerializer, responses=ProcurementParticipantSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        procurement = self.get_object()
        data = _valid(ProcurementBodySerializer, request.data)
        with _refusals():
            seat = services.participant_withdraw(
                procurement=procurement, organization=data["municipality"], by=request.user
            )
        return Response(ProcurementParticipantSerializer(seat).data)

    @extend_schema(request=ProcurementCommitSerializer, responses=ProcurementParticipantSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Commit (the municipality's administrators) in the commitments stage, before its deadline."""
        procurement = self.get_object()
        data = _valid(ProcurementCommitSerializer, request.data)
        given = services.CommitmentInput(**{name: data[name] for name in services.CommitmentInput.__dataclass_fields__})
        with _refusals():
            seat = services.participant_commit(
                procurement=procurement, organization=data["municipality"], given=given, by=request.user
            )
        return Response(ProcurementParticipantSerializer(seat).data)


class ParticipantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Participants with their commitments and shares; none for partners."""

    serializer_class = ProcurementParticipantSerializer
    filterset_fields = ("procurement", "status")

    def get_queryset(self) -> QuerySet[Participant]:
        if _schema(self):
            return Participant.objects.none()
        return selectors.participant_list(user=self.request.user).select_related("procurement")


class SpecificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Versions of the specification drafts (the lead adds them); none for partners."""

    serializer_class = ProcurementSpecificationSerializer
    filterset_fields = ("procurement",)

    def get_queryset(self) -> QuerySet[SpecificationVersion]:
        if _schema(self):
            return SpecificationVersion.objects.none()
        return selectors.specification_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _refusals():
            version = services.specification_add(
                procurement=body.validated_data["procurement"],
                text=body.validated_data["text"],
                note=body.validated_data.get("note", ""),
                by=request.user,
            )
        return Response(self.get_serializer(version).data, status=status.HTTP_201_CREATED)

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
            self.get_queryset().filter(procurement=version.procurement, number=int(against)).first()
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


class QuestionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The public Q&A: ask while the RFI or tender is open; the lead answers."""

    serializer_class = ProcurementQuestionSerializer
    filterset_fields = ("procurement",)

    def get_queryset(self) -> QuerySet[ProcurementQuestion]:
        if _schema(self):
            return ProcurementQuestion.objects.none()
        return selectors.question_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        with _refusals():
            asked = services.question_ask(
                procurement=body.validated_data["procurement"],
                question=body.validated_data["question"],
                by=request.user,
            )
        return Response(self.get_serializer(asked).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProcurementAnswerSerializer, responses=ProcurementQuestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        question = self.get_object()
        data = _valid(ProcurementAnswerSerializer, request.data)
        with _refusals():
            question = services.question_answer(question=question, answer=data["answer"], by=request.user)
        return Response(self.get_serializer(question).data)


def register(router: DefaultRouter) -> None:
    """Add this area's viewsets to the community API router."""
    router.register("procurements", ProcurementViewSet, basename="community-procurement")
    router.register("procurement-participants", ParticipantViewSet, basename="community-procurement-participant")
    router.register("procurement-specifications", SpecificationViewSet, basename="community-procurement-specification")
    router.register("procurement-questions", QuestionViewSet, basename="community-procurement-question")
