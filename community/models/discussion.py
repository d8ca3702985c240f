"""Comments and questions on cases, needs, solutions and proposals, with reports and moderation."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dx_platform.organizations.models import Organization


class Comment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        QUESTION = "question", _("Question")

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.COMMENT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The body the author spoke for when writing (a person may later move on).
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("text"), max_length=5000)
    # A question may be routed to bodies that have already done what it asks about.
    routed_to = models.ManyToManyField(Organization, blank=True, related_name="routed_questions")
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return self.body[:50]


class CommentReport(models.Model):
    """Somebody asks the moderators to look at a comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["comment", "by"], name="one_report_per_person"),
        ]

    def __str__(self) -> str:
        return self.reason[:50]


class ModerationAction(models.Model):
    """The audit trail of moderation: who hid or restored what, when and why."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(max_length=8, choices=Action)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["comment", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.reason[:40]}"
