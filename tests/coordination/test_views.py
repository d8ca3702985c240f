"""The coordinator's workspace pages as the home prefecture's people use them: the dashboard and its filters,
gaps into a prefilled joint procurement, support cases from request to outcome, the pool, goals and reports,
the survey window and reminders to submit. Bad posts are shown again with 400 and their reasons; nothing is
saved."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from assessments.models import Assessment, SurveyWindow
from benchmarks.models import Area
from coordination import services
from coordination.models import (
    AssessmentReminder,
    CouncilReport,
    Dispatch,
    GoalMilestone,
    SharedGoal,
    Specialist,
    SupportCase,
)
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Municipality, Organization
from tests.coordination.conftest import make_kpi, past_the_deadline
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def coordinator(client, people):
    client.force_login(people["coordinator"])
    return client


def checked(html: str, name: str) -> set[str]:
    """Values of the page's checked checkboxes named `name`."""
    inputs = re.findall(r"<input[^>]*>", html)
    return {
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in inputs
        if f'name="{name}"' in tag and 'type="checkbox"' in tag and " checked" in tag
    }


def case_url(case) -> str:
    return f"/coordination/cases/{case.pk}/"


def errors(response) -> str:
    """The error texts of the forms on the page."""
    forms = response.context.get("forms") or {"form": response.context["form"]}
    return " ".join(str(e) for form in forms.values() for field in form.errors.values() for e in field)


# --- dashboard, gaps and next steps --------------------------------------------------------------


def test_the_home_page_leads_a_coordinator_to_the_workspace_and_a_town_to_its_goals(client, people):
    client.force_login(people["coordinator"])
    assert 'href="/coordination/20/"' in client.get("/coordination/").text
    client.force_login(people["editor"])
    page = client.get("/coordination/").text
    assert 'href="/coordination/20/"' not in page and 'href="/coordination/20/goals/"' in page
    assert 'href="/coordination/"' in page  # in the navigation


def test_the_dashboard_lists_the_municipalities_lowest_first_with_why_they_need_attention(
    coordinator, national, home, people
):
    with past_the_deadline(home["prefecture"].prefecture, people["coordinator"]):
        coordinator.force_login(people["coordinator"])  # a session of the day travelled to
        response = coordinator.get("/coordination/20/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.score.composite for row in rows] == sorted(row.score.composite for row in rows)
    assert "要注意（2団体）" in response.text
    deadline = response.context["board"].summary.window.closes_on
    assert f"回答期限（{deadline.year}年{deadline.month}月{deadline.day}日）を過ぎても自己評価が未提出" in response.text
    assert response.context["chart"]["data"][0]["locations"] == [row.municipality.code for row in rows]


def test_the_dashboard_filters_towns_and_villages_and_shows_an_area(coordinator, national, home, town):
    response = coordinator.get("/coordination/20/", {"towns": "on", "area": "system"})
    assert [row.municipality for row in response.context["rows"]] == [town]
    with translation.override("ja"):
        label = str(Area.SYSTEM.label)
    assert f"市区町村一覧（{label}の低い順）" in response.text


def test_a_bad_filter_shows_everything(coordinator, national, home):
    response = coordinator.get("/coordination/20/", {"size_class": "huge"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_gaps_rank_items_and_start_a_prefilled_joint_procurement(coordinator, national, home):
    page = coordinator.get("/coordination/20/gaps/", {"item": "system.policy"})
    assert page.status_code == 200
    counts = page.context["counts"]
    assert [row["lacking"] for row in counts] == sorted((row["lacking"] for row in counts), reverse=True)
    lacking = [code for code, _name in page.context["lacking"]]
    assert lacking == [home["town"].municipality.code, home["city"].municipality.code]

    started = coordinator.post(
        "/coordination/20/gaps/?item=system.policy", {"municipality": lacking, "start": "procurement"}
    )
    assert started.status_code == 302
    assert started.url == f"/community/procurements/new/?indicator=system.policy&municipalities={'%2C'.join(lacking)}"
    form = coordinator.get(started.url)
    assert form.status_code == 200
    assert [i.code for i in form.context["form"].initial["indicators"]] == ["system.policy"]
    assert form.context["form"].initial["title"] == "共同調達：DXを推進するための全体方針の策定"
    invited = {str(o.pk) for o in Organization.objects.filter(municipality__code__in=lacking)}
    assert checked(form.text, "invite") == invited
    assert checked(form.text, "indicators") == {str(form.context["form"].initial["indicators"][0].pk)}


def test_gaps_start_a_prefilled_shared_goal(coordinator, national):
    started = coordinator.post("/coordination/20/gaps/?item=system.policy", {"start": "goal"})
    assert started.url.startswith("/coordination/20/goals/?indicator=system.policy")
    form = coordinator.get(started.url).context["form"]
    assert [i.code for i in form.initial["indicators"]] == ["system.policy"]


def test_gaps_start_a_shared_goal_with_exactly_the_ticked_municipalities(coordinator, national, home, town):
    ticked = [town.code]  # of the two lacking it, the city is left out
    started = coordinator.post("/coordination/20/gaps/?item=system.policy", {"municipality": ticked, "start": "goal"})
    assert started.url == f"/coordination/20/goals/?indicator=system.policy&municipalities={town.code}"
    page = coordinator.get(started.url)
    assert page.context["form"].initial["municipalities"] == [town]
    assert checked(page.text, "municipalities") == {str(town.pk)}
    policy = page.context["form"].initial["indicators"][0]
    later = (TODAY() + dt.timedelta(days=200)).isoformat()
    posted = {"title": "全体方針の策定", "indicators": [policy.pk], "target_date": later, "municipalities": [town.pk]}
    created = coordinator.post(started.url, posted)
    goal = SharedGoal.objects.get()
    assert created.status_code == 302 and list(goal.municipalities.all()) == [town]
    board = coordinator.get(created.url)
    assert [line.municipality for line in board.context["progress"].rows] == [town]
    assert "DXを推進するための全体方針の策定" in board.text and "system.policy<" not in board.text
    [(_goal, listed)] = coordinator.get("/coordination/20/goals/").context["goals"]
    assert [line.municipality for line in listed.rows] == [town]


def test_a_goal_boarding_nobody_is_shown_again(coordinator, national):
    response = coordinator.post("/coordination/20/goals/", goal_form(national, municipalities=[]))
    assert response.status_code == 400
    assert "市町村を1つ以上選んでください。" in errors(response)
    assert not SharedGoal.objects.exists()


def test_next_steps_of_a_town(coordinator, national, town):
    response = coordinator.get(f"/coordination/municipalities/{town.code}/next-steps/")
    assert response.status_code == 200
    assert town.name in response.text
    assert response.context["coordinates"] is True


# --- support cases -------------------------------------------------------------------------------


def test_a_town_editor_raises_a_case_from_its_form(client, people, town):
    client.force_login(people["editor"])
    assert f"/coordination/cases/new/{town.code}/" in client.get("/coordination/cases/").text
    url = f"/coordination/cases/new/{town.code}/"
    blank = client.post(url, {"topic": "", "urgency": "normal", "description": ""})
    assert blank.status_code == 400
    assert not SupportCase.objects.exists()
    response = client.post(url, {"topic": "RPAの導入", "skill": "rpa", "urgency": "high", "description": "相談です"})
    case = SupportCase.objects.get()
    assert response.status_code == 302 and response.url == case_url(case)
    assert (case.topic, case.skill, case.urgency, case.raised_by) == ("RPAの導入", "rpa", "high", people["editor"])


def test_the_coordinator_sees_the_matched_specialists_and_assigns_one(coordinator, case, specialist, their_specialist):
    page = coordinator.get(case_url(case))
    assert [m.specialist for m in page.context["matches"]] == [specialist]
    # Another prefecture's specialist is not a choice.
    refused = coordinator.post(
        case_url(case), {"action": "assign", "specialist": their_specialist.pk, "version": case.version}
    )
    assert refused.status_code == 400
    assert SupportCase.objects.get().specialist is None
    assert (
        coordinator.post(
            case_url(case), {"action": "assign", "specialist": specialist.pk, "version": case.version}
        ).status_code
        == 302
    )
    assert SupportCase.objects.get().specialist == specialist


def visit(**changes) -> dict[str, str]:
    data = {
        "action": "activity",
        "kind": "visit",
        "held_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        "attendees": "企画課",
        "hours": "2",
        "notes": "",
        "next_action": "",
        "next_action_due": "",
    }
    return data | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on": (TODAY() + dt.timedelta(days=3)).isoformat()}, "未来の日付は記録できません"),
        (
            {"next_action": "打診", "next_action_due": (TODAY() - dt.timedelta(days=9)).isoformat()},
            "次の対応の期限は活動日以降にしてください。",
        ),
        ({"hours": "0"}, "0.1"),
        ({"attendees": ""}, "この項目は必須です。"),
    ],
)
def test_a_bad_visit_is_shown_again_with_its_reason(coordinator, case, changes, message):
    response = coordinator.post(case_url(case), visit(**changes))
    assert response.status_code == 400
    assert message in errors(response)
    assert response.context["forms"]["activity"]["attendees"].value() == visit(**changes)["attendees"]
    assert not case.activities.exists()


def test_an_over_booked_dispatch_is_shown_again_with_the_numbers(coordinator, case, specialist, people):
    services.support_case_assign(case=case, specialist=specialist, by=people["coordinator"])
    day = TODAY().replace(day=1).isoformat()
    assert coordinator.post(case_url(case), {"action": "dispatch", "worked_on": day, "days": "3"}).status_code == 302
    response = coordinator.post(case_url(case), {"action": "dispatch", "worked_on": day, "days": "2"})
    assert response.status_code == 400
    month = TODAY().strftime("%Y-%m")
    assert f"佐藤 技師さんの{month}の稼働可能日数は4.0日で、すでに3.0日が予定されています。" in response.text
    assert "さらに2.0日入れると5.0日になり、超過します。" in response.text
    assert list(Dispatch.objects.values_list("days", flat=True)) == [Decimal("3.0")]


def test_a_dispatch_dated_years_away_is_shown_again(coordinator, case, specialist, people):
    services.support_case_assign(case=case, specialist=specialist, by=people["coordinator"])
    response = coordinator.post(case_url(case), {"action": "dispatch", "worked_on": "9999-12-15", "days": "1"})
    assert response.status_code == 400
    assert "今日から1年以内の日付で記録してください。" in errors(response)
    assert not Dispatch.objects.exists()


def test_links_offer_only_the_towns_own_kpis(coordinator, case, town, home):
    own, theirs = make_kpi(town), make_kpi(home["city"].municipality)
    refused = coordinator.post(
        case_url(case), {"action": "links", "kpis": [own.pk, theirs.pk], "version": case.version}
    )
    assert refused.status_code == 400
    assert not case.kpis.exists()
    assert (
        coordinator.post(case_url(case), {"action": "links", "kpis": [own.pk], "version": case.version}).status_code
        == 302
    )
    assert list(case.kpis.all()) == [own]


def test_closing_without_an_outcome_is_refused_then_the_town_sees_the_outcome(coordinator, client, case, people):
    refused = coordinator.post(case_url(case), {"action": "close", "outcome": " ", "version": case.version})
    assert refused.status_code == 400
    assert "案件を終了する前に、支援の成果を書いてください。" in errors(refused)
    assert SupportCase.objects.get().status == SupportCase.Status.REQUESTED
    assert (
        coordinator.post(
            case_url(case), {"action": "close", "outcome": "CIOを任命した", "version": case.version}
        ).status_code
        == 302
    )
    client.force_login(people["viewer"])
    page = client.get(case_url(case)).text
    assert "終了（成果）: CIOを任命した" in page
    assert 'value="activity"' not in page


def test_an_unknown_action_is_not_found(coordinator, case):
    assert coordinator.post(case_url(case), {"action": "delete"}).status_code == 404


# --- the pool ------------------------------------------------------------------------------------


def pool_form(**changes) -> dict[str, object]:
    return {
        "name": "鈴木 一郎",
        "kind": "external",
        "skills": ["system"],
        "days_per_month": "3",
        "active": "on",
    } | changes


def test_a_coordinator_adds_and_edits_a_specialist(coordinator, town, everyone):
    response = coordinator.post(
        "/coordination/20/specialists/", pool_form(municipalities=[town.pk], user=everyone["pooled"].email)
    )
    assert response.status_code == 302
    added = Specialist.objects.get()
    assert (added.user, list(added.municipalities.all())) == (everyone["pooled"], [town])
    page = coordinator.get("/coordination/20/specialists/", {"edit": added.pk})
    assert page.context["form"]["user"].value() == everyone["pooled"].email
    edited = coordinator.post(f"/coordination/20/specialists/?edit={added.pk}", pool_form(days_per_month="6"))
    assert edited.status_code == 302
    added.refresh_from_db()
    assert (added.days_per_month, added.user) == (Decimal("6.0"), None)


@pytest.mark.parametrize(
    "changes",
    [
        {"skills": []},
        {"days_per_month": "-1"},
        {"municipalities": ["their town"]},
        {"user": "nobody@example.jp"},
        {"user": "a town editor"},
    ],
)
def test_a_bad_specialist_is_shown_again(coordinator, region, changes):
    if changes.get("municipalities"):
        changes = {"municipalities": [region["other"]["town"].municipality.pk]}
    if changes.get("user") == "a town editor":
        # Not offered: an account of a town looks the same as no account at all.
        changes = {"user": MembershipFactory(organization=region["home"]["town"], role="editor").user.email}
    response = coordinator.post("/coordination/20/specialists/", pool_form(**changes))
    assert response.status_code == 400
    assert response.context["form"]["name"].value() == "鈴木 一郎"
    assert not Specialist.objects.exists()


def test_another_prefectures_specialist_cannot_be_edited_here(coordinator, their_specialist):
    assert coordinator.get("/coordination/20/specialists/", {"edit": their_specialist.pk}).status_code == 404


@pytest.mark.parametrize("junk", ["²", "1e3", "-1", "9" * 30])
def test_an_edit_that_names_no_specialist_shows_the_empty_form(coordinator, specialist, junk):
    response = coordinator.get("/coordination/20/specialists/", {"edit": junk})
    assert response.status_code == 200
    assert response.context["form"]["name"].value() in (None, "")


# --- goals ---------------------------------------------------------------------------------------


def goal_form(national, **changes) -> dict[str, object]:
    cio = national.catalog.indicators.get(code="system.cio")
    later = (TODAY() + dt.timedelta(days=200)).isoformat()
    everyone = list(Municipality.objects.filter(prefecture__pref_code="20").values_list("pk", flat=True))
    given = {"title": "全市町村でCIOを任命", "indicators": [cio.pk], "target_date": later, "municipalities": everyone}
    return given | changes


def test_a_coordinator_sets_a_goal_and_a_town_its_date(coordinator, client, national, people, town):
    response = coordinator.post("/coordination/20/goals/", goal_form(national))
    goal = SharedGoal.objects.get()
    assert response.status_code == 302 and response.url == f"/coordination/goals/{goal.pk}/"
    client.force_login(people["editor"])
    board = client.get(response.url)
    assert board.status_code == 200
    assert [(m.code, form["version"].value()) for m, form in board.context["own"]] == [(town.code, 0)]
    late = (goal.target_date + dt.timedelta(days=1)).isoformat()
    refused = client.post(response.url, {"municipality": town.code, "due_on": late, "version": 0})
    assert refused.status_code == 400
    assert f"共同目標の期限（{goal.target_date}）以前にしてください。" in errors(refused)
    assert not GoalMilestone.objects.exists()
    assert (
        client.post(response.url, {"municipality": town.code, "due_on": goal.target_date, "version": 0}).status_code
        == 302
    )
    assert GoalMilestone.objects.get().due_on == goal.target_date


def test_a_towns_date_before_the_goal_was_set_is_refused(coordinator, client, national, people, town):
    goal_url = coordinator.post("/coordination/20/goals/", goal_form(national)).url
    client.force_login(people["editor"])
    early = (TODAY() - dt.timedelta(days=1)).isoformat()
    refused = client.post(goal_url, {"municipality": town.code, "due_on": early, "version": 0})
    assert refused.status_code == 400
    assert f"共同目標を設定した日（{TODAY()}）以降にしてください。" in errors(refused)
    assert not GoalMilestone.objects.exists()


def test_a_town_the_goal_does_not_board_sets_no_date(coordinator, client, national, people, town, home):
    city = home["city"].municipality
    goal_url = coordinator.post("/coordination/20/goals/", goal_form(national, municipalities=[city.pk])).url
    client.force_login(people["editor"])
    assert client.get(goal_url).context["own"] == []
    assert client.post(goal_url, {"municipality": town.code, "due_on": TODAY().isoformat()}).status_code == 403


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"indicators": []}, "目標には調査項目を1つ以上結びつけてください。"),
        ({"target_date": "2020-01-01"}, "新しい目標の期限は未来の日付にしてください。"),
    ],
)
def test_a_goal_without_items_or_in_the_past_is_shown_again(coordinator, national, changes, message):
    response = coordinator.post("/coordination/20/goals/", goal_form(national, **changes))
    assert response.status_code == 400
    assert message in errors(response)
    assert response.context["form"]["title"].value() == "全市町村でCIOを任命"
    assert not SharedGoal.objects.exists()


def test_a_town_viewer_reads_the_goals_but_sets_nothing(client, national, people, town, coordinator):
    coordinator.post("/coordination/20/goals/", goal_form(national))
    goal = SharedGoal.objects.get()
    client.force_login(people["viewer"])
    assert client.get("/coordination/20/goals/").context["form"] is None
    assert client.get(f"/coordination/goals/{goal.pk}/").context["own"] == []
    assert (
        client.post(f"/coordination/goals/{goal.pk}/", {"municipality": town.code, "due_on": "2027-01-01"}).status_code
        == 403
    )
    assert client.post("/coordination/20/goals/", goal_form(national)).status_code == 403


# --- reports -------------------------------------------------------------------------------------


def test_a_report_is_asked_for_made_by_the_worker_and_downloaded(
    coordinator, national, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post("/coordination/20/reports/")
    report = CouncilReport.objects.get()
    assert response.status_code == 302 and response.url == f"/coordination/reports/{report.pk}/"
    assert coordinator.get(f"/coordination/reports/{report.pk}/progress/").json() == {
        "progress": 100,
        "status_label": "完了",
        "done": True,
    }
    assert "PDFをダウンロード" in coordinator.get(response.url).text
    pdf = coordinator.get(f"/coordination/reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = coordinator.get(f"/coordination/reports/{report.pk}/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    assert coordinator.get(f"/coordination/reports/{report.pk}/doc/").status_code == 404


def test_a_waiting_report_says_so_and_has_nothing_to_download(coordinator, django_capture_on_commit_callbacks, home):
    with django_capture_on_commit_callbacks(execute=False):
        coordinator.post("/coordination/20/reports/")
    report = CouncilReport.objects.get()
    assert coordinator.get(f"/coordination/reports/{report.pk}/progress/").json()["done"] is False
    assert coordinator.get(f"/coordination/reports/{report.pk}/pdf/").status_code == 404


def test_a_report_no_worker_came_back_to_stops_the_waiting(coordinator, django_capture_on_commit_callbacks, home):
    with django_capture_on_commit_callbacks(execute=False):
        coordinator.post("/coordination/20/reports/")
    report = CouncilReport.objects.get()
    CouncilReport.objects.filter(pk=report.pk).update(
        status=CouncilReport.Status.RUNNING, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert coordinator.get(f"/coordination/reports/{report.pk}/progress/").json()["done"] is True
    assert "作成できませんでした" in coordinator.get(f"/coordination/reports/{report.pk}/").content.decode()


# --- the survey window ---------------------------------------------------------------------------

WINDOW_PAGE = "/coordination/20/survey-window/"


def window_form(opens_on: dt.date, closes_on: dt.date) -> dict[str, str]:
    return {
        "fiscal_year": str(FiscalYear.current().year),
        "opens_on": opens_on.isoformat(),
        "closes_on": closes_on.isoformat(),
    }


def japanese(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_a_coordinator_sets_the_survey_window_and_the_dashboard_shows_its_deadline(coordinator, home):
    year = FiscalYear.current()
    page = coordinator.get(WINDOW_PAGE)
    assert page.status_code == 200
    assert page.context["form"]["fiscal_year"].value() == year.year
    assert "期限は未設定" in coordinator.get("/coordination/20/").text

    response = coordinator.post(WINDOW_PAGE, window_form(year.start, year.end), follow=True)
    assert response.redirect_chain == [("/coordination/20/", 302)]
    assert "調査期間を保存しました。" in response.text
    window = SurveyWindow.objects.get()
    assert (window.prefecture, window.fiscal_year, window.opens_on, window.closes_on) == (
        home["prefecture"].prefecture,
        year.year,
        year.start,
        year.end,
    )
    assert response.context["board"].summary.window == window
    assert f"期限 {japanese(year.end)}" in response.text  # the tile

    # Opened again, the page shows the window; saved again, the one window changes.
    page = coordinator.get(WINDOW_PAGE)
    assert f"現在の設定: {japanese(year.start)}受付開始、回答期限{japanese(year.end)}。" in page.text
    assert page.context["form"]["closes_on"].value() == year.end
    later = year.start + dt.timedelta(days=30)
    assert coordinator.post(WINDOW_PAGE, window_form(later, year.end - dt.timedelta(days=1))).status_code == 302
    window = SurveyWindow.objects.get()
    assert (window.opens_on, window.closes_on) == (later, year.end - dt.timedelta(days=1))


def test_a_deadline_before_the_opening_is_shown_again_and_nothing_is_saved(coordinator, people, home):
    year = FiscalYear.current()
    opens, closes = dt.date(year.year, 10, 1), dt.date(year.year, 9, 30)
    response = coordinator.post(WINDOW_PAGE, window_form(opens, closes))
    assert response.status_code == 400
    assert errors(response) == "回答期限を受付開始日より前にすることはできません。"
    assert "回答期限を受付開始日より前にすることはできません。" in response.text
    assert response.context["form"]["opens_on"].value() == opens.isoformat()  # what was typed, to correct
    assert not SurveyWindow.objects.exists()

    coordinator.post(WINDOW_PAGE, window_form(year.start, year.end))
    assert coordinator.post(WINDOW_PAGE, window_form(opens, closes)).status_code == 400
    window = SurveyWindow.objects.get()
    assert (window.opens_on, window.closes_on) == (year.start, year.end)


@pytest.mark.parametrize("who", ["viewer", "editor", "admin", "partner", "national", "outsider", "other_coordinator"])
def test_only_the_prefectures_coordinators_open_its_survey_window(client, everyone, who):
    year = FiscalYear.current()
    client.force_login(everyone[who])
    assert client.get(WINDOW_PAGE).status_code == 404
    assert client.post(WINDOW_PAGE, window_form(year.start, year.end)).status_code == 404
    assert not SurveyWindow.objects.exists()


def test_staff_set_a_prefectures_survey_window(client, everyone):
    year = FiscalYear.current()
    client.force_login(everyone["staff"])
    assert client.post(WINDOW_PAGE, window_form(year.start, year.end)).status_code == 302
    assert SurveyWindow.objects.get().set_by == everyone["staff"]


# --- reminders to submit the self-assessment ------------------------------------------------------


def remind_url(municipality) -> str:
    return f"/coordination/municipalities/{municipality.code}/remind/"


def test_a_coordinator_reminds_a_late_town_from_the_dashboard_once_a_week(coordinator, home, town, people):
    with past_the_deadline(home["prefecture"].prefecture, people["coordinator"]) as clock:
        coordinator.force_login(people["coordinator"])  # a session of the day travelled to
        assert f'action="{remind_url(town)}"' in coordinator.get("/coordination/20/").text
        response = coordinator.post(remind_url(town), follow=True)
        assert response.redirect_chain == [("/coordination/20/#attention-heading", 302)]
        assert f"{town.name}に督促を送りました。" in response.text
        sent = timezone.localdate()
        assert f"{sent.month}/{sent.day}督促済み" in response.text
        assert f'action="{remind_url(town)}"' not in response.text
        reminder = AssessmentReminder.objects.get()
        assert (reminder.municipality, reminder.sent_by, reminder.recipients) == (town, people["coordinator"], 2)
        for who in ("editor", "admin"):
            assert Notification.objects.filter(recipient=people[who], url__contains=f"/{town.code}/").count() == 1

        clock.shift(dt.timedelta(days=6))
        again = coordinator.post(remind_url(town), follow=True)
        assert again.redirect_chain == [("/coordination/20/#attention-heading", 302)]
        next_day = sent + dt.timedelta(days=7)
        assert f"{town}には{japanese(sent)}に督促済みです。次の督促は{japanese(next_day)}から送れます。" in again.text
        assert AssessmentReminder.objects.count() == 1
        assert Notification.objects.filter(recipient=people["editor"]).count() == 1

        clock.shift(dt.timedelta(days=1))
        coordinator.force_login(people["coordinator"])
        assert f"{town.name}に督促を送りました。" in coordinator.post(remind_url(town), follow=True).text
        assert AssessmentReminder.objects.count() == 2
        assert Notification.objects.filter(recipient=people["editor"]).count() == 2


def test_a_town_that_has_handed_in_is_not_reminded_and_the_dashboard_says_why(coordinator, town, people):
    year = FiscalYear.current().year
    Assessment.objects.create(municipality=town, fiscal_year=year, status=Assessment.Status.SUBMITTED)
    response = coordinator.post(remind_url(town), follow=True)
    assert response.redirect_chain == [("/coordination/20/#attention-heading", 302)]
    assert f"{town}は自己評価を提出済みです。" in response.text
    assert not AssessmentReminder.objects.exists()
    assert not Notification.objects.filter(recipient=people["editor"]).exists()


@pytest.mark.parametrize("who", ["viewer", "editor", "admin", "partner", "pooled", "other_coordinator"])
def test_nobody_but_the_prefectures_coordinators_reminds_its_town(client, everyone, town, who):
    client.force_login(everyone[who])
    assert client.post(remind_url(town)).status_code == 403
    assert not AssessmentReminder.objects.exists()
    assert not Notification.objects.exists()


def test_a_reminder_is_a_post_to_a_known_municipality(coordinator, town):
    assert coordinator.get(remind_url(town)).status_code == 405
    assert coordinator.post("/coordination/municipalities/000000/remind/").status_code == 404
    assert not AssessmentReminder.objects.exists()
