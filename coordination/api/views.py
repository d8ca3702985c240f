"""Coordination API: a prefecture's dashboard, specialist pool, shared goals and council reports; support
cases with their activities and days.

The same selectors, services and permissions as the pages: what one may not see is 404, an action one may
not take 403, bad input 400 with the reasons by field. A support case and a goal answer GET with an ETag;
changing them (assign, close; PUT/PATCH a goal) needs a matching If-Match (412 when it moved, 428 when it
is missing). Adding to a case (an activity, days) needs none: it overwrites nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.selectors import survey_window
from assessments.services import survey_window_set
from dx_platform.core.api import ETagMixin, etag_of, named
from dx_platform.core.auth import signed_in
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Prefecture

from .. import selectors, services
from ..models import CouncilReport, SharedGoal, SupportCase
from .serializers import (
    ActivitySerializer,
    AssignSerializer,
    CloseSerializer,
    CouncilReportSerializer,
    DashboardQuerySerializer,
    DashboardSerializer,
    DaysSerializer,
    DispatchSerializer,
    FiscalYearQuerySerializer,
    GoalBoardSerializer,
    GoalDateReadSerializer,
    GoalDateSerializer,
    GoalSerializer,
    GoalWriteSerializer,
    PoolSerializer,
    ReminderRequestSerializer,
    ReminderSerializer,
    SupportCaseDetailSerializer,
    SupportCaseRaiseSerializer,
    SupportCaseSerializer,
    SurveyWindowSerializer,
)

# The newest reports a prefecture's list gives, as on its page.
LISTED = 20


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """`data` as the serializer reads it: anything else is a 400."""
    body = serializer_class(data=data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _coordinated(request: Request, pref_code: str) -> Prefecture:
    prefecture = selectors.coordinated_prefecture(user=request.user, pref_code=pref_code)
    if prefecture is None:
        raise Http404(_("Only the prefecture's coordinators open its workspace."))
    return prefecture


def _boarding(body: dict[str, Any]) -> dict[str, Any]:
    """A goal's body with the municipalities it names by code, each known (else a 400)."""
    if "municipalities" not in body:
        return body
    codes = list(dict.fromkeys(body["municipalities"]))
    found = selectors.municipalities_by_code(codes=codes)
    if unknown := sorted(set(codes) - {m.code for m in found}):
        raise exceptions.ValidationError({"municipalities": [f"Unknown municipalities: {', '.join(unknown)}."]})
    return {**body, "municipalities": found}


def _goal_board(goals: list[SharedGoal], request: Request) -> dict[str, Any]:
    """The serializer context of goals with their boards."""
    progress = {goal.pk: line for goal, line in selectors.goals_progress(goals=goals)}
    return {"progress": progress, "request": request}


def _goal_response(goal: SharedGoal, request: Request, code: int = status.HTTP_200_OK) -> Response:
    response = Response(GoalBoardSerializer(goal, context=_goal_board([goal], request)).data, status=code)
    response["ETag"] = etag_of(GoalSerializer(goal).data)
    return response


class PrefectureViewSet(viewsets.GenericViewSet):
    """A prefecture's workspace, by its code: its coordinators (and platform staff) read the dashboard, the
    specialist pool and the council reports; its municipalities' members also read the shared goals."""

    lookup_field = "pref_code"
    lookup_value_regex = r"[0-9]{2}"
    pagination_class = None  # goals and reports are a prefecture's few

    def get_queryset(self) -> QuerySet[Prefecture]:
        return selectors.coordinated_prefecture_list(user=self.request.user)

    @property
    def query_refusals(self) -> bool:
        return self.action == "dashboard"  # its filters may be refused

    @extend_schema(parameters=[DashboardQuerySerializer], responses=DashboardSerializer)
    @action(detail=True, methods=["get"])
    def dashboard(self, request: Request, pref_code: str) -> Response:
        """Every municipality with its scores, assessment, KPI and roadmap health and open support cases, and
        the needs-attention list, as the dashboard page computes them."""
        prefecture = _coordinated(request, pref_code)
        query = _valid(DashboardQuerySerializer, request.query_params)
        board = selectors.prefecture_dashboard(
            user=request.user,
            prefecture=prefecture,
            towns_only=query["towns"],
            size_class=query["size_class"],
            area=query["area"],
        )
        return Response(DashboardSerializer(board).data)

    @extend_schema(responses=PoolSerializer)
    @action(detail=True, methods=["get"])
    def specialists(self, request: Request, pref_code: str) -> Response:
        """The specialist pool, each with the days dispatched in each of the last six months, and the days
        per municipality over those months."""
        prefecture = _coordinated(request, pref_code)
        load = selectors.pool_load(user=request.user, prefecture=prefecture)
        pool = {
            "months": load.months,
            "specialists": selectors.specialist_list(user=request.user, prefecture=prefecture),
            "by_municipality": [{"name": name, "days": days} for name, days in load.by_municipality],
        }
        context = {"months": load.months, "load": {specialist.pk: days for specialist, days in load.rows}}
        return Response(PoolSerializer(pool, context=context).data)

    @extend_schema(methods=["GET"], request=None, responses=GoalBoardSerializer(many=True))
    @extend_schema(methods=["POST"], request=GoalWriteSerializer, responses={201: GoalBoardSerializer})
    @action(detail=True, methods=["get", "post"])
    def goals(self, request: Request, pref_code: str) -> Response:
        """The shared goals with their progress boards; the coordinators set a new one (POST)."""
        prefecture = selectors.shared_goals_prefecture(user=request.user, pref_code=pref_code)
        if prefecture is None:
            raise Http404(_("Only the prefecture's coordinators and municipalities see its shared goals."))
        if request.method == "POST":
            if not permissions.can_coordinate(request.user, prefecture.pk):
                raise PermissionDenied(_("Only the prefecture's coordinators set shared goals."))
            body = _boarding(_valid(GoalWriteSerializer, request.data))
            given = services.GoalInput(
                title=body["title"],
                description=body.get("description", ""),
                indicators=list(body["indicators"]),
                target_date=body["target_date"],
                municipalities=body.get("municipalities"),
            )
            goal = services.shared_goal_save(prefecture=prefecture, given=given, by=signed_in(request))
            return _goal_response(goal, request, status.HTTP_201_CREATED)
        goals = list(selectors.shared_goal_list(user=request.user, prefecture=prefecture))
        return Response(GoalBoardSerializer(goals, many=True, context=_goal_board(goals, request)).data)

    @extend_schema(methods=["GET"], request=None, responses=CouncilReportSerializer(many=True))
    @extend_schema(methods=["POST"], request=None, responses={201: CouncilReportSerializer})
    @action(detail=True, methods=["get", "post"])
    def reports(self, request: Request, pref_code: str) -> Response:
        """The newest council reports; POST asks for a new one (a worker makes it: follow its `status`)."""
        prefecture = _coordinated(request, pref_code)
        context = {"request": request}
        if request.method == "POST":
            report = services.council_report_request(prefecture=prefecture, by=signed_in(request))
            return Response(CouncilReportSerializer(report, context=context).data, status=status.HTTP_201_CREATED)
        listed = selectors.council_report_list(user=request.user, prefecture=prefecture)[:LISTED]
        return Response(CouncilReportSerializer(listed, many=True, context=context).data)

    @extend_schema(request=ReminderRequestSerializer, responses={201: ReminderSerializer})
    @action(detail=True, methods=["post"])
    def reminders(self, request: Request, pref_code: str) -> Response:
        """Remind one of the prefecture's municipalities to submit this fiscal year's self-assessment: its
        editors and administrators are told; at most once a week (else 400 saying from when)."""
        prefecture = _coordinated(request, pref_code)
        code = _valid(ReminderRequestSerializer, request.data)["municipality"]
        organization = selectors.municipality_organization(code=code)
        if organization is None or organization.municipality is None or organization.prefecture_id != prefecture.pk:
            raise exceptions.ValidationError({"municipality": [_("Not a municipality of this prefecture.")]})
        reminder = services.assessment_reminder_send(municipality=organization.municipality, by=signed_in(request))
        return Response(ReminderSerializer(reminder).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("fiscal_year", int, description="default: the current fiscal year")],
        responses=SurveyWindowSerializer,
    )
    @extend_schema(methods=["PUT"], request=SurveyWindowSerializer, responses=SurveyWindowSerializer)
    @action(detail=True, methods=["get", "put"], url_path="survey-window")
    def survey_window(self, request: Request, pref_code: str) -> Response:
        """When the municipalities answer a fiscal year's survey (404 until it is set); PUT sets it. After the
        deadline a missing self-assessment counts in the needs-attention priority."""
        prefecture = _coordinated(request, pref_code)
        if request.method == "PUT":
            body = _valid(SurveyWindowSerializer, request.data)
            window = survey_window_set(prefecture=prefecture, by=signed_in(request), **body)
            return Response(SurveyWindowSerializer(window).data)
        year = _valid(FiscalYearQuerySerializer, request.query_params).get("fiscal_year") or FiscalYear.current().year
        found = survey_window(prefecture_id=prefecture.pk, fiscal_year=year)
        if found is None:
            raise Http404(_("No survey window is set for that fiscal year."))
        return Response(SurveyWindowSerializer(found).data)


class CaseViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Support cases (伴走支援) you may see: the prefecture's coordinators see all of theirs, a municipality
    its own, a specialist those assigned to them. A municipality's editors and admins raise one (POST); the
    coordinators assign (triage) and close it and record days; they and the assigned specialist log visits."""

    filterset_fields = ("status", "urgency")
    lookup_value_regex = r"[0-9]+"
    precondition_actions = ("assign", "close")

    def get_queryset(self) -> QuerySet[SupportCase]:
        return selectors.support_case_list(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return SupportCaseSerializer if self.action == "list" else SupportCaseDetailSerializer

    def _read(self, case: SupportCase, code: int = status.HTTP_200_OK) -> Response:
        return self.with_etag(Response(self.get_serializer(case).data, status=code), case)

    def _case(self, request: Request, action: str) -> SupportCase:
        """The case (404 if unseen), if the user may take the action on it (else 403, as on the page)."""
        case = self.get_object()
        if not permissions.can_act_on_case(request.user, case, action):
            raise PermissionDenied(_("Only the prefecture's coordinators manage support cases."))
        return case

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._read(self.get_object())

    @extend_schema(request=SupportCaseRaiseSerializer, responses={201: SupportCaseDetailSerializer})
    def create(self, request: Request) -> Response:
        body = _valid(SupportCaseRaiseSerializer, request.data)
        organization = selectors.municipality_organization(code=body.pop("municipality"))
        municipality = named(organization.municipality if organization else None, "municipality")
        case = services.support_case_raise(
            municipality=municipality, given=services.SupportRequest(**body), by=signed_in(request)
        )
        return self._read(case, status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=SupportCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        """Triage: assign a specialist of the prefecture's pool (or clear it with null); a requested case is
        then triaged, and the municipality and the specialist told."""
        case = self._case(request, "assign")
        version = self.check_if_match(case)
        chosen = _valid(AssignSerializer, request.data)["specialist"]
        prefecture = case.municipality.prefecture
        specialist = None
        if chosen is not None:
            specialist = named(
                selectors.specialist_for(user=request.user, prefecture=prefecture, pk=chosen), "specialist"
            )
        services.support_case_assign(case=case, specialist=specialist, by=signed_in(request), version=version)
        return self._read(case)

    @extend_schema(request=ActivitySerializer, responses={201: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def activities(self, request: Request, pk: str) -> Response:
        """Log a visit, meeting or call (and the next action it agreed); the case is then in progress."""
        case = self._case(request, "activity")
        body = _valid(ActivitySerializer, request.data)
        given = services.ActivityInput(**({"notes": "", "next_action": "", "next_action_due": None} | body))
        activity = services.support_activity_log(case=case, given=given, by=signed_in(request))
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DaysSerializer, responses={201: DispatchSerializer})
    @action(detail=True, methods=["post"])
    def dispatches(self, request: Request, pk: str) -> Response:
        """Record days of the assigned specialist's work (refused beyond their monthly days)."""
        case = self._case(request, "dispatch")
        body = _valid(DaysSerializer, request.data)
        dispatch = services.dispatch_record(
            case=case, worked_on=body["worked_on"], days=body["days"], by=signed_in(request)
        )
        return Response(DispatchSerializer(dispatch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CloseSerializer, responses=SupportCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close the case with what came of it; the municipality is told."""
        case = self._case(request, "close")
        version = self.check_if_match(case)
        body = _valid(CloseSerializer, request.data)
        services.support_case_close(case=case, outcome=body["outcome"], by=signed_in(request), version=version)
        return self._read(case)


class GoalViewSet(ETagMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin):
    """One shared goal (共同目標) with its progress board: the prefecture's coordinators and its
    municipalities' members read it; the coordinators change it; a municipality sets its own date."""

    serializer_class = GoalSerializer  # what the ETag is of: the goal, not the board that moves with answers
    lookup_value_regex = r"[0-9]+"
    http_method_names = ("get", "put", "patch", "post", "head", "options")

    def get_object(self) -> SharedGoal:
        goal = selectors.shared_goal_for(user=self.request.user, pk=int(self.kwargs["pk"]))
        if goal is None:
            raise Http404
        return goal

    @extend_schema(responses=GoalBoardSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _goal_response(self.get_object(), request)

    @extend_schema(request=GoalWriteSerializer, responses=GoalBoardSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        version = self.check_if_match(goal)
        body = GoalWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        body.is_valid(raise_exception=True)
        given = services.GoalInput(**(selectors.goal_values(goal=goal) | _boarding(dict(body.validated_data))))
        goal = services.shared_goal_save(
            prefecture=goal.prefecture, given=given, by=signed_in(request), goal=goal, version=version
        )
        return _goal_response(goal, request)

    @extend_schema(request=GoalDateSerializer, responses=GoalDateReadSerializer)
    @action(detail=True, methods=["post"])
    def dates(self, request: Request, pk: str) -> Response:
        """Set a municipality's own date for the goal (its editors and admins, or the coordinators)."""
        goal = self.get_object()
        body = _valid(GoalDateSerializer, request.data)
        municipality = selectors.goal_date_municipality(user=request.user, goal=goal, code=body["municipality"])
        if municipality is None:
            raise PermissionDenied(_("Only the municipality's editors and administrators set its date."))
        milestone = services.goal_milestone_set(
            goal=goal, municipality=municipality, due_on=body["due_on"], note=body["note"], by=signed_in(request)
        )
        return Response(GoalDateReadSerializer(milestone).data)


class ReportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A council report's progress, and its files once made (the prefecture's coordinators)."""

    serializer_class = CouncilReportSerializer
    lookup_value_regex = r"[0-9]+"

    def get_object(self) -> CouncilReport:
        report = selectors.council_report_for(user=self.request.user, pk=int(self.kwargs["pk"]))
        if report is None:
            raise Http404
        return report

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF or the XLSX; 404 while it is not made."
            )
        }
    )
    @action(detail=True, methods=["get"], url_path="download/(?P<kind>pdf|xlsx)")
    def download(self, request: Request, pk: str, kind: str) -> FileResponse:
        report = self.get_object()
        file = report.pdf if kind == "pdf" else report.xlsx
        if not file.name:
            raise Http404
        return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])
