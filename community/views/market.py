"""Market pages: needs posted by municipalities and prefectures, partners' solutions and proposals.

A need, solution, proposal or reference the user may not read is a 404; an action they may not take a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dx_platform.core.actions import act
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.lookups import or_404
from dx_platform.core.pagination import paginate
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization

from ..forms.market import NeedFilterForm, NeedForm, ProposalForm, ReferenceForm, SolutionFilterForm, SolutionForm
from ..models import Need, Proposal, Solution, SolutionReference
from ..selectors import market as selectors
from ..selectors.discussion import target_url
from ..services import market as services


def _found(item: Any, what: str) -> Any:
    return or_404(item, _("No such %(what)s among those you may read.") % {"what": what})


def _need(request: AuthenticatedRequest, pk: int) -> Need:
    return _found(selectors.need_for(user=request.user, pk=pk), _("need"))


def _solution(request: AuthenticatedRequest, pk: int) -> Solution:
    return _found(selectors.solution_for(user=request.user, pk=pk), _("solution"))


def _proposal(request: AuthenticatedRequest, pk: int) -> Proposal:
    return _found(selectors.proposal_for(user=request.user, pk=pk), _("proposal"))


def _form_page(
    request: AuthenticatedRequest,
    form: forms.BaseForm,
    save: Callable[[Any], Model],
    template: str,
    done: str,
    **context: Any,
) -> HttpResponse:
    """Show a form; on a valid POST save it and go to what was saved, else show it again with its errors (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, done)
            return redirect(target_url(saved))
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


def _list_page(
    request: AuthenticatedRequest,
    form: NeedFilterForm | SolutionFilterForm,
    listed: Callable[[Any], QuerySet[Any]],
    template: str,
    **context: Any,
) -> HttpResponse:
    """A filtered list, 20 a page; filters that make no sense are a 400 showing why."""
    filters = form.filters() if form.is_bound and form.is_valid() else None
    page = paginate(request, listed(filters), per_page=20)
    return render(request, template, {"form": form, "page": page, **context}, status=400 if form.errors else 200)


def _create_page(
    request: AuthenticatedRequest,
    *,
    allowed: bool,
    organizations: QuerySet[Organization],
    refused: str,
    form_class: type[NeedForm | SolutionForm],
    save: Callable[..., Model],
    template: str,
    done: str,
) -> HttpResponse:
    """A new need or solution, for one of the organisations the user may write it for (not `allowed`: 403)."""
    if not allowed:
        raise PermissionDenied(refused)
    return _form_page(
        request,
        form_class(*_data(request), organizations=organizations),
        lambda form: save(organization=form.cleaned_data["organization"], given=form.given(), by=request.user),
        template,
        done,
    )


def _data(request: AuthenticatedRequest) -> tuple[Any, ...]:
    return (request.POST,) if request.method == "POST" else ()


# --- needs ---------------------------------------------------------------------------------------


@login_required
def need_list(request: AuthenticatedRequest) -> HttpResponse:
    return _list_page(
        request,
        NeedFilterForm(request.GET or None),
        lambda filters: selectors.need_list(user=request.user, filters=filters),
        "community/market/need_list.html",
        can_post=selectors.has_need_posting_organizations(user=request.user),
    )


@login_required
def need_create(request: AuthenticatedRequest) -> HttpResponse:
    return _create_page(
        request,
        allowed=selectors.has_need_posting_organizations(user=request.user),
        organizations=selectors.need_posting_organizations(user=request.user),
        refused=_("Only the staff of a municipality or prefecture post needs."),
        form_class=NeedForm,
        save=services.need_save,
        template="community/market/need_form.html",
        done=_("The need was posted; partners in its category were told."),
    )


@login_required
def need_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    proposals = list(selectors.proposal_list(user=request.user, need=need))
    open_now = need.status == Need.Status.OPEN and need.deadline >= timezone.localdate()
    can_manage = permissions.can_post_need(request.user, need.organization)
    # A partner sees its own proposals only; others of the need's body see them all, the rest none.
    partner_view = not can_manage and selectors.has_partner_organizations(user=request.user)
    return render(
        request,
        "community/market/need_detail.html",
        {
            "need": need,
            "proposals": proposals,
            "can_manage": can_manage,
            "partner_view": partner_view,
            "show_proposals": can_manage or partner_view or bool(proposals),
            "open_now": open_now,
            "can_propose": open_now and selectors.has_proposing_organizations(user=request.user, need=need),
        },
    )


@login_required
def need_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    if not permissions.can_post_need(request.user, need.organization):
        raise PermissionDenied(_("Only the need's own body changes it."))
    return _form_page(
        request,
        NeedForm(*_data(request), instance=need),
        lambda form: services.need_save(organization=need.organization, given=form.given(), by=request.user, need=need),
        "community/market/need_form.html",
        _("The need was saved."),
        need=need,
    )


@login_required
@require_POST
def need_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    return act(
        request,
        lambda: services.need_close(need=need, by=request.user),
        _("The need was closed."),
        target_url(need),
    )


@login_required
def need_propose(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    if not selectors.has_partner_organizations(user=request.user):
        raise PermissionDenied(_("Only partners' staff make proposals."))
    if not selectors.has_proposing_organizations(user=request.user, need=need):
        messages.info(request, _("Your organisation has already proposed for this need."))
        return redirect(target_url(need))
    return _form_page(
        request,
        ProposalForm(*_data(request), organizations=selectors.proposing_organizations(user=request.user, need=need)),
        lambda form: services.proposal_submit(
            need=need, organization=form.cleaned_data["organization"], given=form.given(), by=request.user
        ),
        "community/market/proposal_form.html",
        _("Your proposal was sent to %(body)s.") % {"body": need.organization.name},
        need=need,
    )


# --- proposals -----------------------------------------------------------------------------------


@login_required
def proposal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    return render(
        request,
        "community/market/proposal_detail.html",
        {
            "proposal": proposal,
            "can_decide": permissions.can_post_need(request.user, proposal.need.organization)
            and proposal.status != Proposal.Status.WITHDRAWN,
            "can_withdraw": permissions.can_offer_solutions(request.user, proposal.organization)
            and proposal.status != Proposal.Status.WITHDRAWN,
        },
    )


@login_required
@require_POST
def proposal_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    return act(
        request,
        lambda: services.proposal_withdraw(proposal=proposal, by=request.user),
        _("Your proposal was withdrawn."),
        target_url(proposal),
    )


@login_required
@require_POST
def proposal_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    decision = request.POST.get("decision")
    if decision not in ("shortlist", "decline"):
        messages.error(request, _("Choose to shortlist or to decline."))
        return redirect(target_url(proposal))
    return act(
        request,
        lambda: services.proposal_decide(proposal=proposal, shortlist=decision == "shortlist", by=request.user),
        _("The partner was told."),
        target_url(proposal),
    )


# --- solutions and references --------------------------------------------------------------------


@login_required
def solution_list(request: AuthenticatedRequest) -> HttpResponse:
    return _list_page(
        request,
        SolutionFilterForm(request.GET or None),
        lambda filters: selectors.solution_list(user=request.user, filters=filters),
        "community/market/solution_list.html",
        can_offer=selectors.has_partner_organizations(user=request.user),
        requests=selectors.reference_requests(user=request.user),
    )


@login_required
def solution_create(request: AuthenticatedRequest) -> HttpResponse:
    return _create_page(
        request,
        allowed=selectors.has_partner_organizations(user=request.user),
        organizations=selectors.partner_organizations(user=request.user),
        refused=_("Only partners' staff list solutions."),
        form_class=SolutionForm,
        save=services.solution_save,
        template="community/market/solution_form.html",
        done=_("The solution was saved."),
    )


@login_required
def solution_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    solution = _solution(request, pk)
    if not permissions.can_offer_solutions(request.user, solution.organization):
        raise PermissionDenied(_("Only the partner's own staff change its solutions."))
    return _form_page(
        request,
        SolutionForm(
            *_data(request), instance=solution, organizations=selectors.partner_organizations(user=request.user)
        ),
        lambda form: services.solution_save(
            organization=solution.organization, given=form.given(), by=request.user, solution=solution
        ),
        "community/market/solution_form.html",
        _("The solution was saved."),
        solution=solution,
    )


@login_required
def solution_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The solution with its confirmed references; its partner names more here (POST)."""
    solution = _solution(request, pk)
    can_offer = permissions.can_offer_solutions(request.user, solution.organization)
    form = ReferenceForm(*_data(request))
    if request.method == "POST":
        if not can_offer:
            raise PermissionDenied(_("Only the partner's own staff name reference municipalities."))
        if form.is_valid():
            try:
                services.reference_request(
                    solution=solution, organization=form.cleaned_data["municipality"], by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The municipality was asked to confirm."))
                return redirect(target_url(solution))
    return render(
        request,
        "community/market/solution_detail.html",
        {
            "solution": solution,
            "references": selectors.references_of(user=request.user, solution=solution),
            "can_offer": can_offer,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def reference_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reference: SolutionReference = _found(selectors.reference_for(user=request.user, pk=pk), _("reference"))
    can_decide = permissions.can_decide_reference(request.user, reference.organization)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied(_("Only the named municipality itself confirms that it uses a solution."))
        decision = request.POST.get("decision")
        if decision in ("confirm", "decline"):
            services.reference_decide(reference=reference, confirm=decision == "confirm", by=request.user)
            messages.success(
                request,
                _("Confirmed: the solution's page names you.") if decision == "confirm" else _("Declined."),
            )
            return redirect("community:reference_decide", pk=reference.pk)
        messages.error(request, _("Choose to confirm or to decline."))
    return render(
        request,
        "community/market/reference_decide.html",
        {"reference": reference, "can_decide": can_decide},
    )


urlpatterns: list[URLPattern] = [
    path("needs/", need_list, name="need_list"),
    path("needs/new/", need_create, name="need_create"),
    path("needs/<int:pk>/", need_detail, name="need_detail"),
    path("needs/<int:pk>/edit/", need_edit, name="need_edit"),
    path("needs/<int:pk>/close/", need_close, name="need_close"),
    path("needs/<int:pk>/propose/", need_propose, name="need_propose"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/withdraw/", proposal_withdraw, name="proposal_withdraw"),
    path("proposals/<int:pk>/decide/", proposal_decide, name="proposal_decide"),
    path("solutions/", solution_list, name="solution_list"),
    path("solutions/new/", solution_create, name="solution_create"),
    path("solutions/<int:pk>/", solution_detail, name="solution_detail"),
    path("solutions/<int:pk>/edit/", solution_edit, name="solution_edit"),
    path("references/<int:pk>/", reference_decide, name="reference_decide"),
]
