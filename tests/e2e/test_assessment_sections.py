"""Flow: the survey in sections. An editor answers two areas, leaves the page and comes back to the answers;
a file refused for its content keeps the other answers and files of the same save; the submit step lists
every missing item with a link to it and asks once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.models import Answer, Assessment
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# A save re-renders the whole form (88 items) after a redirect: on a busy machine that takes seconds,
# more than expect's default wait for the page's message.
SAVED = 20_000


@pytest.fixture
def survey(region):
    """A town's blank assessment (no national data to prefill from), its editor and its admin."""
    load_catalog()
    town = region["home"]["town"]
    editor = MembershipFactory(organization=town, role=Role.EDITOR).user
    admin = MembershipFactory(organization=town, role=Role.ADMIN).user
    assessment = services.assessment_start(
        municipality=town.municipality, fiscal_year=FiscalYear.current().year, by=editor
    )
    path = f"/assessments/{town.municipality.code}/{assessment.fiscal_year}/"
    return {"assessment": assessment, "editor": editor, "admin": admin, "path": path}


def name_of(assessment, code: str) -> str:
    return Answer.objects.get(assessment=assessment, indicator__code=code).indicator.name_ja


def index_of(page):
    return page.get_by_role("navigation", name="調査の領域")


def open_area(page, area: str) -> None:
    index_of(page).locator(f"[data-section-link='{area}']").click()
    expect(page.locator(f"fieldset[data-area='{area}']")).to_be_visible()


def choice(page, item: str, label: str):
    return page.get_by_role("group", name=item, exact=True).get_by_role("radio", name=label, exact=True)


def test_answers_are_kept_section_by_section_and_a_refused_file_keeps_the_rest(survey, new_page):
    assessment, path = survey["assessment"], survey["path"]
    cio, deputy, ai = (name_of(assessment, c) for c in ("system.cio", "system.cio_deputy", "service.ai"))
    editor = new_page(width=1366, height=900)
    sign_in(editor, survey["editor"].email)
    editor.goto(path)

    # One area at a time, with the index beside it; nothing answered yet.
    expect(editor.locator("fieldset[data-area='system']")).to_be_visible()
    expect(editor.locator("fieldset[data-area='service']")).to_be_hidden()
    expect(index_of(editor).locator("[data-section-link='system']")).to_have_attribute("aria-current", "true")
    system_count = index_of(editor).locator("[data-area-count='system']")
    expect(system_count).to_have_text(re.compile(r"^0 / \d+ 回答済み$"))

    # The editor answers the first area, goes on to the second through the index and answers there too;
    # the draft is saved as they go (the save bar says so).
    choice(editor, cio, "はい").check()
    expect(system_count).to_have_text(re.compile(r"^1 / \d+ 回答済み$"))
    open_area(editor, "service")
    choice(editor, ai, "いいえ").check()
    status = editor.locator("[data-save-status]")
    expect(status).to_contain_text("下書きを保存しました", timeout=SAVED)
    expect(status).not_to_contain_text("を除く")

    # Leaves the page without pressing any button, comes back: the answers are there.
    editor.locator("header").get_by_role("link", name="ホーム").click()
    expect(editor).to_have_url(re.compile(r"/$"), timeout=SAVED)
    editor.goto(path)
    expect(choice(editor, cio, "はい")).to_be_checked()
    open_area(editor, "service")
    expect(choice(editor, ai, "いいえ")).to_be_checked()
    expect(index_of(editor).locator("[data-area-count='service']")).to_have_text(re.compile(r"^1 / \d+ 回答済み$"))
    assert Answer.objects.get(assessment=assessment, indicator__code="system.cio").value == 1.0
    assert Answer.objects.get(assessment=assessment, indicator__code="service.ai").value == 0.0

    # One save with a file whose content is not what its name says, another good file, a note and an answer.
    open_area(editor, "system")
    first = editor.locator(".item[data-item='system.cio']")
    first.get_by_text("根拠", exact=True).click()
    first.get_by_label("根拠のファイル").set_input_files(
        {"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"<html>not a pdf</html>"}
    )
    second = editor.locator(".item[data-item='system.cio_deputy']")
    choice(editor, deputy, "いいえ").check()
    second.get_by_text("根拠", exact=True).click()
    second.get_by_label("根拠のメモ").fill("補佐官は来年度に任命予定")
    second.get_by_label("根拠のファイル").set_input_files(
        {"name": "任命計画.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    editor.get_by_role("button", name="下書きを保存", exact=True).click()

    # The summary at the top says what is wrong with the refused file and links to its field.
    summary = editor.get_by_role("alert").filter(has_text="保存できなかった項目があります")
    expect(summary).to_contain_text("ほかの回答と根拠は保存しました", timeout=SAVED)
    expect(summary).to_contain_text("fake.pdf：中身がPDFではありません。")
    expect(summary.get_by_role("link")).to_have_count(1)
    summary.get_by_role("link").click()
    expect(first.get_by_label("根拠のファイル")).to_be_focused()
    # Everything else of that save was kept: the answer, the note, the other file.
    expect(choice(editor, deputy, "いいえ")).to_be_checked()
    expect(second.get_by_role("link", name=re.compile("任命計画.pdf"))).to_be_visible()
    expect(second.get_by_label("根拠のメモ")).to_have_value("補佐官は来年度に任命予定")
    kept = Answer.objects.get(assessment=assessment, indicator__code="system.cio_deputy")
    assert (kept.value, kept.note, kept.evidence_name) == (0.0, "補佐官は来年度に任命予定", "任命計画.pdf")
    assert Answer.objects.get(assessment=assessment, indicator__code="system.cio").evidence_name == ""

    # The submit step (the town's admin): every missing item listed with a link, one question, then sent.
    admin = new_page(width=390, height=844)
    sign_in(admin, survey["admin"].email)
    admin.goto(path)
    step = admin.get_by_role("region", name="都道府県に提出")
    missing = services.missing_items(Assessment.objects.get(pk=assessment.pk))
    listed = step.get_by_role("listitem")
    expect(listed).to_have_count(len(missing))
    expect(step).to_contain_text(f"{len(missing)} 件が未回答か、事前入力が未確認です")
    # The question comes before the list, not after 80 items.
    box = step.get_by_label("それらを除いて提出する")
    assert box.bounding_box()["y"] < listed.first.bounding_box()["y"]
    # A link leads to the item's field, in its area.
    last = missing[-1]
    step.get_by_role("link", name=last.name_ja, exact=True).click()
    expect(admin.locator(f"fieldset[data-area='{last.area}']")).to_be_visible()
    expect(admin.locator(f".item[data-item='{last.code}']")).to_be_in_viewport()
    box.check()
    step.get_by_role("button", name="提出", exact=True).click()
    expect(admin.get_by_role("status")).to_contain_text("都道府県に提出しました。", timeout=SAVED)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED
    # No sideways scroll on the phone, on the read-only view either.
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
