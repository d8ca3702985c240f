"""The workspace's home, a prefecture's dashboard, its gaps → joint action, a municipality's next steps."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.selectors import survey_window as window_of
from assessments.services import survey_window_set
from benchmarks.models import Area
from dx_platform.core.actions import act
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions

from .. import charts, selectors, services
from ..forms import DashboardFilterForm, SurveyWindowForm
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
            "points": selectors.POINTS,
            "shortfall": selectors.SHORTFALL,
            "fall": selectors.FALL,
        },
    )


@login_required
def survey_window(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    """The prefecture sets when its municipalities answer this fiscal year's survey."""
    prefecture = coordinated(request, pref_code)
    year = FiscalYear.current()
    window = window_of(prefecture_id=prefecture.pk, fiscal_year=year.year)
    initial: dict[str, object] = {"fiscal_year": year.year}
    if window:
        initial |= {"opens_on": window.opens_on, "closes_on": window.closes_on}
    form = SurveyWindowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            survey_window_set(prefecture=prefecture, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The survey window is saved."))
            return redirect("coordination:dashboard", pref_code=pref_code)
    return render(
        request,
        "coordination/survey_window.html",
        {"prefecture": prefecture, "form": form, "year": year, "window": window},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def remind(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Remind a municipality to submit its self-assessment (at most once a week), back to the dashboard."""
    organization = selectors.municipality_organization(code=code)
    if organization is None or organization.municipality is None:
        raise Http404
    municipality = organization.municipality
    return act(
        request,
        lambda: services.assessment_reminder_send(municipality=municipality, by=request.user),
        _("Reminder sent to %(name)s.") % {"name": municipality.name},
        reverse("coordination:dashboard", args=[municipality.prefecture.pref_code]) + "#attention-heading",
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
