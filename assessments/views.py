"""Self-assessment pages: the form, submission, review by the prefecture."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from benchmarks.models import Area
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization, Prefecture

from . import selectors, services
from .forms import AssessmentForm, ReviewForm
from .models import Assessment


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


# The era calendar FiscalYear shows starts in FY1989; nobody starts an assessment years ahead.
FIRST_YEAR = 1989


def _in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= FiscalYear.current().year + 1


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
    if not _in_range(year):
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
    answers = selectors.answers_of(assessment=assessment)
    editable = can_edit and assessment.editable
    form = AssessmentForm(
        request.POST if request.method == "POST" else None, answers=answers, initial={"version": assessment.version}
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
        },
        status=status,
    )


def _assessment(request: HttpRequest, code: str, year: int) -> Assessment:
    if not _in_range(year):
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
        if given.isascii() and given.isdigit() and len(given) <= 4 and _in_range(int(given))
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
