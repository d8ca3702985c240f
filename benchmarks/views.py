"""Benchmark pages: the nation, a prefecture, a municipality. National data is public."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dx_platform.core.downloads import FORMATS, table_response
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.params import int_param
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Prefecture
from dx_platform.organizations.selectors import municipality_list

from . import charts, exports, selectors
from .forms import ScoreNoteForm, SurveyUploadForm
from .models import Area, Dataset, ScoreNote, ScoreRun, Value
from .scoring import AREAS, COMPOSITE_AREAS, SMALL_GROUP
from .services import imports, notes

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


@dataclass
class Selection:
    """The fiscal year and dataset a page shows, and its published run."""

    years: list[int]
    year: int
    datasets: list[Dataset]
    dataset: Dataset
    run: ScoreRun

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


def _select(request: HttpRequest) -> Selection | None:
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


def _areas_present(scores: list[Any]) -> list[str]:
    """The composite areas this dataset has data for (the page says which the composite rests on)."""
    return [area for area in COMPOSITE_AREAS if any(getattr(s, f"dev_{area}") is not None for s in scores)]


def overview(request: HttpRequest) -> HttpResponse:
    selection = _select(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header, rows = exports.score_table(run=selection.run, level="prefecture")
        return table_response(header=header, rows=rows, filename=f"prefectures-{selection.file_stem}", fmt=fmt)
    area = request.GET.get("area") if request.GET.get("area") in AREAS else "composite"
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
    # Each year's series names its dataset: the shown year uses the chosen one, others their default.
    by_year: dict[str, dict[str, dict[str, float | None]]] = {}
    for year in sorted(selection.years):
        published = (
            selectors.Published(selection.dataset, selection.run)
            if year == selection.year
            else selectors.published_scores(fiscal_year=year)
        )
        if published:
            by_year[f"{FiscalYear(year)} {published.dataset.get_origin_display()}"] = selectors.size_class_area_rates(
                run=published.run
            )
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
                (label, [rates.get(value, {}).get(bar_area) for rates in by_year.values()])
                for value, label in size_classes.choices
            ],
            "bar_years": list(by_year),
            "towns_scatter": towns_scatter,
            "card_scatter": card_scatter,
            "correlations": correlations,
            "behind": BEHIND,
        },
    )


def _r(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


SORTS = {
    "rank": ("rank", "municipality__code"),
    "-rank": ("-rank", "municipality__code"),
    "code": ("municipality__code",),
    **{f"dev_{area}": (f"-dev_{area}", "municipality__code") for area in AREAS},
    "peer": ("peer_rank", "municipality__code"),
}


def prefecture(request: HttpRequest, pref_code: str) -> HttpResponse:
    place = get_object_or_404(Prefecture, pref_code=pref_code)
    selection = _select(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    scores = selectors.municipality_scores(run=selection.run).filter(municipality__prefecture=place)
    towns_only = request.GET.get("towns") == "1"
    if towns_only:
        scores = scores.filter(municipality__kind__in=[Municipality.Kind.TOWN, Municipality.Kind.VILLAGE])
    size_class = request.GET.get("size_class")
    if size_class in Municipality.SizeClass.values:
        scores = scores.filter(municipality__size_class=size_class)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "rank"
    scores = scores.order_by(*SORTS[sort])
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header = ["code", "name", *exports.MUNICIPAL_COLUMNS]
        rows = exports.municipal_rows(scores, exports.MUNICIPAL_COLUMNS)
        return table_response(
            header=header, rows=rows, filename=f"{pref_code}-municipalities-{selection.file_stem}", fmt=fmt
        )
    scores = list(scores)
    # Rows prepared here: a template tag per cell makes a 179-municipality table several times slower.
    link = reverse("benchmarks:municipality", args=["000000"]).replace("000000/", "")
    notes = selectors.score_notes(
        fiscal_year=selection.year, municipalities=Municipality.objects.filter(prefecture=place)
    )
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
            "prefecture_score": selection.run.prefectural_scores.filter(prefecture=place).first(),
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


def _live_result(place: Municipality) -> dict[str, Any] | None:
    """The live layer comes from the assessments app (its confirmed self-assessments); it is not yet
    published national data, so only public-sector users see it."""
    from assessments.selectors import live_result

    return live_result(municipality=place)


def _one_decimal(number: float | None) -> str:
    return "—" if number is None else f"{number:.1f}"


def municipality(request: HttpRequest, code: str) -> HttpResponse:
    place = get_object_or_404(municipality_list(), code=code)
    selection = _select(request)
    if selection is None:
        return render(request, "benchmarks/empty.html")
    score = selection.run.municipal_scores.filter(municipality=place).first()
    size_rates = selectors.size_class_area_rates(run=selection.run).get(place.size_class, {})
    prefecture_score = selection.run.prefectural_scores.filter(prefecture=place.prefecture).first()
    radar_areas = [a for a in AREAS if score and getattr(score, f"rate_{a}") is not None]
    radar = (
        charts.radar(
            axes=[AREA_LABELS[a] for a in radar_areas],
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
        return table_response(
            header=["indicator", "area", "name_ja", "value", "status", "missing"],
            rows=[
                [v.indicator.code, v.indicator.area, v.indicator.name_ja, v.value, v.status, v.missing] for v in values
            ],
            filename=f"{place.code}-answers-{selection.file_stem}",
            fmt=fmt,
        )
    peer = selectors.item_rates(run=selection.run, level="size_class", group=place.size_class)
    next_steps = selectors.next_steps(values=values, peer_rates=peer)
    notes = selectors.score_notes(fiscal_year=selection.year, municipalities=Municipality.objects.filter(pk=place.pk))
    same_prefecture = request.GET.get("similar") == "prefecture"
    similar = selectors.similar_municipalities(run=selection.run, municipality=place, same_prefecture=same_prefecture)
    return render(
        request,
        "benchmarks/municipality.html",
        {
            "notes": notes.get(place.pk, []),
            "live": _live_result(place) if permissions.is_public_sector(request.user) else None,
            "can_annotate": permissions.can_annotate_scores(request.user, place.pk),
            "note_form": ScoreNoteForm(),
            "similar": similar,
            "similar_small": len(similar) < SMALL_GROUP,
            "same_prefecture": same_prefecture,
            **selection.context(),
            "municipality": place,
            "score": score,
            "areas": [(a, AREA_LABELS[a]) for a in AREAS],
            "size_rates": size_rates,
            "prefecture_score": prefecture_score,
            "radar": radar,
            "values": values,
            "next_steps": next_steps,
            "history": selectors.municipality_history(municipality=place),
            "small_group": SMALL_GROUP,
            "behind": BEHIND,
        },
    )


def dataset_list(request: HttpRequest) -> HttpResponse:
    """All national datasets with their origin and source; staff upload new ones here."""
    return render(
        request,
        "benchmarks/dataset_list.html",
        {
            "datasets": selectors.dataset_list().order_by("-catalog__fiscal_year", "-imported_at"),
            "can_import": permissions.can_import_national_data(request.user),
        },
    )


@login_required
def dataset_upload(request: HttpRequest) -> HttpResponse:
    if not permissions.can_import_national_data(request.user):
        raise PermissionDenied(_("Only platform staff import national survey files."))
    form = SurveyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dataset, created = imports.dataset_upload(
                upload=data["file"],
                fiscal_year=data["fiscal_year"].fiscal_year,
                name=data["name"],
                source=data["source"],
                origin=data["origin"],
                by=request.user,
                supersedes=data["supersedes"],
            )
        except imports.SurveyFileError as exc:
            form.add_error(None, exc.errors)
        else:
            if not created:
                messages.info(request, _("This file was imported before; nothing was imported again."))
            return redirect("benchmarks:dataset", pk=dataset.pk)
    return render(request, "benchmarks/dataset_upload.html", {"form": form}, status=400 if form.errors else 200)


def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(selectors.dataset_list(), pk=pk)
    return render(
        request,
        "benchmarks/dataset_detail.html",
        {
            "dataset": dataset,
            "progress": imports.dataset_progress(dataset=dataset),
            "published": selectors.published_scores(fiscal_year=dataset.catalog.fiscal_year, dataset_id=dataset.pk),
            "changes": dataset.changes[:500],
        },
    )


def dataset_progress(request: HttpRequest, pk: int) -> JsonResponse:
    dataset = get_object_or_404(selectors.dataset_list(), pk=pk)
    return JsonResponse(
        {
            "status": dataset.status,
            "status_label": dataset.get_status_display(),
            "progress": imports.dataset_progress(dataset=dataset),
            "done": dataset.status in (Dataset.Status.READY, Dataset.Status.FAILED),
        }
    )


@login_required
@require_POST
def note_add(request: HttpRequest, code: str) -> HttpResponse:
    place = get_object_or_404(Municipality, code=code)
    form = ScoreNoteForm(request.POST)
    if form.is_valid():
        try:
            notes.score_note_add(
                municipality=place,
                fiscal_year=form.cleaned_data["fiscal_year"],
                area=form.cleaned_data["area"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The note was added; it shows wherever this score does."))
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    year = form.cleaned_data.get("fiscal_year", "") if form.is_valid() else ""
    return redirect(f"{reverse('benchmarks:municipality', args=[code])}?year={year}")


@login_required
@require_POST
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(ScoreNote.objects.select_related("municipality"), pk=pk)
    notes.score_note_delete(note=note, by=request.user)
    messages.success(request, _("The note was removed."))
    return redirect(f"{reverse('benchmarks:municipality', args=[note.municipality.code])}?year={note.fiscal_year}")
