"""No lost update on the pages: two people open the same form, the first saves, the second's save is
refused (409) and shows the first's change — who, and the values now stored — and keeps nothing of
theirs; saving the form shown again then keeps the second's entries, knowingly."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assessments import services as assessments
from assessments.models import Initiative, Kpi, Milestone, Roadmap
from community.models import PracticeCase, Procurement
from coordination import services as coordination
from coordination.models import GoalMilestone, SharedGoal, SupportCase
from coordination.selectors import goal_items
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.community.test_cases_support import write_case
from tests.community.test_procurement_support import open_procurement
from tests.coordination.conftest import make_specialist, raise_case
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(*forms: Any) -> dict[str, Any]:
    """What a browser posts for these forms as shown (bound or not): every field's value, by its name."""
    data: dict[str, Any] = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False or value == []:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def two_saves(url: str, first, second, form: str, first_change: dict, second_change: dict, **extra: Any):
    """Both open the page; the first saves; the second's save is refused. Returns the refusal."""
    pick = (lambda context: context[form]) if "." not in form else (lambda context: context["forms"][form[6:]])
    opened = {who: form_data(pick(client.get(url).context)) | extra for who, client in (("1", first), ("2", second))}
    saved = first.post(url, opened["1"] | first_change)
    assert saved.status_code == 302, saved.context and pick(saved.context).errors
    refused = second.post(url, opened["2"] | second_change)
    assert refused.status_code == 409
    return refused, pick(refused.context)


def told(form) -> str:
    (message,) = form.non_field_errors()
    return message


def save_again(client: Client, url: str, form, **extra: Any) -> None:
    assert client.post(url, form_data(form) | extra).status_code == 302


@pytest.fixture
def town(region):
    return region["home"]["town"].municipality


@pytest.fixture
def editors(people):
    return people["editor"], people["admin"]


def test_two_saves_of_one_kpi_the_second_is_refused_showing_the_first_change(town, editors):
    first, second = editors
    kpi = assessments.kpi_save(
        municipality=town,
        given=assessments.KpiInput(
            name="オンライン申請件数",
            unit="件",
            direction=Kpi.Direction.UP,
            baseline_value=100.0,
            baseline_date=dt.date(2025, 4, 1),
            target_value=400.0,
            target_date=dt.date(2027, 3, 31),
            area="",
            indicator=None,
            owner=first,
            interval=Kpi.Interval.QUARTERLY,
        ),
        by=first,
    )
    url = f"/assessments/kpis/{kpi.pk}/"
    refused, form = two_saves(
        url,
        signed_in(first),
        signed_in(second),
        "edit_form",
        {"name": "電子申請の件数"},
        {"target_value": "600"},
        action="edit",
    )
    assert str(first) in told(form) and "電子申請の件数" in told(form)
    assert "電子申請の件数" in refused.content.decode()
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target_value) == ("電子申請の件数", 400.0)  # nothing of the second's save
    save_again(signed_in(second), url, form, action="edit")
    kpi.refresh_from_db()
    assert kpi.target_value == 600.0


@pytest.fixture
def roadmap(town, editors) -> Roadmap:
    given = assessments.RoadmapInput(
        title="DX推進計画",
        vision="",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2028, 3, 31),
        adopted_on=None,
    )
    return assessments.roadmap_save(municipality=town, given=given, by=editors[0])


@pytest.fixture
def initiative(roadmap, editors) -> Initiative:
    given = assessments.InitiativeInput(
        title="書かない窓口",
        area="",
        indicators=[],
        owner=None,
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2026, 3, 31),
        status=Initiative.Status.PLANNED,
    )
    return assessments.initiative_save(roadmap=roadmap, given=given, by=editors[0])


def test_two_saves_of_one_roadmap_the_second_is_refused_showing_the_first_change(roadmap, editors):
    first, second = editors
    url = f"/assessments/roadmaps/{roadmap.pk}/"
    _refused, form = two_saves(
        url,
        signed_in(first),
        signed_in(second),
        "edit_form",
        {"roadmap-title": "第2期DX推進計画"},
        {"roadmap-vision": "誰一人取り残さない"},
        action="edit",
    )
    assert str(first) in told(form) and "第2期DX推進計画" in told(form)
    roadmap.refresh_from_db()
    assert (roadmap.title, roadmap.vision) == ("第2期DX推進計画", "")


def test_two_saves_of_one_initiative_the_second_is_refused_showing_the_first_change(initiative, editors):
    first, second = editors
    load_catalog()
    url = f"/assessments/initiatives/{initiative.pk}/"
    _refused, form = two_saves(
        url,
        signed_in(first),
        signed_in(second),
        "edit_form",
        {"status": Initiative.Status.IN_PROGRESS},
        {"title": "行かない窓口"},
        action="edit",
    )
    assert str(first) in told(form)
    assert str(Initiative.Status.IN_PROGRESS.label) in told(form)
    initiative.refresh_from_db()
    assert (initiative.title, initiative.status) == ("書かない窓口", Initiative.Status.IN_PROGRESS)


def test_two_saves_of_one_milestone_the_second_is_refused_showing_the_first_change(initiative, editors):
    first, second = editors
    milestone = assessments.milestone_save(
        initiative=initiative, title="要件定義", due_on=dt.date(2025, 6, 30), done_on=None, by=first
    )
    url = f"/assessments/initiatives/{initiative.pk}/"
    # Both have the page open; its "mark done" button posts the milestone as it was shown.
    shown = {"action": "milestone", "milestone": milestone.pk, "version": milestone.version, "due_on": "2025-06-30"}
    assert signed_in(first).post(url, shown | {"title": "要件定義書の確定"}).status_code == 302
    refused = signed_in(second).post(url, shown | {"title": "要件定義", "done_on": "2025-06-30"})
    assert refused.status_code == 409
    (message,) = [str(m) for m in refused.context["messages"]]
    assert str(first) in message and "要件定義書の確定" in message
    milestone.refresh_from_db()
    assert (milestone.title, milestone.done_on) == ("要件定義書の確定", None)


@pytest.fixture
def coordinators(region, people):
    second = MembershipFactory(organization=region["home"]["prefecture"], role=Role.COORDINATOR).user
    return people["coordinator"], second


def test_two_saves_of_one_shared_goal_the_second_is_refused_showing_the_first_change(region, coordinators):
    first, second = coordinators
    load_catalog()
    prefecture = region["home"]["prefecture"].prefecture
    goal = coordination.shared_goal_save(
        prefecture=prefecture,
        given=coordination.GoalInput(
            title="全町村でCIOを任命",
            description="",
            indicators=list(goal_items()[:1]),
            target_date=timezone.localdate() + dt.timedelta(days=365),
        ),
        by=first,
    )
    url = f"/coordination/goals/{goal.pk}/"
    _refused, form = two_saves(
        url,
        signed_in(first),
        signed_in(second),
        "edit_form",
        {"goal-title": "全市町村でCIOを任命"},
        {"goal-description": "補佐官も"},
        action="edit",
    )
    assert str(first) in told(form) and "全市町村でCIOを任命" in told(form)
    goal = SharedGoal.objects.get()
    assert (goal.title, goal.description) == ("全市町村でCIOを任命", "")


@pytest.mark.parametrize("before", [None, dt.date(2026, 12, 31)], ids=["first date", "changed date"])
def test_two_saves_of_a_towns_own_date_for_a_goal_the_second_is_refused_showing_the_first_change(
    region, people, editors, before
):
    load_catalog()
    prefecture = region["home"]["prefecture"].prefecture
    goal = coordination.shared_goal_save(
        prefecture=prefecture,
        given=coordination.GoalInput(
            title="全町村でCIOを任命",
            description="",
            indicators=list(goal_items()[:1]),
            target_date=dt.date(2027, 3, 31),
        ),
        by=people["coordinator"],
    )
    town = region["home"]["town"].municipality
    if before is not None:
        coordination.goal_milestone_set(goal=goal, municipality=town, due_on=before, note="", by=people["admin"])
    url = f"/coordination/goals/{goal.pk}/"
    first, second = (signed_in(user) for user in editors)
    opened = [
        form_data(client.get(url).context["own"][0][1]) | {"municipality": town.code} for client in (first, second)
    ]
    assert first.post(url, opened[0] | {"due_on": "2027-01-29"}).status_code == 302
    refused = second.post(url, opened[1] | {"due_on": "2027-02-26", "note": "議会後"})
    assert refused.status_code == 409
    (_municipality, form) = refused.context["own"][0]
    assert str(editors[0]) in told(form) and "2027年1月29日" in told(form)
    assert GoalMilestone.objects.values_list("due_on", "note").get() == (dt.date(2027, 1, 29), "")
    save_again(second, url, form, municipality=town.code)
    assert GoalMilestone.objects.values_list("due_on", "note").get() == (dt.date(2027, 2, 26), "議会後")


def test_two_saves_of_one_support_case_the_second_is_refused_showing_the_first_change(region, people, coordinators):
    first, second = coordinators
    prefecture = region["home"]["prefecture"].prefecture
    sato, suzuki = make_specialist(prefecture, "佐藤 技師"), make_specialist(prefecture, "鈴木 技師")
    case = raise_case(region["home"]["town"], people["editor"])
    url = f"/coordination/cases/{case.pk}/"
    _refused, form = two_saves(
        url,
        signed_in(first),
        signed_in(second),
        "forms.assign",
        {"specialist": sato.pk},
        {"specialist": suzuki.pk},
        action="assign",
    )
    assert str(first) in told(form) and "佐藤 技師" in told(form)
    assert SupportCase.objects.get().specialist == sato


def test_two_saves_of_one_procurement_the_second_is_refused_showing_the_first_change(region, coordinators):
    first, second = coordinators
    procurement = open_procurement(region["home"]["prefecture"], first)
    url = f"/community/procurements/{procurement.pk}/edit/"
    _refused, form = two_saves(
        url, signed_in(first), signed_in(second), "form", {"title": "共同調達(第2版)"}, {"subsidy": "なし"}
    )
    assert str(first) in told(form) and "共同調達(第2版)" in told(form)
    procurement = Procurement.objects.get()
    assert procurement.title == "共同調達(第2版)" and procurement.subsidy != "なし"


def test_two_drafts_of_one_specification_the_second_is_refused_showing_the_first(region, coordinators):
    first, second = coordinators
    procurement = open_procurement(region["home"]["prefecture"], first)
    url = f"/community/procurements/{procurement.pk}/specifications/"
    _refused, form = two_saves(
        url, signed_in(first), signed_in(second), "form", {"text": "1. 電子申請の要件"}, {"text": "1. 窓口の要件"}
    )
    assert str(first) in told(form) and "1. 電子申請の要件" in told(form)
    assert list(procurement.specifications.values_list("text", flat=True)) == ["1. 電子申請の要件"]
    save_again(signed_in(second), url, form)
    assert procurement.specifications.order_by("-number").first().text == "1. 窓口の要件"


def test_two_saves_of_one_cost_sharing_the_second_is_refused_showing_the_first_change(region, coordinators):
    first, second = coordinators
    procurement = open_procurement(region["home"]["prefecture"], first)
    url = f"/community/procurements/{procurement.pk}/cost-sharing/"
    _refused, form = two_saves(
        url,
        signed_in(first),
        signed_in(second),
        "form",
        {"total_cost_yen": "9000000"},
        {"total_cost_yen": "5000000"},
        action="save",
    )
    assert str(first) in told(form) and "9" in told(form)
    assert Procurement.objects.get().total_cost_yen == 9_000_000


def test_two_saves_of_one_practice_case_the_second_is_refused_showing_the_first_change(region, editors):
    first, second = editors
    load_catalog()
    case = write_case(region["home"]["town"], first)
    url = f"/community/cases/{case.pk}/edit/"
    opened = {}
    for who, client in (("1", signed_in(first)), ("2", signed_in(second))):
        context = client.get(url).context
        opened[who] = form_data(context["form"], context["metrics"].management_form, *context["metrics"].forms)
    assert signed_in(first).post(url, opened["1"] | {"title": "AI-OCRの導入(改訂)"}).status_code == 302
    refused = signed_in(second).post(url, opened["2"] | {"problem": "紙の申請が多い。"})
    assert refused.status_code == 409
    assert str(first) in told(refused.context["form"]) and "AI-OCRの導入(改訂)" in told(refused.context["form"])
    case = PracticeCase.objects.get()
    assert case.title == "AI-OCRの導入(改訂)" and case.problem != "紙の申請が多い。"


def test_a_page_save_without_the_version_is_refused(town, editors, roadmap):
    """A change must say which version it was made against (a form of before this rule, or a hand-made
    post): without one nothing is written."""
    url = f"/assessments/roadmaps/{roadmap.pk}/"
    data = form_data(signed_in(editors[0]).get(url).context["edit_form"]) | {"action": "edit"}
    del data["roadmap-version"]
    assert signed_in(editors[0]).post(url, data | {"roadmap-title": "x"}).status_code == 400
    assert Milestone.objects.count() == 0 and Roadmap.objects.get().title == "DX推進計画"
