"""python manage.py import_national_survey FILE [--dry-run] — a national survey file as a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks.models import Dataset
from benchmarks.selectors import dataset_find
from benchmarks.services.imports import NATIONAL, SurveyFileError, dataset_import
from dx_platform.core.table_files import TableRefused, UploadLimits, size_check


class Command(BaseCommand):
    help = (
        "Validate a national survey file (CSV in UTF-8 or Shift_JIS, or XLSX; long or wide shape) and "
        "import it as a dataset. Nothing is written unless the whole file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate only")
        parser.add_argument("--year", type=int, help="fiscal year, for a wide file without fiscal_year")
        parser.add_argument("--name", help="dataset name (default: the file name)")
        parser.add_argument("--source", default="", help="where the data comes from (document, URL)")
        parser.add_argument("--name-en", default="", help="the dataset's name in English (for English pages)")
        parser.add_argument("--source-en", default="", help="the source in English (for English pages)")
        parser.add_argument("--synthetic", action="store_true", help="the data is synthetic, not real")
        parser.add_argument("--supersedes", type=int, help="id of the dataset this corrected re-issue replaces")

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:  # before the file is read into memory
            size_check(file.stat().st_size, file.name, UploadLimits.of(NATIONAL))
        except TableRefused as exc:
            raise CommandError(f"{file.name} was not imported: {exc}") from None
        supersedes = None
        if options["supersedes"]:
            supersedes = dataset_find(pk=options["supersedes"])
            if supersedes is None:
                raise CommandError(f"No dataset {options['supersedes']} to supersede")
        if not dry_run and not options["source"]:
            raise CommandError("Say where the data comes from: --source '総務省 … (URL)'")
        try:
            outcome = dataset_import(
                data=file.read_bytes(),
                file_name=file.name,
                name=options["name"] or file.stem,
                source=options["source"],
                name_en=options["name_en"],
                source_en=options["source_en"],
                origin=Dataset.Origin.SYNTHETIC if options["synthetic"] else Dataset.Origin.REAL,
                by=None,
                fiscal_year=options["year"],
                supersedes=supersedes,
                dry_run=dry_run,
            )
        except SurveyFileError as exc:
            problems = "\n".join(f"  - {error}" for error in exc.errors)
            raise CommandError(f"{file.name} was not imported; nothing was written. Problems:\n{problems}") from None
        dataset, parsed = outcome.dataset, outcome.parsed
        if parsed is None:  # the same file was imported before
            self.stdout.write(
                f"{file.name} was imported before (dataset {dataset.pk if dataset else '?'}); nothing to do."
            )
            return
        summary = (
            f"FY{parsed.fiscal_year}: {len(parsed.values):,} values, {parsed.municipalities:,} municipalities, "
            f"{parsed.indicators} indicators"
        )
        if dataset is None:  # a dry run
            self.stdout.write(f"{file.name} is valid ({summary}); nothing was written (--dry-run).")
            return
        moved = f"; {len(dataset.changes):,} values changed from the superseded dataset" if supersedes else ""
        self.stdout.write(self.style.SUCCESS(f"Imported dataset {dataset.pk} ({summary}){moved}."))
