"""What every benchmark page shares: the fiscal year and dataset it shows, and its downloads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dx_platform.core.downloads import FORMATS, table_response
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.i18n import localized
from dx_platform.core.params import int_param

from .. import exports, selectors
from ..models import Area, Dataset, ScoreRun
from ..scoring import AREAS

_URL = re.compile(r"https?://\S+")


@dataclass
class Selection:
    """The fiscal year and dataset a page shows, and its published run."""

    years: list[int]
    year: int
    datasets: list[Dataset]
    dataset: Dataset
    run: ScoreRun

    @property
    def published(self) -> selectors.Published:
        return selectors.Published(self.dataset, self.run)

    @property
    def file_stem(self) -> str:
        """Downloads say which data they hold: fy2023-real-3, fy2021-synthetic-2."""
        return f"fy{self.year}-{self.dataset.origin}-{self.dataset.pk}"

    def context(self) -> dict[str, Any]:
        return {
            "selection": self,
            "fiscal_year": FiscalYear(self.year),
            "year_choices": [(year, FiscalYear(year)) for year in self.years],
            "formats": FORMATS,
        }


def select_scores(request: HttpRequest) -> Selection | None:
    """The year (?year=) and dataset (?dataset=) asked for, or the newest year's default; None while
    nothing is published."""
    years = selectors.years_with_scores()
    if not years:
        return None
    year = int_param(request, "year") or years[0]
    if year not in years:
        raise Http404(_("No published scores for that fiscal year."))
    published = selectors.published_scores(fiscal_year=year, dataset_id=int_param(request, "dataset"))
    if published is None:
        raise Http404(_("No published scores for that dataset."))
    datasets = list(selectors.year_datasets(fiscal_year=year, with_scores=True))
    return Selection(years, year, datasets, published.dataset, published.run)


def _column_labels() -> dict[str, str | Promise]:
    labels: dict[str, str | Promise] = {
        "code": gettext_lazy("Code"),
        "name": gettext_lazy("Name"),
        "composite": gettext_lazy("Composite deviation score"),
        "composite_areas": gettext_lazy("Areas in the composite"),
        "rank": gettext_lazy("Rank"),
        "peer_composite": gettext_lazy("Composite within the size class"),
        "peer_rank": gettext_lazy("Rank within the size class"),
        "indicator": gettext_lazy("Item code"),
        "label": gettext_lazy("Survey item"),
        "scope": gettext_lazy("Scope"),
        "group": gettext_lazy("Group"),
        "numerator": gettext_lazy("Municipalities that implemented it"),
        "denominator": gettext_lazy("Municipalities counted"),
        "rate": gettext_lazy("Rate (%)"),
        "excluded": gettext_lazy("Municipalities left out"),
        "area": gettext_lazy("Area"),
        "name_ja": gettext_lazy("Survey item"),
        "value": gettext_lazy("Value"),
        "status": gettext_lazy("Status"),
        "missing": gettext_lazy("Reason missing"),
        "dataset": gettext_lazy("Dataset"),
        "origin": gettext_lazy("Origin"),
    }
    for area in AREAS:
        label = Area(area).label
        labels[f"rate_{area}"] = gettext_lazy("%(area)s: rate (%%)") % {"area": label}
        labels[f"dev_{area}"] = gettext_lazy("%(area)s: deviation score") % {"area": label}
    return labels


def provenance(selection: Selection, notes: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Where a download's figures come from, for its 「出典・注記」 sheet."""
    dataset, run = selection.dataset, selection.run
    url = _URL.search(dataset.source)
    rows = [
        (_("Dataset"), f"{localized(dataset, 'name')} (id {dataset.pk})"),
        (_("Origin"), str(dataset.get_origin_display())),
        (_("Source"), localized(dataset, "source")),
        (_("Source URL"), url.group(0) if url else "—"),
        (_("Fiscal year"), str(FiscalYear(selection.year))),
        (_("Imported"), date_format(localtime(dataset.imported_at), "DATETIME_FORMAT")),
        (
            _("Scores computed"),
            date_format(localtime(run.finished_at), "DATETIME_FORMAT") if run.finished_at else "—",
        ),
        (
            _("Method"),
            _(
                "The Japan Research Institute's “The progress of local government DX” (2024, in Japanese), as"
                " docs/benchmark-method.md; version %(version)s"
            )
            % {"version": run.statistics.get("method_version", "—")},
        ),
    ]
    if dataset.origin == Dataset.Origin.SYNTHETIC:
        rows.append((_("Note"), _("Synthetic data for the demo, not real figures.")))
    rows.extend((_("Note"), str(note)) for note in notes)
    return rows


def download(
    request: HttpRequest,
    *,
    selection: Selection,
    header: list[str],
    rows: Iterable[list[Any]],
    name: str,
    fmt: str,
    notes: Sequence[str] = (),
) -> HttpResponse:
    """A page's table as a download: every row names its dataset and origin, the header is in the
    page's language (?headers=codes gives the column codes), and an XLSX adds the 出典・注記 sheet."""
    header, table = exports.with_origin(header, rows, selection.dataset)
    labels = _column_labels()
    shown = header if request.GET.get("headers") == "codes" else [str(labels.get(code, code)) for code in header]
    return table_response(
        header=shown,
        rows=table,
        filename=f"{name}-{selection.file_stem}",
        fmt=fmt,
        notes=provenance(selection, notes),
    )
