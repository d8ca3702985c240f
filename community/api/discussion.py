"""Community API: comments and questions (by target), answers, reports, and moderation for moderators.

Who reads a comment is who reads its target; a hidden comment's text is given to its moderators only.
The serializers are in serializers/discussion.py.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from dx_platform.core.api import ServiceCreateMixin, named
from dx_platform.core.auth import signed_in
from dx_platform.organizations import permissions

from ..models import Comment, CommentReport, ModerationAction
from ..selectors import discussion as selectors
from ..services import discussion as services
from .serializers.discussion import (
    CommentAnswerSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    ModerationSerializer,
    ReportSerializer,
)


def _entry(request: Request, comment: Comment) -> selectors.Entry:
    return selectors.entry_for(user=request.user, comment=comment, target=selectors.target_of(comment), reported=False)


class CommentViewSet(viewsets.GenericViewSet):
    """Comments on one item you may read: list with ?target=need&target_id=5, post, answer."""

    serializer_class = CommentSerializer

    @property
    def query_refusals(self) -> bool:
        """The list refuses a missing or unknown target: the schema lists its 400."""
        return self.action == "list"

    def get_queryset(self) -> QuerySet[Comment]:
        return selectors.comment_list(user=self.request.user)

    def _target(self, kind: Any, pk: Any) -> Model:
        if not (isinstance(pk, int) or (isinstance(pk, str) and pk.isascii() and pk.isdigit())):
            raise exceptions.ValidationError({"target_id": ["The item's id."]})
        if kind not in selectors.TARGETS:
            raise exceptions.ValidationError({"target": [f"One of {', '.join(selectors.TARGETS)}."]})
        target = selectors.target_for(user=self.request.user, kind=kind, pk=int(pk))
        if target is None:
            raise exceptions.NotFound("No such item among those you may read.")
        return target

    @extend_schema(
        parameters=[
            OpenApiParameter("target", OpenApiTypes.STR, required=True, description="case, need, solution or proposal"),
            OpenApiParameter("target_id", OpenApiTypes.INT, required=True, description="the item's id"),
        ]
    )
    def list(self, request: Request) -> Response:
        target = self._target(request.query_params.get("target"), request.query_params.get("target_id", ""))
        thread = selectors.thread(user=request.user, target=target)
        flat = [item for entry in thread.entries for item in (entry, *entry.replies)]
        page = self.paginate_queryset(flat)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_serializer(_entry(request, self.get_object())).data)

    def _post(self, request: Request, **kwargs: Any) -> Response:
        comment = services.comment_post(by=signed_in(request), **kwargs)
        return Response(self.get_serializer(_entry(request, comment)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentWriteSerializer, responses=CommentSerializer)
    def create(self, request: Request) -> Response:
        body = CommentWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._post(
            request, target=self._target(data["target"], data["target_id"]), body=data["body"], kind=data["kind"]
        )

    @extend_schema(request=CommentAnswerSerializer, responses=CommentSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        parent = self.get_object()
        body = CommentAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._post(request, target=selectors.target_of(parent), body=body.validated_data["body"], parent=parent)


class _ModeratedList(viewsets.GenericViewSet):
    """The list is for moderators: what they may moderate."""

    def list(self, request: Request) -> Response:
        user = request.user
        if not permissions.moderates_any(user):
            raise exceptions.PermissionDenied("Only platform staff and prefecture coordinators moderate.")
        page = self.paginate_queryset(selectors.moderated_by(user=user, rows=self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ReportViewSet(ServiceCreateMixin, _ModeratedList):
    """Report a comment you may read (once); moderators list the reports on comments they moderate."""

    serializer_class = ReportSerializer

    def get_queryset(self) -> QuerySet[CommentReport]:
        return selectors.report_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> CommentReport:
        comment = named(selectors.comment_for(user=self.request.user, pk=data["comment"].pk), "comment")
        return services.comment_report(comment=comment, reason=data["reason"], by=signed_in(self.request))


class ModerationViewSet(ServiceCreateMixin, _ModeratedList):
    """Moderators hide or restore a comment with a reason; the list is the audit trail of what they moderate."""

    serializer_class = ModerationSerializer

    def get_queryset(self) -> QuerySet[ModerationAction]:
        return selectors.moderation_list(user=self.request.user)

    def create_from(self, data: dict[str, Any]) -> ModerationAction:
        comment = named(selectors.comment_for(user=self.request.user, pk=data["comment"].pk), "comment")
        act = services.comment_hide if data["action"] == ModerationAction.Action.HIDE else services.comment_restore
        return act(comment=comment, reason=data["reason"], by=signed_in(self.request))


def register(router: DefaultRouter) -> None:
    """Add this area's viewsets to the community API router."""
    router.register("comments", CommentViewSet, basename="community-comment")
    router.register("reports", ReportViewSet, basename="community-report")
    router.register("moderation", ModerationViewSet, basename="community-moderation")
