"""National survey import (services.imports and import_national_survey) on files built from the real list.

Every file covers all 1,741 municipalities for a few items of each kind, with every missing-reason token.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from benchmarks.models import CatalogYear, Dataset, MunicipalityScore, ScoreRun, Value
from benchmarks.services.imports import ImportOutcome, SurveyFileError, dataset_import
from benchmarks.services.runs import recompute
from dx_platform.organizations.models import Municipality
from tests.benchmarks.support import (
    KINDS,
    YEAR,
    Answer,
    expected_values,
    imported_values,
    long_csv,
    long_rows,
    municipality_codes,
    named_long_csv,
    sample_answers,
    wide_csv,
    wide_xlsx,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]


@pytest.fixture
def codes() -> list[str]:
    return municipality_codes()


@pytest.fixture
def answers(codes) -> list[Answer]:
    return sample_answers(codes)


def import_file(data: bytes, file_name: str = "survey.csv", **options: Any) -> ImportOutcome:
    return dataset_import(
        data=data,
        file_name=file_name,
        name="テスト調査",
        source="総務省「自治体DX・情報化推進概要」（テスト）",
        origin=Dataset.Origin.SYNTHETIC,
        by=None,
        **options,
    )


def command(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_national_survey", str(path), *args, stdout=out)
    return out.getvalue()


def nothing_written() -> bool:
    return (
        not Dataset.objects.exists()
        and not Value.objects.exists()
        and not ScoreRun.objects.exists()
        and not CatalogYear.objects.filter(frozen_at__isnull=False).exists()
    )


# --- formats ---------------------------------------------------------------------------------------


def names() -> dict[str, str]:
    return dict(Municipality.objects.values_list("code", "name"))


FORMATS = {
    "long.csv": lambda answers: long_csv(answers),
    "wide.csv": lambda answers: wide_csv(answers),
    "wide.xlsx": lambda answers: wide_xlsx(answers),
    "bom.csv": lambda answers: named_long_csv(answers, names(), "utf-8-sig"),
    "sjis.csv": lambda answers: named_long_csv(answers, names(), "cp932"),
}


@pytest.mark.parametrize("file_name", FORMATS)
def test_every_format_imports_the_same_values(file_name, answers):
    data = FORMATS[file_name](answers)
    outcome = import_file(data, file_name)
    dataset = outcome.dataset
    assert outcome.created
    assert dataset is not None
    assert dataset.status == Dataset.Status.READY
    assert dataset.fiscal_year == YEAR
    assert dataset.value_count == len(answers) == 1741 * len(KINDS)
    assert imported_values(dataset) == expected_values(answers)


def test_the_format_cases_are_what_they_claim(answers):
    """Guards of the test above: BOM present, CP932 not UTF-8, XLSX codes without their leading zero."""
    assert FORMATS["bom.csv"](answers).startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        FORMATS["sjis.csv"](answers).decode("utf-8")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(FORMATS["wide.xlsx"](answers))).active
    assert sheet is not None
    assert sheet["A2"].value == 11002  # 札幌市 011002
    assert isinstance(sheet["C2"].value, int)


def test_a_wide_file_without_a_year_column_takes_the_given_year(answers):
    data = wide_csv(answers, year=None)
    with pytest.raises(SurveyFileError, match="give the year"):
        import_file(data)
    dataset = import_file(data, fiscal_year=YEAR).dataset
    assert dataset is not None
    assert imported_values(dataset) == expected_values(answers)


def test_a_file_of_another_year_than_given_is_refused(answers):
    with pytest.raises(SurveyFileError, match="the file is for FY2023, not FY2021"):
        import_file(long_csv(answers), fiscal_year=2021)
    assert nothing_written()


def test_a_year_without_catalog_is_refused(answers):
    with pytest.raises(SurveyFileError, match="there is no indicator catalog for FY2019"):
        import_file(long_csv(answers, year=2019))
    assert nothing_written()


# --- missing values --------------------------------------------------------------------------------


def test_missing_reasons_are_kept_and_never_read_as_zero(answers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dataset = import_file(long_csv(answers)).dataset
    assert dataset is not None
    missing = Value.objects.filter(dataset=dataset).exclude(missing="")
    reasons = {raw for _, _, raw in answers} & {choice.value for choice in Value.Missing}
    assert reasons == {"not_reported", "not_applicable", "excluded"}
    assert set(missing.values_list("missing", flat=True)) == reasons
    assert missing.count() == sum(raw in reasons for _, _, raw in answers)
    assert set(missing.values_list("value", "status")) == {(None, "")}
    # In the scores too: system rests on system.cio alone here, so an unanswered CIO leaves no rate, not 0 %.
    run = ScoreRun.objects.get(dataset=dataset, status=ScoreRun.Status.COMPLETE)
    unanswered = [code for code, indicator, raw in answers if indicator == "system.cio" and raw in reasons]
    scores = MunicipalityScore.objects.filter(run=run, municipality__code__in=unanswered)
    assert scores.count() == len(unanswered) > 0
    assert set(scores.values_list("rate_system", flat=True)) == {None}
    answered = MunicipalityScore.objects.filter(run=run).exclude(municipality__code__in=unanswered)
    assert set(answered.values_list("rate_system", flat=True)) == {0.0, 100.0}


# --- invalid files ---------------------------------------------------------------------------------


def invalid_file(codes: list[str], answers: list[Answer]) -> tuple[bytes, list[str]]:
    """A long file with one of each problem, and the problems the import must list (with line numbers)."""
    rows = long_rows(answers)

    def row_of(code: str, indicator: str) -> list[Any]:
        return next(row for row in rows if row[0] == code and row[2] == indicator)

    row_of(codes[0], "system.cio")[3] = "yes"
    row_of(codes[1], "online_volume.01")[3] = "maybe"
    row_of(codes[2], "mynumber.holding_rate")[3] = "abc"
    row_of(codes[3], "mynumber.holding_rate")[3] = "150"
    row_of(codes[6], "service.ai")[1] = 2022
    absent = codes[10:13]
    rows = [row for row in rows if not (row[0] in absent and row[2] == "online_volume.01")]
    duplicate = [codes[4], YEAR, "service.ai", row_of(codes[4], "service.ai")[3]]
    rows += [
        ["999999", YEAR, "system.cio", "1"],
        [codes[5], YEAR, "system.nonexistent", "1"],
        duplicate,
    ]

    def line(row: list[Any]) -> int:
        return next(number for number, candidate in enumerate(rows, start=1) if candidate is row)

    first_duplicate = next(
        number for number, row in enumerate(rows, start=1) if row[0] == codes[4] and row[2] == "service.ai"
    )
    problems = [
        f"line {line(row_of(codes[0], 'system.cio'))}: system.cio is a yes/no item: expected 1 or 0, got 'yes'",
        f"line {line(row_of(codes[1], 'online_volume.01'))}: online_volume.01 is a procedure: "
        "expected online, offline or na, got 'maybe'",
        f"line {line(row_of(codes[2], 'mynumber.holding_rate'))}: mynumber.holding_rate is a rate: "
        "expected a number in percent, got 'abc'",
        f"line {line(row_of(codes[3], 'mynumber.holding_rate'))}: mynumber.holding_rate is a rate: "
        "150.0 is outside 0–100",
        f"line {line(row_of(codes[6], 'service.ai'))}: fiscal year 2022 in a file of FY2023",
        f"online_volume.01: no row for 3 municipalities (e.g. {', '.join(sorted(absent))})",
        f"line {len(rows) - 2}: unknown municipality code '999999'",
        f"line {len(rows) - 1}: unknown indicator 'system.nonexistent' for FY2023",
        f"line {len(rows)}: {codes[4]} service.ai appears again (first on line {first_duplicate})",
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(), problems


def assert_lists_every_problem(errors: list[str], problems: list[str]) -> None:
    assert len(errors) == len(problems), "\n".join(errors)
    for problem in problems:
        assert any(error.startswith(problem) for error in errors), f"{problem!r} not in:\n" + "\n".join(errors)


def test_an_invalid_file_lists_every_problem_and_writes_nothing(codes, answers, django_capture_on_commit_callbacks):
    data, problems = invalid_file(codes, answers)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SurveyFileError) as caught:
        import_file(data)
    assert_lists_every_problem(caught.value.errors, problems)
    assert nothing_written()


def test_the_command_lists_every_problem_and_writes_nothing(codes, answers, tmp_path):
    data, problems = invalid_file(codes, answers)
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError) as caught:
        command(path, "--source", "テスト")
    message = str(caught.value)
    assert message.startswith("broken.csv was not imported; nothing was written. Problems:")
    listed = [line.removeprefix("  - ") for line in message.splitlines()[1:]]
    assert_lists_every_problem(listed, problems)
    assert nothing_written()


@pytest.mark.parametrize(
    "header",
    [
        "code,fiscal_year,indicator,value",
        "fiscal_year,lg_code,indicator,value",
        "団体コード,年度,項目,値",
    ],
)
def test_a_bad_header_is_refused(header, answers):
    body = long_csv(answers).decode().split("\r\n", 1)[1]
    data = f"{header}\r\n{body}".encode("cp932")
    with pytest.raises(SurveyFileError) as caught:
        import_file(data)
    assert len(caught.value.errors) == 1
    assert caught.value.errors[0].startswith("line 1: the header must be `lg_code,fiscal_year,indicator,value`")
    assert nothing_written()


# --- once only, dry run, corrections ---------------------------------------------------------------


def test_the_same_file_twice_imports_once(answers, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(long_csv(answers))
    first = command(path, "--source", "テスト")
    dataset = Dataset.objects.get()
    assert first.startswith(f"Imported dataset {dataset.pk} (FY2023: 6,964 values, 1,741 municipalities, 4 indicators)")
    second = command(path, "--source", "テスト")
    assert second.strip() == f"survey.csv was imported before (dataset {dataset.pk}); nothing to do."
    again = import_file(path.read_bytes(), "renamed.csv")
    assert (again.dataset, again.created, again.parsed) == (dataset, False, None)
    assert Dataset.objects.count() == 1
    assert Value.objects.count() == 6964


def test_dry_run_writes_nothing(answers, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(long_csv(answers))
    out = command(path, "--dry-run")
    assert out.strip() == (
        "survey.csv is valid (FY2023: 6,964 values, 1,741 municipalities, 4 indicators); "
        "nothing was written (--dry-run)."
    )
    assert nothing_written()
    # A dry run leaves no trace: the real import afterwards is not "imported before".
    assert "Imported dataset" in command(path, "--source", "テスト")


def test_dry_run_of_an_invalid_file_is_an_error(codes, answers, tmp_path):
    data, _ = invalid_file(codes, answers)
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="nothing was written"):
        command(path, "--dry-run")
    assert nothing_written()


def test_a_corrected_reissue_records_exactly_the_values_that_moved(codes, answers, tmp_path):
    first = tmp_path / "v1.csv"
    first.write_bytes(long_csv(answers))
    command(first, "--source", "テスト")
    original = Dataset.objects.get()
    raw = {(code, indicator): value for code, indicator, value in answers}
    corrections = {
        (codes[0], "system.cio"): "0" if raw[(codes[0], "system.cio")] == "1" else "1",
        (codes[1], "online_volume.01"): "na" if raw[(codes[1], "online_volume.01")] != "na" else "online",
        (codes[2], "mynumber.holding_rate"): "12.5",
        (codes[3], "service.ai"): "not_reported",
    }
    assert all(raw[key] != new for key, new in corrections.items())
    corrected = [(code, indicator, corrections.get((code, indicator), value)) for code, indicator, value in answers]
    second = tmp_path / "v2.csv"
    second.write_bytes(long_csv(corrected))
    out = command(second, "--source", "テスト", "--supersedes", str(original.pk))
    assert out.strip().endswith("; 4 values changed from the superseded dataset.")
    reissue = Dataset.objects.exclude(pk=original.pk).get()
    assert reissue.supersedes == original
    assert sorted(reissue.changes, key=lambda change: change["lg_code"]) == [
        {"lg_code": code, "indicator": indicator, "old": raw[(code, indicator)], "new": new}
        for (code, indicator), new in sorted(corrections.items())
    ]
    assert imported_values(reissue) == expected_values(corrected)
    assert imported_values(original) == expected_values(answers)


def test_a_dataset_is_superseded_once(answers, tmp_path):
    """A second correction supersedes the first one, not the original again: said plainly, nothing written."""
    paths = []
    for version, value in enumerate(("11.5", "22.5", "33.5"), start=1):
        path = tmp_path / f"v{version}.csv"
        key = (answers[0][0], "mynumber.holding_rate")
        path.write_bytes(long_csv([(*key, value) if answer[:2] == key else answer for answer in answers]))
        paths.append(path)
    command(paths[0], "--source", "テスト")
    original = Dataset.objects.get()
    command(paths[1], "--source", "テスト", "--supersedes", str(original.pk))
    correction = Dataset.objects.get(supersedes=original)
    with pytest.raises(CommandError) as caught:
        command(paths[2], "--source", "テスト", "--supersedes", str(original.pk))
    assert f"dataset {original.pk} is already superseded by dataset {correction.pk}" in str(caught.value)
    assert Dataset.objects.count() == 2
    command(paths[2], "--source", "テスト", "--supersedes", str(correction.pk))
    assert Dataset.objects.get(supersedes=correction).changes == [
        {"lg_code": answers[0][0], "indicator": "mynumber.holding_rate", "old": "22.5", "new": "33.5"}
    ]


def test_a_file_of_another_year_cannot_supersede(answers):
    fy2023 = import_file(long_csv(answers)).dataset
    fy2021 = [answer for answer in answers if answer[1] == "system.cio"]
    with pytest.raises(SurveyFileError, match="a FY2021 file cannot supersede a FY2023 dataset"):
        import_file(long_csv(fy2021, year=2021), supersedes=fy2023)
    assert Dataset.objects.count() == 1


def test_supersedes_an_unknown_dataset_is_an_error(answers, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(long_csv(answers))
    with pytest.raises(CommandError, match="No dataset 999 to supersede"):
        command(path, "--source", "テスト", "--supersedes", "999")
    assert nothing_written()


# --- what an import sets off -----------------------------------------------------------------------


def test_the_import_freezes_the_year_catalog(answers):
    assert not CatalogYear.objects.filter(frozen_at__isnull=False).exists()
    import_file(long_csv(answers))
    assert CatalogYear.objects.get(fiscal_year=2023).frozen_at is not None
    assert CatalogYear.objects.get(fiscal_year=2021).frozen_at is None


def test_the_import_enqueues_a_recompute_after_commit(answers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        dataset = import_file(long_csv(answers)).dataset
        # Nothing is computed before the values are committed.
        assert not ScoreRun.objects.exists()
    assert dataset is not None
    assert len(callbacks) == 1
    # The enqueued task, twice (tasks run in-process in tests): one complete run, the same end state.
    for _ in range(2):
        callbacks[0]()
        run = ScoreRun.objects.get(dataset=dataset)
        assert run.status == ScoreRun.Status.COMPLETE
        assert run.municipal_scores.count() == 1741
        assert run.prefectural_scores.count() == 47
    assert recompute(dataset_id=dataset.pk) == run
