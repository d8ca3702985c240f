"""python manage.py export_benchmarks --year Y [--dataset ID] --level {prefecture,municipality,items}"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks import exports
from benchmarks.selectors import dataset_choice, item_rate_list, published_scores
from dx_platform.core.downloads import csv_cell


class Command(BaseCommand):
    help = (
        "Write the published scores as CSV: code,name,rate_<area>…,dev_<area>…,composite,dataset,origin; "
        "with --level items the item rates: indicator,label,scope,group,numerator,denominator,rate,excluded,"
        "dataset,origin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--dataset", type=int, help="dataset id (default: the year's newest)")
        parser.add_argument("--level", choices=("prefecture", "municipality", "items"), required=True)

    def handle(self, *args: Any, year: int, dataset: int | None, level: str, **options: Any) -> None:
        chosen = dataset_choice(fiscal_year=year, dataset_id=dataset)
        if chosen is None:
            raise CommandError(f"No ready dataset for FY{year}" + (f" with id {dataset}" if dataset else ""))
        published = published_scores(fiscal_year=year, dataset_id=chosen.pk)
        if published is None:
            raise CommandError(f"Dataset {chosen.pk} has no published scores yet: recompute_benchmarks --year {year}")
        if level == "items":
            header, rows = exports.item_rate_table(rates=item_rate_list(run=published.run))
        else:
            header, rows = exports.score_table(run=published.run, level=level)
        header, rows = exports.with_origin(header, rows, published.dataset)
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([csv_cell(value) for value in row] for row in rows)
