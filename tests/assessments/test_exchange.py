"""Evidence files on answers; an assessment out and back in the national survey's shape; KPI, roadmap
and prefecture roll-up downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from assessments import services
from assessments.models import Answer
from benchmarks.services.imports import parse_value, read_rows, survey_cells
from dx_platform.core.uploads import MAX_DOCUMENT_BYTES, document_check
from tests.assessments import answer, form_data, inputs, other_prefecture_people

pytestmark = pytest.mark.django_db

YEAR = 2026
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + bytes(40)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _english():
    """Services' messages in English, as the assertions are (pages choose their language per request)."""
    with translation.override("en"):
        yield


def stored_files() -> set[str]:
    _dirs, files = default_storage.listdir("evidence") if default_storage.exists("evidence") else ([], [])
    found = set()
    for folder in _dirs:
        found |= {f"evidence/{folder}/{name}" for name in default_storage.listdir(f"evidence/{folder}")[1]}
    return found | set(files)


# --- the content check ---------------------------------------------------------------------------


def office_file(kind: str) -> bytes:
    """A minimal OOXML package as Word or PowerPoint write it (the parts the type is told by)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr(f"{kind}/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("計画書.pdf", PDF, "application/pdf"),
        ("screen.PNG", PNG, "image/png"),
        ("台帳.xlsx", xlsx_bytes([["a", 1]]), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("仕様.docx", office_file("word"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_documents_are_accepted_by_their_content(name, data, mime):
    assert document_check(SimpleUploadedFile(name, data)) == mime


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        # A name of an accepted type with other content: said so, not "not an accepted type (… .pdf …)".
        ("report.pdf", b"<html><script>alert(1)</script></html>", "the content is not PDF"),
        ("archive.pdf", office_file("other"), "the content is not PDF"),  # a plain zip
        ("table.XLSX", b"lg_code,value\n", "the content is not XLSX"),
        ("photo.pdf", PNG, "its name must end in .png"),
        ("macro.exe", b"MZ\x90\x00" + bytes(200), "is not a file of an accepted type"),
    ],
)
def test_other_content_or_a_wrong_name_is_refused(name, data, message):
    with pytest.raises(ValidationError) as caught:
        document_check(SimpleUploadedFile(name, data))
    assert message in caught.value.messages[0]
    assert name in caught.value.messages[0]


def test_a_file_over_the_limit_is_refused_with_both_sizes():
    big = SimpleUploadedFile("big.pdf", PDF + bytes(12 * 2**20))
    with pytest.raises(ValidationError) as caught:
        document_check(big)
    assert caught.value.messages[0].replace("\xa0", " ") == "big.pdf is 12.0 MB; the limit is 10.0 MB."
    assert document_check(SimpleUploadedFile("edge.pdf", PDF + bytes(MAX_DOCUMENT_BYTES - len(PDF))))


# --- evidence files on answers -------------------------------------------------------------------


def test_an_editor_attaches_a_file_that_readers_download(client, draft, page, people, region):
    client.force_login(people["editor"])
    data = form_data(client.get(page), {"file:system.cio": SimpleUploadedFile("CIO任命通知.pdf", PDF)})
    assert client.post(page, data).status_code == 302
    cio = answer(draft, "system.cio")
    assert cio.evidence_name == "CIO任命通知.pdf"
    assert cio.evidence_file.name.startswith(f"evidence/{region['home']['town'].municipality.code}/")
    assert "CIO任命通知" not in cio.evidence_file.name  # stored under a random name
    url = f"{page}evidence/system.cio/"
    assert url in client.get(page).content.decode()

    for reader in ("viewer", "coordinator"):
        client.force_login(people[reader])
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]
    for stranger in ("partner", "outsider", "national"):
        client.force_login(people[stranger])
        assert client.get(url).status_code == 404
    client.force_login(other_prefecture_people(region)["other_coordinator"])
    assert client.get(url).status_code == 404

    # The history shows the file arriving.
    entries = LogEntry.objects.filter(additional_data__assessment_id=draft.pk, object_repr__endswith="system.cio")
    assert any("CIO任命通知.pdf" in str(e.changes) for e in entries)


def test_a_refused_file_keeps_every_other_answer_and_file_of_the_same_save(client, draft, page, people):
    """Only the refused file is not taken: the other answers, notes and files of the save are saved, and the
    page shows the refused file's field again with what is wrong, in a summary that links to it."""
    client.force_login(people["editor"])
    before = stored_files()
    data = form_data(
        client.get(page),
        {
            "file:system.cio": SimpleUploadedFile("scan.pdf", b"<script>x</script>"),
            "note:system.cio": "任命通知",
            "v:system.cio": "0",
            "file:system.policy": SimpleUploadedFile("方針.pdf", PDF),
            "note:system.policy": "新しい",
            "v:system.crossdept": "1",
        },
    )
    response = client.post(page, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["file:system.cio"]
    (error,) = form.errors["file:system.cio"]
    assert error == "scan.pdf：中身がPDFではありません。"  # the page is in Japanese
    # The summary at the top links to the refused field.
    body = response.content.decode()
    summary = body.split('id="error-summary"')[1].split("</div>")[0]
    assert 'role="alert"' in body.split('id="error-summary"')[0][-40:]
    assert f'href="#{form["file:system.cio"].id_for_label}"' in summary
    assert f'id="{form["file:system.cio"].id_for_label}"' in body
    assert "scan.pdf" in summary
    # Everything else was saved, the other file too; the refused one was not stored.
    cio, policy = answer(draft, "system.cio"), answer(draft, "system.policy")
    assert (cio.value, cio.note, cio.evidence_file.name) == (0.0, "任命通知", "")
    assert (policy.note, policy.evidence_name) == ("新しい", "方針.pdf")
    assert answer(draft, "system.crossdept").value == 1.0
    assert stored_files() == before | {policy.evidence_file.name}
    # The page shows the saved state: the new file attached, the version moved on (a save from it is not stale).
    assert f"{page}evidence/system.policy/" in body
    assert form["version"].value() == str(draft.version + 1)
    again = form_data(response, {"v:system.dedicated_unit": "1"})
    assert client.post(page, again).status_code == 302
    assert answer(draft, "system.dedicated_unit").value == 1.0


def test_a_failed_save_removes_the_files_it_wrote(draft, people):
    changes = {
        "system.cio": {"file": SimpleUploadedFile("a.pdf", PDF)},
        "system.policy": {"value": 7.0},  # not yes or no: the whole save is refused after the file was written
    }
    before = stored_files()
    with pytest.raises(ValidationError):
        services.assessment_save(
            assessment=draft, answers=inputs(draft, changes), version=draft.version, by=people["editor"]
        )
    assert stored_files() == before
    assert answer(draft, "system.cio").evidence_file.name == ""


def save_cio(assessment, by, **change) -> None:
    """Save the assessment with `change` to its system.cio answer (a file, or removing it)."""
    services.assessment_save(
        assessment=assessment, answers=inputs(assessment, {"system.cio": change}), version=assessment.version, by=by
    )


def test_replacing_and_removing_a_file(draft, people, django_capture_on_commit_callbacks):
    editor = people["editor"]
    with django_capture_on_commit_callbacks(execute=True):
        save_cio(draft, editor, file=SimpleUploadedFile("v1.pdf", PDF))
    first = answer(draft, "system.cio").evidence_file.name
    with django_capture_on_commit_callbacks(execute=True):
        save_cio(draft, editor, file=SimpleUploadedFile("v2.png", PNG))
    second = answer(draft, "system.cio")
    assert second.evidence_name == "v2.png"
    assert not default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        save_cio(draft, editor, remove_file=True)
    removed = answer(draft, "system.cio")
    assert (removed.evidence_file.name, removed.evidence_name) == ("", "")
    assert not default_storage.exists(second.evidence_file.name)
    assert draft.version == 4  # each change of a file is a change of the assessment


def test_the_remove_box_shows_only_for_an_answer_with_a_file(client, draft, page, people):
    client.force_login(people["editor"])
    form = client.get(page).context["form"]
    assert "remove:system.cio" not in form.fields
    save_cio(draft, people["editor"], file=SimpleUploadedFile("a.pdf", PDF))
    response = client.get(page)
    assert "remove:system.cio" in response.context["form"].fields
    data = form_data(response, {"remove:system.cio": "on"})
    assert client.post(page, data).status_code == 302
    assert answer(draft, "system.cio").evidence_file.name == ""


# --- out and back in the survey's shape ----------------------------------------------------------


def download(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_download_is_in_the_surveys_import_shape_and_the_importer_reads_it(client, national, town, people):
    # A FY2023 assessment answers the FY2023 catalog, so the benchmarks importer can take its file as it is.
    assessment = services.assessment_start(municipality=town.municipality, fiscal_year=2023, by=people["editor"])
    services.assessment_save(
        assessment=assessment,
        answers=inputs(assessment, {"system.policy": {"value": 1.0}, "online_volume.01": {"status": "na"}}),
        version=assessment.version,
        by=people["editor"],
    )
    client.force_login(people["viewer"])
    rows = download(client, f"/assessments/{town.municipality.code}/2023/?format=csv")
    assert rows[0] == ["lg_code", "fiscal_year", "indicator", "value"]
    by_item = {row[2]: row for row in rows[1:]}
    assert len(by_item) == assessment.answers.count()
    assert by_item["system.policy"] == [town.municipality.code, "2023", "system.policy", "1"]
    assert by_item["online_volume.01"][3] == "na"
    assert by_item["online_volume.common_32_rate"][3] == "42.5"  # prefilled from the national data
    assert by_item["system.crossdept"][3] == "not_reported"

    # Read back cell by cell the way the benchmarks importer reads a national survey file.
    data = client.get(f"/assessments/{town.municipality.code}/2023/?format=csv").content
    errors: list[str] = []
    year, cells = survey_cells(read_rows(data, "assessment.csv", kind="assessment_import"), None, errors)
    assert (year, errors) == (2023, [])
    indicators = {a.indicator.code: a.indicator for a in assessment.answers.select_related("indicator")}
    values = {c.indicator: parse_value(c.raw, indicators[c.indicator]) for c in cells}
    assert values["system.policy"] == (1.0, "", "")
    assert values["online_volume.01"] == (None, "na", "")
    assert values["system.crossdept"] == (None, "", "not_reported")


def test_a_downloaded_file_edited_in_a_spreadsheet_comes_back_in(client, draft, page, people, town):
    client.force_login(people["editor"])
    rows = download(client, f"{page}?format=csv")
    for row in rows[1:]:
        if row[2] == "system.policy":
            row[3] = "1"
        if row[2] == "online_volume.01":
            row[3] = "offline"
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    upload = SimpleUploadedFile("back.csv", text.getvalue().encode("cp932"))  # Excel in Japan saves Shift_JIS
    response = client.post(f"{page}import/", {"file": upload, "version": draft.version})
    assert response.status_code == 302
    assert answer(draft, "system.policy").value == 1.0
    assert answer(draft, "online_volume.01").status == "offline"
    # Importing confirms what the file says: no prefill marks are left on the items it gave.
    assert not Answer.objects.filter(assessment=draft).exclude(prefilled_from="").exists()
    assert answer(draft, "system.policy").updated_by == people["editor"]


def test_an_xlsx_in_the_wide_shape_is_read_too(draft, people, town):
    data = xlsx_bytes(
        [
            ["lg_code", "fiscal_year", "system.cio", "online_volume.common_32_rate"],
            [town.municipality.code, YEAR, 0, 61.5],
        ]
    )
    count = services.assessment_import(
        assessment=draft, data=data, file_name="wide.xlsx", version=draft.version, by=people["editor"]
    )
    assert count == 2
    assert answer(draft, "system.cio").value == 0.0
    assert answer(draft, "online_volume.common_32_rate").value == 61.5


def test_every_problem_of_an_import_is_listed_and_nothing_is_saved(draft, people, town, region):
    other = region["other"]["town"].municipality.code
    code = town.municipality.code
    data = (
        "lg_code,fiscal_year,indicator,value\n"
        f"{code},{YEAR},system.policy,1\n"
        f"{other},{YEAR},system.cio,1\n"
        f"{code},{YEAR},system.nonexistent,1\n"
        f"{code},{YEAR},system.policy,0\n"
        f"{code},{YEAR},system.cio,maybe\n"
        f"{code},{YEAR},online_volume.common_32_rate,120\n"
        f"{code},2019,system.crossdept,1\n"
    ).encode()
    with pytest.raises(ValidationError) as caught:
        services.assessment_import(
            assessment=draft, data=data, file_name="bad.csv", version=draft.version, by=people["editor"]
        )
    problems = "\n".join(caught.value.messages)
    assert f"line 3: municipality {other}" in problems
    assert "line 4: system.nonexistent is not an item of this assessment" in problems
    assert "line 5: system.policy appears again" in problems
    assert "line 6:" in problems and "maybe" in problems
    assert "line 7:" in problems and "120" in problems
    assert "fiscal year 2019" in problems
    assert answer(draft, "system.policy").value == 0.0  # as prefilled from the national data
    draft.refresh_from_db()
    assert draft.version == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "x.csv", "is empty"),
        (b"code,answer\n1,2\n", "x.csv", "the header must be"),
        (b"PK\x03\x04broken", "x.xlsx", "not a readable XLSX workbook"),
        # The type is judged by content and name together.
        (b"PK\x03\x04broken", "x.csv", "x.csv holds an XLSX workbook: its name must end in .xlsx."),
        (b"\xff\xfe\x00\x00garbage\x81", "x.csv", "neither UTF-8 nor Shift_JIS"),
    ],
)
def test_a_file_that_is_not_a_survey_file_says_why(draft, people, data, name, message):
    with pytest.raises(ValidationError) as caught:
        services.assessment_import(
            assessment=draft, data=data, file_name=name, version=draft.version, by=people["editor"]
        )
    assert message in " ".join(caught.value.messages)


def test_the_import_page_shows_the_problems_and_refuses_stale_or_readonly(en_client, draft, page, people, town):
    client = en_client
    client.force_login(people["editor"])
    code = town.municipality.code
    bad = SimpleUploadedFile("bad.csv", f"lg_code,fiscal_year,indicator,value\n{code},{YEAR},x,1\n".encode())
    response = client.post(f"{page}import/", {"file": bad, "version": draft.version}, follow=True)
    assert "Nothing was imported: line 2: x is not an item of this assessment" in response.content.decode()

    loaded = draft.version
    # Someone else saves after this page was loaded: the import with the old version is refused.
    services.assessment_save(
        assessment=draft, answers=inputs(draft, {"service.ai": {"note": "別の人"}}), version=loaded, by=people["admin"]
    )
    good = f"lg_code,fiscal_year,indicator,value\n{code},{YEAR},system.policy,1\n".encode()
    response = client.post(
        f"{page}import/", {"file": SimpleUploadedFile("a.csv", good), "version": loaded}, follow=True
    )
    assert "Someone saved the assessment after you opened it; nothing was imported." in response.content.decode()
    assert answer(draft, "system.policy").value == 0.0

    client.force_login(people["viewer"])
    response = client.post(f"{page}import/", {"file": SimpleUploadedFile("a.csv", good), "version": draft.version + 1})
    assert response.status_code == 403
    assert answer(draft, "system.policy").value == 0.0


def test_a_submitted_assessment_cannot_be_imported_into(draft, people, town):
    services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)
    draft.refresh_from_db()
    data = f"lg_code,fiscal_year,indicator,value\n{town.municipality.code},{YEAR},system.policy,1\n".encode()
    with pytest.raises(ValidationError):
        services.assessment_import(
            assessment=draft, data=data, file_name="a.csv", version=draft.version, by=people["editor"]
        )
    assert answer(draft, "system.policy").value == 0.0


def test_downloads_follow_the_read_permission(client, draft, page, people, region):
    for who, code in (("viewer", 200), ("coordinator", 200), ("partner", 404), ("outsider", 404)):
        client.force_login(people[who])
        assert client.get(f"{page}?format=xlsx").status_code == code, who
    client.force_login(other_prefecture_people(region)["other_coordinator"])
    assert client.get(f"{page}?format=csv").status_code == 404


def test_the_xlsx_download_keeps_numbers(client, draft, page, people):
    client.force_login(people["viewer"])
    response = client.get(f"{page}?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["online_volume.common_32_rate"][3] == "42.5"
    assert rows["system.cio"][1] == YEAR


# --- KPI, roadmap and roll-up downloads ----------------------------------------------------------


def kpi_input(**changes) -> services.KpiInput:
    return services.KpiInput(
        **{
            "name": "オンライン申請率",
            "unit": "%",
            "direction": "up",
            "baseline_value": 10,
            "baseline_date": dt.date(2024, 4, 1),
            "target_value": 60,
            "target_date": dt.date(2028, 3, 31),
            "area": "",
            "indicator": None,
            "owner": None,
            "interval": "quarterly",
            **changes,
        }
    )


@pytest.fixture
def planned(town, people):
    """A roadmap with a late initiative, and a KPI tied to it with one measurement."""
    municipality = town.municipality
    roadmap = services.roadmap_save(
        municipality=municipality,
        given=services.RoadmapInput("DX推進計画", "", dt.date(2024, 4, 1), dt.date(2028, 3, 31), None),
        by=people["editor"],
    )
    initiative = services.initiative_save(
        roadmap=roadmap,
        given=services.InitiativeInput(
            "書かない窓口", "service", [], None, dt.date(2024, 4, 1), dt.date(2025, 3, 31), "in_progress"
        ),
        by=people["editor"],
    )
    services.milestone_save(
        initiative=initiative, title="業者選定", due_on=dt.date(2024, 9, 30), done_on=None, by=people["editor"]
    )
    kpi = services.kpi_save(
        municipality=municipality,
        given=kpi_input(owner=people["editor"], initiative=initiative),
        by=people["editor"],
    )
    services.measurement_add(kpi=kpi, measured_on=dt.date(2025, 4, 1), value=30, note="", by=people["editor"])
    return {"roadmap": roadmap, "initiative": initiative, "kpi": kpi}


def test_kpi_and_roadmap_downloads(client, planned, town, people):
    client.force_login(people["viewer"])
    code = town.municipality.code
    kpis = download(client, f"/assessments/{code}/kpis/?format=csv")
    header, row = kpis[0], kpis[1]
    record = dict(zip(header, row, strict=True))
    assert record["kpi"] == "オンライン申請率"
    assert record["initiative"] == "書かない窓口"
    assert (record["measured_on"], record["value"]) == ("2025-04-01", "30.00")
    assert record["status"] in ("on_track", "at_risk", "off_track")

    roadmaps = download(client, f"/assessments/{code}/roadmaps/?format=csv")
    record = dict(zip(roadmaps[0], roadmaps[1], strict=True))
    assert (record["initiative"], record["milestone"], record["due_on"]) == ("書かない窓口", "業者選定", "2024-09-30")

    response = client.get(f"/assessments/{code}/roadmaps/?format=xlsx")
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 2


def test_a_kpi_cannot_serve_another_municipalitys_initiative(planned, region, people):
    city = region["home"]["city"].municipality
    from tests.factories import MembershipFactory

    editor = MembershipFactory(organization=region["home"]["city"], role="editor").user
    given = kpi_input(initiative=planned["initiative"])
    with pytest.raises(ValidationError) as caught:
        services.kpi_save(municipality=city, given=given, by=editor)
    assert "initiative" in caught.value.message_dict


def test_the_review_list_shows_kpi_coverage_and_roadmap_health(en_client, planned, draft, people, region):
    en_client.force_login(people["coordinator"])
    pref_code = region["home"]["prefecture"].prefecture.pref_code
    response = en_client.get(f"/assessments/review/{pref_code}/?year={YEAR}")
    rows = {row["municipality"].pk: row for row in response.context["rows"]}
    home = rows[region["home"]["town"].municipality.pk]
    city = rows[region["home"]["city"].municipality.pk]
    # The initiative ended on 2025-03-31 unfinished and its milestone is past due: two late items.
    assert (home["kpis"], home["roadmaps"], home["late_items"]) == (1, 1, 2)
    assert (city["kpis"], city["roadmaps"], city["late_items"]) == (0, 0, 0)
    assert "2 items late" in response.content.decode()


def test_the_prefecture_roll_up_workbook(client, planned, draft, people, region):
    pref_code = region["home"]["prefecture"].prefecture.pref_code
    url = f"/assessments/review/{pref_code}/?year={YEAR}&format=xlsx"
    client.force_login(people["coordinator"])
    workbook = load_workbook(io.BytesIO(client.get(url).content))
    assert workbook.sheetnames == ["municipalities", "answers"]
    municipalities = list(workbook["municipalities"].iter_rows(values_only=True))
    assert municipalities[0][:4] == ("lg_code", "municipality", "kind", "assessment")
    by_code = {row[0]: row for row in municipalities[1:]}
    assert by_code[region["home"]["town"].municipality.code][3:] == ("draft", 1, 1, 1, 2)
    assert by_code[region["home"]["city"].municipality.code][3] == "not_started"
    assert region["other"]["town"].municipality.code not in by_code
    answers = list(workbook["answers"].iter_rows(values_only=True))
    assert len(answers) - 1 == draft.answers.count()

    for who in ("viewer", "admin", "partner"):
        client.force_login(people[who])
        assert client.get(url).status_code == 403
    client.force_login(other_prefecture_people(region)["other_coordinator"])
    assert client.get(url).status_code == 403
