"""Roadmap pages: a municipality's roadmaps, one roadmap with its steps and Gantt chart, one initiative."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.concurrency import Stale, refuse_stale, stale_message, version_field
from dx_platform.core.downloads import FORMATS, table_response
from dx_platform.core.params import whole_number
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization

from .. import charts, exports, selectors, services
from ..forms import InitiativeForm, MilestoneForm, RoadmapForm
from ..models import Roadmap
from .assessments import organization_or_404


@login_required
def roadmap_list(request: AuthenticatedRequest, code: str) -> HttpResponse:
    organization, municipality = organization_or_404(request, code)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    roadmaps = selectors.roadmap_list(user=request.user, municipality=municipality)
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
                    municipality=municipality,
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


def _roadmap(request: AuthenticatedRequest, pk: int) -> tuple[Roadmap, Organization]:
    roadmap = selectors.roadmap_for(user=request.user, pk=pk)
    if roadmap is None:
        raise Http404(_("No such roadmap among those you may read."))
    return roadmap, selectors.organization_of(municipality=roadmap.municipality)


@login_required
def roadmap_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    roadmap, organization = _roadmap(request, pk)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    form = InitiativeForm(municipality=roadmap.municipality)
    edit_form = RoadmapForm(changing=roadmap)
    status_code = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators change the roadmap."))
        if request.POST.get("action") == "edit":
            edit_form = RoadmapForm(request.POST, changing=roadmap)
            if edit_form.is_valid():
                try:
                    services.roadmap_save(
                        municipality=roadmap.municipality,
                        given=edit_form.given(),
                        by=request.user,
                        roadmap=roadmap,
                        version=edit_form.cleaned_data["version"],
                    )
                except ValidationError as exc:
                    edit_form.add_error(None, exc)
                except Stale as exc:
                    refuse_stale(edit_form, exc)
                    status_code = 409
                else:
                    messages.success(request, _("The roadmap was saved."))
                    return redirect("assessments:roadmap", pk=roadmap.pk)
            # Read again: a refused change leaves its values on the roadmap shown above the form.
            roadmap, organization = _roadmap(request, pk)
        elif request.POST.get("action") == "check":
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
        status_code = status_code if status_code != 200 else 400
    overview = selectors.roadmap_overview(roadmap=roadmap, today=timezone.localdate())
    chart = charts.gantt(
        rows=overview.rows,
        period=(roadmap.period_start, roadmap.period_end),
        today=timezone.localdate(),
        labels={
            "initiatives": _("Initiatives"),
            "milestones": _("Milestones"),
            "late": _("late"),
            "title": roadmap.title,
        },
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
            "edit_form": edit_form,
        },
        status=status_code,
    )


@login_required
def initiative_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    initiative = selectors.initiative_for(user=request.user, pk=pk)
    if initiative is None:
        raise Http404(_("No such roadmap among those you may read."))
    roadmap, organization = _roadmap(request, initiative.roadmap_id)
    can_edit = permissions.can_edit_assessment(request.user, organization)
    edit_form = InitiativeForm(
        municipality=roadmap.municipality, initial=selectors.initiative_values(initiative=initiative)
    )
    version_field(edit_form, initiative)
    milestone_form = MilestoneForm()
    status_code = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the municipality's editors and administrators change the roadmap."))
        action = request.POST.get("action")
        try:
            if action == "milestone":
                milestone = None
                if given := request.POST.get("milestone", ""):
                    # A milestone named by junk is no milestone of this initiative, not a new one.
                    milestone = selectors.milestone_of(initiative=initiative, pk=whole_number(given) or 0)
                    if milestone is None:
                        raise Http404
                milestone_form = MilestoneForm(request.POST)
                if milestone is not None:
                    version_field(milestone_form, milestone)
                if milestone_form.is_valid():
                    services.milestone_save(
                        initiative=initiative,
                        by=request.user,
                        milestone=milestone,
                        version=milestone_form.cleaned_data.pop("version", None),
                        **milestone_form.cleaned_data,
                    )
                    return redirect("assessments:initiative", pk=initiative.pk)
            else:
                edit_form = InitiativeForm(request.POST, municipality=roadmap.municipality)
                version_field(edit_form, initiative)
                if edit_form.is_valid():
                    services.initiative_save(
                        roadmap=roadmap,
                        given=edit_form.given(),
                        by=request.user,
                        initiative=initiative,
                        version=edit_form.cleaned_data["version"],
                    )
                    messages.success(request, _("The initiative was saved."))
                    return redirect("assessments:roadmap", pk=roadmap.pk)
            status_code = 400
        except ValidationError as exc:
            (milestone_form if action == "milestone" else edit_form).add_error(None, exc)
            status_code = 400
        except Stale as exc:
            status_code = 409
            if action == "milestone":
                # The milestone's form is the one that adds: the refusal is told above the list, whose
                # milestones are read again.
                messages.error(request, stale_message(milestone_form, exc))
                milestone_form = MilestoneForm()
            else:
                refuse_stale(edit_form, exc)
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
            "milestones": selectors.milestones_of(initiative=initiative, today=timezone.localdate()),
        },
        status=status_code,
    )
