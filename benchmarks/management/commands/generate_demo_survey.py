"""python manage.py generate_demo_survey --seed N [--year 2021|2023] — synthetic national data for the demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks.services.imports import SurveyFileError
from benchmarks.services.synthetic import FISCAL_YEARS, synthetic_dataset_load


class Command(BaseCommand):
    help = (
        "Generate a synthetic national survey per fiscal year (never real data), calibrated to 日本総研 "
        "Research Focus No.2024-032, and import it as a synthetic dataset. The same seed gives the same "
        "file, so running again imports nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--year", type=int, choices=FISCAL_YEARS, action="append", help="fiscal year (default: all of them)"
        )

    def handle(self, *args: Any, seed: int, year: list[int] | None, **options: Any) -> None:
        for fiscal_year in year or FISCAL_YEARS:
            try:
                outcome = synthetic_dataset_load(seed=seed, fiscal_year=fiscal_year)
            except SurveyFileError as exc:
                raise CommandError(f"FY{fiscal_year} not imported:\n" + "\n".join(exc.errors)) from None
            dataset = outcome.dataset
            if dataset is None:  # only after a dry run, which this command never does
                continue
            if not outcome.created:
                self.stdout.write(f"FY{fiscal_year}: already imported as dataset {dataset.pk}; nothing to do.")
                continue
            self.stdout.write(
                self.style.SUCCESS(
                    f"FY{fiscal_year}: imported synthetic dataset {dataset.pk}: {dataset.value_count:,} values."
                )
            )
