"""Flow: a town answers its self-assessment, the prefecture returns it, the town fixes it, the prefecture confirms."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assessments.models import Answer, Assessment
from benchmarks.models import ScoreRun
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Membership, Organization, Role
from tests.e2e.conftest import sign_in
from tests.factories import UserFactory

OBUSE = "205419"  # 長野県小布施町

# A save re-renders the whole form (88 items) after a redirect: on a busy machine that takes seconds,
# more than expect's default wait for the page's message.
SAVED = 20_000


@pytest.fixture
def scored(transactional_db):
    """Real reference data, the catalog and the real FY2023 dashboard dataset, scored."""
    for command in ("load_reference_data", "load_catalog", "load_dashboard_dataset"):
        call_command(command, stdout=io.StringIO())
    assert ScoreRun.objects.filter(status=ScoreRun.Status.COMPLETE).exists()


@pytest.fixture
def staff(scored):
    """An editor and an admin of 小布施町, and a coordinator of 長野県."""
    town = Organization.objects.get(municipality__code=OBUSE)
    prefecture = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code="20")
    people = {"editor": UserFactory(), "admin": UserFactory(), "coordinator": UserFactory()}
    Membership.objects.create(user=people["editor"], organization=town, role=Role.EDITOR)
    Membership.objects.create(user=people["admin"], organization=town, role=Role.ADMIN)
    Membership.objects.create(user=people["coordinator"], organization=prefecture, role=Role.COORDINATOR)
    return people


def signed_in(new_page, user):
    page = new_page()
    sign_in(page, user.email)
    expect(page.get_by_role("link", name="自己評価", exact=True)).to_be_visible()
    return page


def answer_of(page, name: str, *, exact: bool = True):
    """An item's answer: a group of choices (はい／いいえ／未回答, or a procedure's states)."""
    return page.get_by_role("group", name=name, exact=exact)


def item(page, name: str):
    """One item of the form: its answer, its evidence."""
    return page.locator(".item", has=answer_of(page, name))


def open_area(page, area: str) -> None:
    """The form shows one area at a time; its index opens the others."""
    page.get_by_role("navigation", name="調査の領域").get_by_role("link", name=re.compile(f"^{area}")).click()


def status_of(page) -> str:
    return page.locator("p.status strong").inner_text()


def submit_accepting_missing(page) -> None:
    """One step: the list of what is missing, and one question before it is sent without them."""
    submit = page.get_by_role("region", name="都道府県に提出")
    expect(submit).to_contain_text("件が未回答か、事前入力が未確認です")
    submit.get_by_label("それらを除いて提出する").check()
    submit.get_by_role("button", name="提出", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("都道府県に提出しました。", timeout=SAVED)
    assert status_of(page) == "提出済み"


def test_answer_submit_return_fix_confirm(staff, new_page):
    year = FiscalYear.current().year
    path = f"/assessments/{OBUSE}/{year}/"

    # The editor opens this fiscal year's assessment from the list and starts it.
    editor = signed_in(new_page, staff["editor"])
    editor.get_by_role("link", name="自己評価", exact=True).click()
    editor.locator("main").get_by_role("link", name=re.compile(f"^{year}年度")).click()
    assert editor.url.endswith(path)
    editor.get_by_role("button", name="自己評価を始める").click()
    expect(editor.get_by_role("heading", level=1)).to_contain_text("小布施町")

    # Prefilled from the dashboard (FY2023): the five of the seven scored structure items it has, all
    # done (its 外部人材活用 is not the report's 外部デジタル人材の任用, so that one is left to the town).
    cio = answer_of(editor, "CIOの任命")
    expect(cio.get_by_role("radio", name="はい")).to_be_checked()
    expect(item(editor, "CIOの任命")).to_contain_text("最新の全国データから事前入力")
    expect(answer_of(editor, "外部デジタル人材の任用").get_by_role("radio", name="未回答")).to_be_checked()
    # The rate says what it counts: five of seven items, all five prefilled.
    system_rate = editor.locator("[data-area-rate='system']")
    expect(system_rate).to_have_text("5 / 7 件回答 · 回答分の実施率 100.0%（うち事前入力 5 件）")

    # Answering changes the area's rate as the editor goes; a reference item does not count.
    answer_of(editor, "DX推進専任部署の設置").get_by_role("radio", name="いいえ").check()
    expect(system_rate).to_have_text("6 / 7 件回答 · 回答分の実施率 83.3%（うち事前入力 5 件）")
    answer_of(editor, "外部デジタル人材の任用").get_by_role("radio", name="はい").check()
    expect(system_rate).to_have_text("7 件すべて回答 · 実施率 85.7%（うち事前入力 5 件）")
    answer_of(editor, "全職員対象研修の実施", exact=False).get_by_role("radio", name="いいえ").check()
    expect(system_rate).to_have_text("7 件すべて回答 · 実施率 85.7%（うち事前入力 5 件）")
    # One procedure answered of 22 is not "100 %" of the area: the rate says it counts that one.
    open_area(editor, "行政手続きのオンライン化①")
    online_rate = editor.locator("[data-area-rate='online_volume']")
    expect(online_rate).to_contain_text("26.0%")
    expect(online_rate).to_contain_text("26.0%（うち事前入力 1 件） · 手続 0 / 22 件回答")
    answer_of(editor, "図書館の図書貸出予約等").get_by_role("radio", name="オンライン化済").check()
    expect(online_rate).to_have_text("1 / 22 件回答 · 回答分のオンライン化率 100.0%")
    editor.get_by_role("button", name="下書きを保存", exact=True).click()
    expect(editor.get_by_role("status")).to_contain_text("保存しました。", timeout=SAVED)
    # Back on the area being answered, with the rate as it was; the other area has kept its answers.
    expect(online_rate).to_be_visible()
    expect(online_rate).to_have_text("1 / 22 件回答 · 回答分のオンライン化率 100.0%")
    open_area(editor, "自治体DXの推進体制")
    expect(answer_of(editor, "外部デジタル人材の任用").get_by_role("radio", name="はい")).to_be_checked()

    # The admin submits, confirming that unanswered items are left out.
    admin = signed_in(new_page, staff["admin"])
    admin.goto(path)
    submit_accepting_missing(admin)
    assert Assessment.objects.get().status == Assessment.Status.SUBMITTED

    # The coordinator returns it with a comment.
    coordinator = signed_in(new_page, staff["coordinator"])
    coordinator.goto(path)
    # The read-only view shows the rates as the form did, and the index its progress.
    expect(coordinator.locator("[data-area-rate='system']")).to_have_text(
        "7 件すべて回答 · 実施率 85.7%（うち事前入力 5 件）"
    )
    expect(coordinator.locator("[data-area-rate='online_volume']")).to_have_text(
        "1 / 22 件回答 · 回答分のオンライン化率 100.0%"
    )
    expect(coordinator.locator("[data-area-count='system']")).to_have_text("2 / 7 回答済み · 確認待ちの事前入力 5")
    review = coordinator.get_by_role("region", name="確認", exact=True)
    review.get_by_role("combobox").select_option(label="差し戻し")
    review.get_by_label("コメント").fill("外部デジタル人材の任用の根拠を添付してください")
    review.get_by_role("button", name="処理を送る").click()
    expect(coordinator.get_by_role("status")).to_contain_text("団体に通知しました。", timeout=SAVED)
    assert status_of(coordinator) == "差し戻し"

    # The editor sees why, adds the evidence and saves.
    editor.goto(path)
    expect(editor.get_by_role("alert").filter(has_text="都道府県から差し戻されました")).to_contain_text(
        "外部デジタル人材の任用の根拠を添付してください"
    )
    talent = item(editor, "外部デジタル人材の任用")
    talent.get_by_text("根拠", exact=True).click()
    talent.get_by_label("根拠のメモ").fill("令和8年度 任用通知書")
    talent.get_by_label("根拠のリンク").fill("https://www.town.obuse.nagano.jp/dx")
    editor.get_by_role("button", name="下書きを保存", exact=True).click()
    expect(editor.get_by_role("status")).to_contain_text("保存しました。", timeout=SAVED)
    answer = Answer.objects.get(indicator__code="system.external_talent")
    assert (answer.value, answer.note) == (1.0, "令和8年度 任用通知書")

    # The admin submits again; the coordinator confirms it from the prefecture's list.
    admin.goto(path)
    submit_accepting_missing(admin)
    coordinator.goto("/assessments/")
    coordinator.get_by_role("link", name="長野県の市区町村を確認する").click()
    coordinator.get_by_label("町村のみ").check()
    coordinator.get_by_role("button", name="表示").click()
    coordinator.get_by_label("小布施町を選択").check()
    decision = coordinator.get_by_role("group", name="選んだ自己評価の処理")
    decision.get_by_role("combobox").select_option(label="確認（承認）")
    decision.get_by_role("button", name="処理を送る").click()
    expect(coordinator.get_by_role("status")).to_contain_text("1件の自己評価を処理し", timeout=SAVED)
    assert Assessment.objects.get().status == Assessment.Status.CONFIRMED

    # The benchmark page shows where the town would stand if the survey were today.
    coordinator.goto(f"/benchmarks/municipalities/{OBUSE}/")
    live = coordinator.get_by_role("region", name=re.compile("^いま調査があったら"))
    expect(live.get_by_role("heading", level=2)).to_contain_text(f"{year}年度")
    expect(live.get_by_role("row", name=re.compile("^自治体DXの推進体制"))).to_contain_text("85.7")
