"""A deactivated account hears nothing from any notifier — no notice, no email — while an active recipient
of the same event is told. Each notifier is triggered through its service, after the account was
deactivated (as in the admin, between two requests); so are the immediate email and the daily digest of
a notice recorded before the account was deactivated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import Max, Model
from django.utils import timezone

from assessments import services as assessments
from assessments.models import Kpi
from benchmarks.models import Dataset, Indicator
from benchmarks.services.imports import dataset_import
from community.models import Comment
from community.models.procurement import Stage
from community.services import cases, discussion, market, procurement
from coordination import services as coordination
from coordination.models import Specialist, SupportActivity, SupportCase
from dx_platform.accounts.models import User
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.models import Notification
from dx_platform.notifications.services import notification_create
from dx_platform.notifications.tasks import send_daily_digests
from dx_platform.organizations import services as organizations
from dx_platform.organizations.models import Membership, Role
from tests.assessments import load_catalog, other_prefecture_people
from tests.benchmarks.support import long_csv
from tests.community.test_cases_support import write_case
from tests.community.test_market_support import list_solution, post_need, propose
from tests.community.test_procurement_support import (
    commitment,
    details,
    move_to,
    open_procurement,
    seat,
    set_populations,
    sharing,
)
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@dataclass(frozen=True)
class Scene:
    """An event set up for two recipients: `act` tells both, once `silenced` has been deactivated."""

    told: User
    silenced: User
    act: Callable[[], object]


Cast = dict[str, Any]
Build = Callable[[dict[str, Any], Cast], Scene]
SCENES: dict[str, Build] = {}


def scene(name: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        SCENES[name] = build
        return build

    return register


M = TypeVar("M", bound=Model)


def fresh(instance: M) -> M:
    """The object as the next request reads it (with its related accounts read afresh too)."""
    return type(instance)._default_manager.get(pk=instance.pk)


@pytest.fixture
def cast(region, people) -> Cast:
    """Every role, a second coordinator of the home prefecture, a second partner, two pooled engineers."""
    home = region["home"]
    return {
        **people,
        **other_prefecture_people(region),
        "coordinator2": MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user,
        "viewer2": MembershipFactory(organization=home["town"], role=Role.VIEWER).user,
        "partner2": MembershipFactory(organization=region["partner"], role=Role.PARTNER).user,
        "pooled": MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user,
        "pooled2": MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user,
    }


# --- assessments ---------------------------------------------------------------------------------


def _submitted(region: dict[str, Any], cast: Cast, submit: bool = True) -> Any:
    load_catalog()
    town = region["home"]["town"].municipality
    assessment = assessments.assessment_start(
        municipality=town, fiscal_year=FiscalYear.current().year, by=cast["editor"]
    )
    if submit:
        assessment = assessments.assessment_submit(assessment=assessment, by=cast["admin"], accept_missing=True)
    return assessment


@scene("assessment_submitted")
def _(region, cast):
    draft = _submitted(region, cast, submit=False)
    return Scene(
        cast["coordinator"],
        cast["coordinator2"],
        lambda: assessments.assessment_submit(assessment=fresh(draft), by=cast["admin"], accept_missing=True),
    )


def _reviewed(confirm: bool) -> Build:
    def build(region: dict[str, Any], cast: Cast) -> Scene:
        submitted = _submitted(region, cast)
        return Scene(
            cast["editor"],
            cast["admin"],
            lambda: assessments.assessment_review(
                assessment=fresh(submitted),
                by=cast["coordinator"],
                confirm=confirm,
                comment="" if confirm else "要修正",
            ),
        )

    return build


SCENES["assessment_confirmed"] = _reviewed(confirm=True)
SCENES["assessment_returned"] = _reviewed(confirm=False)


@scene("kpi_measurement_due")
def _(region, cast):
    town = region["home"]["town"].municipality
    for number, owner in enumerate((cast["editor"], cast["admin"])):
        given = assessments.KpiInput(
            name=f"電子申請件数{number}",
            unit="件",
            direction=Kpi.Direction.UP,
            baseline_value=100.0,
            baseline_date=TODAY - dt.timedelta(days=200),
            target_value=400.0,
            target_date=TODAY + dt.timedelta(days=365),
            area="",
            indicator=None,
            owner=owner,
            interval=Kpi.Interval.QUARTERLY,
        )
        assessments.kpi_save(municipality=town, given=given, by=cast["editor"])
    return Scene(cast["editor"], cast["admin"], lambda: assessments.kpi_reminders_send(today=TODAY))


# --- coordination --------------------------------------------------------------------------------


def _raise_case(region: dict[str, Any], cast: Cast) -> SupportCase:
    given = coordination.SupportRequest(
        topic="CIOの任命", skill="system", indicator=None, urgency=SupportCase.Urgency.NORMAL, description="相談"
    )
    return coordination.support_case_raise(
        municipality=region["home"]["town"].municipality, given=given, by=cast["editor"]
    )


def _specialist(region: dict[str, Any], user: User) -> Specialist:
    return Specialist.objects.create(
        prefecture=region["home"]["prefecture"].prefecture,
        name=user.name,
        kind=Specialist.Kind.PARTNER_ENGINEER,
        skills=["system"],
        days_per_month=Decimal(4),
        user=user,
    )


def _overdue_activity(case: SupportCase, by: User) -> SupportActivity:
    given = coordination.ActivityInput(
        kind=SupportActivity.Kind.VISIT,
        held_on=TODAY - dt.timedelta(days=10),
        attendees="担当課",
        hours=Decimal(2),
        notes="現地訪問",
        next_action="要件の整理",
        next_action_due=TODAY - dt.timedelta(days=5),
    )
    return coordination.support_activity_log(case=fresh(case), given=given, by=by)


@scene("support_case_raised")
def _(region, cast):
    return Scene(cast["coordinator"], cast["coordinator2"], lambda: _raise_case(region, cast))


@scene("support_case_assigned_town")
def _(region, cast):
    case, specialist = _raise_case(region, cast), _specialist(region, cast["pooled"])
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: coordination.support_case_assign(
            case=fresh(case), specialist=fresh(specialist), by=cast["coordinator"]
        ),
    )


@scene("support_case_assigned_specialist")
def _(region, cast):
    pairs = [(_raise_case(region, cast), _specialist(region, cast[who])) for who in ("pooled", "pooled2")]

    def assign() -> None:
        for case, specialist in pairs:
            coordination.support_case_assign(case=fresh(case), specialist=fresh(specialist), by=cast["coordinator"])

    return Scene(cast["pooled"], cast["pooled2"], assign)


@scene("support_case_closed")
def _(region, cast):
    case = _raise_case(region, cast)
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: coordination.support_case_close(case=fresh(case), outcome="解決", by=cast["coordinator"]),
    )


@scene("next_action_overdue_coordinators")
def _(region, cast):
    _overdue_activity(_raise_case(region, cast), cast["coordinator"])
    return Scene(cast["coordinator"], cast["coordinator2"], lambda: coordination.overdue_reminders_send(today=TODAY))


@scene("next_action_overdue_specialist")
def _(region, cast):
    for who in ("pooled", "pooled2"):
        case = coordination.support_case_assign(
            case=_raise_case(region, cast), specialist=_specialist(region, cast[who]), by=cast["coordinator"]
        )
        _overdue_activity(case, cast["coordinator"])
    return Scene(cast["pooled"], cast["pooled2"], lambda: coordination.overdue_reminders_send(today=TODAY))


# --- community: cases and the market -------------------------------------------------------------


@scene("case_adopted")
def _(region, cast):
    case = write_case(region["home"]["town"], cast["editor"], publish=True)
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: cases.case_adopt(case=fresh(case), organization=region["other"]["town"], by=cast["other_editor"]),
    )


@scene("need_posted")
def _(region, cast):
    list_solution(region["partner"], cast["partner"])
    return Scene(cast["partner"], cast["partner2"], lambda: post_need(region["home"]["town"], cast["editor"]))


@scene("proposal_made")
def _(region, cast):
    needs = [post_need(region["home"]["town"], cast[who], title=f"{who}の課題") for who in ("editor", "admin")]

    def make() -> None:
        for need in needs:
            propose(fresh(need), region["partner"], cast["partner"])

    return Scene(cast["editor"], cast["admin"], make)


@scene("proposal_decided")
def _(region, cast):
    proposal = propose(post_need(region["home"]["town"], cast["editor"]), region["partner"], cast["partner"])
    return Scene(
        cast["partner"],
        cast["partner2"],
        lambda: market.proposal_decide(proposal=fresh(proposal), shortlist=True, by=cast["editor"]),
    )


@scene("solution_reference_requested")
def _(region, cast):
    solution = list_solution(region["partner"], cast["partner"])
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: market.reference_request(
            solution=fresh(solution), organization=region["home"]["town"], by=cast["partner"]
        ),
    )


# --- community: the discussion -------------------------------------------------------------------


@scene("comment_answered")
def _(region, cast):
    need = post_need(region["home"]["town"], cast["editor"])
    comments = [discussion.comment_post(target=need, body="ご意見を", by=cast[who]) for who in ("editor", "admin")]

    def answer() -> None:
        for comment in comments:
            discussion.comment_post(target=fresh(need), body="お答えします", by=cast["partner"], parent=fresh(comment))

    return Scene(cast["editor"], cast["admin"], answer)


@scene("question_asked")
def _(region, cast):
    need = post_need(region["home"]["town"], cast["editor"])
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: discussion.comment_post(
            target=fresh(need), body="対象業務は？", by=cast["partner"], kind=Comment.Kind.QUESTION
        ),
    )


@scene("mentioned")
def _(region, cast):
    need = post_need(region["home"]["prefecture"], cast["coordinator"])
    body = f"@{cast['editor'].email} @{cast['admin'].email} ご確認ください"
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: discussion.comment_post(target=fresh(need), body=body, by=cast["partner"]),
    )


@scene("question_routed")
def _(region, cast):
    """The other town did both items of the home town's need; its writers are asked the home town's question."""
    load_catalog()
    codes = ("system.cio", "online_volume.01")
    did = {"home": ("1", "online"), "other": ("1", "online")}
    rows = [
        (region[side][kind].municipality.code, code, raw)
        for side in ("home", "other")
        for kind in ("town", "city")
        for code, raw in zip(codes, did[side] if kind == "town" else ("0", "offline"), strict=True)
    ]
    outcome = dataset_import(
        data=long_csv(rows), file_name="n.csv", name="全国", source="テスト", origin=Dataset.Origin.REAL, by=None
    )
    assert outcome.dataset is not None
    indicators = list(Indicator.objects.filter(code__in=codes, catalog__fiscal_year=2023))
    need = post_need(region["home"]["town"], cast["editor"], indicators=indicators)
    return Scene(
        cast["other_editor"],
        cast["other_admin"],
        lambda: discussion.comment_post(
            target=fresh(need), body="導入時の課題は？", by=cast["editor"], kind=Comment.Kind.QUESTION
        ),
    )


@scene("comment_reported")
def _(region, cast):
    comment = discussion.comment_post(
        target=post_need(region["home"]["town"], cast["editor"]), body="宣伝", by=cast["partner"]
    )
    return Scene(
        cast["coordinator"],
        cast["staff"],
        lambda: discussion.comment_report(comment=fresh(comment), reason="宣伝目的", by=cast["viewer"]),
    )


# --- community: joint procurement ----------------------------------------------------------------


def _joined(region: dict[str, Any], cast: Cast) -> Any:
    """A procurement led by the home prefecture, which the home town joined."""
    set_populations(region)
    opened = open_procurement(region["home"]["prefecture"], cast["coordinator"])
    procurement.participant_join(
        procurement=opened, organization=region["home"]["town"], given=seat(), by=cast["editor"]
    )
    return opened


@scene("procurement_invitation")
def _(region, cast):
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: procurement.procurement_create(
            lead=region["home"]["prefecture"],
            given=details(),
            sharing=sharing(),
            by=cast["coordinator"],
            invite=[region["home"]["town"]],
        ),
    )


@scene("procurement_stage_changed")
def _(region, cast):
    joined = _joined(region, cast)
    return Scene(
        cast["editor"],
        cast["admin"],
        lambda: procurement.procurement_move(procurement=fresh(joined), to_stage=Stage.RFI, by=cast["coordinator"]),
    )


@scene("procurement_commitment")
def _(region, cast):
    at_commitment = move_to(_joined(region, cast), Stage.COMMITMENT, cast["coordinator"])
    return Scene(
        cast["coordinator"],
        cast["coordinator2"],
        lambda: procurement.participant_commit(
            procurement=fresh(at_commitment), organization=region["home"]["town"], given=commitment(), by=cast["admin"]
        ),
    )


@scene("procurement_question_asked")
def _(region, cast):
    at_rfi = move_to(
        open_procurement(region["home"]["prefecture"], cast["coordinator"]), Stage.RFI, cast["coordinator"]
    )
    return Scene(
        cast["coordinator"],
        cast["coordinator2"],
        lambda: procurement.question_ask(procurement=fresh(at_rfi), question="納期は？", by=cast["partner"]),
    )


@scene("procurement_question_answered")
def _(region, cast):
    at_rfi = move_to(
        open_procurement(region["home"]["prefecture"], cast["coordinator"]), Stage.RFI, cast["coordinator"]
    )
    questions = [
        procurement.question_ask(procurement=at_rfi, question=f"{who}の質問", by=cast[who])
        for who in ("partner", "partner2")
    ]

    def answer() -> None:
        for question in questions:
            procurement.question_answer(question=fresh(question), answer="三月末です", by=cast["coordinator"])

    return Scene(cast["partner"], cast["partner2"], answer)


# --- organisations -------------------------------------------------------------------------------


@scene("invitation_accepted")
def _(region, cast):
    """The inviter hears that the invitation was used; a deactivated inviter's invitation gives nothing."""
    town = region["home"]["town"]
    invited = [
        (
            organizations.invitation_create(
                organization=town, email=f"new-{who}@example.jp", role=Role.VIEWER, by=cast[who]
            ),
            UserFactory(email=f"new-{who}@example.jp"),
        )
        for who in ("admin", "coordinator2")
    ]

    def accept() -> None:
        (invitation, user), (lapsed, other) = invited
        organizations.invitation_accept(invitation=fresh(invitation), user=user)
        with pytest.raises(ValidationError) as refused:
            organizations.invitation_accept(invitation=fresh(lapsed), user=other)
        assert refused.value.code == "inviter_lost_authority"

    return Scene(cast["admin"], cast["coordinator2"], accept)


@scene("role_changed")
def _(region, cast):
    memberships = [Membership.objects.get(user=cast[who]) for who in ("viewer", "viewer2")]

    def change() -> None:
        for membership in memberships:
            organizations.membership_change_role(membership=fresh(membership), role=Role.EDITOR, by=cast["admin"])

    return Scene(cast["viewer"], cast["viewer2"], change)


# --- the tests -----------------------------------------------------------------------------------


def _deactivate(user: User) -> None:
    """As in the admin, in another request: the objects the services read afterwards are fresh."""
    User.objects.filter(pk=user.pk).update(is_active=False)


@pytest.mark.parametrize("name", SCENES)
def test_a_deactivated_recipient_gets_no_notice_and_no_email(name, region, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = SCENES[name](region, cast)
    _deactivate(event.silenced)
    mail.outbox.clear()
    last = Notification.objects.aggregate(last=Max("pk"))["last"] or 0

    with django_capture_on_commit_callbacks(execute=True):
        event.act()

    recorded = Notification.objects.filter(pk__gt=last)
    mailed = {address for email in mail.outbox for address in email.to}
    assert recorded.filter(recipient=event.told).exists()
    assert event.told.email in mailed
    assert not recorded.filter(recipient=event.silenced).exists()
    assert event.silenced.email not in mailed


def test_a_notice_recorded_before_the_account_was_deactivated_is_not_emailed(
    people, django_capture_on_commit_callbacks
):
    told, silenced = people["viewer"], people["editor"]
    with django_capture_on_commit_callbacks() as pending:
        for user in (told, silenced):
            notification_create(recipient=user, title="調査が始まりました")
    _deactivate(silenced)
    for send in pending:
        send()
    assert [email.to for email in mail.outbox] == [[told.email]]


def test_the_daily_digest_skips_an_account_deactivated_since_its_notices(db):
    told, silenced = (UserFactory(notification_delivery=User.Delivery.DIGEST) for _ in range(2))
    for user in (told, silenced):
        notification_create(recipient=user, title="調査が始まりました")
    _deactivate(silenced)
    assert send_daily_digests() == 1
    assert [email.to for email in mail.outbox] == [[told.email]]
