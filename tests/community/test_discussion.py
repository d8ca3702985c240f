"""Discussion services: who may comment where, answers and mentions, routing questions, reports and moderation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from benchmarks.models import Dataset, Indicator
from benchmarks.services.imports import dataset_import
from community.models import Comment, CommentReport, ModerationAction
from community.selectors import discussion as selectors
from community.services import discussion as services
from community.services.cases import case_question_ask
from community.tasks import route_question
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Organization, Role
from tests.assessments import EVERYONE, load_catalog
from tests.benchmarks.support import long_csv
from tests.community.test_cases_support import write_case
from tests.community.test_market_support import list_solution, post_need, propose
from tests.factories import MembershipFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def say(target, by, body="ご意見ありがとうございます。", **kwargs) -> Comment:
    return services.comment_post(target=target, body=body, by=by, **kwargs)


# --- who may comment -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_everyone_who_reads_a_need_may_comment_on_it(users, need, who):
    comment = say(need, users[who])
    assert (comment.target, comment.author) == (need, users[who])


@pytest.mark.parametrize("who", EVERYONE)
def test_comments_on_a_staff_only_case_are_for_public_sector_staff(users, region, people, who):
    case = write_case(region["home"]["town"], people["editor"], publish=True)
    public_sector = {w for w in EVERYONE if w not in ("partner", "outsider")}
    if who in public_sector:
        say(case, users[who])
    else:
        with pytest.raises(PermissionDenied):
            say(case, users[who])
    # And what is said there stays there: a partner reads none of it.
    assert Comment.objects.filter(selectors.comment_visibility(users["partner"])).count() == 0
    assert Comment.objects.filter(selectors.comment_visibility(users["viewer"])).count() == (who in public_sector)


@pytest.mark.parametrize("who", EVERYONE)
def test_a_draft_case_is_discussed_only_within_its_body(users, region, people, who):
    draft = write_case(region["home"]["town"], people["editor"])
    if who in ("viewer", "editor", "admin", "staff"):
        say(draft, users[who])
    else:
        with pytest.raises(PermissionDenied):
            say(draft, users[who])


@pytest.mark.parametrize("who", EVERYONE)
def test_a_proposals_thread_is_for_its_two_parties(users, region, need, who):
    proposal = propose(need, region["partner"], users["partner"])
    other_partner = MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user
    with pytest.raises(PermissionDenied):
        say(proposal, other_partner)
    if who in ("viewer", "editor", "admin", "partner", "staff"):
        comment = say(proposal, users[who])
        # Each party speaks for its own side.
        if who == "partner":
            assert comment.organization == region["partner"]
        elif who != "staff":
            assert comment.organization == region["home"]["town"]
    else:
        with pytest.raises(PermissionDenied):
            say(proposal, users[who])


def test_a_draft_solutions_thread_is_its_partners(users, region):
    draft = list_solution(region["partner"], users["partner"], status="draft")
    say(draft, users["partner"])
    for who in ("editor", "coordinator", "national"):
        with pytest.raises(PermissionDenied):
            say(draft, users[who])


def test_empty_and_overlong_comments_are_refused(users, need):
    for body in ("", "   \n "):
        with pytest.raises(ValidationError) as refused:
            say(need, users["editor"], body=body)
        assert "body" in refused.value.message_dict
    with pytest.raises(ValidationError):
        say(need, users["editor"], body="あ" * 5001)
    with pytest.raises(ValidationError):
        say(need, users["editor"], kind="rant")
    assert not Comment.objects.exists()


# --- answers and mentions ------------------------------------------------------------------------


def test_an_answer_tells_the_author_of_the_comment_answered(users, need):
    question = say(need, users["partner"], "予算規模はどのくらいですか？", kind=Comment.Kind.QUESTION)
    answer = say(need, users["editor"], "百万円程度です。", parent=question)
    assert (answer.parent, answer.kind) == (question, Comment.Kind.COMMENT)
    (notice,) = Notification.objects.filter(recipient=users["partner"])
    assert need.title in notice.title
    assert notice.body == "百万円程度です。"
    assert notice.url == f"/community/needs/{need.pk}/#comment-{answer.pk}"
    # Answering yourself tells nobody.
    say(need, users["partner"], "ありがとうございます。", parent=question)
    assert Notification.objects.filter(recipient=users["partner"]).count() == 1


def test_an_answer_to_an_answer_joins_the_thread_and_tells_who_was_answered(users, need):
    first = say(need, users["partner"])
    answer = say(need, users["editor"], parent=first)
    again = say(need, users["admin"], parent=answer)
    assert again.parent == first  # one level of answers
    assert len(titles(users["editor"])) == 1  # the one answered
    assert len(titles(users["partner"])) == 1  # from the first answer only


def test_an_answer_must_be_in_the_same_thread_and_not_to_a_hidden_comment(users, need, region):
    other_need = post_need(region["home"]["town"], users["editor"], title="別のニーズ")
    elsewhere = say(other_need, users["partner"])
    with pytest.raises(ValidationError):
        say(need, users["editor"], parent=elsewhere)
    hidden = say(need, users["partner"])
    services.comment_hide(comment=hidden, reason="不適切", by=users["staff"])
    hidden.refresh_from_db()
    with pytest.raises(ValidationError):
        say(need, users["editor"], parent=hidden)
    assert Comment.objects.filter(parent__isnull=False).count() == 0


def test_a_mention_tells_the_person_if_they_may_read_it(users, region, people):
    case = write_case(region["home"]["town"], people["editor"], publish=True)  # staff-only
    partner, coordinator = users["partner"], users["coordinator"]
    say(
        case,
        users["editor"],
        f"@{coordinator.email.upper()} さん、@{partner.email} さん、@nobody@example.jp さん、ご覧ください。",
    )
    assert len(titles(coordinator)) == 1  # addresses are matched whatever their case
    assert titles(partner) == []  # the case is not for partners: no notice, nothing leaked
    assert Notification.objects.count() == 1


def test_a_mention_needs_the_at_sign_before_the_address(users, need):
    say(need, users["editor"], f"連絡先は {users['partner'].email} です。 mail@{users['admin'].email}")
    assert Notification.objects.count() == 0


def test_one_notice_for_an_answer_that_also_mentions(users, need):
    question = say(need, users["partner"])
    say(need, users["editor"], f"@{users['partner'].email} お答えします。 @{users['editor'].email}", parent=question)
    assert len(titles(users["partner"])) == 1
    assert titles(users["editor"]) == []  # mentioning yourself


def test_the_author_of_an_anonymised_case_stays_anonymous_in_its_thread(users, region, people):
    town = region["home"]["town"]
    case = write_case(town, people["editor"], publish=True, anonymous=True, audience="everyone")
    question = say(case, users["partner"], "費用はいくらでしたか？")
    answer = say(case, users["admin"], "約三百万円です。", parent=question)
    assert town.name not in selectors.author_label(answer, case, users["partner"])
    assert str(users["admin"]) not in selectors.author_label(answer, case, users["partner"])
    assert town.name in selectors.author_label(answer, case, users["viewer"])
    (notice,) = Notification.objects.filter(recipient=users["partner"])
    assert town.name not in notice.title and str(users["admin"]) not in notice.title


# --- routing questions ---------------------------------------------------------------------------

CODES = ("system.cio", "online_volume.01")


@pytest.fixture
def done_it(region, users, django_capture_on_commit_callbacks):
    """A national dataset in which some municipalities have done both items, some one, some neither.

    Returns the municipalities' organisations by name: same prefecture and size as the asker ("near"),
    same prefecture ("pref"), same size elsewhere ("size"), one that did only one item ("half"), one
    with no editor on the platform ("unstaffed").
    """
    load_catalog()
    home_pref = region["home"]["town"].municipality.prefecture
    other_pref = region["other"]["town"].municipality.prefecture
    made = {}
    for key, prefecture, size, values in (
        ("near", home_pref, "town", ("1", "online")),
        ("pref", home_pref, "small", ("1", "online")),
        ("size", other_pref, "town", ("1", "online")),
        ("far", other_pref, "mid", ("1", "online")),
        ("half", home_pref, "town", ("1", "offline")),
        ("unstaffed", home_pref, "town", ("1", "online")),
    ):
        municipality = MunicipalityFactory(
            prefecture=prefecture, size_class=size, kind="city" if size != "town" else "town"
        )
        made[key] = Organization.objects.create(
            kind=Organization.Kind.MUNICIPALITY, prefecture=prefecture, municipality=municipality, name=f"{key}町"
        )
        role = Role.VIEWER if key == "unstaffed" else Role.EDITOR
        MembershipFactory(organization=made[key], role=role)
        made[key].values = values
    # The region's own: the asker did it; the home city did it but has nobody on the platform; the other
    # town (with an admin and an editor) did not; the other city did not report.
    rows = []
    for organization, values in (
        (region["home"]["town"], ("1", "online")),
        (region["home"]["city"], ("1", "online")),
        (region["other"]["town"], ("0", "offline")),
        (region["other"]["city"], ("not_reported", "not_reported")),
    ):
        rows += [(organization.municipality.code, code, raw) for code, raw in zip(CODES, values, strict=True)]
    for organization in made.values():
        rows += [
            (organization.municipality.code, code, raw) for code, raw in zip(CODES, organization.values, strict=True)
        ]
    with django_capture_on_commit_callbacks(execute=True):
        outcome = dataset_import(
            data=long_csv(rows), file_name="n.csv", name="全国", source="テスト", origin=Dataset.Origin.REAL, by=None
        )
    assert outcome.dataset is not None
    return made


def tagged_need(region, users):
    indicators = list(Indicator.objects.filter(code__in=CODES, catalog__fiscal_year=2023))
    assert len(indicators) == 2
    return post_need(region["home"]["town"], users["editor"], indicators=indicators)


def test_a_question_goes_to_municipalities_that_did_it_near_ones_first(
    done_it, region, users, django_capture_on_commit_callbacks
):
    need = tagged_need(region, users)
    with django_capture_on_commit_callbacks(execute=True):
        question = say(need, users["editor"], "導入時の課題は何でしたか？", kind=Comment.Kind.QUESTION)
    expected = [done_it["near"], done_it["pref"], done_it["size"], done_it["far"]]
    assert list(question.routed_to.order_by("pk")) == sorted(expected, key=lambda o: o.pk)
    for key in ("near", "pref", "size", "far"):
        (editor,) = [m.user for m in done_it[key].memberships.all()]
        assert len(titles(editor)) == 1
    for key in ("half", "unstaffed"):
        assert all(titles(m.user) == [] for m in done_it[key].memberships.all())
    # The asker's own town did it too, but is not asked its own question.
    assert region["home"]["town"] not in question.routed_to.all()

    # The order of preference shows when there are more than asked for.
    assert services.routing_candidates(codes=set(CODES), asker=region["home"]["town"], limit=3) == expected[:3]


def test_a_question_on_a_case_is_not_routed_to_the_body_that_wrote_it(
    done_it, region, users, django_capture_on_commit_callbacks
):
    """The home town did both items and wrote the case: naming it among those asked would unmask it."""
    town = region["home"]["town"]
    indicators = list(Indicator.objects.filter(code__in=CODES, catalog__fiscal_year=2023))
    case = write_case(town, users["editor"], publish=True, anonymous=True, indicators=indicators)
    with django_capture_on_commit_callbacks(execute=True):
        question = case_question_ask(case=case, body="運用体制は？", by=users["other_editor"])
    routed = set(question.routed_to.all())
    assert routed == {done_it[key] for key in ("near", "pref", "size", "far")}
    assert town in services.routing_candidates(codes=set(CODES), asker=region["other"]["town"])
    [entry] = selectors.thread(user=users["other_editor"], target=case).entries
    assert town.name not in [body.name for body in entry.routed_to]


def test_routing_twice_routes_once(done_it, region, users):
    need = tagged_need(region, users)
    question = say(need, users["editor"], "どう進めましたか？", kind=Comment.Kind.QUESTION)  # on_commit not run
    assert route_question.delay(comment_id=question.pk).get() == 4
    assert route_question(comment_id=question.pk) == 0
    assert question.routed_to.count() == 4
    assert Notification.objects.filter(title__startswith="実施済みの団体への質問").count() == 4


def test_a_plain_comment_or_an_untagged_item_is_not_routed(done_it, region, users, django_capture_on_commit_callbacks):
    need = tagged_need(region, users)
    untagged = post_need(region["home"]["town"], users["editor"], title="タグなし")
    with django_capture_on_commit_callbacks(execute=True):
        comment = say(need, users["editor"], "感想です。")
        question = say(untagged, users["editor"], "どうでしたか？", kind=Comment.Kind.QUESTION)
    assert comment.routed_to.count() == question.routed_to.count() == 0
    assert not Notification.objects.filter(title__startswith="実施済みの団体への質問").exists()
    assert services.question_route(comment_id=comment.pk) == []


def test_no_routing_without_national_data(region, users):
    load_catalog()
    need = tagged_need(region, users)
    question = say(need, users["editor"], "質問", kind=Comment.Kind.QUESTION)
    assert services.question_route(comment_id=question.pk) == []


# --- reports -------------------------------------------------------------------------------------


def test_a_report_is_made_once_with_a_reason_and_moderators_are_told(users, need):
    comment = say(need, users["partner"], "宣伝です")
    with pytest.raises(ValidationError):
        services.comment_report(comment=comment, reason="  ", by=users["viewer"])
    report = services.comment_report(comment=comment, reason="宣伝目的です", by=users["viewer"])
    assert (report.by, report.reason, report.resolved_at) == (users["viewer"], "宣伝目的です", None)
    with pytest.raises(ValidationError):
        services.comment_report(comment=comment, reason="もう一度", by=users["viewer"])
    assert CommentReport.objects.count() == 1
    # Platform staff and the coordinator of the need's prefecture; not the other prefecture's coordinator.
    for who in ("staff", "coordinator"):
        (notice,) = Notification.objects.filter(recipient=users[who])
        assert notice.body == "宣伝目的です"
    for who in ("other_coordinator", "editor", "partner"):
        assert titles(users[who]) == []


def test_what_one_may_not_read_one_may_not_report(users, region, people):
    case = write_case(region["home"]["town"], people["editor"], publish=True)
    comment = say(case, users["viewer"])
    with pytest.raises(PermissionDenied):
        services.comment_report(comment=comment, reason="見えないはず", by=users["partner"])


# --- moderation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_who_moderates_a_comment_on_a_home_need(users, need, who):
    """Staff, and the coordinator of the prefecture of the need's body (and of the author's body)."""
    comment = say(need, users["other_editor"], "不適切な発言")
    moderators = {"staff", "coordinator", "other_coordinator"}  # the author is of the other prefecture
    partner_comment = say(need, users["partner"], "別の発言")  # a partner's comment: the need's prefecture only
    for target, allowed in ((comment, moderators), (partner_comment, {"staff", "coordinator"})):
        if who in allowed:
            action = services.comment_hide(comment=target, reason="誹謗中傷", by=users[who])
            assert (action.action, action.by, action.reason) == (ModerationAction.Action.HIDE, users[who], "誹謗中傷")
            target.refresh_from_db()
            assert (target.hidden, target.hidden_reason) == (True, "誹謗中傷")
        else:
            with pytest.raises(PermissionDenied):
                services.comment_hide(comment=target, reason="誹謗中傷", by=users[who])
            target.refresh_from_db()
            assert not target.hidden


def test_a_coordinator_cannot_moderate_what_they_cannot_read(users, region, need):
    proposal = propose(need, region["partner"], users["partner"])
    comment = say(proposal, users["editor"])
    with pytest.raises(PermissionDenied):
        services.comment_hide(comment=comment, reason="理由", by=users["coordinator"])
    services.comment_hide(comment=comment, reason="理由", by=users["staff"])


def test_hide_and_restore_are_recorded_with_their_reasons_and_resolve_reports(users, need):
    comment = say(need, users["partner"])
    services.comment_report(comment=comment, reason="宣伝", by=users["viewer"])
    with pytest.raises(ValidationError) as refused:
        services.comment_hide(comment=comment, reason="", by=users["coordinator"])
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.comment_hide(comment=comment, reason="長" * 501, by=users["coordinator"])
    with pytest.raises(ValidationError):
        services.comment_restore(comment=comment, reason="まだ隠れていない", by=users["coordinator"])

    services.comment_hide(comment=comment, reason="宣伝のため", by=users["coordinator"])
    assert CommentReport.objects.get().resolved_at is not None
    with pytest.raises(ValidationError):
        services.comment_hide(comment=comment, reason="二度目", by=users["staff"])
    services.comment_restore(comment=comment, reason="誤解でした", by=users["staff"])
    comment.refresh_from_db()
    assert (comment.hidden, comment.hidden_reason) == (False, "")
    trail = list(ModerationAction.objects.values_list("action", "reason", "by"))
    assert trail == [("hide", "宣伝のため", users["coordinator"].pk), ("restore", "誤解でした", users["staff"].pk)]
    # A hidden comment cannot be reported again; a restored one can.
    services.comment_report(comment=comment, reason="また宣伝", by=users["editor"])
