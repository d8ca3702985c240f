"""python manage.py load_catalog — the indicator catalog of every fiscal year (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from benchmarks.services.catalog import CatalogError, catalog_load


class Command(BaseCommand):
    help = "Load the indicator catalog of every fiscal year from benchmarks/catalog/."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = catalog_load()
        except CatalogError as exc:
            raise CommandError("The catalog was not changed:\n" + "\n".join(exc.errors)) from None
        years = ", ".join(f"FY{year}: {count} indicators" for year, count in sorted(result.years.items()))
        verb = f"updated FY{', FY'.join(map(str, result.changed))}" if result.changed else "already up to date"
        self.stdout.write(f"Catalog {verb} ({years}).")
