"""python manage.py load_reference_data [--directory DIR]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dx_platform.organizations.reference_data import (
    REFERENCE_DIR,
    ReferenceDataError,
    reference_data_load,
)


class Command(BaseCommand):
    help = "Load the 47 prefectures, 1,741 municipalities and their population (idempotent, all-or-nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=REFERENCE_DIR, help="folder with the three CSV files")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        try:
            result = reference_data_load(directory=directory)
        except ReferenceDataError as exc:
            shown = exc.errors[:50]
            more = len(exc.errors) - len(shown)
            lines = "\n".join(f"  - {error}" for error in shown)
            tail = f"\n  … and {more} more" if more > 0 else ""
            raise CommandError(
                f"The reference data was not loaded; nothing was written. {len(exc.errors)} problem(s):\n{lines}{tail}"
            ) from None
        if options["verbosity"] == 0:
            return
        summary = ", ".join(f"{count:,} {label}" for label, count in result.totals.items())
        if not result.changed:
            self.stdout.write(f"Reference data is already up to date ({summary}); nothing was changed.")
            return
        changes = ", ".join(
            f"{label}: {result.created[label]:,} created, {result.updated[label]:,} updated" for label in result.totals
        )
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded ({summary}). {changes}."))
