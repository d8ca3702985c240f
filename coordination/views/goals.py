"""Shared goals (共同目標): a prefecture's goals and setting one, one goal's progress and each
municipality's own date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.concurrency import Stale, refuse_stale, version_field
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality

from .. import selectors, services
from ..forms import GoalForm, MilestoneForm
from ..models import SharedGoal


@login_required
def goals(request: AuthenticatedRequest, pref_code: str) -> HttpResponse:
    prefecture = selectors.shared_goals_prefecture(user=request.user, pref_code=pref_code)
    if prefecture is None:
        raise Http404(_("Only the prefecture's coordinators and municipalities see its shared goals."))
    coordinates = permissions.can_coordinate(request.user, prefecture.pk)
    form = GoalForm(
        request.POST or None,
        prefecture=prefecture,
        initial=selectors.goal_initial(prefecture=prefecture, query=request.GET),
    )
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
def goal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    goal = selectors.shared_goal_for(user=request.user, pk=pk)
    if goal is None:
        raise Http404
    coordinates = permissions.can_coordinate(request.user, goal.prefecture_id)
    changing = request.method == "POST" and request.POST.get("action") == "edit"
    # Each of the user's municipalities has its own date's form, opened at that date as stored.
    own = {
        municipality.code: (municipality, _date_form(goal, municipality))
        for municipality in selectors.own_goal_municipalities(user=request.user, goal=goal)
    }
    edit_form = GoalForm(
        request.POST if changing else None,
        prefecture=goal.prefecture,
        prefix="goal",  # beside a municipality's own date
        initial=selectors.goal_values(goal=goal),
    )
    version_field(edit_form, goal)
    status = 200
    if changing:
        if not coordinates:
            raise PermissionDenied(_("Only the prefecture's coordinators set shared goals."))
        status = 400
        if edit_form.is_valid():
            try:
                services.shared_goal_save(
                    prefecture=goal.prefecture,
                    given=edit_form.given(),
                    by=request.user,
                    goal=goal,
                    version=edit_form.cleaned_data["version"],
                )
            except ValidationError as exc:
                edit_form.add_error(None, exc)
            except Stale as exc:
                refuse_stale(edit_form, exc)
                status = 409
            else:
                messages.success(request, _("The shared goal was saved."))
                return redirect("coordination:goal", pk=goal.pk)
            goal = selectors.shared_goal_for(user=request.user, pk=pk) or goal  # as it now is
    elif request.method == "POST":
        code = request.POST.get("municipality", "")
        municipality = selectors.goal_date_municipality(user=request.user, goal=goal, code=code)
        if municipality is None:
            raise PermissionDenied(_("Only the municipality's editors and administrators set its date."))
        form = _date_form(goal, municipality, request.POST)
        own[code] = (municipality, form)
        status = 400
        if form.is_valid():
            try:
                services.goal_milestone_set(goal=goal, municipality=municipality, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            except Stale as exc:
                refuse_stale(form, exc)
                status = 409
            else:
                messages.success(request, _("Your date was saved."))
                return redirect("coordination:goal", pk=goal.pk)
    return render(
        request,
        "coordination/goal_detail.html",
        {
            "goal": goal,
            "progress": selectors.goal_progress(goal=goal),
            "own": list(own.values()),
            "edit_form": edit_form if coordinates else None,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _date_form(goal: SharedGoal, municipality: Municipality, data: QueryDict | None = None) -> MilestoneForm:
    milestone = selectors.goal_milestone(goal=goal, municipality=municipality)
    form = MilestoneForm(data, initial={"due_on": milestone.due_on, "note": milestone.note})
    version_field(form, milestone)
    return form
