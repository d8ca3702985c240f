"""The indicator catalog per fiscal year, loaded from benchmarks/catalog/ (sources in SOURCES.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from ..models import CatalogYear, Indicator

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"
FIELDS = ("area", "kind", "scored", "name_ja", "name_en", "position")


class CatalogError(Exception):
    """The catalog files disagree with a frozen year, or are malformed; nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class CatalogResult:
    years: dict[int, int]  # fiscal year → number of indicators
    changed: list[int]  # years whose catalog was created or changed


def read_catalog(directory: Path = CATALOG_DIR) -> dict[int, list[dict[str, Any]]]:
    """Indicators per fiscal year, in catalog order: the method's items, then that year's procedures."""
    years: dict[int, list[dict[str, Any]]] = {}
    with (directory / "indicators.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for year in row["fiscal_years"].split(";"):
                years.setdefault(int(year), []).append(_item(row))
    procedures = directory / "procedures.csv"
    if procedures.exists():
        with procedures.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                item = _item({**row, "kind": Indicator.Kind.PROCEDURE, "scored": "1"})
                years.setdefault(int(row["fiscal_year"]), []).append(item)
    for items in years.values():
        for position, item in enumerate(items, start=1):
            item["position"] = position
    return years


def _item(row: dict[str, str]) -> dict[str, Any]:
    return {
        "code": row["indicator"],
        "area": row["area"],
        "kind": row["kind"],
        "scored": row["scored"] == "1",
        "name_ja": row["name_ja"],
        "name_en": row["name_en"],
    }


def catalog_load(*, directory: Path = CATALOG_DIR) -> CatalogResult:
    """Bring every year's catalog in line with the files; a frozen year must already match."""
    wanted = read_catalog(directory)
    errors: list[str] = []
    changed: list[int] = []
    with transaction.atomic():
        for year, items in sorted(wanted.items()):
            catalog, _ = CatalogYear.objects.get_or_create(fiscal_year=year)
            existing = {i.code: i for i in catalog.indicators.all()}
            new = [i for i in items if i["code"] not in existing]
            differing = [
                i
                for i in items
                if i["code"] in existing and any(getattr(existing[i["code"]], f) != i[f] for f in FIELDS)
            ]
            removed = sorted(set(existing) - {i["code"] for i in items})
            if not (new or differing or removed):
                continue
            if catalog.frozen_at:
                codes = [i["code"] for i in new + differing] + removed
                errors.append(
                    f"FY{year}: the catalog is frozen since {catalog.frozen_at:%Y-%m-%d} (data was imported); "
                    f"it cannot change: {', '.join(codes)}"
                )
                continue
            Indicator.objects.filter(catalog=catalog, code__in=removed).delete()
            for item in differing:
                Indicator.objects.filter(catalog=catalog, code=item["code"]).update(**{f: item[f] for f in FIELDS})
            Indicator.objects.bulk_create(Indicator(catalog=catalog, **item) for item in new)
            changed.append(year)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise CatalogError(errors)
    return CatalogResult({year: len(items) for year, items in wanted.items()}, changed)
