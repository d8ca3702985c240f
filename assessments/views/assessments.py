"""Self-assessment pages: the list, the form, import and evidence, submission, review by the prefecture."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benchmarks.models import Area
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.downloads import FORMATS, table_response, workbook_response
from dx_platform.core.fiscal import FiscalYear, fiscal_year_allowed
from dx_platform.core.params import whole_number
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization
from dx_platform.organizations.selectors import prefecture_list

from .. import exports, selectors, services
from ..forms import AssessmentForm, AssessmentImportForm, ReviewForm
from ..models import Assessment


def organization_or_404(request: AuthenticatedRequest, code: str) -> tuple[Organization, Municipality]:
    """The municipality (and its organisation), if the user may read its assessments, KPIs and roadmaps."""
    organization = selectors.assessable_organization(user=request.user, code=code)
    if organization is None or organization.municipality is None:
        raise Http404(_("No such municipality among those whose assessments you may read."))
    return organization, organization.municipality


@login_required
def assessment_list(request: AuthenticatedRequest) -> HttpResponse:
    year = FiscalYear.current().year
    mine = selectors.member_organizations(user=request.user)
    return render(
        request,
        "assessments/list.html",
        {
            "organizations": mine,
            "assessments": selectors.assessment_list(user=request.user, organizations=mine),
            "prefectures": selectors.review_prefectures(user=request.user),
            "year": year,
            "fiscal_year": FiscalYear(year),
        },
    )


@login_required
def assessment_detail(request: AuthenticatedRequest, code: str, year: int) -> HttpResponse:
    if not fiscal_year_allowed(year):
        raise Http404
    organization, municipality = organization_or_404(request, code)
    assessment = selectors.assessment_for(user=request.user, municipality=municipality, fiscal_year=year)
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


def _assessment(request: AuthenticatedRequest, code: str, year: int) -> Assessment:
    if not fiscal_year_allowed(year):
        raise Http404
    _organization, municipality = organization_or_404(request, code)
    assessment = selectors.assessment_for(user=request.user, municipality=municipality, fiscal_year=year)
    if assessment is None:
        raise Http404
    return assessment


@login_required
@require_POST
def assessment_submit(request: AuthenticatedRequest, code: str, year: int) -> HttpResponse:
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
def assessment_import(request: AuthenticatedRequest, code: str, year: int) -> HttpResponse:
    """Answers from a file in the national survey's shape (as the page's download writes it)."""
    assessment = _assessment(request, code, year)
    form = AssessmentImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
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
def evidence_download(request: AuthenticatedRequest, code: str, year: int, item: str) -> FileResponse:
    assessment = _assessment(request, code, year)
    answer = selectors.evidence_answer(assessment=assessment, item=item)
    if answer is None:
        raise Http404
    return FileResponse(answer.evidence_file.open("rb"), as_attachment=True, filename=answer.evidence_name)


@login_required
@require_POST
def assessment_review(request: AuthenticatedRequest, code: str, year: int) -> HttpResponse:
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
def review_list(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    prefecture = get_object_or_404(prefecture_list(), pref_code=pref_code)
    if not permissions.can_coordinate(request.user, prefecture.pk):
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
        ids = [n for i in request.POST.getlist("assessment") if (n := whole_number(i)) is not None]
        chosen = selectors.assessments_chosen(user=request.user, prefecture=prefecture, ids=ids)
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
