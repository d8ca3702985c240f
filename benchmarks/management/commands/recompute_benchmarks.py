"""python manage.py recompute_benchmarks --year Y [--dataset ID] [--wait]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks.selectors import dataset_choice
from benchmarks.tasks import recompute


class Command(BaseCommand):
    help = "Recompute a fiscal year's scores in a worker (same inputs are not computed again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--dataset", type=int, help="dataset id (default: the year's newest)")
        parser.add_argument("--wait", action="store_true", help="wait for the worker and report the run")

    def handle(self, *args: Any, year: int, dataset: int | None, wait: bool, **options: Any) -> None:
        chosen = dataset_choice(fiscal_year=year, dataset_id=dataset)
        if chosen is None:
            raise CommandError(f"No ready dataset for FY{year}" + (f" with id {dataset}" if dataset else ""))
        result = recompute.delay(dataset_id=chosen.pk)
        if not wait:
            self.stdout.write(f"Recompute of dataset {chosen.pk} ({chosen}) queued: task {result.id}.")
            return
        run_id = result.get(timeout=600)
        self.stdout.write(self.style.SUCCESS(f"Dataset {chosen.pk} ({chosen}): published run {run_id}."))
