"""Serializers of the discussion: comments as their reader sees them, what is posted, reports and moderation."""

from __future__ import annotations

from rest_framework import serializers

from ...models import Comment, CommentReport, ModerationAction
from ...selectors import discussion as selectors


class CommentSerializer(serializers.Serializer):
    """A comment as the reader sees it (built from selectors.Entry)."""

    id = serializers.IntegerField(source="comment.pk", read_only=True)
    # DRF takes declared fields off the class; the stub sees this one shadow Field.parent.
    parent = serializers.IntegerField(source="comment.parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]
    kind = serializers.CharField(source="comment.kind", read_only=True)
    author = serializers.CharField(read_only=True)
    body = serializers.SerializerMethodField()
    hidden = serializers.BooleanField(source="comment.hidden", read_only=True)
    hidden_reason = serializers.CharField(source="comment.hidden_reason", read_only=True)
    routed_to = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="comment.created_at", read_only=True)

    def get_body(self, entry: selectors.Entry) -> str | None:
        return None if entry.hidden else entry.comment.body

    def get_routed_to(self, entry: selectors.Entry) -> list[str]:
        return [body.name for body in entry.routed_to]


class CommentWriteSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=list(selectors.TARGETS))
    target_id = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=Comment.Kind.choices, default=Comment.Kind.COMMENT)
    body = serializers.CharField(max_length=5000)


class CommentAnswerSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class ReportSerializer(serializers.ModelSerializer):
    comment = serializers.PrimaryKeyRelatedField(queryset=Comment.objects.all())
    by = serializers.CharField(source="by.email", read_only=True, default=None)

    class Meta:
        model = CommentReport
        fields = ("id", "comment", "by", "reason", "resolved_at", "created_at")
        read_only_fields = ("resolved_at", "created_at")


class ModerationSerializer(serializers.ModelSerializer):
    comment = serializers.PrimaryKeyRelatedField(queryset=Comment.objects.all())
    action = serializers.ChoiceField(choices=ModerationAction.Action.choices)
    by = serializers.CharField(source="by.email", read_only=True, default=None)

    class Meta:
        model = ModerationAction
        fields = ("id", "comment", "action", "reason", "by", "at")
        read_only_fields = ("at",)
