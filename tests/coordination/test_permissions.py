"""Who sees and does what in the coordinator's workspace, every role against ANOTHER prefecture's dashboard,
pool, goals, reports and support cases: the home prefecture's people see none of them (404), the other
prefecture's municipality sees its own cases and the specialist assigned, and a partner sees only the
case assigned to them as a specialist of that pool."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coordination import selectors, services
from coordination.models import GoalMilestone, SupportActivity, SupportCase
from dx_platform.organizations import permissions
from tests.coordination.conftest import CASE_READERS, COORDINATORS, EVERYONE, LOGGERS, MEMBERS, RAISERS, expect

pytestmark = pytest.mark.django_db


# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_the_rules_for_the_other_prefecture(theirs, everyone, who):
    user = everyone[who]
    assert permissions.can_coordinate(user, theirs["prefecture"].pk) == (who in COORDINATORS)
    assert permissions.can_raise_support_case(user, theirs["town"]) == (who in RAISERS)
    assert permissions.can_log_support(user, theirs["case"]) == (who in LOGGERS)
    assert permissions.can_log_support(user, theirs["unassigned"]) == (who in COORDINATORS)
    assert permissions.can_view_shared_goals(user, theirs["prefecture"].pk) == (who in COORDINATORS | MEMBERS)


@pytest.mark.parametrize("who", EVERYONE)
def test_support_cases_listed(theirs, everyone, who):
    listed = set(selectors.support_case_list(user=everyone[who]))
    expected = set()
    if who in COORDINATORS | MEMBERS:
        expected = {theirs["case"], theirs["unassigned"]}
    elif who == "pooled":
        expected = {theirs["case"]}
    assert listed == expected


@pytest.mark.parametrize("who", EVERYONE)
def test_selectors_give_nothing_of_the_other_prefecture_to_those_who_may_not_see_it(theirs, everyone, who):
    user, prefecture = everyone[who], theirs["prefecture"]
    coordinates = who in COORDINATORS
    assert bool(selectors.prefecture_dashboard(user=user, prefecture=prefecture).rows) == coordinates
    assert selectors.specialist_list(user=user, prefecture=prefecture).exists() == coordinates
    assert bool(selectors.pool_load(user=user, prefecture=prefecture).rows) == coordinates
    assert selectors.shared_goal_list(user=user, prefecture=prefecture).exists() == (who in COORDINATORS | MEMBERS)


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_the_workspace_pages_of_the_other_prefecture(client, theirs, everyone, who):
    client.force_login(everyone[who])
    code, report = theirs["prefecture"].pref_code, theirs["report"].pk
    for url in (
        f"/coordination/{code}/",
        f"/coordination/{code}/gaps/",
        f"/coordination/{code}/specialists/",
        f"/coordination/{code}/reports/",
        f"/coordination/reports/{report}/",
        f"/coordination/reports/{report}/progress/",
        f"/coordination/reports/{report}/pdf/",
        f"/coordination/reports/{report}/xlsx/",
    ):
        assert client.get(url).status_code == expect(who, COORDINATORS), url
    for url in (f"/coordination/{code}/goals/", f"/coordination/goals/{theirs['goal'].pk}/"):
        assert client.get(url).status_code == expect(who, COORDINATORS | MEMBERS), url
    next_steps = f"/coordination/municipalities/{theirs['town'].municipality.code}/next-steps/"
    assert client.get(next_steps).status_code == expect(who, COORDINATORS | MEMBERS)


@pytest.mark.parametrize("who", EVERYONE)
def test_the_other_prefectures_support_cases(client, theirs, everyone, who):
    client.force_login(everyone[who])
    case = theirs["case"]
    response = client.get(f"/coordination/cases/{case.pk}/")
    assert response.status_code == expect(who, CASE_READERS)
    if response.status_code == 200:
        # The municipality and the specialist see the assigned specialist and the visit.
        assert "他県 技師" in response.text
        assert response.context["activities"].count() == 1
        # Only the coordinators see the suggestions, the days and the forms that manage the case.
        assert bool(response.context["matches"]) == (who in COORDINATORS)
        assert ('name="action" value="assign"' in response.text) == (who in COORDINATORS)
        assert ('name="action" value="activity"' in response.text) == (who in LOGGERS)
    listed = client.get("/coordination/cases/")
    assert listed.status_code == 200
    assert ("他県町の相談" in listed.text) == (who in CASE_READERS)
    assert ("未割り当ての相談" in listed.text) == (who in COORDINATORS | MEMBERS)
    raising = client.get(f"/coordination/cases/new/{theirs['town'].municipality.code}/")
    assert raising.status_code == expect(who, RAISERS, refused=403)


@pytest.mark.parametrize("who", EVERYONE)
def test_posts_to_the_other_prefectures_objects(client, theirs, everyone, who):
    client.force_login(everyone[who])
    case = theirs["case"]
    visit = {
        "action": "activity",
        "kind": "meeting",
        "held_on": timezone.localdate().isoformat(),
        "attendees": "企画課",
        "hours": "1.5",
    }
    response = client.post(f"/coordination/cases/{case.pk}/", visit)
    if who in LOGGERS:
        assert response.status_code == 302
    else:
        assert response.status_code == expect(who, CASE_READERS, refused=404, ok=403)
    close = {"action": "close", "outcome": "解決", "version": SupportCase.objects.get(pk=case.pk).version}
    response = client.post(f"/coordination/cases/{case.pk}/", close)
    assert response.status_code == (302 if who in COORDINATORS else expect(who, CASE_READERS, ok=403))
    logged = 1 + (who in LOGGERS)
    assert SupportActivity.objects.filter(case=case).count() == logged
    goal = theirs["goal"]
    town = theirs["town"].municipality
    stored = GoalMilestone.objects.filter(goal=goal, municipality=town).values_list("version", flat=True).first()
    date = {"municipality": town.code, "due_on": goal.target_date.isoformat(), "version": stored or 0}
    response = client.post(f"/coordination/goals/{goal.pk}/", date)
    assert response.status_code == (302 if who in COORDINATORS | MEMBERS else expect(who, set()))
    code = theirs["prefecture"].pref_code
    assert client.post(f"/coordination/{code}/reports/").status_code == expect(who, COORDINATORS, ok=302)
    assert client.post(f"/coordination/{code}/specialists/", {"name": "x"}).status_code == expect(
        who, COORDINATORS, ok=400
    )
    assert client.post(f"/coordination/{code}/goals/", {"title": "x"}).status_code == expect(
        who, COORDINATORS | MEMBERS, ok=400 if who in COORDINATORS else 403
    )


def test_a_specialist_taken_out_of_the_pool_no_longer_sees_or_logs_the_case(client, theirs, everyone):
    theirs["engineer"].active = False
    theirs["engineer"].save()
    pooled = everyone["pooled"]
    client.force_login(pooled)
    assert client.get(f"/coordination/cases/{theirs['case'].pk}/").status_code == 404
    assert "他県町の相談" not in client.get("/coordination/cases/").text
    assert not permissions.can_log_support(pooled, theirs["case"])
    given = services.ActivityInput("visit", timezone.localdate(), "企画課", Decimal(1), "", "", None)
    with pytest.raises(PermissionDenied):
        services.support_activity_log(case=theirs["case"], given=given, by=pooled)
    assert SupportActivity.objects.count() == 1
