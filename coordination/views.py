"""The coordinator's workspace: dashboard, gaps → joint action, next steps, support cases, pool, goals, reports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarks.models import Area
from benchmarks.selectors import gap_counts
from dx_platform.core.params import int_param
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization, Prefecture

from . import charts, selectors, services
from .forms import (
    ActivityForm,
    AssignForm,
    CloseForm,
    DashboardFilterForm,
    DispatchForm,
    GoalForm,
    LinksForm,
    MilestoneForm,
    SpecialistForm,
    SupportRequestForm,
)
from .models import SKILLS, CouncilReport, SharedGoal, Specialist, SupportCase


def _coordinated(request: HttpRequest, pref_code: str) -> Prefecture:
    """The prefecture, if the user coordinates it (else 404: others do not learn what is there)."""
    prefecture = get_object_or_404(Prefecture, pref_code=pref_code)
    if not permissions.can_coordinate(request.user, prefecture.pk):
        raise Http404(_("Only the prefecture's coordinators open its workspace."))
    return prefecture


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where coordinators find their prefectures' workspaces, and municipalities their support and goals."""
    access = permissions.access_of(request.user)
    coordinated = Prefecture.objects.filter(pk__in=access.coordinated_prefecture_ids)
    if permissions.is_platform_staff(request.user):
        coordinated = Prefecture.objects.all()
    own = Prefecture.objects.filter(
        organizations__kind=Organization.Kind.MUNICIPALITY, organizations__in=list(access.roles)
    ).distinct()
    return render(request, "coordination/home.html", {"coordinated": coordinated, "own": own})


# --- dashboard -----------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest, pref_code: str) -> HttpResponse:
    prefecture = _coordinated(request, pref_code)
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
    rows = sorted(
        board.rows, key=lambda row: (selectors.shown_value(row, area) is None, selectors.shown_value(row, area) or 0)
    )
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


# --- gaps → joint action -------------------------------------------------------------------------


@login_required
def gaps(request: HttpRequest, pref_code: str) -> HttpResponse:
    """Items ranked by how many municipalities lack them; one item's lacking municipalities start a joint
    procurement or a shared goal, prefilled."""
    prefecture = _coordinated(request, pref_code)
    scores = selectors.latest_scores()
    values = selectors.gap_values(scores=scores, prefecture=prefecture) if scores else []
    counts = gap_counts(values)
    chosen = request.GET.get("item", "")
    lacking = [
        (code, name) for item, _n, code, name, value, missing in values if item == chosen and not missing and not value
    ]
    if request.method == "POST":
        codes = [c for c in request.POST.getlist("municipality") if c.isascii() and c.isdigit()]
        target = request.POST.get("start")
        query = urlencode({"indicator": chosen, "municipalities": ",".join(codes)})
        if target == "procurement":
            return redirect(f"{reverse('community:procurement_create')}?{query}")
        return redirect(f"{reverse('coordination:goals', args=[pref_code])}?{query}")
    return render(
        request,
        "coordination/gaps.html",
        {
            "prefecture": prefecture,
            "scores": scores,
            "counts": counts,
            "chosen": chosen,
            "chosen_name": next((n for item, n, *_rest in values if item == chosen), ""),
            "lacking": lacking,
        },
    )


# --- next best steps -----------------------------------------------------------------------------


@login_required
def next_steps(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.select_related("prefecture"), code=code)
    organization = Organization.objects.filter(municipality=municipality).first()
    if organization is None or not permissions.can_view_assessment(request.user, organization):
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


# --- support cases -------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    own = Organization.objects.filter(
        pk__in=permissions.own_organization_ids(request.user), kind=Organization.Kind.MUNICIPALITY
    ).select_related("municipality")
    return render(
        request,
        "coordination/case_list.html",
        {
            "cases": selectors.support_case_list(user=request.user),
            "can_raise": [o for o in own if permissions.can_raise_support_case(request.user, o)],
        },
    )


@login_required
def case_create(request: HttpRequest, code: str) -> HttpResponse:
    organization = get_object_or_404(Organization.objects.select_related("municipality"), municipality__code=code)
    if not permissions.can_raise_support_case(request.user, organization):
        raise PermissionDenied(_("Only the municipality's editors and administrators ask for support."))
    form = SupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.support_case_raise(
                municipality=organization.municipality, given=form.given(), by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your request was sent to the prefecture."))
            return redirect("coordination:case_detail", pk=case.pk)
    return render(
        request,
        "coordination/case_form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


def _case(request: HttpRequest, pk: int) -> SupportCase:
    case = selectors.support_case_list(user=request.user).filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such support case among those you may see."))
    return case


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    prefecture = case.municipality.prefecture
    coordinates = permissions.can_coordinate(request.user, prefecture.pk)
    forms = {
        "assign": AssignForm(prefecture=prefecture, initial={"specialist": case.specialist}),
        "activity": ActivityForm(),
        "dispatch": DispatchForm(initial={"worked_on": timezone.localdate()}),
        "links": LinksForm(case=case, initial={"kpis": case.kpis.all(), "initiatives": case.initiatives.all()}),
        "close": CloseForm(),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in forms:
            raise Http404
        if not (coordinates or (action == "activity" and permissions.can_log_support(request.user, case))):
            raise PermissionDenied(_("Only the prefecture's coordinators manage support cases."))
        bound = {
            "assign": lambda: AssignForm(request.POST, prefecture=prefecture),
            "links": lambda: LinksForm(request.POST, case=case),
        }.get(action, lambda: type(forms[action])(request.POST))()
        forms[action] = bound
        if bound.is_valid():
            try:
                _act(action, case, bound, request)
            except ValidationError as exc:
                bound.add_error(None, exc)
            else:
                return redirect("coordination:case_detail", pk=case.pk)
        status = 400
    return render(
        request,
        "coordination/case_detail.html",
        {
            "case": case,
            "coordinates": coordinates,
            "can_log": permissions.can_log_support(request.user, case),
            "forms": forms,
            "matches": selectors.matching_specialists(case=case) if coordinates else [],
            "activities": case.activities.select_related("recorded_by"),
            "dispatches": case.dispatches.select_related("specialist"),
        },
        status=status,
    )


def _act(action: str, case: SupportCase, form: object, request: HttpRequest) -> None:
    data = form.cleaned_data
    user = request.user
    if action == "assign":
        services.support_case_assign(case=case, specialist=data["specialist"], by=user)
        messages.success(request, _("The specialist was assigned; the municipality was told."))
    elif action == "activity":
        services.support_activity_log(case=case, given=form.given(), by=user)
        messages.success(request, _("The activity was logged."))
    elif action == "dispatch":
        services.dispatch_record(case=case, worked_on=data["worked_on"], days=data["days"], by=user)
        messages.success(request, _("The days were recorded."))
    elif action == "links":
        services.support_case_links(case=case, kpis=list(data["kpis"]), initiatives=list(data["initiatives"]), by=user)
        messages.success(request, _("The links were saved."))
    else:
        services.support_case_close(case=case, outcome=data["outcome"], by=user)
        messages.success(request, _("The case was closed; the municipality was told."))


# --- the specialist pool -------------------------------------------------------------------------


@login_required
def specialists(request: HttpRequest, pref_code: str) -> HttpResponse:
    prefecture = _coordinated(request, pref_code)
    editing = None
    if (pk := int_param(request, "edit")) is not None:
        editing = get_object_or_404(Specialist, pk=pk, prefecture=prefecture)
    form = SpecialistForm(request.POST or None, prefecture=prefecture, initial=_specialist_initial(editing))
    if request.method == "POST" and form.is_valid():
        try:
            services.specialist_save(prefecture=prefecture, given=form.given(), by=request.user, specialist=editing)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The specialist was saved."))
            return redirect("coordination:specialists", pref_code=pref_code)
    return render(
        request,
        "coordination/specialists.html",
        {
            "prefecture": prefecture,
            "pool": selectors.specialist_list(user=request.user, prefecture=prefecture),
            "load": selectors.pool_load(user=request.user, prefecture=prefecture),
            "form": form,
            "editing": editing,
            "skill_labels": dict(SKILLS),
        },
        status=400 if form.errors else 200,
    )


def _specialist_initial(specialist: Specialist | None) -> dict[str, object]:
    if specialist is None:
        return {"active": True}
    return {
        "name": specialist.name,
        "kind": specialist.kind,
        "affiliation": specialist.affiliation,
        "user": specialist.user.email if specialist.user else "",
        "skills": specialist.skills,
        "days_per_month": specialist.days_per_month,
        "municipalities": specialist.municipalities.all(),
        "active": specialist.active,
    }


# --- shared goals --------------------------------------------------------------------------------


@login_required
def goals(request: HttpRequest, pref_code: str) -> HttpResponse:
    prefecture = get_object_or_404(Prefecture, pref_code=pref_code)
    if not permissions.can_view_shared_goals(request.user, prefecture.pk):
        raise Http404(_("Only the prefecture's coordinators and municipalities see its shared goals."))
    coordinates = permissions.can_coordinate(request.user, prefecture.pk)
    initial = {}
    if request.GET.get("indicator"):
        initial["indicators"] = list(GoalForm().fields["indicators"].queryset.filter(code=request.GET["indicator"]))
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not coordinates:
            raise PermissionDenied(_("Only the prefecture's coordinators set shared goals."))
        if form.is_valid():
            try:
                goal = services.shared_goal_save(prefecture=prefecture, given=form.given(), by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The shared goal was set."))
                return redirect("coordination:goal", pk=goal.pk)
    listed = selectors.goals_progress(goals=list(selectors.shared_goal_list(user=request.user, prefecture=prefecture)))
    return render(
        request,
        "coordination/goals.html",
        {"prefecture": prefecture, "goals": listed, "form": form if coordinates else None},
        status=400 if form.errors else 200,
    )


@login_required
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(SharedGoal.objects.select_related("prefecture"), pk=pk)
    if not permissions.can_view_shared_goals(request.user, goal.prefecture_id):
        raise Http404
    own = [
        o.municipality
        for o in Organization.objects.filter(
            pk__in=permissions.own_organization_ids(request.user), municipality__prefecture_id=goal.prefecture_id
        ).select_related("municipality")
        if permissions.can_write_for(request.user, o)
    ]
    form = MilestoneForm(request.POST or None)
    if request.method == "POST":
        code = request.POST.get("municipality", "")
        municipality = next((m for m in own if m.code == code), None)
        if municipality is None and permissions.can_coordinate(request.user, goal.prefecture_id):
            municipality = Municipality.objects.filter(code=code, prefecture_id=goal.prefecture_id).first()
        if municipality is None:
            raise PermissionDenied(_("Only the municipality's editors and administrators set its date."))
        if form.is_valid():
            try:
                services.goal_milestone_set(goal=goal, municipality=municipality, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your date was saved."))
                return redirect("coordination:goal", pk=goal.pk)
    return render(
        request,
        "coordination/goal_detail.html",
        {
            "goal": goal,
            "progress": selectors.goal_progress(goal=goal),
            "own": own,
            "form": form,
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


# --- council reports -----------------------------------------------------------------------------


@login_required
def reports(request: HttpRequest, pref_code: str) -> HttpResponse:
    prefecture = _coordinated(request, pref_code)
    if request.method == "POST":
        report = services.council_report_request(prefecture=prefecture, by=request.user)
        return redirect("coordination:report", pk=report.pk)
    return render(
        request,
        "coordination/reports.html",
        {"prefecture": prefecture, "reports": CouncilReport.objects.filter(prefecture=prefecture)[:20]},
    )


def _report(request: HttpRequest, pk: int) -> CouncilReport:
    report = get_object_or_404(CouncilReport.objects.select_related("prefecture"), pk=pk)
    if not permissions.can_coordinate(request.user, report.prefecture_id):
        raise Http404
    return report


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "coordination/report_detail.html", {"report": _report(request, pk)})


@login_required
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    report = _report(request, pk)
    return JsonResponse(
        {
            "progress": report.progress,
            "status_label": report.get_status_display(),
            "done": report.finished,
        }
    )


@login_required
def report_download(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    report = _report(request, pk)
    file = {"pdf": report.pdf, "xlsx": report.xlsx}.get(kind)
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])
