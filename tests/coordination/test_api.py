"""The coordination API (/api/v1/coordination/): the home prefecture's people read the dashboard as the page
computes it, take a support case from request to outcome, set a goal and its dates, ask for a report, set the
survey window and remind a town to submit — changes only with the If-Match of their last GET (the survey
window, which a PUT sets whole, and a reminder, which overwrites nothing, need none). Every role against
ANOTHER prefecture's objects gets what the pages give it (404 for what it may not see, 403 for what it may
see but not do), and a refused write changes nothing. The schema documents every endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import Assessment, SurveyWindow
from coordination import selectors
from coordination.models import (
    AssessmentReminder,
    CouncilReport,
    SharedGoal,
    SupportActivity,
    SupportCase,
)
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.models import Notification
from tests.coordination.conftest import (
    CASE_READERS,
    COORDINATORS,
    EVERYONE,
    LOGGERS,
    MEMBERS,
    RAISERS,
    expect,
    raise_case,
    this_year,
    week_after,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/coordination"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def etag_of(client: APIClient, url: str) -> str:
    """The ETag of a GET, or a made-up one where the GET is refused (the write is refused before it counts)."""
    response = client.get(url)
    return response["ETag"] if response.status_code == 200 else '"unseen"'


def in_2030() -> str:
    return timezone.localdate().replace(year=2030).isoformat()


# --- reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["dashboard/", "goals/", "reminders/", "survey-window/", "reports/"])
def test_options_on_a_prefectures_endpoint_answers_its_name_not_a_500(people, home, path):
    pref = home["prefecture"].prefecture.pref_code
    response = api(people["coordinator"]).options(f"{API}/prefectures/{pref}/{path}")
    assert response.status_code == 200
    assert response.json()["name"] and "application/json" in response.json()["renders"]


def test_the_dashboard_gives_the_pages_rows_and_needs_attention(national, people, home):
    prefecture = home["prefecture"].prefecture
    response = api(people["coordinator"]).get(f"{API}/prefectures/{prefecture.pref_code}/dashboard/")
    assert response.status_code == 200
    body = response.json()
    board = selectors.prefecture_dashboard(user=people["coordinator"], prefecture=prefecture)
    assert [row["municipality"] for row in body["municipalities"]] == [row.municipality.code for row in board.ranked]
    assert [(row["municipality"], row["reasons"]) for row in body["needs_attention"]] == [
        (row.municipality.code, row.reasons) for row in board.attention
    ]
    assert body["needs_attention"], "the test data has municipalities that need attention"
    assert all(row["reason_labels"] for row in body["needs_attention"])
    assert body["dataset"] == national.name
    assert body["origin"] == national.origin


def test_the_dashboards_filters_are_those_of_the_page(national, people, home):
    url = f"{API}/prefectures/{home['prefecture'].prefecture.pref_code}/dashboard/"
    towns = api(people["coordinator"]).get(url, {"towns": "true"}).json()
    assert {row["kind"] for row in towns["municipalities"]} == {"town"}
    refused = api(people["coordinator"]).get(url, {"area": "nonsense"})
    assert refused.status_code == 400
    assert list(refused.json()) == ["area"]


def test_the_pool_gives_each_specialists_load(people, home, case, specialist):
    coordinator = api(people["coordinator"])
    etag = coordinator.get(f"{API}/cases/{case.pk}/")["ETag"]
    coordinator.post(f"{API}/cases/{case.pk}/assign/", {"specialist": specialist.pk}, format="json", HTTP_IF_MATCH=etag)
    today = timezone.localdate().isoformat()
    assert (
        coordinator.post(f"{API}/cases/{case.pk}/dispatches/", {"worked_on": today, "days": "1.5"}).status_code == 201
    )
    response = coordinator.get(f"{API}/prefectures/{home['prefecture'].prefecture.pref_code}/specialists/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["months"]) == 6
    (listed,) = body["specialists"]
    assert (listed["name"], listed["load"][-1]) == ("佐藤 技師", {"month": body["months"][-1], "days": "1.5"})
    assert body["by_municipality"] == [{"name": case.municipality.name, "days": "1.5"}]


# --- a support case from request to outcome -------------------------------------------------------


def test_a_support_case_from_request_to_outcome(people, everyone, home, specialist, their_specialist):
    town = home["town"].municipality
    raised = api(people["editor"]).post(
        f"{API}/cases/",
        {"municipality": town.code, "topic": "書かない窓口", "skill": "system", "description": "相談したい。"},
        format="json",
    )
    assert raised.status_code == 201, raised.json()
    assert raised.json()["status"] == SupportCase.Status.REQUESTED
    url = f"{API}/cases/{raised.json()['id']}/"
    coordinator = api(people["coordinator"])
    etag = coordinator.get(url)["ETag"]
    assign = f"{url}assign/"
    assert coordinator.post(assign, {"specialist": specialist.pk}, format="json").status_code == 428
    stale = coordinator.post(assign, {"specialist": specialist.pk}, HTTP_IF_MATCH='"old"')
    # Refused with the case as it now is, and the ETag to send once the change is made against it.
    assert (stale.status_code, stale.json()["etag"], stale["ETag"]) == (412, etag, etag)
    assert (stale.json()["current"]["id"], stale.json()["current"]["status"]) == (raised.json()["id"], "requested")
    other_pool = coordinator.post(assign, {"specialist": their_specialist.pk}, format="json", HTTP_IF_MATCH=etag)
    assert (other_pool.status_code, list(other_pool.json())) == (400, ["specialist"])
    assigned = coordinator.post(assign, {"specialist": specialist.pk}, format="json", HTTP_IF_MATCH=etag)
    assert assigned.status_code == 200
    assert (assigned.json()["status"], assigned.json()["specialist_name"]) == ("triaged", "佐藤 技師")
    assert assigned["ETag"] != etag
    # The assigned specialist logs the visit; the town's editor may not.
    visit = {"kind": "visit", "held_on": timezone.localdate().isoformat(), "attendees": "企画課", "hours": "2.0"}
    assert api(people["editor"]).post(f"{url}activities/", visit).status_code == 403
    logged = api(everyone["pooled"]).post(f"{url}activities/", visit)
    assert logged.status_code == 201, logged.json()
    today = timezone.localdate().isoformat()
    assert coordinator.post(f"{url}dispatches/", {"worked_on": today, "days": "1.0"}).status_code == 201
    too_many = coordinator.post(f"{url}dispatches/", {"worked_on": today, "days": "3.5"})
    assert (too_many.status_code, list(too_many.json())) == (400, ["days"])
    read = coordinator.get(url)
    assert read.json()["status"] == "in_progress"
    assert [a["attendees"] for a in read.json()["activities"]] == ["企画課"]
    assert [(d["specialist_name"], d["days"]) for d in read.json()["dispatches"]] == [("佐藤 技師", "1.0")]
    close = f"{url}close/"
    assert coordinator.post(close, {"outcome": "解決"}, HTTP_IF_MATCH=assigned["ETag"]).status_code == 412
    empty = coordinator.post(close, {"outcome": ""}, HTTP_IF_MATCH=read["ETag"])
    assert (empty.status_code, list(empty.json())) == (400, ["outcome"])
    closed = coordinator.post(close, {"outcome": "解決"}, HTTP_IF_MATCH=read["ETag"])
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "解決")


def test_a_case_for_an_unknown_municipality_is_refused(people):
    response = api(people["editor"]).post(
        f"{API}/cases/", {"municipality": "000000", "topic": "x", "description": "y"}, format="json"
    )
    assert (response.status_code, list(response.json())) == (400, ["municipality"])
    assert not SupportCase.objects.exists()


def test_the_case_list_takes_the_same_queries_however_many_cases(people, home, national, django_assert_max_num_queries):
    item = national.catalog.indicators.first()
    raise_case(home["town"], people["editor"], indicator=item)
    coordinator = api(people["coordinator"])
    with CaptureQueriesContext(connection) as one:
        assert coordinator.get(f"{API}/cases/").json()["count"] == 1
    for _ in range(4):
        raise_case(home["town"], people["editor"], indicator=item)
    with django_assert_max_num_queries(len(one)):
        assert coordinator.get(f"{API}/cases/").json()["count"] == 5


# --- goals and reports ---------------------------------------------------------------------------


def test_a_goal_its_board_and_a_municipalitys_date(national, people, home):
    prefecture = home["prefecture"].prefecture
    coordinator = api(people["coordinator"])
    made = coordinator.post(
        f"{API}/prefectures/{prefecture.pref_code}/goals/",
        {"title": "CIOの任命", "indicators": ["system.cio"], "target_date": in_2030()},
        format="json",
    )
    assert made.status_code == 201, made.json()
    goal = made.json()
    assert [item["code"] for item in goal["indicators"]] == ["system.cio"]
    assert all(item["name_ja"] for item in goal["indicators"])
    assert {line["municipality"] for line in goal["board"]} == {
        home["town"].municipality.code,
        home["city"].municipality.code,
    }
    assert {line["total"] for line in goal["board"]} == {1}
    url = f"{API}/goals/{goal['id']}/"
    assert coordinator.patch(url, {"title": "CIOを置く"}, format="json").status_code == 428
    renamed = coordinator.patch(url, {"title": "CIOを置く"}, format="json", HTTP_IF_MATCH=made["ETag"])
    assert renamed.status_code == 200
    assert (renamed.json()["title"], [i["code"] for i in renamed.json()["indicators"]]) == ("CIOを置く", ["system.cio"])
    stale = coordinator.patch(url, {"description": "補佐官も"}, format="json", HTTP_IF_MATCH=made["ETag"])
    assert (stale.status_code, stale.json()["current"]["title"]) == (412, "CIOを置く")
    assert stale.json()["etag"] == renamed["ETag"]
    editor = api(people["editor"])
    assert editor.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=renamed["ETag"]).status_code == 403
    town = home["town"].municipality.code
    late = editor.post(f"{url}dates/", {"municipality": town, "due_on": "2031-01-01"}, format="json")
    assert (late.status_code, list(late.json())) == (400, ["due_on"])
    dated = editor.post(f"{url}dates/", {"municipality": town, "due_on": "2029-03-31"}, format="json")
    assert dated.status_code == 200
    board = {line["municipality"]: line["due_on"] for line in editor.get(url).json()["board"]}
    assert board[town] == "2029-03-31"
    listed = editor.get(f"{API}/prefectures/{prefecture.pref_code}/goals/")
    assert [g["title"] for g in listed.json()] == ["CIOを置く"]


def test_a_goal_boards_the_municipalities_named_and_a_change_keeps_them(national, people, home, region):
    prefecture, town = home["prefecture"].prefecture, home["town"].municipality.code
    coordinator = api(people["coordinator"])
    url = f"{API}/prefectures/{prefecture.pref_code}/goals/"
    body = {"title": "CIOの任命", "indicators": ["system.cio"], "target_date": in_2030(), "municipalities": [town]}
    made = coordinator.post(url, body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["municipalities"] == [town]
    assert [line["municipality"] for line in made.json()["board"]] == [town]
    renamed = coordinator.patch(
        f"{API}/goals/{made.json()['id']}/", {"title": "CIOを置く"}, format="json", HTTP_IF_MATCH=made["ETag"]
    )
    assert (renamed.status_code, renamed.json()["municipalities"]) == (200, [town])
    theirs = region["other"]["town"].municipality.code
    for codes in (["000000"], [theirs], []):
        refused = coordinator.post(url, body | {"municipalities": codes}, format="json")
        assert (refused.status_code, list(refused.json())) == (400, ["municipalities"]), codes
    assert SharedGoal.objects.count() == 1


def test_a_report_is_requested_and_followed(people, home):
    prefecture = home["prefecture"].prefecture
    response = api(people["coordinator"]).post(f"{API}/prefectures/{prefecture.pref_code}/reports/")
    assert response.status_code == 201
    report = response.json()
    assert (report["status"], report["finished"], report["pdf"]) == ("pending", False, None)
    followed = api(people["coordinator"]).get(f"{API}/reports/{report['id']}/")
    assert followed.json()["status"] == "pending"
    listed = api(people["coordinator"]).get(f"{API}/prefectures/{prefecture.pref_code}/reports/")
    assert [r["id"] for r in listed.json()] == [report["id"]]


# --- the survey window and reminders -------------------------------------------------------------


def test_the_survey_window_is_set_read_and_changed(people, home):
    prefecture = home["prefecture"].prefecture
    url = f"{API}/prefectures/{prefecture.pref_code}/survey-window/"
    coordinator = api(people["coordinator"])
    year = FiscalYear.current()
    assert coordinator.get(url).status_code == 404  # not set yet
    body = {"fiscal_year": year.year, "opens_on": year.start.isoformat(), "closes_on": f"{year.year + 1}-01-31"}
    put = coordinator.put(url, body, format="json")
    assert (put.status_code, put.json()) == (200, body)
    assert coordinator.get(url).json() == body
    assert coordinator.get(url, {"fiscal_year": year.year - 1}).status_code == 404
    dashboard = coordinator.get(f"{API}/prefectures/{prefecture.pref_code}/dashboard/").json()
    assert dashboard["summary"]["window"] == body

    changed = body | {"closes_on": year.end.isoformat()}
    assert coordinator.put(url, changed, format="json").json() == changed
    assert coordinator.get(url).json() == changed
    assert SurveyWindow.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"opens_on": "{year}-10-01", "closes_on": "{year}-09-30"},
            "closes_on",
            "回答期限を受付開始日より前にすることはできません。",
        ),
        ({"closes_on": "{year}-13-01"}, "closes_on", None),
        ({"opens_on": None}, "opens_on", None),
        ({"fiscal_year": 1999}, "fiscal_year", None),
    ],
    ids=["deadline-before-opening", "no-such-date", "no-opening", "year-out-of-range"],
)
def test_a_bad_survey_window_is_a_400_with_its_reason_and_changes_nothing(people, home, changes, field, reason):
    url = f"{API}/prefectures/{home['prefecture'].prefecture.pref_code}/survey-window/"
    coordinator = api(people["coordinator"])
    year = FiscalYear.current()
    kept = {"fiscal_year": year.year, "opens_on": year.start.isoformat(), "closes_on": year.end.isoformat()}
    assert coordinator.put(url, kept, format="json").status_code == 200
    bad = kept | {
        name: value.format(year=year.year) if isinstance(value, str) else value for name, value in changes.items()
    }
    response = coordinator.put(url, bad, format="json")
    assert (response.status_code, list(response.json())) == (400, [field])
    assert response.json()[field] and all(response.json()[field])
    if reason:
        assert response.json()[field] == [reason]
    assert coordinator.get(url).json() == kept
    assert SurveyWindow.objects.count() == 1


def test_a_coordinator_reminds_a_town_once_a_week(people, home, town):
    url = f"{API}/prefectures/{home['prefecture'].prefecture.pref_code}/reminders/"
    coordinator = api(people["coordinator"])
    sent = this_year(183)
    with time_machine.travel(sent, tick=False):
        response = coordinator.post(url, {"municipality": town.code}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "municipality": town.code,
        "fiscal_year": FiscalYear.current().year,
        "sent_at": sent.isoformat(),
        "next_allowed": week_after(sent).isoformat(),
        "recipients": 2,
    }
    for who in ("editor", "admin"):
        assert Notification.objects.filter(recipient=people[who], url__startswith="/assessments/").count() == 1

    with time_machine.travel(sent + dt.timedelta(days=6), tick=False):
        again = coordinator.post(url, {"municipality": town.code}, format="json")
    assert again.status_code == 400
    (reason,) = again.json()["non_field_errors"]
    assert f"{sent.year}年10月1日に督促済みです。次の督促は{sent.year}年10月8日から送れます。" in reason
    with time_machine.travel(week_after(sent) - dt.timedelta(seconds=1), tick=False):
        assert coordinator.post(url, {"municipality": town.code}, format="json").status_code == 400
    assert AssessmentReminder.objects.count() == 1
    assert Notification.objects.filter(recipient=people["editor"]).count() == 1

    with time_machine.travel(week_after(sent), tick=False):
        assert coordinator.post(url, {"municipality": town.code}, format="json").status_code == 201
    assert AssessmentReminder.objects.count() == 2
    assert Notification.objects.filter(recipient=people["editor"]).count() == 2


def test_a_reminder_the_town_needs_not_or_of_no_town_here_is_a_400(people, home, town, region):
    url = f"{API}/prefectures/{home['prefecture'].prefecture.pref_code}/reminders/"
    coordinator = api(people["coordinator"])
    theirs = region["other"]["town"].municipality.code
    for body, field in (
        ({"municipality": theirs}, "municipality"),
        ({"municipality": "000000"}, "municipality"),
        ({"municipality": "abc"}, "municipality"),
        ({}, "municipality"),
        ({"municipality": home["city"].municipality.code}, "non_field_errors"),  # nobody there to remind
    ):
        response = coordinator.post(url, body, format="json")
        assert (response.status_code, list(response.json())) == (400, [field]), body
        assert all(response.json()[field]), body
    Assessment.objects.create(municipality=town, fiscal_year=FiscalYear.current().year, status="submitted")
    handed_in = coordinator.post(url, {"municipality": town.code}, format="json")
    assert (handed_in.status_code, handed_in.json()) == (
        400,
        {"non_field_errors": [f"{town}は自己評価を提出済みです。"]},
    )
    assert not AssessmentReminder.objects.exists()
    assert not Notification.objects.exists()


# --- every role against the other prefecture -----------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_every_endpoint_against_the_other_prefecture(theirs, everyone, who):
    client = api(everyone[who])
    code, case, unassigned = theirs["prefecture"].pref_code, theirs["case"], theirs["unassigned"]
    goal, report = theirs["goal"], theirs["report"]
    readers = COORDINATORS | MEMBERS
    for url in (
        f"{API}/prefectures/{code}/dashboard/",
        f"{API}/prefectures/{code}/specialists/",
        f"{API}/prefectures/{code}/reports/",
        f"{API}/reports/{report.pk}/",
        f"{API}/reports/{report.pk}/download/pdf/",
        f"{API}/reports/{report.pk}/download/xlsx/",
    ):
        assert client.get(url).status_code == expect(who, COORDINATORS), url
    for url in (f"{API}/prefectures/{code}/goals/", f"{API}/goals/{goal.pk}/"):
        assert client.get(url).status_code == expect(who, readers), url
    assert client.get(f"{API}/cases/{case.pk}/").status_code == expect(who, CASE_READERS)
    assert client.get(f"{API}/cases/{unassigned.pk}/").status_code == expect(who, readers)
    listed = {row["id"] for row in client.get(f"{API}/cases/").json()["results"]}
    assert listed == ({case.pk, unassigned.pk} if who in readers else {case.pk} if who in CASE_READERS else set())
    if who in COORDINATORS:
        assert client.get(f"{API}/prefectures/{code}/dashboard/").json()["municipalities"]
        assert client.get(f"{API}/reports/{report.pk}/download/pdf/")["Content-Type"] == "application/pdf"

    # Writes: 2xx for those allowed, 403 for those who see the object but may not, 404 for the rest.
    raised = client.post(
        f"{API}/cases/",
        {"municipality": theirs["town"].municipality.code, "topic": "相談", "description": "内容"},
        format="json",
    )
    assert raised.status_code == expect(who, RAISERS, ok=201, refused=403)
    visit = {"kind": "call", "held_on": timezone.localdate().isoformat(), "attendees": "企画課", "hours": "1.0"}
    logged = client.post(f"{API}/cases/{case.pk}/activities/", visit)
    assert logged.status_code == (201 if who in LOGGERS else expect(who, CASE_READERS, ok=403))
    days = client.post(f"{API}/cases/{case.pk}/dispatches/", {"worked_on": visit["held_on"], "days": "0.5"})
    assert days.status_code == (201 if who in COORDINATORS else expect(who, CASE_READERS, ok=403))
    etag = etag_of(client, f"{API}/cases/{case.pk}/")
    assigned = client.post(
        f"{API}/cases/{case.pk}/assign/", {"specialist": theirs["engineer"].pk}, format="json", HTTP_IF_MATCH=etag
    )
    assert assigned.status_code == (200 if who in COORDINATORS else expect(who, CASE_READERS, ok=403))
    etag = etag_of(client, f"{API}/cases/{unassigned.pk}/")
    closed = client.post(f"{API}/cases/{unassigned.pk}/close/", {"outcome": "解決"}, HTTP_IF_MATCH=etag)
    assert closed.status_code == (200 if who in COORDINATORS else expect(who, readers, ok=403))
    new_goal = {"title": "新しい目標", "indicators": ["system.cio"], "target_date": in_2030()}
    made = client.post(f"{API}/prefectures/{code}/goals/", new_goal, format="json")
    assert made.status_code == (201 if who in COORDINATORS else expect(who, readers, ok=403))
    etag = etag_of(client, f"{API}/goals/{goal.pk}/")
    renamed = client.patch(f"{API}/goals/{goal.pk}/", {"title": "改名"}, format="json", HTTP_IF_MATCH=etag)
    assert renamed.status_code == (200 if who in COORDINATORS else expect(who, readers, ok=403))
    date = {"municipality": theirs["town"].municipality.code, "due_on": goal.target_date.isoformat()}
    assert client.post(f"{API}/goals/{goal.pk}/dates/", date, format="json").status_code == expect(who, readers)
    requested = client.post(f"{API}/prefectures/{code}/reports/")
    assert requested.status_code == expect(who, COORDINATORS, ok=201)
    window = theirs["window"]
    assert client.get(f"{API}/prefectures/{code}/survey-window/").status_code == expect(who, COORDINATORS)
    moved = {
        "fiscal_year": window.fiscal_year,
        "opens_on": window.opens_on,
        "closes_on": dt.date(window.fiscal_year + 1, 1, 31),
    }
    assert client.put(f"{API}/prefectures/{code}/survey-window/", moved, format="json").status_code == expect(
        who, COORDINATORS
    )
    reminded = client.post(
        f"{API}/prefectures/{code}/reminders/", {"municipality": theirs["town"].municipality.code}, format="json"
    )
    assert reminded.status_code == expect(who, COORDINATORS, ok=201)

    # What was refused left nothing behind.
    assert SupportCase.objects.count() == 2 + (who in RAISERS)
    assert SupportActivity.objects.filter(case=case).count() == 1 + (who in LOGGERS)
    assert case.dispatches.count() == (who in COORDINATORS)
    assert SupportCase.objects.get(pk=unassigned.pk).status == ("closed" if who in COORDINATORS else "requested")
    assert SharedGoal.objects.count() == 1 + (who in COORDINATORS)
    assert SharedGoal.objects.get(pk=goal.pk).title == ("改名" if who in COORDINATORS else "CIOの任命")
    assert CouncilReport.objects.count() == 1 + (who in COORDINATORS)
    assert SurveyWindow.objects.get().closes_on == (moved["closes_on"] if who in COORDINATORS else window.closes_on)
    assert AssessmentReminder.objects.count() == (who in COORDINATORS)
    told = Notification.objects.filter(recipient=everyone["other_admin"], url__startswith="/assessments/")
    assert told.count() == (who in COORDINATORS)


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_cases_specialists_goals_and_reports(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        f"{API}/prefectures/{{pref_code}}/dashboard/",
        f"{API}/prefectures/{{pref_code}}/specialists/",
        f"{API}/prefectures/{{pref_code}}/goals/",
        f"{API}/prefectures/{{pref_code}}/reports/",
        f"{API}/prefectures/{{pref_code}}/reminders/",
        f"{API}/prefectures/{{pref_code}}/survey-window/",
        f"{API}/cases/",
        f"{API}/cases/{{id}}/activities/",
        f"{API}/cases/{{id}}/dispatches/",
        f"{API}/goals/{{id}}/dates/",
        f"{API}/reports/{{id}}/",
        f"{API}/reports/{{id}}/download/{{kind}}/",
    ):
        assert path in paths, path
    for path, method in (
        (f"{API}/cases/{{id}}/assign/", "post"),
        (f"{API}/cases/{{id}}/close/", "post"),
        (f"{API}/goals/{{id}}/", "put"),
        (f"{API}/goals/{{id}}/", "patch"),
    ):
        assert {"412", "428"} <= set(paths[path][method]["responses"]), (method, path)
    for path in (f"{API}/cases/{{id}}/activities/", f"{API}/cases/", f"{API}/prefectures/{{pref_code}}/goals/"):
        assert "428" not in paths[path]["post"]["responses"], path
    dashboard = paths[f"{API}/prefectures/{{pref_code}}/dashboard/"]["get"]["responses"]["200"]
    name = dashboard["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"needs_attention", "municipalities"} <= set(schema["components"]["schemas"][name]["properties"])
