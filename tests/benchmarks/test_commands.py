"""The benchmark management commands' own behaviour: what they refuse, what they say, what they pick."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from benchmarks.management.commands import load_catalog
from benchmarks.models import CatalogYear, Dataset, ScoreRun, Value
from benchmarks.services import catalog
from benchmarks.services.runs import recompute
from tests.benchmarks.support import (
    long_csv,
    municipality_codes,
    sample_answers,
    wide_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]


@pytest.fixture
def survey(tmp_path) -> Path:
    path = tmp_path / "r5_survey.csv"
    path.write_bytes(long_csv(sample_answers(municipality_codes())))
    return path


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


# --- load_catalog ----------------------------------------------------------------------------------


def test_load_catalog_reports_a_frozen_year_and_changes_nothing(tmp_path, monkeypatch):
    edited = tmp_path / "catalog"
    edited.mkdir()
    for source in catalog.CATALOG_DIR.glob("*.csv"):
        text = source.read_text(encoding="utf-8")
        edited.joinpath(source.name).write_text(text.replace("CIOの任命,", "CIOの任命（改）,"), encoding="utf-8")
    monkeypatch.setattr(load_catalog, "catalog_load", lambda: catalog.catalog_load(directory=edited))
    CatalogYear.objects.update(frozen_at=timezone.now())
    with pytest.raises(CommandError) as caught:
        run("load_catalog")
    assert str(caught.value).splitlines()[0] == "The catalog was not changed:"
    assert "FY2021: the catalog is frozen" in str(caught.value)
    assert "FY2023: the catalog is frozen" in str(caught.value)
    assert set(
        CatalogYear.objects.get(fiscal_year=2023).indicators.filter(code="system.cio").values_list("name_ja", flat=True)
    ) == {"CIOの任命"}


# --- import_national_survey ------------------------------------------------------------------------


def test_import_needs_an_existing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_national_survey", str(tmp_path / "absent.csv"), "--source", "テスト")


def test_import_needs_a_source(survey):
    with pytest.raises(CommandError, match="Say where the data comes from"):
        run("import_national_survey", str(survey))
    assert not Dataset.objects.exists()


def test_import_names_and_labels_the_dataset(survey):
    run("import_national_survey", str(survey), "--source", "総務省（テスト）", "--synthetic")
    dataset = Dataset.objects.get()
    assert (dataset.name, dataset.source, dataset.origin, dataset.file_name) == (
        "r5_survey",
        "総務省（テスト）",
        Dataset.Origin.SYNTHETIC,
        "r5_survey.csv",
    )
    assert dataset.sha256 and len(dataset.sha256) == 64


def test_import_of_real_data_with_a_name(survey):
    run("import_national_survey", str(survey), "--source", "総務省", "--name", "令和5年度調査")
    dataset = Dataset.objects.get()
    assert (dataset.name, dataset.origin) == ("令和5年度調査", Dataset.Origin.REAL)


def test_import_of_a_wide_file_without_year_takes_year_option(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_csv(sample_answers(municipality_codes()), year=None))
    with pytest.raises(CommandError, match="give the year"):
        run("import_national_survey", str(path), "--source", "テスト")
    out = run("import_national_survey", str(path), "--source", "テスト", "--year", "2023")
    assert "FY2023: 6,964 values" in out
    assert Dataset.objects.get().fiscal_year == 2023


# --- load_dashboard_dataset ------------------------------------------------------------------------


def test_load_dashboard_dataset_reports_the_import():
    out = run("load_dashboard_dataset")
    dataset = Dataset.objects.get()
    assert out == f"Imported dataset {dataset.pk}: 22,633 values.\n"
    assert Value.objects.count() == 22633


# --- export_benchmarks ----------------------------------------------------------------------------


def test_export_without_a_dataset_is_an_error():
    with pytest.raises(CommandError, match="No ready dataset for FY2023"):
        run("export_benchmarks", "--year", "2023", "--level", "prefecture")


def test_export_without_published_scores_is_an_error(survey):
    run("import_national_survey", str(survey), "--source", "テスト")  # its recompute waits for a commit
    dataset = Dataset.objects.get()
    with pytest.raises(CommandError, match=f"Dataset {dataset.pk} has no published scores yet"):
        run("export_benchmarks", "--year", "2023", "--level", "municipality")


def test_export_needs_a_known_level(survey):
    with pytest.raises(CommandError, match="invalid choice"):
        run("export_benchmarks", "--year", "2023", "--level", "nation")


def test_export_takes_the_newest_dataset_or_the_one_named(survey):
    run("import_national_survey", str(survey), "--source", "テスト")
    older = Dataset.objects.get()
    run("load_dashboard_dataset")
    newer = Dataset.objects.exclude(pk=older.pk).get()
    for dataset in (older, newer):
        recompute(dataset_id=dataset.pk)

    def composites(*args: str) -> list[str]:
        out = run("export_benchmarks", "--year", "2023", "--level", "prefecture", *args)
        header, *rows = csv.reader(io.StringIO(out))
        return [row[header.index("composite")] for row in rows]

    newest = composites()
    assert newest == composites("--dataset", str(newer.pk))
    assert newest != composites("--dataset", str(older.pk))
    # Only this year's datasets can be named.
    with pytest.raises(CommandError, match=f"No ready dataset for FY2021 with id {older.pk}"):
        run("export_benchmarks", "--year", "2021", "--level", "prefecture", "--dataset", str(older.pk))
    assert ScoreRun.objects.filter(status=ScoreRun.Status.COMPLETE).count() == 2
