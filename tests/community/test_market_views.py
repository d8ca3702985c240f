"""Market pages: lists with filters, forms that re-show their errors, and every role against other bodies' objects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.models import Need, Proposal, Solution, SolutionReference
from community.services import market as services
from dx_platform.organizations.models import Role
from tests.assessments import EVERYONE
from tests.community.test_market_support import in_days, list_solution, post_need, propose
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_staff(region):
    """Staff of the second partner, a competitor of the first."""
    return MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user


def url(name, *args):
    return reverse(f"community:{name}", args=args)


def need_data(**changes):
    data = {
        "organization": "",
        "title": "ＲＰＡで給与計算を自動化したい",
        "problem": "毎月の給与計算に三日かかる。",
        "category": "rpa",
        "area": "",
        "constraints": "",
        "budget_band": "1m_5m",
        "deadline": in_days(20).isoformat(),
    }
    data.update(changes)
    return data


# --- needs ---------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, need):
    for address in (url("need_list"), url("need_detail", need.pk), url("solution_list"), url("need_create")):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_editor_posts_a_need_and_a_past_deadline_is_shown_again_with_the_reason(en_client, people, region):
    town = region["home"]["town"]
    en_client.force_login(people["editor"])
    assert en_client.get(url("need_create")).status_code == 200

    refused = en_client.post(url("need_create"), need_data(organization=town.pk, deadline=in_days(-3).isoformat()))
    assert refused.status_code == 400
    assert "The deadline cannot be in the past." in refused.content.decode()
    assert "ＲＰＡで給与計算を自動化したい" in refused.content.decode()  # what was typed is kept
    assert not Need.objects.exists()

    response = en_client.post(url("need_create"), need_data(organization=town.pk))
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("need_detail", need.pk)
    assert (need.organization, need.category, need.budget_band) == (town, "rpa", "1m_5m")


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_open_the_need_form(client, users, who):
    client.force_login(users[who])
    may = who in ("editor", "admin", "coordinator", "other_admin", "other_editor", "other_coordinator")
    assert client.get(url("need_create")).status_code == (200 if may else 403)


def test_a_need_cannot_be_posted_for_another_body(client, people, region):
    client.force_login(people["editor"])
    response = client.post(url("need_create"), need_data(organization=region["other"]["town"].pk))
    assert response.status_code == 400
    assert not Need.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_everyone_signed_in_reads_a_need_only_its_body_changes_or_closes_it(client, users, need, who):
    client.force_login(users[who])
    assert client.get(url("need_detail", need.pk)).status_code == 200
    edit = client.post(url("need_edit", need.pk), need_data(title="書き換え"))
    close = client.post(url("need_close", need.pk))
    need.refresh_from_db()
    if who in ("editor", "admin"):
        assert (edit.status_code, close.status_code) == (302, 302)
        assert (need.title, need.status) == ("書き換え", Need.Status.CLOSED)
    else:
        assert (edit.status_code, close.status_code) == (403, 403)
        assert (need.title, need.status) != ("書き換え", Need.Status.CLOSED)
        assert need.status == Need.Status.OPEN


def test_a_missing_need_is_404(client, people):
    client.force_login(people["viewer"])
    assert client.get(url("need_detail", 999)).status_code == 404


def test_need_list_filters_and_pages(en_client, people, region):
    town, prefecture = region["home"]["town"], region["home"]["prefecture"]
    rpa = post_need(town, people["editor"], title="RPAの件", category="rpa", area="system")
    window = post_need(prefecture, people["coordinator"], title="窓口の件", category="window")
    services.need_close(need=window, by=people["coordinator"])
    en_client.force_login(people["partner"])

    def listed(**query):
        response = en_client.get(url("need_list"), query)
        assert response.status_code == 200
        return [n.pk for n in response.context["page"]]

    assert set(listed()) == {rpa.pk, window.pk}
    assert listed(category="rpa") == [rpa.pk]
    assert listed(area="system") == [rpa.pk]
    assert listed(status="closed") == [window.pk]
    assert en_client.get(url("need_list"), {"category": "nonsense"}).status_code == 400

    for i in range(25):
        post_need(town, people["editor"], title=f"件{i}")
    first = en_client.get(url("need_list"))
    assert len(first.context["page"]) == 20
    assert len(en_client.get(url("need_list"), {"page": 2}).context["page"]) == 7


def test_user_text_is_escaped(client, people, region):
    post_need(region["home"]["town"], people["editor"], title="<script>alert(1)</script>", problem="<b>太字</b>")
    client.force_login(people["partner"])
    need = Need.objects.get()
    for address in (url("need_list"), url("need_detail", need.pk)):
        content = client.get(address).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<b>太字</b>" not in client.get(url("need_detail", need.pk)).content.decode()


# --- proposals -----------------------------------------------------------------------------------


def test_a_partner_proposes_through_the_form(en_client, people, region, need):
    partner = region["partner"]
    solution = list_solution(partner, people["partner"])
    en_client.force_login(people["partner"])
    page = en_client.get(url("need_detail", need.pk))
    assert page.context["can_propose"]
    assert url("need_propose", need.pk) in page.content.decode()

    empty = en_client.post(url("need_propose", need.pk), {"organization": partner.pk, "summary": ""})
    assert empty.status_code == 400
    assert not Proposal.objects.exists()

    response = en_client.post(
        url("need_propose", need.pk),
        {
            "organization": partner.pk,
            "summary": "三か月で導入します。",
            "price_note": "月額5万円",
            "solution": solution.pk,
        },
    )
    proposal = Proposal.objects.get()
    assert response["Location"] == url("proposal_detail", proposal.pk)
    assert (proposal.solution, proposal.price_note) == (solution, "月額5万円")
    # Once proposed, the form is not offered again and a second visit goes back to the need.
    assert not en_client.get(url("need_detail", need.pk)).context["can_propose"]
    again = en_client.get(url("need_propose", need.pk))
    assert again.status_code == 302
    assert again["Location"] == url("need_detail", need.pk)


@pytest.mark.parametrize("who", [w for w in EVERYONE if w != "partner"])
def test_only_partners_open_the_proposal_form(client, users, need, who):
    client.force_login(users[who])
    assert client.get(url("need_propose", need.pk)).status_code == 403


def test_a_closed_need_takes_no_proposal(en_client, people, region, need):
    services.need_close(need=need, by=people["editor"])
    en_client.force_login(people["partner"])
    assert not en_client.get(url("need_detail", need.pk)).context["can_propose"]
    response = en_client.post(url("need_propose", need.pk), {"organization": region["partner"].pk, "summary": "提案"})
    assert response.status_code == 400
    assert "This need no longer takes proposals." in response.content.decode()
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_a_partner_never_sees_another_partners_proposal(client, users, region, need, other_staff, who):
    mine = propose(need, region["partner"], users["partner"], summary="わが社の提案本文")
    theirs = propose(need, region["other_partner"], other_staff, summary="競合他社の提案本文")
    client.force_login(users[who])

    page = client.get(url("need_detail", need.pk)).content.decode()
    readers = {
        mine: {"viewer", "editor", "admin", "partner", "staff"},
        theirs: {"viewer", "editor", "admin", "staff"},
    }
    for proposal, who_reads in readers.items():
        assert client.get(url("proposal_detail", proposal.pk)).status_code == (200 if who in who_reads else 404)
        assert (url("proposal_detail", proposal.pk) in page) == (who in who_reads)
    assert "競合他社の提案本文" not in client.get(url("proposal_detail", mine.pk)).content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_shortlist_decline_and_withdraw_on_the_pages(client, users, region, need, who):
    proposal = propose(need, region["partner"], users["partner"])
    client.force_login(users[who])
    readers = {"viewer", "editor", "admin", "partner", "staff"}

    shortlist = client.post(url("proposal_decide", proposal.pk), {"decision": "shortlist"})
    expected = 302 if who in ("editor", "admin") else 403 if who in readers else 404
    assert shortlist.status_code == expected
    proposal.refresh_from_db()
    assert (proposal.status == Proposal.Status.SHORTLISTED) == (who in ("editor", "admin"))

    withdraw = client.post(url("proposal_withdraw", proposal.pk))
    assert withdraw.status_code == (302 if who == "partner" else 403 if who in readers else 404)
    proposal.refresh_from_db()
    assert (proposal.status == Proposal.Status.WITHDRAWN) == (who == "partner")


def test_a_bad_decision_is_a_message_not_an_error(en_client, people, region, need):
    proposal = propose(need, region["partner"], people["partner"])
    en_client.force_login(people["editor"])
    response = en_client.post(url("proposal_decide", proposal.pk), {"decision": "maybe"}, follow=True)
    assert response.status_code == 200
    assert "Choose to shortlist or to decline." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


# --- solutions and references --------------------------------------------------------------------


def solution_data(**changes):
    data = {
        "organization": "",
        "title": "電子申請キット",
        "description": "申請フォームを作るクラウド。",
        "category": "e_application",
        "pricing": "subscription",
        "price_note": "",
        "deployment": "saas",
        "status": "published",
        "ismap": "on",
    }
    data.update(changes)
    return data


def test_a_partner_lists_a_solution_and_bad_input_is_shown_again(en_client, people, region):
    partner = region["partner"]
    en_client.force_login(people["partner"])
    refused = en_client.post(url("solution_create"), solution_data(organization=partner.pk, deployment="cloud"))
    assert refused.status_code == 400
    assert not Solution.objects.exists()
    response = en_client.post(url("solution_create"), solution_data(organization=partner.pk))
    solution = Solution.objects.get()
    assert response["Location"] == url("solution_detail", solution.pk)
    assert (solution.organization, solution.ismap, solution.lgwan_asp) == (partner, True, False)


@pytest.mark.parametrize("who", [w for w in EVERYONE if w != "partner"])
def test_only_partners_list_solutions(client, users, who):
    client.force_login(users[who])
    assert client.get(url("solution_create")).status_code == 403


@pytest.mark.parametrize("who", EVERYONE)
def test_a_draft_solution_is_404_to_all_but_its_partner(client, users, region, who):
    draft = list_solution(region["partner"], users["partner"], status=Solution.Status.DRAFT, title="未公開の製品")
    client.force_login(users[who])
    readers = {"partner", "staff"}
    assert client.get(url("solution_detail", draft.pk)).status_code == (200 if who in readers else 404)
    assert ("未公開の製品" in client.get(url("solution_list")).content.decode()) == (who in readers)
    edit = client.get(url("solution_edit", draft.pk))
    assert edit.status_code == (200 if who == "partner" else 403 if who in readers else 404)


def test_solution_list_filters(client, people, region):
    partner = region["partner"]
    saas = list_solution(partner, people["partner"], title="A", deployment="saas", ismap=True, lgwan_asp=False)
    lgwan = list_solution(partner, people["partner"], title="B", category="rpa", unified_qualification=True)
    client.force_login(people["viewer"])

    def listed(query):
        response = client.get(url("solution_list"), query)
        assert response.status_code == 200
        return {s.pk for s in response.context["page"]}

    assert listed({}) == {saas.pk, lgwan.pk}
    assert listed({"deployment": "saas"}) == {saas.pk}
    assert listed({"category": "rpa"}) == {lgwan.pk}
    assert listed({"qualifications": ["ismap"]}) == {saas.pk}
    assert listed({"qualifications": ["lgwan_asp", "unified_qualification"]}) == {lgwan.pk}
    assert client.get(url("solution_list"), {"qualifications": ["made_up"]}).status_code == 400


def test_a_partner_names_a_reference_by_code_or_name(en_client, people, region):
    solution = list_solution(region["partner"], people["partner"])
    town, other_town = region["home"]["town"], region["other"]["town"]
    en_client.force_login(people["partner"])

    by_code = en_client.post(url("solution_detail", solution.pk), {"municipality": town.municipality.code})
    assert by_code.status_code == 302
    by_name = en_client.post(url("solution_detail", solution.pk), {"municipality": other_town.name})
    assert by_name.status_code == 302
    unknown = en_client.post(url("solution_detail", solution.pk), {"municipality": "存在しない村"})
    assert unknown.status_code == 400
    assert "No municipality has this code or name." in unknown.content.decode()
    twice = en_client.post(url("solution_detail", solution.pk), {"municipality": town.municipality.code})
    assert twice.status_code == 400
    assert set(SolutionReference.objects.values_list("organization", flat=True)) == {town.pk, other_town.pk}


@pytest.mark.parametrize("who", [w for w in EVERYONE if w != "partner"])
def test_only_the_partner_names_references(client, users, region, who):
    solution = list_solution(region["partner"], users["partner"])
    client.force_login(users[who])
    response = client.post(url("solution_detail", solution.pk), {"municipality": region["home"]["town"].name})
    assert response.status_code == 403
    assert not SolutionReference.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_the_reference_page_decides_for_the_named_municipality_only(client, users, region, who):
    solution = list_solution(region["partner"], users["partner"], status=Solution.Status.DRAFT)
    town = region["home"]["town"]
    reference = services.reference_request(solution=solution, organization=town, by=users["partner"])
    client.force_login(users[who])
    # The town's people and the partner see the request (the solution may still be a draft); nobody else.
    readers = {"viewer", "editor", "admin", "partner", "staff"}
    assert client.get(url("reference_decide", reference.pk)).status_code == (200 if who in readers else 404)
    response = client.post(url("reference_decide", reference.pk), {"decision": "confirm"})
    assert response.status_code == (302 if who in ("editor", "admin") else 403 if who in readers else 404)
    reference.refresh_from_db()
    confirmed = reference.status == SolutionReference.Status.CONFIRMED
    assert confirmed == (who in ("editor", "admin"))


def test_pending_requests_show_on_the_solution_list_of_those_who_decide(client, people, region):
    solution = list_solution(region["partner"], people["partner"], title="照会中の製品")
    reference = services.reference_request(solution=solution, organization=region["home"]["town"], by=people["partner"])
    client.force_login(people["editor"])
    page = client.get(url("solution_list")).content.decode()
    assert url("reference_decide", reference.pk) in page
    client.force_login(people["viewer"])
    assert url("reference_decide", reference.pk) not in client.get(url("solution_list")).content.decode()
    # A confirmed reference shows on the solution's page to everyone; a pending one does not.
    client.force_login(people["coordinator"])
    assert region["home"]["town"].name not in client.get(url("solution_detail", solution.pk)).content.decode()
    services.reference_decide(reference=reference, confirm=True, by=people["editor"])
    assert region["home"]["town"].name in client.get(url("solution_detail", solution.pk)).content.decode()


# --- what partners never see -------------------------------------------------------------------


def test_a_partner_gets_404_on_a_staff_only_case_and_on_assessments(client, people, region):
    from community.models import PracticeCase
    from tests.assessments import load_catalog
    from tests.community.test_cases_support import write_case

    town = region["home"]["town"]
    staff_only = write_case(town, people["editor"], publish=True, title="職員限定の事例")
    assert staff_only.audience == "public_sector"
    for_everyone = write_case(town, people["editor"], publish=True, audience="everyone", title="公開の事例")
    assert PracticeCase.objects.count() == 2
    load_catalog()
    client.force_login(people["partner"])
    assert client.get(url("case_detail", staff_only.pk)).status_code == 404
    assert client.get(url("case_detail", for_everyone.pk)).status_code == 200
    code = town.municipality.code
    for address in (f"/assessments/{code}/2026/", f"/assessments/{code}/kpis/", f"/assessments/{code}/roadmaps/"):
        assert client.get(address).status_code == 404
    client.force_login(people["viewer"])
    assert client.get(url("case_detail", staff_only.pk)).status_code == 200


def test_market_pages_show_a_partner_no_assessment_or_score(
    client, people, region, need, django_capture_on_commit_callbacks
):
    """The need's town has a national result and a self-assessment: a partner sees none of it on market pages."""
    from assessments import services as assessment_services
    from tests.assessments import load_catalog, national_dataset

    load_catalog()
    national_dataset(region, django_capture_on_commit_callbacks)
    town = region["home"]["town"]
    assessment = assessment_services.assessment_start(
        municipality=town.municipality, fiscal_year=2026, by=people["editor"]
    )
    assessment.answers.update(note="内部メモ：未公表の回答")
    solution = list_solution(region["partner"], people["partner"])
    proposal = propose(need, region["partner"], people["partner"], solution=solution)
    client.force_login(people["partner"])
    for address in (
        url("need_list"),
        url("need_detail", need.pk),
        url("proposal_detail", proposal.pk),
        url("solution_list"),
        url("solution_detail", solution.pk),
    ):
        content = client.get(address).content.decode()
        assert f"/assessments/{town.municipality.code}/" not in content
        assert "内部メモ" not in content
        assert "偏差値" not in content
