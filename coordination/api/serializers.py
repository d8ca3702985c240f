"""What the coordination API reads and takes: the dashboard's rows, support cases with their activities and
days, the specialist pool and its load, shared goals with their board, council reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from benchmarks.models import Area, Indicator
from dx_platform.organizations.models import Municipality

from .. import selectors
from ..models import SKILLS, CouncilReport, Dispatch, SharedGoal, Specialist, SupportActivity, SupportCase

# --- the dashboard -------------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(selectors.POINTS))
    points = serializers.FloatField(help_text="what the reason adds to the priority")
    description = serializers.CharField(source="label", help_text="the reason in words, with its figures")


class DashboardRowSerializer(serializers.Serializer):
    """One municipality of the dashboard, with why it needs attention: `causes` (code, points, words) add up
    to its `priority`; `in_hand` when a support case is open; `may_remind` when a reminder to submit could
    be sent now (not handed in, none sent in the last week)."""

    municipality = serializers.CharField(source="municipality.code")
    name = serializers.CharField(source="municipality.name")
    kind = serializers.CharField(source="municipality.kind")
    size_class = serializers.CharField(source="municipality.size_class")
    composite = serializers.FloatField(source="score.composite", default=None, allow_null=True)
    composite_in_size_class = serializers.FloatField(source="score.peer_composite", default=None, allow_null=True)
    previous_composite = serializers.FloatField(allow_null=True)
    fall = serializers.FloatField(allow_null=True)
    assessment_status = serializers.CharField(source="assessment.status", default=None, allow_null=True)
    handed_in = serializers.BooleanField()
    reminded_at = serializers.DateTimeField(source="reminder.sent_at", default=None, allow_null=True)
    may_remind = serializers.BooleanField()
    kpis = serializers.IntegerField()
    kpis_on_track = serializers.IntegerField()
    kpis_off_track = serializers.IntegerField()
    kpis_stale = serializers.IntegerField()
    roadmaps = serializers.IntegerField()
    late_items = serializers.IntegerField()
    open_cases = serializers.IntegerField()
    open_case = serializers.IntegerField(source="open_case_id", allow_null=True)
    overdue_actions = serializers.IntegerField()
    in_hand = serializers.BooleanField()
    priority = serializers.FloatField()
    causes = ReasonSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    reason_labels = serializers.ListField(child=serializers.CharField())


class SurveyWindowSerializer(serializers.Serializer):
    """When the prefecture's municipalities answer a fiscal year's survey."""

    fiscal_year = serializers.IntegerField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField(help_text="the answer deadline")


class SummarySerializer(serializers.Serializer):
    """The page's headline tiles."""

    municipalities = serializers.IntegerField()
    towns_villages = serializers.IntegerField()
    prefecture_composite = serializers.FloatField(source="prefecture_score.composite", default=None, allow_null=True)
    prefecture_rank = serializers.IntegerField(source="prefecture_score.rank", default=None, allow_null=True)
    prefectures_ranked = serializers.IntegerField()
    window = SurveyWindowSerializer(allow_null=True)
    handed_in = serializers.IntegerField()
    handed_in_by_deadline = serializers.IntegerField(allow_null=True)
    deadline_passed = serializers.BooleanField()
    open_cases = serializers.IntegerField()
    overdue_cases = serializers.IntegerField()
    kpis = serializers.IntegerField()
    kpis_off_track = serializers.IntegerField()
    kpis_stale = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    """The page's tiles (`summary`), its needs-attention list (`needs_attention`, highest priority first; the
    page shows the first `listed`) and its table (`municipalities`, lowest shown score first), of the newest
    published scores (`dataset`, `origin`)."""

    prefecture = serializers.CharField(source="prefecture.pref_code")
    fiscal_year = serializers.IntegerField()
    area = serializers.CharField()
    dataset = serializers.CharField(source="scores.dataset.name", default=None, allow_null=True)
    origin = serializers.CharField(source="scores.dataset.origin", default=None, allow_null=True)
    summary = SummarySerializer(allow_null=True)
    listed = serializers.SerializerMethodField()
    needs_attention = DashboardRowSerializer(source="attention", many=True)
    municipalities = DashboardRowSerializer(source="ranked", many=True)

    def get_listed(self, board: selectors.Dashboard) -> int:
        return len(board.listed)


class FiscalYearQuerySerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class ReminderRequestSerializer(serializers.Serializer):
    municipality = serializers.RegexField(r"^[0-9]{6}$", help_text="the municipality's 6-digit code")


class ReminderSerializer(serializers.Serializer):
    municipality = serializers.CharField(source="municipality.code")
    fiscal_year = serializers.IntegerField()
    sent_at = serializers.DateTimeField()
    next_allowed = serializers.DateTimeField()
    recipients = serializers.IntegerField()


class DashboardQuerySerializer(serializers.Serializer):
    """The dashboard's filters, as on the page."""

    towns = serializers.BooleanField(required=False, default=False, help_text="true: towns and villages only")
    size_class = serializers.ChoiceField(choices=["", *Municipality.SizeClass.values], required=False, default="")
    area = serializers.ChoiceField(
        choices=["", *Area.values], required=False, default="", help_text="rank by this area (else the composite)"
    )


# --- support cases -------------------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ("code", "name_ja", "name_en")


class ActivitySerializer(serializers.ModelSerializer):
    recorded_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = SupportActivity
        fields = (
            "id",
            "kind",
            "held_on",
            "attendees",
            "hours",
            "notes",
            "next_action",
            "next_action_due",
            "recorded_by",
            "created_at",
        )
        read_only_fields = ("id", "recorded_by", "created_at")


class DispatchSerializer(serializers.ModelSerializer):
    specialist_name = serializers.CharField(source="specialist.name", read_only=True)

    class Meta:
        model = Dispatch
        fields = ("id", "specialist", "specialist_name", "worked_on", "days", "created_at")
        read_only_fields = ("id", "specialist", "created_at")


class SupportCaseSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code")
    municipality_name = serializers.CharField(source="municipality.name")
    indicator = ItemSerializer(allow_null=True)
    specialist: serializers.PrimaryKeyRelatedField[Specialist] = serializers.PrimaryKeyRelatedField(read_only=True)
    specialist_name = serializers.CharField(source="specialist.name", default=None, allow_null=True)

    class Meta:
        model = SupportCase
        fields: tuple[str, ...] = (
            "id",
            "municipality",
            "municipality_name",
            "topic",
            "skill",
            "indicator",
            "urgency",
            "description",
            "status",
            "specialist",
            "specialist_name",
            "outcome",
            "closed_at",
            "created_at",
        )


class SupportCaseDetailSerializer(SupportCaseSerializer):
    """A case with its visits and meetings (newest first) and the specialists' days."""

    activities = serializers.SerializerMethodField()
    dispatches = serializers.SerializerMethodField()

    class Meta(SupportCaseSerializer.Meta):
        fields = (*SupportCaseSerializer.Meta.fields, "activities", "dispatches")

    @extend_schema_field(ActivitySerializer(many=True))
    def get_activities(self, case: SupportCase) -> Any:
        return ActivitySerializer(selectors.activity_list(case=case), many=True).data

    @extend_schema_field(DispatchSerializer(many=True))
    def get_dispatches(self, case: SupportCase) -> Any:
        return DispatchSerializer(selectors.dispatch_list(case=case), many=True).data


@extend_schema_field(OpenApiTypes.STR)
class NewestItemField(serializers.SlugRelatedField):
    """A survey item of the newest catalog, by its code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.newest_items()


class GoalItemField(NewestItemField):
    """A survey item a goal may be tied to (a scored yes/no or procedure item), by its code."""

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.goal_items()


class SupportCaseRaiseSerializer(serializers.Serializer):
    """A municipality asks for support: its code and what about."""

    municipality = serializers.CharField()
    topic = serializers.CharField(max_length=200)
    skill = serializers.ChoiceField(choices=SKILLS, allow_blank=True, required=False, default="")
    indicator = NewestItemField(required=False, allow_null=True, default=None)
    urgency = serializers.ChoiceField(choices=SupportCase.Urgency.choices, default=SupportCase.Urgency.NORMAL)
    description = serializers.CharField()


class AssignSerializer(serializers.Serializer):
    """Triage: the specialist of the prefecture's pool (their id), or null to clear it."""

    specialist = serializers.IntegerField(allow_null=True)


class DaysSerializer(serializers.Serializer):
    worked_on = serializers.DateField()
    days = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=Decimal("0.5"))


class CloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(allow_blank=True)


# --- the specialist pool -------------------------------------------------------------------------


class MonthDaysSerializer(serializers.Serializer):
    month = serializers.DateField()
    days = serializers.DecimalField(max_digits=6, decimal_places=1)


class SpecialistSerializer(serializers.ModelSerializer):
    """A specialist of the pool, with the days dispatched in each of the last months (`load`)."""

    municipalities: serializers.SlugRelatedField[Municipality] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    load = serializers.SerializerMethodField()

    class Meta:
        model = Specialist
        fields = ("id", "name", "kind", "affiliation", "skills", "days_per_month", "active", "municipalities", "load")

    @extend_schema_field(MonthDaysSerializer(many=True))
    def get_load(self, specialist: Specialist) -> Any:
        months, days = self.context["months"], self.context["load"].get(specialist.pk, [])
        return MonthDaysSerializer([{"month": m, "days": d} for m, d in zip(months, days, strict=True)], many=True).data


class MunicipalityDaysSerializer(serializers.Serializer):
    name = serializers.CharField()
    days = serializers.DecimalField(max_digits=6, decimal_places=1)


class PoolSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateField())
    specialists = SpecialistSerializer(many=True)
    by_municipality = MunicipalityDaysSerializer(many=True)


# --- shared goals --------------------------------------------------------------------------------


class GoalSerializer(serializers.ModelSerializer):
    prefecture = serializers.CharField(source="prefecture.pref_code", read_only=True)
    indicators = ItemSerializer(many=True, read_only=True)
    municipalities: serializers.SlugRelatedField[Municipality] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = SharedGoal
        fields: tuple[str, ...] = (
            "id",
            "prefecture",
            "title",
            "description",
            "indicators",
            "municipalities",
            "target_date",
            "created_at",
        )


class GoalLineSerializer(serializers.Serializer):
    """A municipality on the goal's board: items done of the goal's, and its own date."""

    municipality = serializers.CharField(source="municipality.code")
    name = serializers.CharField(source="municipality.name")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    complete = serializers.BooleanField()
    due_on = serializers.DateField(allow_null=True)


class GoalBoardSerializer(GoalSerializer):
    """A goal with its progress board of the municipalities it boards (the context's `progress`: GoalProgress
    by goal id)."""

    complete = serializers.SerializerMethodField()
    board = serializers.SerializerMethodField()

    class Meta(GoalSerializer.Meta):
        fields = (*GoalSerializer.Meta.fields, "complete", "board")

    def get_complete(self, goal: SharedGoal) -> int:
        return int(self.context["progress"][goal.pk].complete)

    @extend_schema_field(GoalLineSerializer(many=True))
    def get_board(self, goal: SharedGoal) -> Any:
        return GoalLineSerializer(self.context["progress"][goal.pk].rows, many=True).data


class GoalWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    indicators = GoalItemField(many=True)
    target_date = serializers.DateField()
    municipalities = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="codes of the municipalities it boards (a new goal's: all of the prefecture's if left out)",
    )


class GoalDateSerializer(serializers.Serializer):
    """A municipality's own date for the goal."""

    municipality = serializers.CharField()
    due_on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class GoalDateReadSerializer(serializers.Serializer):
    municipality = serializers.CharField(source="municipality.code")
    due_on = serializers.DateField()
    note = serializers.CharField()


# --- council reports -----------------------------------------------------------------------------


class CouncilReportSerializer(serializers.ModelSerializer):
    """A report's progress; `pdf` and `xlsx` download its files once it is made."""

    prefecture = serializers.CharField(source="prefecture.pref_code")
    finished = serializers.BooleanField()
    pdf = serializers.SerializerMethodField()
    xlsx = serializers.SerializerMethodField()

    class Meta:
        model = CouncilReport
        fields = (
            "id",
            "prefecture",
            "status",
            "progress",
            "step",
            "finished",
            "created_at",
            "finished_at",
            "pdf",
            "xlsx",
        )

    def _link(self, report: CouncilReport, kind: str) -> str | None:
        if not getattr(report, kind).name:
            return None
        return reverse("coordination-report-download", args=[report.pk, kind], request=self.context.get("request"))

    def get_pdf(self, report: CouncilReport) -> str | None:
        return self._link(report, "pdf")

    def get_xlsx(self, report: CouncilReport) -> str | None:
        return self._link(report, "xlsx")
