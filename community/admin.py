"""Community models in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Adoption,
    CaseAttachment,
    CaseMetric,
    Comment,
    CommentReport,
    ModerationAction,
    Need,
    Participant,
    PracticeCase,
    Procurement,
    ProcurementQuestion,
    Proposal,
    Solution,
    SolutionReference,
    SpecificationVersion,
    StageChange,
)


class _NoWrites:
    """Neither add, change nor delete: the admin only shows what the services wrote."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(_NoWrites, admin.ModelAdmin):
    pass


class ReadOnlyInline(_NoWrites, admin.TabularInline):
    """The rows of `fields`, shown and never edited."""

    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields


# --- practice cases: read only here; writes go through the pages and API, which check the kit's files
# and keep the search index in step.


class CaseMetricInline(ReadOnlyInline):
    model = CaseMetric
    fields = ("label", "before", "after", "unit")


class CaseAttachmentInline(ReadOnlyInline):
    model = CaseAttachment
    fields = ("kind", "name", "content_type", "size", "uploaded_by", "created_at")


class AdoptionInline(ReadOnlyInline):
    model = Adoption
    fields = ("organization", "by", "note", "created_at")


@admin.register(PracticeCase)
class PracticeCaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "organization", "status", "outcome", "audience", "anonymous", "published_at")
    list_filter = ("status", "outcome", "audience", "anonymous", "area")
    search_fields = ("title", "organization__name")
    inlines = (CaseMetricInline, CaseAttachmentInline, AdoptionInline)


# --- market and discussion: read only too; the services notify, index for search, and keep moderation's
# audit trail, which an edit here would bypass.


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ("title", "organization", "category", "status", "deadline", "created_at")
    list_filter = ("status", "category", "area")
    search_fields = ("title", "organization__name")


@admin.register(Solution)
class SolutionAdmin(ReadOnlyAdmin):
    list_display = ("title", "organization", "category", "deployment", "status", "updated_at")
    list_filter = ("status", "category", "deployment", "ismap", "lgwan_asp", "unified_qualification")
    search_fields = ("title", "organization__name")


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("need", "organization", "status", "created_at")
    list_filter = ("status",)


@admin.register(SolutionReference)
class SolutionReferenceAdmin(ReadOnlyAdmin):
    list_display = ("solution", "organization", "status", "decided_at")
    list_filter = ("status",)


class ModerationActionInline(ReadOnlyInline):
    model = ModerationAction
    fields = ("action", "reason", "by", "at")


class CommentReportInline(ReadOnlyInline):
    model = CommentReport
    fields = ("by", "reason", "resolved_at", "created_at")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "author", "organization", "hidden", "created_at")
    list_filter = ("kind", "hidden")
    inlines = (CommentReportInline, ModerationActionInline)


# --- joint procurement: read only; the services move the stages one step at a time, record and notify
# every change, and keep the search index to what partners may read.


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ("from_stage", "to_stage", "by", "note", "at")


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ("organization", "status", "population", "staff", "expected_volume", "budget", "committed_at")


@admin.register(Procurement)
class ProcurementAdmin(ReadOnlyAdmin):
    list_display = ("title", "lead", "model", "stage", "join_until", "commit_until", "created_at")
    list_filter = ("stage", "model", "category", "sharing_rule")
    search_fields = ("title", "lead__name")
    inlines = (ParticipantInline, StageChangeInline)


@admin.register(SpecificationVersion)
class SpecificationVersionAdmin(ReadOnlyAdmin):
    list_display = ("procurement", "number", "note", "by", "created_at")


@admin.register(ProcurementQuestion)
class ProcurementQuestionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "procurement", "stage", "answered_at", "created_at")
    list_filter = ("stage",)
