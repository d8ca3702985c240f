"""Self-assessment pages: the list, the form, import and evidence, submission, review by the prefecture."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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
from ..models import Answer, Assessment


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
            "statuses": selectors.year_statuses(user=request.user, organizations=mine, fiscal_year=year),
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
    kept_others = False
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("This assessment cannot be edited now."))
        form, status, stale, kept_others = _save(request, assessment, form)
        if "application/json" in request.headers.get("Accept", ""):
            # The page's autosave (static/js/assessment.js): the same save, answered in data.
            return JsonResponse(
                {
                    "version": assessment.version,
                    "stale": stale is not None,
                    "errors": [] if status == 302 else form.error_links(),
                },
                status=200 if status == 302 else status,
            )
        if status == 302:
            messages.success(request, _("Saved."))
            section = request.POST.get("section", "")
            anchor = f"#area-{section}" if section in Area.values else ""
            return redirect(reverse("assessments:detail", args=[code, year]) + anchor)
    sections, overall = _sections(form, form.answers)
    return render(
        request,
        "assessments/detail.html",
        {
            "organization": organization,
            "assessment": assessment,
            "fiscal_year": FiscalYear(year),
            "form": form,
            "areas": sections,
            "overall": overall,
            "area_texts": area_texts(),
            "editable": editable,
            "stale": stale,
            "kept_others": kept_others,
            "can_submit": permissions.can_submit_assessment(request.user, organization) and assessment.editable,
            "can_review": permissions.can_review_assessment(request.user, organization)
            and assessment.status == Assessment.Status.SUBMITTED,
            "missing": _missing(form, form.answers),
            "history": selectors.history_rows(assessment=assessment),
            "review_form": ReviewForm(),
            "import_form": AssessmentImportForm(initial={"version": assessment.version}),
            "formats": FORMATS,
        },
        status=status,
    )


def area_texts() -> dict[str, str]:
    """How an area's progress and rate read, with %(name)s placeholders: the page fills them in, and
    static/js/assessment.js fills in the same ones as the user answers."""
    return {
        "boolean": _("%(counted)s / %(of)s answered · rate of those answered %(rate)s"),
        "boolean_complete": _("all %(of)s answered · rate %(rate)s"),
        "procedure": _("%(counted)s / %(of)s answered · online among those answered %(rate)s"),
        "procedure_complete": _("all %(of)s answered · online %(rate)s"),
        "rate": _("%(item)s %(rate)s"),
        "procedures": _(" · procedures: %(answered)s / %(of)s answered"),
        "prefilled": _(" (%(n)s of them prefilled)"),
        "none": _("no answer yet"),
        "count": _("%(done)s / %(total)s answered"),
        "pending": _(" · %(n)s prefilled to confirm"),
    }


def _filled(text: str, **values: object) -> str:
    return text % values


def area_summary(progress: selectors.AreaProgress, texts: dict[str, str]) -> str:
    """The area's rate in words: what it counts, and only then the rate."""
    if not progress.basis or progress.rate is None:
        return texts["none"]
    # Rounded half up, as the page's script (Number.toFixed) rounds the same number.
    rate = f"{Decimal(progress.rate).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if progress.basis == "rate":
        text = _filled(texts["rate"], item=progress.rate_item, rate=rate)
    else:
        key = progress.basis + ("_complete" if progress.complete else "")
        text = _filled(texts[key], counted=progress.counted, of=progress.of, rate=rate)
    if progress.prefilled:
        text += _filled(texts["prefilled"], n=progress.prefilled)
    if progress.basis == "rate" and progress.procedures:
        text += _filled(texts["procedures"], answered=progress.procedures_answered, of=progress.procedures)
    return text


def _sections(form: AssessmentForm, answers: list[Answer]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One section per area: its progress, its rate in words, its rows of fields, the area after it."""
    texts = area_texts()
    progress = selectors.area_progress(answers=answers)
    rows = form.rows()
    sections = [
        {
            "progress": p,
            "summary": area_summary(p, texts),
            "count": _filled(texts["count"], done=p.done, total=p.total)
            + (_filled(texts["pending"], n=p.pending) if p.pending else ""),
            "rows": [row for row in rows if row["answer"].indicator.area == p.area],
            "next": progress[i + 1] if i + 1 < len(progress) else None,
        }
        for i, p in enumerate(progress)
    ]
    overall = {
        "done": sum(p.done for p in progress),
        "total": sum(p.total for p in progress),
        "text": _filled(texts["count"], done=sum(p.done for p in progress), total=sum(p.total for p in progress)),
    }
    return sections, overall


def _missing(form: AssessmentForm, answers: list[Answer]) -> list[dict[str, Any]]:
    """Every item still awaiting the town, with where its field is."""
    labels = dict(Area.choices)
    return [
        {
            "indicator": answer.indicator,
            "area": labels.get(answer.indicator.area, ""),
            "prefilled": answer.answered,
            "anchor": form.anchor(f"v:{answer.indicator.code}"),
        }
        for answer in sorted(answers, key=lambda a: list(Area.values).index(a.indicator.area))
        if selectors.awaits_the_town(answer)
    ]


def _save(
    request: AuthenticatedRequest, assessment: Assessment, form: AssessmentForm
) -> tuple[AssessmentForm, int, list[Answer] | None, bool]:
    """Save what the form holds: (the form to show, the status, the answers that moved meanwhile, whether
    anything was saved beside refused fields). A field with an error (a refused file, a rate over 100 %)
    keeps its stored value while every other field of the same save is saved; the form shown again keeps
    what was typed and points at the refused fields only."""
    if form.is_valid():
        refused = False
    elif form.has_error("version"):
        return form, 400, None, False
    else:
        refused = True
    before = assessment.version
    try:
        saved = services.assessment_save(
            assessment=assessment, answers=form.inputs(), version=form.cleaned_data["version"], by=request.user
        )
    except services.StaleAssessment as exc:
        return form, 409, exc.changed, False
    except ValidationError as exc:
        form.add_error(None, exc)
        return form, 400, None, False
    if not refused:
        return form, 302, None, False
    # Shown again from the saved answers (a new file is now attached, the version moved on), with what was
    # typed; the files refused say why (a browser cannot be told to choose them again).
    data = request.POST.copy()
    data["version"] = str(saved.version)
    again = AssessmentForm(data, answers=selectors.answers_of(assessment=saved))
    again.full_clean()
    for name, errors in form.errors.items():
        if name.startswith("file:") and name in again.fields:
            for error in errors.as_data():
                again.add_error(name, error)
    return again, 400, None, saved.version != before


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
