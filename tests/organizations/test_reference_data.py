"""load_reference_data on the shipped files: counts, spot checks, idempotency, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from dx_platform.core.lgcode import is_valid_lg_code
from dx_platform.organizations.models import Municipality, Organization, PopulationRecord, Prefecture
from dx_platform.organizations.reference_data import REFERENCE_DIR, size_class_for

pytestmark = pytest.mark.django_db

REFERENCE_MODELS = (Prefecture, Municipality, PopulationRecord, Organization)


def load(**options: object) -> str:
    out = StringIO()
    call_command("load_reference_data", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every column of every reference row, by pk: equal snapshots mean nothing was written."""
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in REFERENCE_MODELS}


def counts_by(field: str) -> dict[str, int]:
    return dict(Municipality.objects.values_list(field).annotate(n=Count("pk")).order_by())


@pytest.fixture
def loaded() -> str:
    return load()


# --- the shipped files -------------------------------------------------------------------------


def test_loads_47_prefectures_and_1741_municipalities(loaded):
    assert Prefecture.objects.count() == 47
    assert Municipality.objects.count() == 1741
    assert "47 prefectures, 1,741 municipalities, 5,223 population records, 1,788 organisations" in loaded


def test_municipality_kinds(loaded):
    assert counts_by("kind") == {
        "designated_city": 20,
        "core_city": 62,
        "special_ward": 23,
        "city": 710,
        "town": 743,
        "village": 183,
    }


def test_size_classes_match_the_benchmark_method(loaded):
    assert counts_by("size_class") == {
        "designated": 20,
        "core": 62,
        "large": 51,
        "mid": 154,
        "small": 528,
        "town": 743,
        "village": 183,
    }


def test_three_population_records_per_municipality(loaded):
    assert PopulationRecord.objects.count() == 5223
    assert set(PopulationRecord.objects.values_list("as_of", flat=True).distinct()) == {
        dt.date(2020, 1, 1),
        dt.date(2021, 1, 1),
        dt.date(2022, 1, 1),
    }
    incomplete = Municipality.objects.annotate(n=Count("populations")).exclude(n=3)
    assert not incomplete.exists()


def test_one_organisation_per_prefecture_and_municipality(loaded):
    assert Organization.objects.count() == 1788
    assert Organization.objects.filter(kind=Organization.Kind.PREFECTURE).count() == 47
    assert Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY).count() == 1741
    assert not Municipality.objects.filter(organization__isnull=True).exists()
    assert set(
        Organization.objects.filter(kind=Organization.Kind.PREFECTURE).values_list("prefecture", flat=True)
    ) == set(Prefecture.objects.values_list("pk", flat=True))


def test_spot_checks(loaded):
    sapporo = Municipality.objects.get(code="011002")
    assert sapporo.name == "札幌市"
    assert sapporo.prefecture.pref_code == "01"
    assert sapporo.kind == Municipality.Kind.DESIGNATED_CITY
    assert sapporo.size_class == Municipality.SizeClass.DESIGNATED
    assert sapporo.populations.get(as_of=dt.date(2020, 1, 1)).population == 1_959_313
    assert sapporo.organization.name == "北海道札幌市"

    chiyoda = Municipality.objects.get(code="131016")
    assert chiyoda.name == "千代田区"
    assert chiyoda.kind == Municipality.Kind.SPECIAL_WARD
    assert chiyoda.prefecture.name == "東京都"

    assert Prefecture.objects.get(pref_code="47").code == "470007"
    assert Organization.objects.get(kind="prefecture", prefecture__pref_code="01").name == "北海道"


def test_every_code_has_a_valid_check_digit(loaded):
    codes = [
        *Municipality.objects.values_list("code", flat=True),
        *Prefecture.objects.values_list("code", flat=True),
    ]
    assert len(codes) == 1741 + 47
    assert [code for code in codes if not is_valid_lg_code(code)] == []


# --- idempotency -------------------------------------------------------------------------------


def test_second_run_changes_nothing(loaded):
    before = snapshot()

    out = load()

    assert "already up to date" in out
    assert snapshot() == before


@pytest.mark.parametrize(
    ("edit", "label"),
    [
        (lambda: Municipality.objects.filter(code="011002").update(name="改名市"), "municipalities"),
        (
            lambda: PopulationRecord.objects.filter(municipality__code="131016", as_of=dt.date(2021, 1, 1)).update(
                population=1
            ),
            "population records",
        ),
        (
            lambda: Organization.objects.filter(municipality__code="472018").update(name="那覇"),
            "organisations",
        ),
    ],
    ids=["municipality-name", "population", "organisation-name"],
)
def test_rerun_restores_an_edited_row(loaded, edit, label):
    before = snapshot()
    assert edit() == 1

    out = load()

    assert f"{label}: 0 created, 1 updated" in out
    for other in {"prefectures", "municipalities", "population records", "organisations"} - {label}:
        assert f"{other}: 0 created, 0 updated" in out
    assert snapshot() == before


# --- malformed files ---------------------------------------------------------------------------


def edit_line(path: Path, number: int, old: str, new: str) -> None:
    """Replace text on one 1-based line of a CSV file (the header is line 1)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[number - 1], f"{old!r} not on line {number} of {path.name}"
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def append_line(path: Path, number: int) -> None:
    """Append a copy of one line at the end of the file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([*lines, lines[number - 1]]), encoding="utf-8")


def drop_column(path: Path, column: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    index = lines[0].split(",").index(column)
    rows = [",".join(v for i, v in enumerate(line.split(",")) if i != index) for line in lines]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def truncate_line(path: Path, number: int, fields: int) -> None:
    """Keep only the first fields of one line, as a file cut off mid-row would."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number - 1] = ",".join(lines[number - 1].split(",")[:fields]) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


# Each corruption of a copy of the shipped files, with text the error must contain (file and line).
CORRUPTIONS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "bad-check-digit": (
        lambda d: edit_line(d / "municipalities.csv", 2, "011002,", "011003,"),
        ["municipalities.csv line 2", "'011003'", "check digit"],
    ),
    "unknown-kind": (
        lambda d: edit_line(d / "municipalities.csv", 3, ",core_city,", ",metropolis,"),
        ["municipalities.csv line 3", "kind 'metropolis'"],
    ),
    "non-numeric-population": (
        lambda d: edit_line(d / "population.csv", 4, ",112450,", ",n/a,"),
        ["population.csv line 4", "pop_2021_01_01", "'n/a'"],
    ),
    "size-class-disagrees": (
        # 小樽市 had 114,425 people on 2020-01-01: a mid-size city, not a small one.
        lambda d: edit_line(d / "municipalities.csv", 4, ",city,中規模市,", ",city,小規模市,"),
        ["municipalities.csv line 4", "size class '小規模市'", "114,425"],
    ),
    "missing-column": (
        lambda d: drop_column(d / "municipalities.csv", "kind_en"),
        ["municipalities.csv", "missing columns: kind_en"],
    ),
    "duplicated-municipality": (
        lambda d: append_line(d / "municipalities.csv", 2),
        ["municipalities.csv line 1743", "011002 appears twice"],
    ),
    "duplicated-population": (
        lambda d: append_line(d / "population.csv", 629),
        ["population.csv line 1743", "131016 appears twice"],
    ),
    # A row with fewer fields than the header must be reported, not crash the loader.
    "truncated-municipality": (
        lambda d: truncate_line(d / "municipalities.csv", 2, 5),
        ["municipalities.csv line 2"],
    ),
    "truncated-population": (
        lambda d: truncate_line(d / "population.csv", 3, 4),
        ["population.csv line 3"],
    ),
    "truncated-prefecture": (
        lambda d: truncate_line(d / "prefectures.csv", 14, 8),
        ["prefectures.csv line 14"],
    ),
    # The models' own field rules apply before anything is written.
    "name-too-long": (
        lambda d: edit_line(d / "prefectures.csv", 2, ",北海道,", ",北海道北海道北海道,"),
        ["prefectures.csv line 2", "name"],
    ),
    "website-not-a-url": (
        lambda d: edit_line(d / "municipalities.csv", 2, ",https://www.city.sapporo.jp/,", ",not a url,"),
        ["municipalities.csv line 2", "website_url"],
    ),
    "count-not-a-number": (
        lambda d: edit_line(d / "prefectures.csv", 3, ",40,10,", ",forty,10,"),
        ["prefectures.csv line 3", "n_municipalities"],
    ),
}


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    for name in ("prefectures.csv", "municipalities.csv", "population.csv"):
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    return tmp_path


def test_the_copy_itself_loads(reference_copy):
    """Guards the corruption tests below: an unchanged copy is valid."""
    assert "Reference data loaded" in load(directory=reference_copy)


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_malformed_file_writes_nothing(reference_copy, case):
    corrupt, expected = CORRUPTIONS[case]
    corrupt(reference_copy)

    with pytest.raises(CommandError) as excinfo:
        load(directory=reference_copy)

    message = str(excinfo.value)
    assert "nothing was written" in message
    for text in expected:
        assert text in message
    assert {model.__name__: model.objects.count() for model in REFERENCE_MODELS} == dict.fromkeys(
        (model.__name__ for model in REFERENCE_MODELS), 0
    )


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_malformed_file_leaves_loaded_data_alone(loaded, reference_copy, case):
    corrupt, expected = CORRUPTIONS[case]
    # A valid change elsewhere in the same files must not be applied either.
    edit_line(reference_copy / "municipalities.csv", 1702, ",那覇市,", ",なは市,")
    corrupt(reference_copy)
    before = snapshot()

    with pytest.raises(CommandError):
        load(directory=reference_copy)

    assert snapshot() == before
    assert Municipality.objects.get(code="472018").name == "那覇市"


def test_missing_directory_is_reported(tmp_path):
    with pytest.raises(CommandError, match="prefectures.csv: file not found"):
        load(directory=tmp_path / "nowhere")
    assert not Prefecture.objects.exists()


# --- size classes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "population", "size_class"),
    [
        ("city", 200_000, "large"),
        ("city", 199_999, "mid"),
        ("city", 100_000, "mid"),
        ("city", 99_999, "small"),
        ("special_ward", 200_000, "large"),
        ("special_ward", 199_999, "mid"),
        ("special_ward", 99_999, "small"),
        # Designation and kind win over population.
        ("designated_city", 50_000, "designated"),
        ("core_city", 1_000_000, "core"),
        ("core_city", 99_999, "core"),
        ("town", 250_000, "town"),
        ("village", 150_000, "village"),
    ],
)
def test_size_class_for(kind, population, size_class):
    assert size_class_for(kind, population) == size_class
