"""Writes of the discussion: comments and questions, replies, mentions, routing, reports and moderation.

Whoever may read a target may comment on it (community/selectors/discussion.py decides who reads);
moderation is for platform staff and the coordinators of the prefectures concerned (permissions.can_moderate).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, IntegerField, Model, OuterRef, Q, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from benchmarks.models import Value as SurveyValue
from benchmarks.selectors import latest_dataset
from dx_platform.accounts.models import User
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Membership, Organization, Role
from dx_platform.organizations.selectors import writers_of

from ..models import Comment, CommentReport, ModerationAction, PracticeCase
from ..selectors import discussion as selectors

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

# "@" and the person's email address; an address right after another word character is not a mention.
MENTION = re.compile(r"(?<![\w@.])@([\w.%+-]+@[\w-]+(?:\.[\w-]+)+)")
MAX_MENTIONS = 10
# How many municipalities a question is routed to.
ROUTE_TO = 5
EXCERPT = 200
BODY_MAX = Comment._meta.get_field("body").max_length or 5000
REASON_MAX = ModerationAction._meta.get_field("reason").max_length or 500


def _speaking_for(user: User, target: Model) -> Organization | None:
    """The body the author speaks for: one the target belongs to if they are of it, else their first."""
    own = permissions.own_organization_ids(user)
    for body in selectors.target_bodies(target):
        if body.pk in own:
            return body
    return Organization.objects.filter(pk__in=own).order_by("pk").first()


def _notify(recipient: User, comment: Comment, title: _StrOrPromise) -> None:
    notification_create(
        recipient=recipient,
        title=title,
        body=Truncator(comment.body).chars(EXCERPT),
        url=selectors.comment_url(comment),
    )


def _mentioned(body: str) -> list[User]:
    addresses = list(dict.fromkeys(address.lower() for address in MENTION.findall(body)))[:MAX_MENTIONS]
    if not addresses:
        return []
    return list(User.objects.annotate(address=Lower("email")).filter(address__in=addresses, is_active=True))


def comment_post(
    *, target: Model, body: str, by: User, kind: str = Comment.Kind.COMMENT, parent: Comment | None = None
) -> Comment:
    """Comment on (or ask about) something the author may read, or answer a comment of its thread.

    Answers notify the comment's author, "@" + an email address notifies that person, a question notifies
    the writers of the bodies the target belongs to (ask the author), each once and only if they may read
    the target; a question on something tagged with survey items is also routed to municipalities that
    have done them (after the commit, by a task).
    """
    if not selectors.can_read(by, target):
        raise PermissionDenied(_("You may comment only on what you may read."))
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": [_("At most %(n)d characters.") % {"n": BODY_MAX}]})
    if kind not in Comment.Kind.values:
        raise ValidationError({"kind": [_("A comment or a question.")]})
    if parent is not None:
        if parent.target_type_id != ContentType.objects.get_for_model(target).pk or (parent.target_id != target.pk):
            raise ValidationError({"parent": [_("The comment answered is not in this thread.")]})
        # One level of replies: an answer to an answer joins the first comment's replies.
        answered, parent, kind = parent, parent.parent or parent, Comment.Kind.COMMENT
        if answered.hidden or parent.hidden:
            raise ValidationError({"parent": [_("A hidden comment cannot be answered.")]})
    comment = Comment(target=target, parent=parent, kind=kind, author=by, organization=_speaking_for(by, target))
    comment.body = body
    comment.full_clean(exclude=["target_type", "author", "organization", "parent"])
    with transaction.atomic():
        comment.save()
        # An answer's author hears of it as an answer, not again as a mention.
        recipients: list[tuple[User, _StrOrPromise]] = []
        if parent is not None and answered.author is not None:
            recipients.append((answered.author, _("{who} answered you on “{target}”")))
        if comment.kind == Comment.Kind.QUESTION:
            recipients += [
                (person, _("{who} asks about “{target}”"))
                for body_of in selectors.target_bodies(target)
                for person in writers_of(body_of)
            ]
        recipients += [(person, _("{who} mentioned you on “{target}”")) for person in _mentioned(body)]
        told = {by.pk}
        for person, title in recipients:
            if person.pk in told or not person.is_active or not selectors.can_read(person, target):
                continue
            told.add(person.pk)
            who = selectors.author_label(comment, target, person)
            _notify(person, comment, format_lazy(title, who=who, target=str(target)))
        if comment.kind == Comment.Kind.QUESTION and _indicators(target):
            from ..tasks import route_question  # the task module imports this one

            transaction.on_commit(lambda: route_question.delay(comment_id=comment.pk))
    return comment


def _indicators(target: Model) -> list[Indicator]:
    """The survey items the target is tagged with (a proposal has none of its own)."""
    tagged = getattr(target, "indicators", None)
    return list(tagged.all()) if tagged is not None else []


# --- routing questions to those who have done it -------------------------------------------------


def routing_candidates(
    *, codes: set[str], asker: Organization | None, limit: int = ROUTE_TO, skip: Sequence[Organization] = ()
) -> list[Organization]:
    """Municipalities that answered yes (or online) to every one of the items in the latest national data
    and have editors or administrators on the platform: the asker's prefecture first, then its size class.
    Neither the asker nor the bodies in `skip` are among them."""
    dataset = latest_dataset()
    if dataset is None or not codes:
        return []
    done = (
        SurveyValue.objects.filter(dataset=dataset, indicator__code__in=codes)
        .filter(
            Q(indicator__kind=Indicator.Kind.BOOLEAN, value=1)
            | Q(indicator__kind=Indicator.Kind.PROCEDURE, status=SurveyValue.Status.ONLINE)
        )
        .values("municipality")
        .annotate(n=Count("indicator__code", distinct=True))
        .filter(n=len(codes))
        .values("municipality")
    )
    staffed = Membership.objects.filter(
        organization=OuterRef("pk"), role__in=[Role.EDITOR, Role.ADMIN], user__is_active=True
    )
    # With no asker body (a person of no organisation asks), nothing is near: the order is by code.
    prefecture_id = asker.prefecture_id if asker else None
    size_class = asker.municipality.size_class if asker and asker.municipality else ""
    candidates = (
        Organization.objects.filter(Exists(staffed), kind=Organization.Kind.MUNICIPALITY, municipality__in=done)
        .exclude(pk__in=[body.pk for body in (asker, *skip) if body is not None])
        .annotate(
            same_prefecture=Case(When(prefecture_id=prefecture_id, then=1), default=0, output_field=IntegerField()),
            same_size=Case(When(municipality__size_class=size_class, then=1), default=0, output_field=IntegerField()),
        )
        .select_related("municipality")
        .order_by("-same_prefecture", "-same_size", "municipality__code")
    )
    return list(candidates[:limit])


def question_route(*, comment_id: int) -> list[Organization]:
    """Route a question on survey items to staff of municipalities that have done them; once.

    Run twice, the second run finds the question routed and does nothing.
    """
    with transaction.atomic():
        comment = Comment.objects.select_for_update().filter(pk=comment_id, kind=Comment.Kind.QUESTION).first()
        if comment is None or comment.hidden or comment.routed_to.exists():
            return []
        target = selectors.target_of(comment)
        codes = {i.code for i in _indicators(target) if i.kind in (Indicator.Kind.BOOLEAN, Indicator.Kind.PROCEDURE)}
        # Not the item's own bodies: they are not "others who have done it", and listing an anonymised
        # case's author among those asked would name it.
        asker = comment.organization
        if isinstance(target, PracticeCase) and target.anonymous and comment.organization_id == target.organization_id:
            asker = None  # nor near the author asking itself: those asked are shown, and would point at it
        bodies = routing_candidates(codes=codes, asker=asker, skip=selectors.target_bodies(target))
        comment.routed_to.set(bodies)
        where = str(target)
        for body in bodies:
            for person in writers_of(body):
                if person.pk != comment.author_id and selectors.can_read(person, target):
                    _notify(
                        person,
                        comment,
                        format_lazy(_("A question for those who have done it, on “{target}”"), target=where),
                    )
    return bodies


# --- reports and moderation ----------------------------------------------------------------------


def comment_report(*, comment: Comment, reason: str, by: User) -> CommentReport:
    """Ask the moderators to look at a comment (once per person); they are notified."""
    target = selectors.target_of(comment)
    if not selectors.can_read(by, target):
        raise PermissionDenied(_("You may report only what you may read."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the moderators should look at it.")]})
    if comment.hidden:
        raise ValidationError(_("A moderator has already hidden this comment."))
    try:
        with transaction.atomic():
            report = CommentReport(comment=comment, by=by, reason=reason)
            report.full_clean(exclude=["comment", "by"], validate_unique=False)
            report.save()
            for moderator in selectors.moderators_of(comment):
                if moderator.pk != by.pk:
                    notification_create(
                        recipient=moderator,
                        title=format_lazy(_("A comment on “{target}” was reported"), target=str(target)),
                        body=reason,
                        url=selectors.comment_url(comment),
                    )
    except IntegrityError:
        raise ValidationError(_("You have already reported this comment.")) from None
    return report


def _moderate(*, comment: Comment, hide: bool, reason: str, by: User) -> ModerationAction:
    if not selectors.can_moderate_comment(by, comment):
        raise PermissionDenied(_("Only platform staff and the coordinators of the prefectures concerned moderate."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason: it is shown and kept in the audit trail.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("At most %(n)d characters.") % {"n": REASON_MAX}]})
    with transaction.atomic():
        # Conditional, so two moderators acting at once record one action, not two.
        changed = Comment.objects.filter(pk=comment.pk, hidden=not hide).update(
            hidden=hide, hidden_reason=reason if hide else ""
        )
        if not changed:
            raise ValidationError(_("The comment is already hidden.") if hide else _("The comment is not hidden."))
        action = ModerationAction.objects.create(
            comment=comment,
            action=ModerationAction.Action.HIDE if hide else ModerationAction.Action.RESTORE,
            reason=reason,
            by=by,
        )
        comment.reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    comment.refresh_from_db(fields=["hidden", "hidden_reason"])
    return action


def comment_hide(*, comment: Comment, reason: str, by: User) -> ModerationAction:
    return _moderate(comment=comment, hide=True, reason=reason, by=by)


def comment_restore(*, comment: Comment, reason: str, by: User) -> ModerationAction:
    return _moderate(comment=comment, hide=False, reason=reason, by=by)
