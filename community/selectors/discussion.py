"""Reads of discussion threads: who may read a comment is who may read what it is on.

A comment's target is a practice case, a need, a solution or a proposal; each kind is read by its own
rule in permissions.py (a proposal's thread, then, only by the proposing partner and the need's body).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dx_platform.accounts.models import User
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization, Role

from ..models import Comment, CommentReport, ModerationAction, Need, PracticeCase, Proposal, Solution

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

OnComment = TypeVar("OnComment", CommentReport, ModerationAction)

# What can be discussed, by the name its pages use (community:<kind>_detail).
TARGETS: dict[str, type[Model]] = {"case": PracticeCase, "need": Need, "solution": Solution, "proposal": Proposal}


def target_kind(target: Model) -> str:
    for kind, model in TARGETS.items():
        if isinstance(target, model):
            return kind
    raise ValueError(f"{type(target).__name__} has no discussion")


def visible_targets(*, user: User | AnonymousUser, kind: str, today: dt.date | None = None) -> QuerySet[Any]:
    """The items of one kind the user may read, by that kind's rule."""
    if kind == "case":
        return PracticeCase.objects.filter(permissions.practice_case_visibility(user, today or timezone.localdate()))
    if kind == "need":
        return Need.objects.filter(permissions.need_visibility(user))
    if kind == "solution":
        return Solution.objects.filter(permissions.solution_visibility(user))
    if kind == "proposal":
        return Proposal.objects.filter(permissions.proposal_visibility(user))
    raise ValueError(kind)


def target_for(*, user: User | AnonymousUser, kind: str, pk: int) -> Model | None:
    if kind not in TARGETS:
        return None
    target: Model | None = visible_targets(user=user, kind=kind).filter(pk=pk).first()
    return target


def can_read(user: User | AnonymousUser, target: Model) -> bool:
    return visible_targets(user=user, kind=target_kind(target)).filter(pk=target.pk).exists()


def target_url(target: Model) -> str:
    return reverse(f"community:{target_kind(target)}_detail", args=[target.pk])


def target_of(comment: Comment) -> Model:
    """What the comment is on. Comments of a deleted item are never read: comment_visibility leaves them out."""
    target = comment.target
    if target is None:
        raise ValueError(f"comment {comment.pk} has lost its target")
    return target


def comment_url(comment: Comment) -> str:
    return f"{target_url(target_of(comment))}#comment-{comment.pk}"


def target_bodies(target: Model) -> list[Organization]:
    """The organisations a target belongs to: its author body; for a proposal the partner and the need's body."""
    if isinstance(target, Proposal):
        return [target.organization, target.need.organization]
    organization: Organization = target.organization  # type: ignore[attr-defined]  # every target has one
    return [organization]


def moderation_prefectures(comment: Comment, reader: User | AnonymousUser | None = None) -> set[int]:
    """The prefectures of the comment's author body and of the target's bodies: their coordinators moderate.

    The author body of an anonymised case counts only for a `reader` who may see behind it (None: for
    everyone): being offered to moderate its comments, or told of their reports, would tell a coordinator
    that the case comes from their prefecture, which the case leaves out like its name.
    """
    target = target_of(comment)
    bodies = [comment.organization, *target_bodies(target)]
    if (
        reader is not None
        and isinstance(target, PracticeCase)
        and not permissions.can_see_case_author(reader, target.organization, target.anonymous)
    ):
        bodies = [body for body in bodies if body is None or body.pk != target.organization_id]
    return {body.prefecture_id for body in bodies if body is not None and body.prefecture_id is not None}


def can_moderate_comment(user: User | AnonymousUser, comment: Comment) -> bool:
    """Platform staff and the right coordinators (permissions.can_moderate) — of what they can read."""
    return permissions.can_moderate(user, moderation_prefectures(comment, user)) and can_read(user, target_of(comment))


def moderators_of(comment: Comment) -> list[User]:
    """Everyone who may moderate the comment: platform staff and the coordinators of its prefectures."""
    coordinators = Q(
        memberships__role=Role.COORDINATOR,
        memberships__organization__kind=Organization.Kind.PREFECTURE,
        memberships__organization__prefecture_id__in=moderation_prefectures(comment),
    )
    candidates = User.objects.filter(Q(is_staff=True) | coordinators, is_active=True).distinct().order_by("pk")
    return [user for user in candidates if can_moderate_comment(user, comment)]


def comment_visibility(user: User | AnonymousUser) -> Q:
    """Filter on Comment: those on targets the user may read."""
    rule = Q(pk__in=[])
    if not user.is_authenticated:  # reads no target, and asks the database nothing (the schema generator's case)
        return rule
    for kind, model in TARGETS.items():
        content_type = ContentType.objects.get_for_model(model)
        rule |= Q(target_type=content_type, target_id__in=visible_targets(user=user, kind=kind).values("pk"))
    return rule


def comments_on(target: Model) -> QuerySet[Comment]:
    return Comment.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).select_related("author", "organization")


def comment_in_thread(*, target: Model, pk: int) -> Comment | None:
    """A comment on this target (the one an answer answers), or None."""
    return comments_on(target).filter(pk=pk).first()


def comment_list(*, user: User | AnonymousUser) -> QuerySet[Comment]:
    """The comments the user may read."""
    return Comment.objects.filter(comment_visibility(user))


def comment_for(*, user: User | AnonymousUser, pk: int) -> Comment | None:
    return Comment.objects.filter(comment_visibility(user), pk=pk).select_related("author", "organization").first()


def author_label(comment: Comment, target: Model, reader: User | AnonymousUser) -> str:
    """Who wrote it, as the reader may know: an anonymised case's author body stays anonymous."""
    if (
        isinstance(target, PracticeCase)
        and comment.organization_id == target.organization_id
        and not permissions.can_see_case_author(reader, target.organization, target.anonymous)
    ):
        return _("The case's author")
    name = str(comment.author) if comment.author else _("A former member")
    return f"{name} ({comment.organization.name})" if comment.organization else name


@dataclass
class Entry:
    """One comment as one reader sees it."""

    comment: Comment
    author: str
    hidden: bool  # its text is withheld from this reader (a moderator still reads it)
    reported: bool  # by this reader
    may_moderate: bool
    history: list[ModerationAction] = field(default_factory=list)  # moderators only
    routed_to: list[Organization] = field(default_factory=list)
    replies: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Thread:
    target: Model
    kind: str
    entries: list[Entry]
    count: int


def entry_for(*, user: User | AnonymousUser, comment: Comment, target: Model, reported: bool) -> Entry:
    """One comment as the user sees it (only for a target the user may read)."""
    comment.target = target  # spares the generic lookup per comment
    # Moderation depends on the comment's author body, so it is decided comment by comment.
    moderator = permissions.can_moderate(user, moderation_prefectures(comment, user))
    return Entry(
        comment=comment,
        author=author_label(comment, target, user),
        hidden=comment.hidden and not moderator,
        reported=reported,
        may_moderate=moderator,
        history=list(comment.moderation.all()) if moderator else [],
        routed_to=list(comment.routed_to.all()),
    )


def thread(*, user: User | AnonymousUser, target: Model) -> Thread:
    """The target's comments with their answers, as the user may see them (only for a target the user may read)."""
    comments = list(comments_on(target).prefetch_related("routed_to", "moderation__by").order_by("created_at", "pk"))
    reported = set(
        CommentReport.objects.filter(by_id=user.pk, comment__in=[c.pk for c in comments]).values_list(
            "comment_id", flat=True
        )
    )
    entries = {c.pk: entry_for(user=user, comment=c, target=target, reported=c.pk in reported) for c in comments}
    roots: list[Entry] = []
    for comment in comments:
        parent = entries.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(entries[comment.pk])
    return Thread(target=target, kind=target_kind(target), entries=roots, count=len(comments))


def reports_on(*, comment: Comment) -> list[CommentReport]:
    """The reports on a comment (open_reports has them with their authors already)."""
    return list(comment.reports.all())


def report_list(*, user: User | AnonymousUser) -> QuerySet[CommentReport]:
    """The reports on the comments the user may read, newest first."""
    reports = CommentReport.objects.filter(comment__in=comment_list(user=user))
    return reports.select_related("comment", "by").order_by("-created_at", "-pk")


def moderation_list(*, user: User | AnonymousUser) -> QuerySet[ModerationAction]:
    """What was hidden and restored among the comments the user may read, newest first."""
    actions = ModerationAction.objects.filter(comment__in=comment_list(user=user))
    return actions.select_related("comment", "by").order_by("-at", "-pk")


def moderated_by(*, user: User | AnonymousUser, rows: QuerySet[OnComment]) -> list[OnComment]:
    """Of these reports or moderation actions, those on comments the user moderates."""
    return [row for row in rows if can_moderate_comment(user, row.comment)]


def open_reports(*, user: User | AnonymousUser) -> list[Comment]:
    """Comments with unresolved reports that the user moderates, newest first."""
    comments = (
        Comment.objects.filter(comment_visibility(user), reports__resolved_at__isnull=True)
        .select_related("author", "organization")
        .prefetch_related("reports__by")
        .distinct()
        .order_by("-pk")
    )
    return [comment for comment in comments if can_moderate_comment(user, comment)]
