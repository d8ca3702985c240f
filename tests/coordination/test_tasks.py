"""Coordination tasks, each run twice: overdue next actions remind their assignee once, and the council
report is made by the worker, its PDF readable in Japanese and its XLSX holding the rows."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from coordination import selectors, services, tasks
from coordination.models import CouncilReport, SupportActivity
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Membership
from tests.coordination.conftest import past_the_deadline, raise_case, titles

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def log(case, by, due_in_days: int, action: str = "候補者に打診する") -> SupportActivity:
    """A visit three weeks ago whose next action is due `due_in_days` from today."""
    return services.support_activity_log(
        case=case,
        given=services.ActivityInput(
            kind=SupportActivity.Kind.VISIT,
            held_on=TODAY() - dt.timedelta(days=21),
            attendees="企画課",
            hours=Decimal(1),
            notes="",
            next_action=action,
            next_action_due=TODAY() + dt.timedelta(days=due_in_days),
        ),
        by=by,
    )


def reminders(user) -> list[str]:
    return [title for title in titles(user) if "期限切れ" in title]


def test_an_overdue_next_action_reminds_the_assigned_specialist_once(case, specialist, everyone):
    coordinator = everyone["coordinator"]
    services.support_case_assign(case=case, specialist=specialist, by=coordinator)
    log(case, coordinator, 0, "今日が期限")  # due today: not yet overdue, and replaced by the next visit's
    overdue = log(case, coordinator, -1)
    first = tasks.send_support_reminders.delay().get()
    second = tasks.send_support_reminders.delay().get()
    assert (first, second) == (1, 0)
    assert reminders(specialist.user) == [
        f"{case.municipality}の次の対応が期限切れです：候補者に打診する（期限 {overdue.next_action_due}）"
    ]
    assert reminders(coordinator) == []
    notice = specialist.user.notifications.get(title__contains="期限切れ")
    assert notice.url == reverse("coordination:case_detail", args=[case.pk])
    assert SupportActivity.objects.filter(reminded_at__isnull=False).get() == overdue


def test_without_a_specialist_account_the_prefectures_coordinators_are_reminded(case, home, everyone):
    from tests.factories import MembershipFactory

    second_coordinator = MembershipFactory(organization=home["prefecture"], role="coordinator").user
    log(case, everyone["coordinator"], -3)
    for _ in range(2):
        tasks.send_support_reminders.delay().get()
    for user in (everyone["coordinator"], second_coordinator):
        assert len(reminders(user)) == 1
    for who in ("other_coordinator", "editor", "pooled"):
        assert reminders(everyone[who]) == []


@pytest.mark.parametrize("gone", ["account deactivated", "out of the pool"])
def test_a_specialist_who_cannot_act_leaves_the_reminder_to_the_coordinators(case, specialist, everyone, gone):
    """A deactivated account gets no notice, and a specialist out of the pool no longer sees the case: the
    coordinators are reminded instead of nobody."""
    coordinator = everyone["coordinator"]
    services.support_case_assign(case=case, specialist=specialist, by=coordinator)
    log(case, coordinator, -1)
    if gone == "account deactivated":
        type(specialist.user).objects.filter(pk=specialist.user.pk).update(is_active=False)
    else:
        type(specialist).objects.filter(pk=specialist.pk).update(active=False)
    assert tasks.send_support_reminders.delay().get() == 1
    assert len(reminders(coordinator)) == 1
    assert reminders(specialist.user) == []


def test_a_closed_case_reminds_nobody(case, everyone):
    log(case, everyone["coordinator"], -3)
    services.support_case_close(case=case, outcome="解決", by=everyone["coordinator"])
    assert tasks.send_support_reminders.delay().get() == 0
    assert reminders(everyone["coordinator"]) == []


# --- the council report --------------------------------------------------------------------------


@pytest.fixture
def requested(national, home, people, town, django_capture_on_commit_callbacks):
    """A report asked for by the coordinator, with a support case and a visit to report on; the request's
    commit hands it to the worker (in-process here)."""
    case = raise_case(home["town"], people["editor"])
    log(case, people["coordinator"], 7)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = services.council_report_request(prefecture=home["prefecture"].prefecture, by=people["coordinator"])
    assert len(callbacks) == 1
    report.refresh_from_db()
    return report


def pdf_pages(report: CouncilReport) -> list:
    with report.pdf.open("rb") as file:
        return list(PdfReader(io.BytesIO(file.read())).pages)


def test_the_worker_makes_the_report_and_says_it_is_done(requested):
    assert (requested.status, requested.progress, requested.step, requested.error) == ("done", 100, "done", "")
    assert requested.finished_at is not None
    stem = f"council-report-20-{TODAY():%Y%m%d}"
    assert requested.pdf.name.endswith(f"{stem}.pdf") and requested.xlsx.name.endswith(f"{stem}.xlsx")


def test_page_one_of_the_a4_pdf_reads_in_japanese(requested, home):
    pages = pdf_pages(requested)
    assert len(pages) == 1  # a small prefecture's report fits on one page
    assert (round(float(pages[0].mediabox.width)), round(float(pages[0].mediabox.height))) == (595, 842)
    text = pages[0].extract_text()
    name = home["prefecture"].prefecture.name
    assert f"{name} 市区町村DXの状況" in text
    for heading in ("主な数値", "市区町村別の総合偏差値", "共同目標", "過去12か月の伴走支援"):
        assert heading in text, heading
    # The dashboard's tiles, and the map's legend in the order of its bands.
    flat = "".join(text.split())
    for tile in ("市区町村", "県の総合偏差値（全国平均50）", "対応中の伴走支援", "目標未達のKPI"):
        assert tile in flat, tile
    assert "40未満 40–45 45–50 50–55 55–60 60以上 データなし" in " ".join(text.split())
    assert "伴走支援の新規1件、終了0件。訪問・会議1回（1時間）。専門人材の派遣0日。" in text


def test_the_pdf_is_tagged_for_screen_readers(requested):
    with requested.pdf.open("rb") as file:
        catalog = PdfReader(io.BytesIO(file.read())).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "ja"


@pytest.fixture
def no_japanese_fonts(monkeypatch, tmp_path, caplog):
    """A machine whose fonts include no Japanese one: fontconfig (read anew by every WeasyPrint render) is
    pointed at the system's configuration minus every font covering Japanese."""
    from weasyprint import HTML

    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        '<selectfont><rejectfont><pattern><patelt name="lang"><string>ja</string></patelt></pattern>'
        "</rejectfont></selectfont></fontconfig>"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    HTML(string='<p style="font-family: IPAexGothic">日本</p>').write_pdf()
    assert ".notdef glyph" in caplog.text  # the system's own Japanese fonts are indeed out of reach
    caplog.clear()


def fonts_of(page) -> set[str]:
    return {str(font["/BaseFont"]).split("+")[-1] for font in page["/Resources"]["/Font"].values()}


def test_without_a_japanese_font_on_the_machine_the_report_reads_in_japanese_in_the_shipped_font(
    no_japanese_fonts, requested, home
):
    assert requested.status == "done", requested.error
    (page,) = pdf_pages(requested)
    assert all(font.startswith("IPAexGothic") for font in fonts_of(page)), fonts_of(page)  # bold is made from it
    text = page.extract_text()
    assert f"{home['prefecture'].prefecture.name} 市区町村DXの状況" in text
    assert "主な数値" in text and "市区町村別の総合偏差値" in text


def test_without_the_shipped_font_the_report_fails_naming_what_to_install(
    no_japanese_fonts, monkeypatch, caplog, home, people, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("coordination.report.FONT", "fonts/absent.ttf")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.council_report_request(prefecture=home["prefecture"].prefecture, by=people["coordinator"])
    report.refresh_from_db()
    assert (report.status, report.progress) == ("failed", 40)
    assert "fonts/absent.ttf" in report.error and "apt install fonts-ipaexfont-gothic" in report.error
    assert not report.pdf
    assert "apt install fonts-ipaexfont-gothic" in caplog.text  # the staff read it in the worker's log


def test_a_character_no_font_can_draw_fails_the_report_instead_of_printing_a_box(
    no_japanese_fonts, national, home, people, django_capture_on_commit_callbacks
):
    """A private-use character (外字, as some old systems type rare kanji in names) has no glyph anywhere."""
    prefecture = home["prefecture"].prefecture
    items = list(national.catalog.indicators.filter(code="system.cio"))
    given = services.GoalInput("\ue000田町と共同でCIO補佐官を置く", "", items, TODAY() + dt.timedelta(days=100))
    services.shared_goal_save(prefecture=prefecture, given=given, by=people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        report = services.council_report_request(prefecture=prefecture, by=people["coordinator"])
    report.refresh_from_db()
    assert report.status == "failed" and not report.pdf
    assert repr("\ue000") in report.error and "fonts-ipaexfont-gothic" in report.error


def test_a_shortened_attention_list_says_how_many_of_how_many_it_lists(
    monkeypatch, national, home, people, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("coordination.report.ATTENTION_LISTED", 1)
    prefecture = home["prefecture"].prefecture
    with past_the_deadline(prefecture, people["coordinator"]):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.council_report_request(prefecture=prefecture, by=people["coordinator"])
        attention = selectors.prefecture_dashboard(user=people["coordinator"], prefecture=prefecture).attention
    report.refresh_from_db()
    assert len(attention) == 2
    text = "".join(page.extract_text() for page in pdf_pages(report))
    assert "要注意 上位1団体（全2団体中）" in text
    assert attention[0].municipality.name in text and attention[1].municipality.name not in text


def test_every_page_footer_numbers_it_and_names_the_datas_origin_and_date(requested, national):
    (page,) = pdf_pages(requested)
    text = page.extract_text().replace("\n", "")
    assert f"DX推進協議会資料。{TODAY():%Y-%m-%d}" in text and "時点の本プラットフォームのデータから作成。" in text
    assert f"{national.name}、{national.get_origin_display()}。" in text
    assert text.endswith("1 / 1")


def test_the_xlsx_has_a_row_per_municipality(requested, home, town):
    with requested.xlsx.open("rb") as file:
        book = load_workbook(io.BytesIO(file.read()), read_only=True)
    rows = list(book["municipalities"].iter_rows(values_only=True))
    assert rows[0][:5] == ("lg_code", "municipality", "kind", "size_class", "composite")
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {town.code, home["city"].municipality.code}
    assert by_code[town.code][1] == town.name
    assert by_code[town.code][4] is not None  # scored from the national data
    assert by_code[town.code][13] == 1  # its open support case
    assert list(book["shared_goals"].iter_rows(values_only=True)) == [
        ("goal", "by", "municipality", "items_done", "items", "own_date")
    ]


def test_a_goal_titled_like_a_formula_stays_text_in_the_xlsx(
    national, home, town, people, django_capture_on_commit_callbacks
):
    title = '=HYPERLINK("https://evil.example/","詳細")'
    items = list(national.catalog.indicators.filter(code="system.cio"))
    prefecture = home["prefecture"].prefecture
    services.shared_goal_save(
        prefecture=prefecture,
        given=services.GoalInput(title, "", items, TODAY() + dt.timedelta(days=100)),
        by=people["coordinator"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.council_report_request(prefecture=prefecture, by=people["coordinator"])
    report.refresh_from_db()
    with report.xlsx.open("rb") as file:
        goals = load_workbook(io.BytesIO(file.read()))["shared_goals"]
    cells = [row[0] for row in goals.iter_rows(min_row=2)]
    assert {(cell.value, cell.data_type) for cell in cells} == {(title, "s")}
    assert len(cells) == 2  # a line per municipality


def test_a_second_run_of_the_task_changes_nothing(requested):
    assert tasks.make_council_report.delay(report_id=requested.pk).get() == "done"
    again = CouncilReport.objects.get()
    assert (again.pdf.name, again.xlsx.name, again.finished_at) == (
        requested.pdf.name,
        requested.xlsx.name,
        requested.finished_at,
    )


def test_a_requester_who_no_longer_coordinates_gets_a_failed_report(home, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        report = services.council_report_request(prefecture=home["prefecture"].prefecture, by=people["coordinator"])
    Membership.objects.filter(user=people["coordinator"]).delete()
    for _ in range(2):
        assert tasks.make_council_report.delay(report_id=report.pk).get() == "failed"
    report.refresh_from_db()
    assert report.status == "failed" and "no longer coordinates" in report.error
    assert not report.pdf and report.finished_at is not None


def test_a_later_visit_replaces_the_earlier_next_action(region, people, django_capture_on_commit_callbacks):
    """Only the newest activity's next action is reminded: a later visit settled the earlier one."""
    today = timezone.localdate()
    town = region["home"]["town"].municipality
    case = services.support_case_raise(
        municipality=town, given=services.SupportRequest("RPA", "rpa", None, "normal", "相談"), by=people["editor"]
    )
    for held, due, action in ((20, 10, "古い宿題"), (5, 2, "新しい宿題")):
        services.support_activity_log(
            case=case,
            given=services.ActivityInput(
                "visit",
                today - dt.timedelta(days=held),
                "住民課",
                Decimal(1),
                "",
                action,
                today - dt.timedelta(days=due),
            ),
            by=people["coordinator"],
        )
    Notification.objects.all().delete()
    assert services.overdue_reminders_send(today=today) == 1
    assert services.overdue_reminders_send(today=today) == 0
    titles = list(Notification.objects.values_list("title", flat=True))
    assert titles and all("新しい宿題" in t for t in titles)
    assert not SupportActivity.objects.get(next_action="古い宿題").reminded_at
