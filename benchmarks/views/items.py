"""Item-rate pages: every survey item's rate in the nation and its size classes (the report's own
layout), a prefecture's rates beside the nation's with its rank, and one item's page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from dx_platform.core.downloads import FORMATS
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.i18n import localized
from dx_platform.organizations.models import Municipality
from dx_platform.organizations.selectors import prefecture_list

from .. import charts, exports, selectors
from ..models import Indicator, ItemRate, Value
from .selection import Selection, download, select_scores

SIZE_CLASSES = Municipality.SizeClass
MISSING = dict(Value.Missing.choices)


def _cell(rate: ItemRate | None) -> dict[str, Any] | None:
    """A table cell: the rate, its count, and who was left out and why."""
    if rate is None:
        return None
    return {
        "rate": rate.rate,
        "numerator": rate.numerator,
        "n": rate.n,
        "left_out": [(MISSING.get(reason, reason), count) for reason, count in rate.left_out.items()],
    }


def _sort(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    sort = request.GET.get("sort") or "item"
    if sort not in allowed:
        raise Http404(_("Unknown sort order."))
    return sort


def _download(request: HttpRequest, selection: Selection, rates: Any, name: str, fmt: str) -> HttpResponse:
    header, rows = exports.item_rate_table(rates=rates)
    return download(request, selection=selection, header=header, rows=rows, name=name, fmt=fmt)


def national(request: HttpRequest) -> HttpResponse:
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    sort = _sort(request, ("item", "rate"))
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        rates = selectors.item_rate_list(run=selection.run, levels=(ItemRate.Level.NATION, ItemRate.Level.SIZE_CLASS))
        return _download(request, selection, rates, "item-rates", fmt)
    rows = selectors.national_item_table(run=selection.run, sort=sort)
    return render(
        request,
        "benchmarks/items.html",
        {
            **selection.context(),
            "rows": [(row, [_cell(row.nation), *(_cell(rate) for rate in row.groups)]) for row in rows],
            "size_classes": SIZE_CLASSES.choices,
            "sort": sort,
            "prefectures": prefecture_list(),
        },
    )


def prefecture(request: HttpRequest, pref_code: str) -> HttpResponse:
    place = get_object_or_404(prefecture_list(), pref_code=pref_code)
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    sort = _sort(request, ("item", "gap", "rank"))
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        rates = selectors.item_rate_list(
            run=selection.run, levels=(ItemRate.Level.NATION, ItemRate.Level.PREFECTURE), groups=("all", pref_code)
        )
        return _download(request, selection, rates, f"{pref_code}-item-rates", fmt)
    rows = selectors.prefecture_item_table(run=selection.run, prefecture=place, sort=sort)
    return render(
        request,
        "benchmarks/items_prefecture.html",
        {
            **selection.context(),
            "prefecture": place,
            "rows": [(row, _cell(row.groups[0]), _cell(row.nation)) for row in rows],
            "sort": sort,
        },
    )


def _done_means(indicator: Indicator) -> str:
    if indicator.kind == Indicator.Kind.BOOLEAN:
        return _("The municipality answered “done” in the survey.")
    if indicator.kind == Indicator.Kind.PROCEDURE:
        return _("The procedure can be completed online, among municipalities that offer it.")
    return _("The rate is the municipality's own percentage; the group's rate is the mean over its municipalities.")


def item(request: HttpRequest, code: str) -> HttpResponse:
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    indicator = selectors.indicator_find(fiscal_year=selection.year, code=code)
    years = selectors.indicator_years(code=code)
    if indicator is None:
        if not years:
            raise Http404(_("No such survey item."))
        published = [i.catalog.fiscal_year for i in years if i.catalog.fiscal_year in selection.years]
        if "year" not in request.GET and published:
            # A link that names no year opens the newest year that has the item.
            return redirect(f"{reverse('benchmarks:item', args=[code])}?year={published[-1]}")
        # The item exists, only not in this year's survey: say so and offer the years that have it.
        return render(
            request,
            "benchmarks/item_missing.html",
            {**selection.context(), "code": code, "years": years},
            status=404,
        )
    rates = selectors.item_rates_of(run=selection.run, indicator=indicator)
    names = {p.pref_code: p.name for p in prefecture_list()}
    bars = charts.grouped_bars(
        categories=[label for _, label in SIZE_CLASSES.choices],
        series={str(FiscalYear(selection.year)): [rate.rate if rate else None for rate in rates.sizes]},
        title=_("%(item)s: rate by size class") % {"item": localized(indicator, "name")},
        yaxis=_("Rate (%)"),
    )
    map_chart = charts.prefecture_map(
        codes=[rate.group for rate in rates.prefectures],
        values=[rate.rate for rate in rates.prefectures],
        names=[names.get(rate.group, rate.group) for rate in rates.prefectures],
        geojson_url=static("geo/prefectures.geojson"),
        title=_("%(item)s by prefecture (%%)") % {"item": localized(indicator, "name")},
        colorbar=_("Rate (%)"),
    )
    histogram = None
    if indicator.kind == Indicator.Kind.RATE:
        histogram = charts.histogram(
            values=selectors.item_values(dataset=selection.dataset, indicator=indicator),
            title=_("Municipalities by their rate"),
            xaxis=_("Rate (%)"),
            yaxis=_("Municipalities"),
        )
    history = selectors.item_history(code=code, shown=selection.published)
    compared = {published.fiscal_year for published, _rates in history}
    return render(
        request,
        "benchmarks/item_detail.html",
        {
            **selection.context(),
            "indicator": indicator,
            "done_means": _done_means(indicator),
            "years": years,
            "nation": _cell(rates.nation),
            "size_rows": [
                (label, _cell(rate)) for (_, label), rate in zip(SIZE_CLASSES.choices, rates.sizes, strict=True)
            ],
            "prefecture_rows": [
                (names.get(rate.group, rate.group), rate.group, _cell(rate)) for rate in rates.prefectures
            ],
            "bars": bars,
            "map_chart": map_chart,
            "histogram": histogram,
            "history": [
                (published, [_rate(found.nation), *(_rate(rate) for rate in found.sizes)])
                for published, found in history
            ],
            # Years that have the item only in data of the other origin: never drawn beside this one.
            "uncompared_years": [
                FiscalYear(i.catalog.fiscal_year) for i in years if i.catalog.fiscal_year not in compared
            ],
            "size_classes": SIZE_CLASSES.choices,
        },
    )


def _rate(rate: ItemRate | None) -> float | None:
    return rate.rate if rate else None
