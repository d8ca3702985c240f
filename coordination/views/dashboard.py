"""The workspace's home, a prefecture's dashboard, its gaps → joint action, a municipality's next steps."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from benchmarks.models import Area
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.organizations import permissions

from .. import charts, selectors
from ..forms import DashboardFilterForm
from .common import coordinated


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Where coordinators find their prefectures' workspaces, and municipalities their support and goals."""
    return render(
        request,
        "coordination/home.html",
        {
            "coordinated": selectors.coordinated_prefecture_list(user=request.user),
            "own": selectors.member_prefecture_list(user=request.user),
        },
    )


@login_required
def dashboard(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    prefecture = coordinated(request, pref_code)
    form = DashboardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    area = filters.get("area", "")
    board = selectors.prefecture_dashboard(
        user=request.user,
        prefecture=prefecture,
        towns_only=filters.get("towns", False),
        size_class=filters.get("size_class", ""),
        area=area,
    )
    label = dict(Area.choices).get(area, _("Composite deviation score"))
    rows = board.ranked
    chart = charts.municipality_map(
        pref_code=prefecture.pref_code,
        codes=[row.municipality.code for row in rows],
        values=[selectors.shown_value(row, area) for row in rows],
        names=[row.municipality.name for row in rows],
        geojson_url=static(f"geo/municipalities/{prefecture.pref_code}.geojson"),
        title=_("%(area)s by municipality") % {"area": label},
        colorbar=_("Deviation"),
    )
    return render(
        request,
        "coordination/dashboard.html",
        {
            "prefecture": prefecture,
            "board": board,
            "rows": rows,
            "area": area,
            "area_label": label,
            "form": form,
            "chart": chart,
        },
    )


@login_required
def gaps(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    """Items ranked by how many municipalities lack them; one item's lacking municipalities start a joint
    procurement or a shared goal, prefilled."""
    prefecture = coordinated(request, pref_code)
    chosen = request.GET.get("item", "")
    if request.method == "POST":
        codes = [c for c in request.POST.getlist("municipality") if c.isascii() and c.isdigit()]
        query = urlencode({"indicator": chosen, "municipalities": ",".join(codes)})
        if request.POST.get("start") == "procurement":
            return redirect(f"{reverse('community:procurement_create')}?{query}")
        return redirect(f"{reverse('coordination:goals', args=[pref_code])}?{query}")
    found = selectors.prefecture_gaps(user=request.user, prefecture=prefecture, item=chosen)
    return render(
        request,
        "coordination/gaps.html",
        {
            "prefecture": prefecture,
            "scores": found.scores,
            "counts": found.counts,
            "chosen": found.chosen,
            "chosen_name": found.chosen_name,
            "lacking": found.lacking,
        },
    )


@login_required
def next_steps(request: AuthenticatedRequest, code: str) -> HttpResponse:
    municipality = selectors.next_steps_municipality(user=request.user, code=code)
    if municipality is None:
        raise Http404(_("Only the municipality's members and its prefecture's coordinators see its next steps."))
    return render(
        request,
        "coordination/next_steps.html",
        {
            "municipality": municipality,
            "steps": selectors.next_best_steps(user=request.user, municipality=municipality),
            "coordinates": permissions.can_coordinate(request.user, municipality.prefecture_id),
        },
    )
