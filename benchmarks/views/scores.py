"""Score pages: the nation, a prefecture, a municipality. National data is public."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.selectors import live_result
from dx_platform.core.downloads import FORMATS
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality
from dx_platform.organizations.selectors import municipality_list, prefecture_list

from .. import charts, exports, selectors
from ..forms import ScoreNoteForm, SimilarForm
from ..models import Area, MunicipalityScore, Value
from ..scoring import AREAS, COMPOSITE_AREAS, SMALL_GROUP
from .selection import download, select_scores

AREA_LABELS = dict(Area.choices)
# Column headings: the full names make a 47-row table unreadable on a laptop, let alone a phone.
AREA_SHORT = {
    "system": gettext_lazy("Structure"),
    "service": gettext_lazy("Services"),
    "improvement": gettext_lazy("Improvement"),
    "online_volume": gettext_lazy("Online ①"),
    "online_lifeevent": gettext_lazy("Online ②"),
    "mynumber": gettext_lazy("My Number"),
}
# A national deviation below 40 is the report's "clearly behind" band (Table 23 marks it blue).
BEHIND = 40.0


def _areas_present(scores: list[Any]) -> list[str]:
    """The composite areas this dataset has data for (the page says which the composite rests on)."""
    return [area for area in COMPOSITE_AREAS if any(getattr(s, f"dev_{area}") is not None for s in scores)]


def overview(request: HttpRequest) -> HttpResponse:
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header, rows = exports.score_table(run=selection.run, level="prefecture")
        return download(request, selection=selection, header=header, rows=rows, name="prefectures", fmt=fmt)
    area = request.GET.get("area", "")
    if area not in AREAS:
        area = "composite"
    scores = list(selectors.prefecture_scores(run=selection.run))
    value_of = "composite" if area == "composite" else f"dev_{area}"
    area_label = _("Composite deviation score") if area == "composite" else AREA_LABELS[area]
    map_chart = charts.prefecture_map(
        codes=[s.prefecture.pref_code for s in scores],
        values=[getattr(s, value_of) for s in scores],
        names=[s.prefecture.name for s in scores],
        geojson_url=static("geo/prefectures.geojson"),
        title=_("%(area)s by prefecture (deviation score)") % {"area": area_label},
        colorbar=_("Deviation"),
    )
    bar_area = "system" if area == "composite" else area
    # Each year's series names its dataset: the shown year uses the chosen one, others their default of
    # the same origin; a year with only the other origin's data is not drawn (the page says why).
    comparable = selectors.comparable_scores(published=selection.published)
    by_year = {
        f"{FiscalYear(p.fiscal_year)} {p.dataset.get_origin_display()}": selectors.size_class_area_rates(run=p.run)
        for p in comparable.series
    }
    size_classes = Municipality.SizeClass
    bars = charts.grouped_bars(
        categories=[label for _, label in size_classes.choices],
        series={
            label: [rates.get(value, {}).get(bar_area) for value in size_classes.values]
            for label, rates in by_year.items()
        },
        title=_("%(area)s: implementation rate by size class") % {"area": AREA_LABELS[bar_area]},
        yaxis=_("Rate (%)"),
    )
    correlations = selection.run.statistics.get("correlations", {})
    towns_scatter = charts.scatter(
        x=[s.towns_villages_share for s in scores],
        y=[s.composite for s in scores],
        labels=[s.prefecture.name for s in scores],
        title=_("Share of towns and villages vs composite (r = %(r)s)")
        % {"r": _r(correlations.get("towns_villages_share_composite_prefecture"))},
        xaxis=_("Towns and villages among the prefecture's municipalities (%)"),
        yaxis=_("Composite deviation score"),
    )
    card_scatter = charts.scatter(
        x=[s.rate_mynumber for s in scores],
        y=[s.composite for s in scores],
        labels=[s.prefecture.name for s in scores],
        title=_("My Number Card vs composite (r = %(r)s)")
        % {"r": _r(correlations.get("mynumber_composite_prefecture"))},
        xaxis=_("My Number Card rate (%)"),
        yaxis=_("Composite deviation score"),
    )
    return render(
        request,
        "benchmarks/overview.html",
        {
            **selection.context(),
            "scores": scores,
            "area": area,
            "areas": [(a, AREA_LABELS[a]) for a in AREAS],
            "area_columns": [(a, AREA_SHORT[a], AREA_LABELS[a]) for a in AREAS],
            "areas_present": [AREA_LABELS[a] for a in _areas_present(scores)],
            "map_chart": map_chart,
            "bars": bars,
            "bar_rows": [
                (label, [by_year[series].get(value, {}).get(bar_area) for series in by_year])
                for value, label in size_classes.choices
            ],
            "bar_years": list(by_year),
            "comparable": comparable,
            "towns_scatter": towns_scatter,
            "card_scatter": card_scatter,
            "correlations": correlations,
            "behind": BEHIND,
        },
    )


def _r(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _one_decimal(number: float | None) -> str:
    return "—" if number is None else f"{number:.1f}"


def prefecture(request: HttpRequest, pref_code: str) -> HttpResponse:
    place = get_object_or_404(prefecture_list(), pref_code=pref_code)
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    towns_only = request.GET.get("towns") == "1"
    size_class = request.GET.get("size_class")
    sort = request.GET.get("sort", "")
    if sort not in selectors.MUNICIPAL_SORTS:
        sort = "rank"
    chosen = selectors.prefecture_municipal_scores(
        run=selection.run, prefecture=place, towns_only=towns_only, size_class=size_class, sort=sort
    )
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header = ["code", "name", *exports.MUNICIPAL_COLUMNS]
        table = exports.municipal_rows(chosen, exports.MUNICIPAL_COLUMNS)
        return download(
            request, selection=selection, header=header, rows=table, name=f"{pref_code}-municipalities", fmt=fmt
        )
    scores: list[MunicipalityScore] = list(chosen)
    # Rows prepared here: a template tag per cell makes a 179-municipality table several times slower.
    link = reverse("benchmarks:municipality", args=["000000"]).replace("000000/", "")
    notes = selectors.prefecture_score_notes(fiscal_year=selection.year, prefecture=place)
    query = f"?year={selection.year}&dataset={selection.dataset.pk}"
    full = max((s.composite_areas for s in scores), default=0)
    rows = [
        {
            "score": s,
            "fewer_areas": s.composite is not None and s.composite_areas < full,
            "url": f"{link}{s.municipality.code}/{query}",
            "devs": [(_one_decimal(d), d is not None and d < BEHIND) for d in (getattr(s, f"dev_{a}") for a in AREAS)],
            "composite": _one_decimal(s.composite),
            "peer_composite": _one_decimal(s.peer_composite),
            "behind": s.composite is not None and s.composite < BEHIND,
            "notes": notes.get(s.municipality_id, []),
        }
        for s in scores
    ]
    gap_values = selectors.gap_matrix_values(dataset=selection.dataset, prefecture=place)
    matrix = (
        charts.gap_heatmap(
            cells=gap_values,
            missing_labels=dict(Value.Missing.choices),
            done=_("done"),
            not_done=_("not done"),
            title=_("Which municipality has done which item"),
        )
        if gap_values
        else None
    )
    return render(
        request,
        "benchmarks/prefecture.html",
        {
            **selection.context(),
            "prefecture": place,
            "prefecture_score": selectors.prefecture_score(run=selection.run, prefecture=place),
            "scores": scores,
            "rows": rows,
            "any_fewer_areas": any(row["fewer_areas"] for row in rows),
            "areas": [(a, AREA_LABELS[a]) for a in AREAS],
            "area_columns": [(a, AREA_SHORT[a], AREA_LABELS[a]) for a in AREAS],
            "areas_present": [AREA_LABELS[a] for a in _areas_present(scores)],
            "towns_only": towns_only,
            "size_class": size_class,
            "size_classes": Municipality.SizeClass.choices,
            "sort": sort,
            "behind": BEHIND,
            "heatmap": matrix,
            "gaps": selectors.gap_counts(gap_values),
        },
    )


def municipality(request: HttpRequest, code: str) -> HttpResponse:
    place = get_object_or_404(municipality_list(), code=code)
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    score = selectors.municipality_score(run=selection.run, municipality=place)
    size_rates = selectors.size_class_area_rates(run=selection.run).get(place.size_class, {})
    prefecture_score = selectors.prefecture_score(run=selection.run, prefecture=place.prefecture)
    radar_areas = [a for a in AREAS if score and getattr(score, f"rate_{a}") is not None]
    radar = (
        charts.radar(
            # The short names (the table's headings): the long ones run off a phone's screen.
            axes=[AREA_SHORT[a] for a in radar_areas],
            series={
                place.name: [getattr(score, f"rate_{a}") for a in radar_areas],
                place.get_size_class_display(): [size_rates.get(a) for a in radar_areas],
                place.prefecture.name: [getattr(prefecture_score, f"rate_{a}", None) for a in radar_areas],
            },
            title=_("Area rates: %(name)s, its size class and its prefecture") % {"name": place.name},
        )
        if radar_areas
        else None
    )
    values = list(selectors.municipality_values(dataset=selection.dataset, municipality=place))
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return download(
            request,
            selection=selection,
            header=["indicator", "area", "name_ja", "value", "status", "missing"],
            rows=[
                [v.indicator.code, v.indicator.area, v.indicator.name_ja, v.value, v.status, v.missing] for v in values
            ],
            name=f"{place.code}-answers",
            fmt=fmt,
        )
    peer = selectors.item_rates(run=selection.run, level="size_class", group=place.size_class)
    next_steps = selectors.next_steps(values=values, peer_rates=peer)
    similar_form = SimilarForm.from_query(request.GET, prefecture=place.prefecture)
    similar = (
        selectors.similar_municipalities(
            run=selection.run,
            municipality=place,
            nationwide=similar_form.cleaned_data["similar"] == SimilarForm.NATION,
            size=similar_form.cleaned_data["similar_size"],
        )
        if similar_form.is_valid()
        else None
    )
    comparable = selectors.comparable_scores(published=selection.published)
    return render(
        request,
        "benchmarks/municipality.html",
        {
            "notes": selectors.municipality_score_notes(fiscal_year=selection.year, municipality=place),
            # The live layer scores the municipality's confirmed self-assessment (the assessments app): not
            # yet published national data, so only public-sector users see it.
            "live": live_result(municipality=place, beside=selection.published)
            if permissions.is_public_sector(request.user)
            else None,
            "can_annotate": permissions.can_annotate_scores(request.user, place.pk),
            "note_form": ScoreNoteForm(),
            "similar_form": similar_form,
            "similar": similar,
            **selection.context(),
            "municipality": place,
            "score": score,
            "ranked": selectors.ranked_municipalities(run=selection.run) if score else 0,
            "areas": [(a, AREA_LABELS[a]) for a in AREAS],
            "size_rates": size_rates,
            "prefecture_score": prefecture_score,
            "radar": radar,
            "values": values,
            "next_steps": next_steps,
            "history": selectors.municipality_history(municipality=place, comparable=comparable),
            "comparable": comparable,
            "small_group": SMALL_GROUP,
            "behind": BEHIND,
        },
        # A similar-municipality choice that makes no sense shows the page with the form's reason.
        status=400 if similar_form.errors else 200,
    )


def achievements(request: HttpRequest) -> HttpResponse:
    """The report's 図表4/8/12: per area and size class, municipalities that did all / none of its items."""
    selection = select_scores(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    size_labels = dict(Municipality.SizeClass.choices)
    areas = [
        {
            "area": AREA_LABELS[found.area],
            "items": found.items,
            "absent": found.absent,
            "of": len(found.items) + len(found.absent),
            "rows": [(size_labels.get(row.size_class, row.size_class), row) for row in found.rows],
            "total": found.total,
        }
        for found in selectors.area_achievements(run=selection.run)
    ]
    return render(request, "benchmarks/achievements.html", {**selection.context(), "areas": areas})
