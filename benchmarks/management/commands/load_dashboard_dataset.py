"""python manage.py load_dashboard_dataset — the real FY2023 dashboard data as a national dataset."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from benchmarks.services.dashboard import dashboard_dataset_load
from benchmarks.services.imports import SurveyFileError


class Command(BaseCommand):
    help = "Import the Digital Agency's 自治体DX dashboard (FY2023, real) as a national dataset."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = dashboard_dataset_load()
        except SurveyFileError as exc:
            raise CommandError("Not imported:\n" + "\n".join(exc.errors)) from None
        dataset = outcome.dataset
        if dataset is None:  # only after a dry run, which this command never does
            return
        if not outcome.created:
            self.stdout.write(f"Already imported as dataset {dataset.pk} ({dataset}); nothing to do.")
            return
        corrects = (
            f"; it supersedes dataset {dataset.supersedes_id} ({len(dataset.changes):,} values changed)"
            if dataset.supersedes_id
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(f"Imported dataset {dataset.pk}: {dataset.value_count:,} values{corrects}.")
        )
