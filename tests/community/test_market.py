"""Market services: needs, proposals, solutions and references — who may do what, what is refused, who is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.models import Need, Proposal, SearchEntry, Solution, SolutionReference
from community.selectors import market as selectors
from community.selectors.search import Filters, search
from community.services import market as services
from dx_platform.accounts.models import User
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Role
from tests.assessments import EVERYONE
from tests.community.test_market_support import in_days, list_solution, need_input, post_need, propose, solution_input
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(region):
    return region["partner"]


def notices(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --- needs ---------------------------------------------------------------------------------------

# Who may post a need for the home town, and for the home prefecture.
TOWN_POSTERS = {"editor", "admin"}
PREFECTURE_POSTERS = {"coordinator"}


@pytest.mark.parametrize("who", EVERYONE)
def test_who_posts_a_need_for_the_town_and_for_the_prefecture(users, region, who):
    for organization, allowed in (
        (region["home"]["town"], TOWN_POSTERS),
        (region["home"]["prefecture"], PREFECTURE_POSTERS),
    ):
        if who in allowed:
            need = post_need(organization, users[who])
            assert (need.organization, need.author, need.status) == (organization, users[who], Need.Status.OPEN)
        else:
            with pytest.raises(PermissionDenied):
                post_need(organization, users[who])


def test_a_partner_cannot_post_a_need_even_for_itself(users, partner):
    with pytest.raises(PermissionDenied):
        post_need(partner, users["partner"])


def test_a_deadline_in_the_past_is_refused_today_is_fine(town, people):
    with pytest.raises(ValidationError) as refused:
        post_need(town, people["editor"], deadline=in_days(-1))
    assert "deadline" in refused.value.message_dict
    assert not Need.objects.exists()
    assert post_need(town, people["editor"], deadline=in_days(0)).deadline == in_days(0)


def test_a_bad_choice_is_refused_by_the_service_itself(town, people):
    with pytest.raises(ValidationError) as refused:
        post_need(town, people["editor"], category="nonsense", budget_band="a lot")
    assert {"category", "budget_band"} <= set(refused.value.message_dict)
    assert not Need.objects.exists()


def test_a_need_is_changed_by_its_body_only_and_stays_with_it(need, town, region, users):
    changed = services.need_save(
        organization=town, given=need_input(title="変更後の件名"), by=users["admin"], need=need
    )
    assert changed.title == "変更後の件名"
    # The other town's editor cannot reach it by naming their own town, nor by naming this one.
    for organization in (region["other"]["town"], town):
        with pytest.raises(PermissionDenied):
            services.need_save(organization=organization, given=need_input(), by=users["other_editor"], need=need)
    need.refresh_from_db()
    assert need.title == "変更後の件名"


def test_closing_a_need(need, users):
    for who in ("viewer", "partner", "other_editor", "coordinator"):
        with pytest.raises(PermissionDenied):
            services.need_close(need=need, by=users[who])
    services.need_close(need=need, by=users["admin"])
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED
    with pytest.raises(ValidationError):
        services.need_close(need=need, by=users["admin"])
    with pytest.raises(ValidationError):
        services.need_save(organization=need.organization, given=need_input(), by=users["admin"], need=need)


def test_a_new_need_tells_partners_with_a_published_solution_in_its_category(region, users, town):
    in_category = users["partner"]
    colleague = MembershipFactory(organization=region["partner"], role=Role.PARTNER).user
    list_solution(region["partner"], in_category, category="window")
    drafts_only = MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user
    list_solution(region["other_partner"], drafts_only, category="window", status=Solution.Status.DRAFT)
    other_category = MembershipFactory(role=Role.PARTNER).user
    list_solution(other_category.memberships.get().organization, other_category, category="rpa")

    need = post_need(town, users["editor"], category="window")

    url = reverse("community:need_detail", args=[need.pk])
    for partner in (in_category, colleague):
        (notice,) = Notification.objects.filter(recipient=partner)
        assert need.title in notice.title
        assert notice.url == url
    assert notices(drafts_only) == []
    assert notices(other_category) == []
    # Changing the need tells nobody again.
    services.need_save(organization=town, given=need_input(title="改訂"), by=users["editor"], need=need)
    assert len(notices(in_category)) == 1


# --- proposals -----------------------------------------------------------------------------------


def test_a_partner_proposes_once_and_the_needs_author_is_told(need, partner, users):
    solution = list_solution(partner, users["partner"])
    proposal = propose(need, partner, users["partner"], solution=solution, price_note="月額5万円")
    assert (proposal.status, proposal.solution, proposal.author) == (
        Proposal.Status.SUBMITTED,
        solution,
        users["partner"],
    )
    # The need's author hears of it; the town's other staff do not.
    (notice,) = Notification.objects.filter(recipient=users["editor"])
    assert partner.name in notice.title and need.title in notice.title
    assert notice.url == reverse("community:proposal_detail", args=[proposal.pk])
    assert notices(users["admin"]) == []
    with pytest.raises(ValidationError):
        propose(need, partner, users["partner"])
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize("who", EVERYONE)
def test_only_partner_staff_propose_for_their_partner(need, partner, users, who):
    if who == "partner":
        assert propose(need, partner, users[who]).organization == partner
    else:
        with pytest.raises(PermissionDenied):
            propose(need, partner, users[who])


def test_no_proposal_to_a_closed_need_or_after_its_deadline(need, partner, users):
    Need.objects.filter(pk=need.pk).update(deadline=in_days(-1))
    need.refresh_from_db()
    with pytest.raises(ValidationError):
        propose(need, partner, users["partner"])
    Need.objects.filter(pk=need.pk).update(deadline=in_days(5), status=Need.Status.CLOSED)
    need.refresh_from_db()
    with pytest.raises(ValidationError):
        propose(need, partner, users["partner"])
    assert not Proposal.objects.exists()


def test_a_proposal_points_only_to_the_partners_own_published_solution(need, region, users):
    partner, other = region["partner"], region["other_partner"]
    other_staff = MembershipFactory(organization=other, role=Role.PARTNER).user
    theirs = list_solution(other, other_staff)
    draft = list_solution(partner, users["partner"], status=Solution.Status.DRAFT)
    for solution in (theirs, draft):
        with pytest.raises(ValidationError) as refused:
            propose(need, partner, users["partner"], solution=solution)
        assert "solution" in refused.value.message_dict
    with pytest.raises(ValidationError):
        propose(need, partner, users["partner"], summary="   ")
    assert not Proposal.objects.exists()


def test_withdrawing_and_proposing_again(need, partner, users):
    proposal = propose(need, partner, users["partner"])
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, by=users["editor"])
    services.proposal_withdraw(proposal=proposal, by=users["partner"])
    assert Proposal.objects.get().status == Proposal.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=proposal, by=users["partner"])
    # Withdrawn, the partner may propose again: the same row, submitted again.
    again = propose(need, partner, users["partner"], summary="改めて提案します。")
    assert (again.pk, again.status, again.summary) == (proposal.pk, Proposal.Status.SUBMITTED, "改めて提案します。")


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_needs_body_shortlists_or_declines(need, partner, users, who):
    proposal = propose(need, partner, users["partner"])
    if who in TOWN_POSTERS:
        services.proposal_decide(proposal=proposal, shortlist=True, by=users[who])
        assert Proposal.objects.get().status == Proposal.Status.SHORTLISTED
        (notice,) = Notification.objects.filter(recipient=users["partner"])
        assert notice.url == reverse("community:proposal_detail", args=[proposal.pk])
        services.proposal_decide(proposal=proposal, shortlist=False, by=users[who])
        assert Proposal.objects.get().status == Proposal.Status.DECLINED
    else:
        with pytest.raises(PermissionDenied):
            services.proposal_decide(proposal=proposal, shortlist=True, by=users[who])
        assert Proposal.objects.get().status == Proposal.Status.SUBMITTED


def test_a_withdrawn_proposal_cannot_be_shortlisted(need, partner, users):
    proposal = propose(need, partner, users["partner"])
    services.proposal_withdraw(proposal=proposal, by=users["partner"])
    with pytest.raises(ValidationError):
        services.proposal_decide(proposal=proposal, shortlist=True, by=users["editor"])


@pytest.mark.parametrize("who", EVERYONE)
def test_who_reads_a_proposal(need, region, users, who):
    """The proposing partner and the need's body; no other partner, no coordinator, nobody else."""
    other_staff = MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user
    mine = propose(need, region["partner"], users["partner"])
    theirs = propose(need, region["other_partner"], other_staff)
    readers = {
        mine.pk: {"viewer", "editor", "admin", "partner", "staff"},
        theirs.pk: {"viewer", "editor", "admin", "staff"},
    }
    visible = set(selectors.proposal_list(user=users[who]).values_list("pk", flat=True))
    assert visible == {pk for pk, who_reads in readers.items() if who in who_reads}


# --- solutions and references --------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_only_partner_staff_list_solutions(users, partner, region, who):
    if who == "partner":
        assert list_solution(partner, users[who]).organization == partner
    else:
        with pytest.raises(PermissionDenied):
            list_solution(partner, users[who])
    # Nobody lists a solution for a municipality.
    with pytest.raises(PermissionDenied):
        list_solution(region["home"]["town"], users[who])


@pytest.mark.parametrize("who", EVERYONE)
def test_a_draft_solution_is_seen_by_its_partner_only(users, partner, who):
    draft = list_solution(partner, users["partner"], status=Solution.Status.DRAFT)
    published = list_solution(partner, users["partner"], title="公開中")
    visible = set(selectors.solution_list(user=users[who]).values_list("pk", flat=True))
    assert visible == ({draft.pk, published.pk} if who in ("partner", "staff") else {published.pk})


def test_solution_filters(users, partner):
    saas = list_solution(partner, users["partner"], deployment="saas", ismap=True, lgwan_asp=False, category="rpa")
    lgwan = list_solution(partner, users["partner"], deployment="lgwan_asp", ismap=True, unified_qualification=True)
    reader = users["viewer"]

    def found(**given):
        return set(selectors.solution_list(user=reader, filters=selectors.SolutionFilters(**given)))

    assert found() == {saas, lgwan}
    assert found(category="rpa") == {saas}
    assert found(deployment="lgwan_asp") == {lgwan}
    assert found(qualifications=("ismap",)) == {saas, lgwan}
    assert found(qualifications=("ismap", "unified_qualification")) == {lgwan}
    assert found(qualifications=("lgwan_asp",), deployment="saas") == set()


def test_a_reference_is_requested_by_the_partner_and_the_municipality_is_told(users, partner, region, town):
    solution = list_solution(partner, users["partner"])
    for who in ("editor", "viewer", "other_editor"):
        with pytest.raises(PermissionDenied):
            services.reference_request(solution=solution, organization=town, by=users[who])
    reference = services.reference_request(solution=solution, organization=town, by=users["partner"])
    assert reference.status == SolutionReference.Status.PENDING
    url = reverse("community:reference_decide", args=[reference.pk])
    # Those who may decide for the town are told; its viewer and the coordinator are not.
    for who in ("editor", "admin"):
        assert list(Notification.objects.filter(recipient=users[who]).values_list("url", flat=True)) == [url]
    for who in ("viewer", "coordinator"):
        assert notices(users[who]) == []
    with pytest.raises(ValidationError):
        services.reference_request(solution=solution, organization=town, by=users["partner"])
    # A reference is a municipality: not a prefecture, not a partner.
    for organization in (region["home"]["prefecture"], region["other_partner"]):
        with pytest.raises(ValidationError):
            services.reference_request(solution=solution, organization=organization, by=users["partner"])
    assert SolutionReference.objects.count() == 1


@pytest.mark.parametrize("who", EVERYONE)
def test_only_the_named_municipality_decides(users, partner, town, who):
    solution = list_solution(partner, users["partner"])
    reference = services.reference_request(solution=solution, organization=town, by=users["partner"])
    if who in ("editor", "admin"):
        services.reference_decide(reference=reference, confirm=True, by=users[who])
        reference.refresh_from_db()
        assert (reference.status, reference.decided_by) == (SolutionReference.Status.CONFIRMED, users[who])
        assert reference.decided_at is not None
    else:
        # Not the partner, not the coordinator, not staff: the town itself says it uses it.
        with pytest.raises(PermissionDenied):
            services.reference_decide(reference=reference, confirm=True, by=users[who])
        assert SolutionReference.objects.get().status == SolutionReference.Status.PENDING


@pytest.mark.parametrize("who", EVERYONE)
def test_only_confirmed_references_show_to_others(users, partner, region, who):
    solution = list_solution(partner, users["partner"])
    towns = (region["home"]["town"], region["home"]["city"], region["other"]["town"])
    confirmed, declined, pending = (
        services.reference_request(solution=solution, organization=t, by=users["partner"]) for t in towns
    )
    MembershipFactory(organization=region["home"]["city"], role=Role.EDITOR)
    services.reference_decide(reference=confirmed, confirm=True, by=users["editor"])
    declined.status = SolutionReference.Status.DECLINED
    declined.save()
    shown = set(selectors.references_of(user=users[who], solution=solution))
    expected = {confirmed}
    if who in ("partner", "staff"):
        expected = {confirmed, declined, pending}
    elif who in ("other_admin", "other_editor"):
        expected = {confirmed, pending}  # their own town's request, to decide it
    assert shown == expected
    assert selectors.solution_list(user=users[who]).get(pk=solution.pk).confirmed_references == 1


def test_the_municipality_can_change_its_mind(users, partner, town):
    solution = list_solution(partner, users["partner"])
    reference = services.reference_request(solution=solution, organization=town, by=users["partner"])
    services.reference_decide(reference=reference, confirm=True, by=users["editor"])
    services.reference_decide(reference=reference, confirm=False, by=users["admin"])
    reference.refresh_from_db()
    assert (reference.status, reference.decided_by) == (SolutionReference.Status.DECLINED, users["admin"])
    assert set(selectors.references_of(user=users["coordinator"], solution=solution)) == set()


# --- search --------------------------------------------------------------------------------------


def test_needs_and_solutions_are_found_by_a_word_inside_a_sentence(town, partner, users):
    need = post_need(town, users["editor"], problem="住民票の写しの交付申請をオンライン化したい。")
    solution = list_solution(partner, users["partner"], description="ＡＩ－ＯＣＲで紙の申請書を読み取ります。")
    entries = {(e.kind, e.object_id) for e in SearchEntry.objects.all()}
    assert entries == {("need", need.pk), ("solution", solution.pk)}

    def found(query):
        return {(e.kind, e.object_id) for e in search(user=users["viewer"], query=query, filters=Filters()).entries}

    assert found("交付申請") == {("need", need.pk)}
    assert found("ai-ocr") == {("solution", solution.pk)}  # full-width in the text, half-width typed
    # A change is indexed again.
    services.solution_save(
        organization=partner, given=solution_input(description="窓口支援"), by=users["partner"], solution=solution
    )
    assert found("ai-ocr") == set()


def test_a_draft_solution_is_indexed_but_found_only_by_its_partner(partner, users):
    draft = list_solution(partner, users["partner"], status=Solution.Status.DRAFT, title="秘密の新製品")
    assert search(user=users["viewer"], query="新製品", filters=Filters()).entries.count() == 0
    assert [e.object_id for e in search(user=users["partner"], query="新製品", filters=Filters()).entries] == [draft.pk]
