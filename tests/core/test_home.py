"""Each role's home page says what to do next: the municipality's people this year's self-assessment with its
state and the button for the next step, the coordinator the dashboard and the top of this week's list, the
partner the needs open for proposals; /assessments/ lists every year with its state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Answer, Assessment, SurveyWindow
from community.models import Need
from dx_platform.core.fiscal import FiscalYear
from tests.assessments import load_catalog

YEAR = FiscalYear.current().year


def home_of(client, user) -> str:
    client.force_login(user)
    return client.get("/").content.decode()


@pytest.fixture
def town(region):
    return region["home"]["town"]


@pytest.fixture
def catalog(db):
    load_catalog()


def survey_url(town, year=YEAR) -> str:
    return reverse("assessments:detail", args=[town.municipality.code, year])


def test_an_editor_without_this_years_assessment_is_offered_to_start_it(client, people, town, catalog):
    page = home_of(client, people["editor"])
    assert f"{town.name}：自己評価（{FiscalYear(YEAR)}）" in page
    assert "未着手" in page
    assert f'<a class="button primary" href="{survey_url(town)}">今年度の自己評価を始める</a>' in page


def test_a_draft_shows_how_far_it_is_and_the_admin_is_led_to_submit(client, people, town, catalog):
    assessment = services.assessment_start(municipality=town.municipality, fiscal_year=YEAR, by=people["editor"])
    answers = list(assessment.answers.select_related("indicator").order_by("indicator__position"))
    Answer.objects.filter(assessment=assessment).update(value=None, status="", prefilled_from="")
    first, prefilled = [a for a in answers if a.indicator.kind == "boolean" and a.indicator.scored][:2]
    Answer.objects.filter(pk=first.pk).update(value=1.0)
    # A prefill not yet confirmed is not the town's answer, on the home page as in the survey.
    Answer.objects.filter(pk=prefilled.pk).update(value=1.0, prefilled_from=Answer.Prefill.NATIONAL)
    scored = sum(a.indicator.scored for a in answers)
    SurveyWindow.objects.create(
        prefecture=town.municipality.prefecture,
        fiscal_year=YEAR,
        opens_on=timezone.localdate() - dt.timedelta(days=10),
        closes_on=timezone.localdate() + dt.timedelta(days=20),
    )

    editor = home_of(client, people["editor"])
    # Counted as the survey's index counts: the scored items, the one answered of them.
    assert "下書き" in editor and f"1 / {scored} 件回答" in editor
    assert f"未回答または未確認の項目があと{scored - 1}件です。" in editor
    assert f'<a class="button primary" href="{survey_url(town)}">回答を続ける</a>' in editor
    assert "都道府県への提出は管理者が行います。" in editor
    assert "回答期限" in editor

    admin = home_of(client, people["admin"])
    assert f'href="{survey_url(town)}#submit-heading">都道府県に提出</a>' in admin

    viewer = home_of(client, people["viewer"])
    assert "編集者が回答中です。" in viewer
    assert "回答を続ける" not in viewer and "都道府県に提出</a>" not in viewer


def test_a_returned_assessment_shows_the_prefectures_comment(client, people, town, catalog):
    assessment = services.assessment_start(municipality=town.municipality, fiscal_year=YEAR, by=people["editor"])
    Assessment.objects.filter(pk=assessment.pk).update(
        status=Assessment.Status.RETURNED, review_comment="根拠資料を添付してください"
    )
    page = home_of(client, people["editor"])
    assert "差し戻し" in page and "都道府県から差し戻されました：「根拠資料を添付してください」" in page
    assert ">回答を直す</a>" in page


def test_a_coordinator_sees_the_dashboard_and_the_top_of_this_weeks_list(client, people, region):
    # After the deadline, every municipality that has not submitted needs attention.
    SurveyWindow.objects.create(
        prefecture=region["home"]["town"].municipality.prefecture,
        fiscal_year=YEAR,
        opens_on=timezone.localdate() - dt.timedelta(days=40),
        closes_on=timezone.localdate() - dt.timedelta(days=1),
    )
    page = home_of(client, people["coordinator"])
    prefecture = region["home"]["prefecture"]
    assert f"{prefecture.name}：今週の状況" in page
    assert "自己評価の提出 0 / 2" in page
    assert "先に対応が必要な市区町村（全2団体）" in page
    for key in ("town", "city"):
        assert region["home"][key].municipality.name in page
    assert region["other"]["town"].municipality.name not in page
    dashboard = reverse("coordination:dashboard", args=[prefecture.prefecture.pref_code])
    assert f'<a class="button primary" href="{dashboard}">ダッシュボードを開く</a>' in page


def test_a_partner_sees_the_needs_open_for_proposals_soonest_first(client, people, region):
    today = timezone.localdate()
    for title, days, status in (
        ("後の締切", 30, Need.Status.OPEN),
        ("先の締切", 5, Need.Status.OPEN),
        ("締切済み", 10, Need.Status.CLOSED),
    ):
        Need.objects.create(
            organization=region["home"]["town"],
            title=title,
            problem="…",
            category="other",
            deadline=today + dt.timedelta(days=days),
            status=status,
        )
    page = home_of(client, people["partner"])
    assert "自治体のニーズ2件が提案を受け付けています" in page
    assert page.index("先の締切") < page.index("後の締切")
    assert "締切済み" not in page
    assert "自己評価" not in page.split("<main", 1)[-1].split("所属組織")[0]


def test_the_assessments_page_lists_each_year_with_its_state(client, people, town, catalog):
    earlier = services.assessment_start(municipality=town.municipality, fiscal_year=YEAR - 1, by=people["editor"])
    Assessment.objects.filter(pk=earlier.pk).update(
        status=Assessment.Status.CONFIRMED, submitted_at=timezone.now() - dt.timedelta(days=200)
    )
    client.force_login(people["editor"])
    page = client.get("/assessments/").content.decode()
    current, previous = page.index(str(FiscalYear(YEAR))), page.index(str(FiscalYear(YEAR - 1)))
    assert current < previous  # newest first, this year even before it is started
    this_row = page[current:previous]
    assert "未着手" in this_row and f'href="{survey_url(town)}">開始</a>' in this_row
    earlier_row = page[previous:]
    items = earlier.answers.filter(indicator__scored=True).count()
    assert "確認済み" in earlier_row and f"/ {items} 件回答" in earlier_row
