"""Self-assessment pages: the form, submission, review by the prefecture."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from benchmarks.models import Area
from dx_platform.core.downloads import FORMATS, table_response, workbook_response
from dx_platform.core.fiscal import FiscalYear, fiscal_year_allowed
from dx_platform.core.params import whole_number
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization, Prefecture

from . import charts, exports, selectors, services
from .forms import (
    AssessmentForm,
    AssessmentImportForm,
    InitiativeForm,
    KpiForm,
    MeasurementForm,
    MeasurementUploadForm,
    MilestoneForm,
    ReviewForm,
    RoadmapForm,
)
from .models import Assessment, Initiative, Kpi, Roadmap


def _organization(request: HttpRequest, code: str) -> Organization:
    """The municipality's organisation, if the user may read its assessments (else 404)."""
    organization = (
        Organization.objects.filter(permissions.assessable_organizations(request.user), municipality__code=code)
        .select_related("municipality", "municipality__prefecture")
        .first()
    )
    if organization is None:
        raise Http404(_("No such municipality among those whose assessments you may read."))
    return organization


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    year = FiscalYear.current().year
    mine = Organization.objects.filter(
        permissions.assessable_organizations(request.user), memberships__user=request.user
    ).select_related("municipality")
    coordinated = Prefecture.objects.filter(pk__in=permissions.access_of(request.user).coordinated_prefecture_ids)
    return render(
        request,
        "assessments/list.html",
        {
            "organizations": mine,
            "assessments": selectors.assessment_list(user=request.user).filter(municipality__organization__in=mine),
            "prefectures": coordinated,
            "year": year,
            "fiscal_year": FiscalYear(year),
        },
    )


@login_required
def assessment_detail(request: HttpRequest, code: str, year: int) -> HttpResponse:
    if not fiscal_year_allowed(year):
        raise Http404
    organization = _organization(request, code)
    municipality = organization.municipality
    assessment = Assessment.objects.filter(municipality=municipality, fiscal_year=year).first()
    can_edit = permissions.can_edit_assessment(request.user, organization)
    if assessment is None:
        if request.method == "POST":
            if not can_edit:
                raise PermissionDenied(_("Only the municipality's editors and administrators start an assessment."))
            try:
                services.assessment_start(municipality=municipality, fiscal_year=year, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("assessments:detail", code=code, year=year)
        return render(
            request,
            "assessments/not_started.html",
            {"organization": organization, "fiscal_year": FiscalYear(year), "year": year, "can_edit": can_edit},
        )
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header, rows = exports.answers_table([assessment])
        return table_response(header=header, rows=rows, filename=f"{code}-assessment-{year}", fmt=fmt)
    answers = selectors.answers_of(assessment=assessment)
    editable = can_edit and assessment.editable
    form = AssessmentForm(
        *((request.POST, request.FILES) if request.method == "POST" else ()),
        answers=answers,
        initial={"version": assessment.version},
    )
    stale = None
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("This assessment cannot be edited now."))
        if form.is_valid():
            try:
                services.assessment_save(
                    assessment=assessment, answers=form.inputs(), version=form.cleaned_data["version"], by=request.user
                )
            except services.StaleAssessment as exc:
                stale, status = exc.changed, 409
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, _("Saved."))
                return redirect("assessments:detail", code=code, year=year)
        else:
            status = 400
    return render(
        request,
        "assessments/detail.html",
        {
            "organization": organization,
            "assessment": assessment,
            "fiscal_year": FiscalYear(year),
            "form": form,
            "areas": Area.choices,
            "editable": editable,
            "stale": stale,
            "can_submit": permissions.can_submit_assessment(request.user, organization) and assessment.editable,
            "can_review": permissions.can_review_assessment(request.user, organization)
            and assessment.status == Assessment.Status.SUBMITTED,
            "missing": services.missing_items(assessment),
            "history": selectors.history(assessment=assessment),
            "review_form": ReviewForm(),
            "import_form": AssessmentImportForm(initial={"version": assessment.version}),
            "formats": FORMATS,
        },
        status=status,
    )


def _assessment(request: HttpRequest, code: str, year: int) -> Assessment:
    if not fiscal_year_allowed(year):
        raise Http404
    organization = _organization(request, code)
    return get_object_or_404(Assessment, municipality=organization.municipality, fiscal_year=year)


@login_required
@require_POST
def assessment_submit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    assessment = _assessment(request, code, year)
    try:
        services.assessment_submit(
            assessment=assessment, by=request.user, accept_missing=request.POST.get("accept_missing") == "1"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Submitted to the prefecture."))
    return redirect("assessments:detail", code=code, year=year)


@login_required
@require_POST
def assessment_import(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Answers from a file in the national survey's shape (as the page's download writes it)."""
    assessment = _assessment(request, code, year)
    form = AssessmentImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("assessments:detail", code=code, year=year)
    upload = form.cleaned_data["file"]
    try:
        count = services.assessment_import(
            assessment=assessment,
            data=upload.read(),
            file_name=upload.name or "upload.csv",
            version=form.cleaned_data["version"],
            by=request.user,
        )
    except services.StaleAssessment:
        messages.error(request, _("Someone saved the assessment after you opened it; nothing was imported."))
    except ValidationError as exc:
        problems = exc.messages
        shown = "; ".join(problems[:20]) + (
            _(" … and %(n)d more") % {"n": len(problems) - 20} if len(problems) > 20 else ""
        )
        messages.error(request, _("Nothing was imported: %(problems)s") % {"problems": shown})
    else:
        messages.success(request, _("%(n)d answers imported.") % {"n": count})
    return redirect("assessments:detail", code=code, year=year)


@login_required
def evidence_download(request: HttpRequest, code: str, year: int, item: str) -> FileResponse:
    assessment = _assessment(request, code, year)
    answer = get_object_or_404(assessment.answers.exclude(evidence_file=""), indicator__code=item)
    return FileResponse(answer.evidence_file.open("rb"), as_attachment=True, filename=answer.evidence_name)


@login_required
@require_POST
def assessment_review(request: HttpRequest, code: str, year: int) -> HttpResponse:
    assessment = _assessment(request, code, year)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_review(
                assessment=assessment,
                by=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The municipality was notified."))
    return redirect("assessments:detail", code=code, year=year)


@login_required
def review_list(request: HttpRequest, pref_code: str) -> HttpResponse:
    prefecture = get_object_or_404(Prefecture, pref_code=pref_code)
    if (
        not permissions.is_platform_staff(request.user)
        and prefecture.pk not in permissions.access_of(request.user).coordinated_prefecture_ids
    ):
        raise PermissionDenied(_("Only the prefecture's coordinators review its municipalities."))
    given = request.GET.get("year", "")
    # Four digits at most: int() refuses strings of thousands of digits.
    year = (
        int(given)
        if given.isascii() and given.isdigit() and len(given) <= 4 and fiscal_year_allowed(int(given))
        else FiscalYear.current().year
    )
    towns_only = request.GET.get("towns") == "1"
    if request.method == "POST":
        form = ReviewForm(request.POST)
        ids = [int(i) for i in request.POST.getlist("assessment") if i.isascii() and i.isdigit()]
        chosen = list(
            selectors.assessment_list(user=request.user).filter(pk__in=ids, municipality__prefecture=prefecture)
        )
        if form.is_valid() and chosen:
            try:
                count = services.assessments_review_bulk(
                    assessments=chosen,
                    by=request.user,
                    confirm=form.cleaned_data["decision"] == "confirm",
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("%(n)d assessments reviewed; the municipalities were notified.") % {"n": count}
                )
        else:
            messages.error(request, _("Choose at least one submitted assessment and a decision."))
        return redirect(f"{request.path}?year={year}" + ("&towns=1" if towns_only else ""))
    rows = selectors.review_rows(
        user=request.user, prefecture_id=prefecture.pk, fiscal_year=year, towns_only=towns_only
    )
    if request.GET.get("format") == "xlsx":
        return workbook_response(
            sheets={
                "municipalities": exports.rollup_table(rows),
                "answers": exports.answers_table([row["assessment"] for row in rows if row["assessment"]]),
            },
            filename=f"{pref_code}-assessments-{year}",
        )
    return render(
        request,
        "assessments/review.html",
        {
            "prefecture": prefecture,
            "rows": rows,
            "year": year,
            "fiscal_year": FiscalYear(year),
            "towns_only": towns_only,
            "form": ReviewForm(),
        },
    )


# --- KPIs ----------------------------------------------------------------------------------------

STATUS_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "off_track": gettext_lazy("Off track"),
    "no_data": gettext_lazy("No measurement yet"),
}


@login_required
def kpi_list(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code)
    municipality = organization.municipality
    can_edit = permissions.can_edit_assessment(request.user, organization)
    listed = selectors.kpi_list(user=request.user, municipality=municipality)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header, rows = exports.kpi_table(listed)
        return table_response(header=header, rows=rows, filename=f"{code}-kpis", fmt=fmt)
    form = KpiForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators manage KPIs."))
        if form.is_valid():
            try:
                kpi = services.kpi_save(municipality=municipality, given=form.given(), by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The KPI was created."))
                return redirect("assessments:kpi", pk=kpi.pk)
    return render(
        request,
        "assessments/kpi_list.html",
        {
            "organization": organization,
            "kpis": [(kpi, status, STATUS_LABELS[status.code]) for kpi, status in listed],
            "form": form if can_edit else None,
            "formats": FORMATS,
        },
        status=400 if form.errors else 200,
    )


def _kpi(request: HttpRequest, pk: int) -> Kpi:
    kpi = selectors.kpi_for(user=request.user, pk=pk)
    if kpi is None:
        raise Http404(_("No such KPI among those you may read."))
    return kpi


@login_required
def kpi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = _kpi(request, pk)
    organization = Organization.objects.get(municipality=kpi.municipality)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    edit_form = KpiForm(instance=kpi, municipality=kpi.municipality)
    measurement_form = MeasurementForm()
    upload_form = MeasurementUploadForm()
    status_code = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators manage KPIs."))
        action = request.POST.get("action")
        try:
            if action == "measure":
                measurement_form = MeasurementForm(request.POST)
                if measurement_form.is_valid():
                    services.measurement_add(kpi=kpi, by=request.user, **measurement_form.cleaned_data)
                    messages.success(request, _("The measurement was recorded."))
                    return redirect("assessments:kpi", pk=kpi.pk)
            elif action == "upload":
                upload_form = MeasurementUploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    upload = upload_form.cleaned_data["file"]
                    count = services.measurements_import(
                        kpi=kpi, data=upload.read(), file_name=upload.name or "upload.csv", by=request.user
                    )
                    messages.success(request, _("%(n)d measurements imported.") % {"n": count})
                    return redirect("assessments:kpi", pk=kpi.pk)
            else:
                edit_form = KpiForm(request.POST, instance=kpi, municipality=kpi.municipality)
                if edit_form.is_valid():
                    services.kpi_save(municipality=kpi.municipality, given=edit_form.given(), by=request.user, kpi=kpi)
                    messages.success(request, _("The KPI was saved."))
                    return redirect("assessments:kpi", pk=kpi.pk)
        except ValidationError as exc:
            form = {"measure": measurement_form, "upload": upload_form}.get(action or "", edit_form)
            form.add_error(None, exc)
        status_code = 400
    kpi.refresh_from_db()
    status = selectors.kpi_status(kpi)
    measurements = list(kpi.measurements.all())
    chart = charts.kpi_trend(
        dates=[m.measured_on for m in measurements],
        values=[m.value for m in measurements],
        baseline=(kpi.baseline_date, kpi.baseline_value),
        target=(kpi.target_date, kpi.target_value),
        today=timezone.localdate(),
        labels={"plan": _("Plan"), "measured": _("Measured"), "title": kpi.name, "unit": kpi.unit},
    )
    return render(
        request,
        "assessments/kpi_detail.html",
        {
            "kpi": kpi,
            "organization": organization,
            "status": status,
            "status_label": STATUS_LABELS[status.code],
            "progress_percent": None if status.progress is None else round(100 * status.progress),
            "measurements": measurements,
            "chart": chart,
            "can_edit": can_edit,
            "edit_form": edit_form,
            "measurement_form": measurement_form,
            "upload_form": upload_form,
        },
        status=status_code,
    )


# --- roadmaps ------------------------------------------------------------------------------------


@login_required
def roadmap_list(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    roadmaps = selectors.roadmap_list(user=request.user, municipality=organization.municipality)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        header, rows = exports.roadmap_table(list(roadmaps))
        return table_response(header=header, rows=rows, filename=f"{code}-roadmaps", fmt=fmt)
    form = RoadmapForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators change the roadmap."))
        if form.is_valid():
            try:
                roadmap = services.roadmap_save(
                    municipality=organization.municipality,
                    given=form.given(),
                    by=request.user,
                    template=form.cleaned_data["template"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The roadmap was created."))
                return redirect("assessments:roadmap", pk=roadmap.pk)
    return render(
        request,
        "assessments/roadmap_list.html",
        {
            "organization": organization,
            "roadmaps": roadmaps,
            "form": form if can_edit else None,
            "formats": FORMATS,
        },
        status=400 if form.errors else 200,
    )


def _roadmap(request: HttpRequest, pk: int) -> tuple[Roadmap, Organization]:
    roadmap = selectors.roadmap_for(user=request.user, pk=pk)
    if roadmap is None:
        raise Http404(_("No such roadmap among those you may read."))
    return roadmap, Organization.objects.get(municipality=roadmap.municipality)


@login_required
def roadmap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, organization = _roadmap(request, pk)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    form = InitiativeForm(municipality=roadmap.municipality)
    status_code = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators change the roadmap."))
        if request.POST.get("action") == "check":
            try:
                services.step_check_set(
                    roadmap=roadmap,
                    item=request.POST.get("item", ""),
                    checked=request.POST.get("checked") == "1",
                    by=request.user,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                return redirect("assessments:roadmap", pk=roadmap.pk)
        else:
            form = InitiativeForm(request.POST, municipality=roadmap.municipality)
        if form.is_bound and form.is_valid():
            try:
                services.initiative_save(roadmap=roadmap, given=form.given(), by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The initiative was added."))
                return redirect("assessments:roadmap", pk=roadmap.pk)
        status_code = 400
    overview = selectors.roadmap_overview(roadmap=roadmap, today=timezone.localdate())
    chart = charts.gantt(
        rows=overview.rows,
        today=timezone.localdate(),
        labels={"initiatives": _("Initiatives"), "milestones": _("Milestones"), "title": roadmap.title},
    )
    return render(
        request,
        "assessments/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "organization": organization,
            "overview": overview,
            "chart": chart,
            "can_edit": can_edit,
            "form": form,
        },
        status=status_code,
    )


@login_required
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(Initiative.objects.select_related("roadmap"), pk=pk)
    roadmap, organization = _roadmap(request, initiative.roadmap_id)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    edit_form = InitiativeForm(
        municipality=roadmap.municipality,
        initial={
            "title": initiative.title,
            "area": initiative.area,
            "indicators": initiative.indicators.all(),
            "owner": initiative.owner,
            "starts_on": initiative.starts_on,
            "ends_on": initiative.ends_on,
            "status": initiative.status,
        },
    )
    milestone_form = MilestoneForm()
    status_code = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators change the roadmap."))
        action = request.POST.get("action")
        try:
            if action == "milestone":
                milestone_form = MilestoneForm(request.POST)
                if milestone_form.is_valid():
                    milestone = None
                    if given := request.POST.get("milestone", ""):
                        # A milestone named by junk is no milestone of this initiative, not a new one.
                        milestone = get_object_or_404(initiative.milestones, pk=whole_number(given) or 0)
                    services.milestone_save(
                        initiative=initiative, by=request.user, milestone=milestone, **milestone_form.cleaned_data
                    )
                    return redirect("assessments:initiative", pk=initiative.pk)
            else:
                edit_form = InitiativeForm(request.POST, municipality=roadmap.municipality)
                if edit_form.is_valid():
                    services.initiative_save(
                        roadmap=roadmap, given=edit_form.given(), by=request.user, initiative=initiative
                    )
                    messages.success(request, _("The initiative was saved."))
                    return redirect("assessments:roadmap", pk=roadmap.pk)
        except ValidationError as exc:
            (milestone_form if action == "milestone" else edit_form).add_error(None, exc)
        status_code = 400
    today = timezone.localdate()
    return render(
        request,
        "assessments/initiative_detail.html",
        {
            "initiative": initiative,
            "roadmap": roadmap,
            "organization": organization,
            "can_edit": can_edit,
            "edit_form": edit_form,
            "milestone_form": milestone_form,
            "milestones": [(m, m.done_on is None and m.due_on < today) for m in initiative.milestones.all()],
        },
        status=status_code,
    )
