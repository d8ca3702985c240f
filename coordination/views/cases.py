"""Support cases (伴走支援): the list, asking for support, and one case's triage, log, days, links and close."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.concurrency import Stale, refuse_stale, version_field
from dx_platform.organizations import permissions

from .. import selectors, services
from ..forms import ActivityForm, AssignForm, CloseForm, DispatchForm, LinksForm, SupportRequestForm
from ..models import SupportCase


@login_required
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "coordination/case_list.html",
        {
            "cases": selectors.support_case_list(user=request.user),
            "can_raise": selectors.support_requesters(user=request.user),
        },
    )


@login_required
def case_create(request: AuthenticatedRequest, code: str) -> HttpResponse:
    organization = selectors.municipality_organization(code=code)
    if organization is None or organization.municipality is None:
        raise Http404
    if not permissions.can_raise_support_case(request.user, organization):
        raise PermissionDenied(_("Only the municipality's editors and administrators ask for support."))
    # The prefecture's coordinators open a case for the town; the town's own people ask for one.
    for_prefecture = permissions.can_coordinate(request.user, organization.municipality.prefecture_id)
    form = SupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.support_case_raise(
                municipality=organization.municipality, given=form.given(), by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The support case is open.") if for_prefecture else _("Your request was sent to the prefecture."),
            )
            return redirect("coordination:case_detail", pk=case.pk)
    return render(
        request,
        "coordination/case_form.html",
        {
            "form": form,
            "organization": organization,
            "for_prefecture": for_prefecture,
        },
        status=400 if form.errors else 200,
    )


def _case(request: AuthenticatedRequest, pk: int) -> SupportCase:
    case = selectors.support_case_for(user=request.user, pk=pk)
    if case is None:
        raise Http404(_("No such support case among those you may see."))
    return case


# The actions that change the case itself carry the version they are made against; the others add a record.
VERSIONED = ("assign", "links", "close")


@login_required
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    prefecture = case.municipality.prefecture
    coordinates = permissions.can_coordinate(request.user, prefecture.pk)
    shown: dict[str, forms.BaseForm] = {
        "assign": AssignForm(prefecture=prefecture, initial={"specialist": case.specialist}),
        "activity": ActivityForm(),
        "dispatch": DispatchForm(initial={"worked_on": timezone.localdate()}),
        "links": LinksForm(case=case, initial=selectors.case_links(case=case)),
        "close": CloseForm(),
    }
    for action in VERSIONED:
        version_field(shown[action], case)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in shown:
            raise Http404
        if not permissions.can_act_on_case(request.user, case, action):
            raise PermissionDenied(_("Only the prefecture's coordinators manage support cases."))
        bound = _bound(action, request, case)
        if action in VERSIONED:
            version_field(bound, case)
        shown[action] = bound
        status = 400
        if bound.is_valid():
            try:
                _act(action, case, bound, request)
            except ValidationError as exc:
                bound.add_error(None, exc)
            except Stale as exc:
                refuse_stale(bound, exc)
                status = 409
                case = _case(request, pk)  # as it now is, above the forms
            else:
                return redirect("coordination:case_detail", pk=case.pk)
    return render(
        request,
        "coordination/case_detail.html",
        {
            "case": case,
            "coordinates": coordinates,
            "can_log": permissions.can_log_support(request.user, case),
            "forms": shown,
            "matches": selectors.matching_specialists(case=case) if coordinates else [],
            "activities": selectors.activity_list(case=case),
            "dispatches": selectors.dispatch_list(case=case),
        },
        status=status,
    )


def _bound(action: str, request: AuthenticatedRequest, case: SupportCase) -> forms.BaseForm:
    """The form of the action, filled in from the request."""
    prefecture = case.municipality.prefecture
    makers: dict[str, Callable[[], forms.BaseForm]] = {
        "assign": lambda: AssignForm(request.POST, prefecture=prefecture),
        "activity": lambda: ActivityForm(request.POST),
        "dispatch": lambda: DispatchForm(request.POST),
        "links": lambda: LinksForm(request.POST, case=case),
        "close": lambda: CloseForm(request.POST),
    }
    return makers[action]()


def _act(action: str, case: SupportCase, form: forms.BaseForm, request: AuthenticatedRequest) -> None:
    data = form.cleaned_data
    user = request.user
    version = data.get("version")
    if action == "assign":
        services.support_case_assign(case=case, specialist=data["specialist"], by=user, version=version)
        messages.success(request, _("The specialist was assigned; the municipality was told."))
    elif action == "activity":
        services.support_activity_log(case=case, given=cast(ActivityForm, form).given(), by=user)
        messages.success(request, _("The activity was logged."))
    elif action == "dispatch":
        services.dispatch_record(case=case, worked_on=data["worked_on"], days=data["days"], by=user)
        messages.success(request, _("The days were recorded."))
    elif action == "links":
        services.support_case_links(
            case=case, kpis=list(data["kpis"]), initiatives=list(data["initiatives"]), by=user, version=version
        )
        messages.success(request, _("The links were saved."))
    else:
        services.support_case_close(case=case, outcome=data["outcome"], by=user, version=version)
        messages.success(request, _("The case was closed; the municipality was told."))
