"""The indicator catalog: load_catalog from benchmarks/catalog/, frozen years, export_catalog."""

from __future__ import annotations

import csv
import importlib
import io
import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from benchmarks.models import CatalogYear, Indicator
from benchmarks.services.catalog import CATALOG_DIR, CatalogError, catalog_load

pytestmark = pytest.mark.django_db

EXPORT_HEADER = ["indicator", "area", "kind", "scored", "name_ja", "name_en"]


def expected_catalog(directory: Path = CATALOG_DIR) -> dict[int, list[list[str]]]:
    """Per year, the export rows the files call for: the method's items in file order, then the year's procedures."""
    years: dict[int, list[list[str]]] = {}
    with (directory / "indicators.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            item = [row["indicator"], row["area"], row["kind"], row["scored"], row["name_ja"], row["name_en"]]
            for year in row["fiscal_years"].split(";"):
                years.setdefault(int(year), []).append(item)
    with (directory / "procedures.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            item = [row["indicator"], row["area"], "procedure", "1", row["name_ja"], row["name_en"]]
            years.setdefault(int(row["fiscal_year"]), []).append(item)
    return years


def load() -> str:
    out = io.StringIO()
    call_command("load_catalog", stdout=out)
    return out.getvalue()


def codes(year: int) -> list[str]:
    return list(Indicator.objects.filter(catalog__fiscal_year=year).order_by("position").values_list("code", flat=True))


def snapshot() -> list[tuple[object, ...]]:
    """Every column of every catalog row: equal snapshots mean nothing was written."""
    return [
        *CatalogYear.objects.order_by("pk").values_list(),
        *Indicator.objects.order_by("pk").values_list(),
    ]


def export(year: int) -> list[list[str]]:
    out = io.StringIO()
    call_command("export_catalog", "--year", str(year), stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def edited_copy(tmp_path: Path, code: str, name_ja: str) -> Path:
    """A copy of the shipped catalog in which one item has another Japanese name."""
    directory = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, directory)
    path = directory / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert any(row["indicator"] == code for row in rows)
    for row in rows:
        if row["indicator"] == code:
            row["name_ja"] = name_ja
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return directory


# --- load_catalog ----------------------------------------------------------------------------------


def test_load_creates_fy2021_and_fy2023_with_the_items_of_the_files():
    load()
    expected = expected_catalog()
    assert list(CatalogYear.objects.values_list("fiscal_year", flat=True)) == [2021, 2023]
    assert set(expected) == {2021, 2023}
    for year, rows in expected.items():
        assert codes(year) == [row[0] for row in rows]
        positions = list(Indicator.objects.filter(catalog__fiscal_year=year).values_list("position", flat=True))
        assert sorted(positions) == list(range(1, len(rows) + 1))


def test_items_belong_to_their_years():
    load()
    fy2021, fy2023 = set(codes(2021)), set(codes(2023))
    assert "system.policy" in fy2021
    assert "system.policy" in fy2023
    assert "service.telework" in fy2023
    assert "service.telework" not in fy2021
    assert "mynumber.issued_rate" in fy2021
    assert "mynumber.issued_rate" not in fy2023
    assert "mynumber.holding_rate" in fy2023
    telework = Indicator.objects.get(catalog__fiscal_year=2023, code="service.telework")
    assert (telework.area, telework.kind, telework.scored) == ("service", "boolean", False)


def test_fy2023_has_its_22_high_volume_and_36_life_event_procedures():
    load()
    procedures = Indicator.objects.filter(catalog__fiscal_year=2023, kind=Indicator.Kind.PROCEDURE)
    volume = [code for code in procedures.values_list("code", flat=True) if code.startswith("online_volume.")]
    lifeevent = [code for code in procedures.values_list("code", flat=True) if code.startswith("online_lifeevent.")]
    assert volume == [f"online_volume.{n:02d}" for n in range(1, 23)]
    assert lifeevent == [f"online_lifeevent.{n:02d}" for n in range(1, 37)]
    assert all(re.fullmatch(r"online_(volume|lifeevent)\.\d\d", code) for code in volume + lifeevent)
    assert procedures.count() == 58
    assert set(procedures.values_list("scored", flat=True)) == {True}
    assert set(procedures.values_list("area", flat=True)) == {"online_volume", "online_lifeevent"}
    library = procedures.get(code="online_volume.01")
    assert library.name_ja == "図書館の図書貸出予約等"
    # The procedures come after the method's items, in the file's order.
    assert codes(2023)[-58:] == volume + lifeevent


def test_second_load_is_already_up_to_date():
    first = load()
    before = snapshot()
    second = load()
    assert "updated FY2021, FY2023" in first
    assert "already up to date" in second
    assert "(FY2021: 25 indicators, FY2023: 88 indicators)" in second
    assert snapshot() == before


def test_an_unfrozen_year_takes_a_changed_file(tmp_path):
    load()
    result = catalog_load(directory=edited_copy(tmp_path, "system.policy", "全体方針の策定（改）"))
    assert result.changed == [2021, 2023]
    names = Indicator.objects.filter(code="system.policy").values_list("name_ja", flat=True)
    assert list(names) == ["全体方針の策定（改）", "全体方針の策定（改）"]


def test_a_frozen_year_refuses_a_changed_file_and_nothing_is_written(tmp_path):
    load()
    CatalogYear.objects.filter(fiscal_year=2023).update(frozen_at=timezone.now())
    before = snapshot()
    # system.policy belongs to both years: FY2021 is not frozen, but all-or-nothing keeps it too.
    with pytest.raises(CatalogError) as caught:
        catalog_load(directory=edited_copy(tmp_path, "system.policy", "全体方針の策定（改）"))
    assert len(caught.value.errors) == 1
    message = caught.value.errors[0]
    assert message.startswith("FY2023: the catalog is frozen since")
    assert "cannot change: system.policy" in message
    assert snapshot() == before
    assert set(Indicator.objects.filter(code="system.policy").values_list("name_ja", flat=True)) == {
        "DXを推進するための全体方針の策定"
    }


def test_a_frozen_year_accepts_the_same_files():
    load()
    CatalogYear.objects.update(frozen_at=timezone.now())
    assert "already up to date" in load()


# FY2023 before the dashboard's own items (benchmarks/data/SOURCES.md): what older databases hold.
EARLIER_NAMES = {
    "online_volume.common_32_rate": (
        "よく使う32手続のオンライン化状況（オンライン化済／実施されている手続）",
        "Share of the 32 frequently used procedures that are online (online / offered)",
    ),
    "online_lifeevent.childcare_care_26_rate": (
        "子育て・介護26手続のオンライン化状況",
        "Share of the 26 child-care and long-term-care procedures that are online",
    ),
}


def earlier_copy(tmp_path: Path) -> Path:
    """The shipped catalog as it was before system.external_talent_use and the two renames."""
    directory = tmp_path / "earlier"
    shutil.copytree(CATALOG_DIR, directory)
    path = directory / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["indicator"] != "system.external_talent_use"]
    for row in rows:
        if row["indicator"] in EARLIER_NAMES:
            row["name_ja"], row["name_en"] = EARLIER_NAMES[row["indicator"]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return directory


def test_the_migration_brings_an_earlier_frozen_fy2023_in_line_with_the_files(tmp_path):
    catalog_load(directory=earlier_copy(tmp_path))
    assert "system.external_talent_use" not in codes(2023)
    CatalogYear.objects.update(frozen_at=timezone.now())
    with pytest.raises(CatalogError):
        catalog_load()
    migration = importlib.import_module("benchmarks.migrations.0004_dashboard_own_items")
    migration.forwards(apps, None)
    assert catalog_load().changed == []
    assert codes(2023) == [row[0] for row in expected_catalog()[2023]]
    # Run again (or on a database already in line) it changes nothing.
    before = snapshot()
    migration.forwards(apps, None)
    assert snapshot() == before


# --- export_catalog --------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2021, 2023])
def test_export_prints_the_catalog_in_order(year):
    load()
    rows = export(year)
    assert rows[0] == EXPORT_HEADER
    assert rows[1:] == expected_catalog()[year]


def test_export_of_an_unknown_year_is_an_error():
    load()
    with pytest.raises(CommandError, match="No catalog for FY1999"):
        export(1999)
