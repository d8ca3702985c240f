"""python manage.py export_catalog --year Y — the year's catalog as CSV on stdout."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks.selectors import catalog_indicators


class Command(BaseCommand):
    help = "Write a fiscal year's indicator catalog as CSV: indicator,area,kind,scored,name_ja,name_en."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args: Any, year: int, **options: Any) -> None:
        indicators = list(catalog_indicators(fiscal_year=year))
        if not indicators:
            raise CommandError(f"No catalog for FY{year}; load it with: python manage.py load_catalog")
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["indicator", "area", "kind", "scored", "name_ja", "name_en"])
        for item in indicators:
            writer.writerow([item.code, item.area, item.kind, int(item.scored), item.name_ja, item.name_en])
