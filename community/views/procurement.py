"""Joint procurement pages: the list, one procurement's workspace and its stages, joining, withdrawing
and committing, specification drafts with their diff, the cost sharing calculator, the public Q&A
and the export in the shape of デジタル庁's 共同調達 dashboard.

A procurement the user may not see answers 404; so do its participants, shares and drafts for a
partner, who sees only the published RFI and tender and the Q&A. What one may see but not do is 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dx_platform.core.actions import act
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.concurrency import Stale, refuse_stale, version_field
from dx_platform.core.downloads import FORMATS, table_response
from dx_platform.core.lookups import or_404
from dx_platform.core.pagination import paginate
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization

from ..forms.procurement import (
    AnswerForm,
    BodyForm,
    CommitForm,
    DiffForm,
    InviteForm,
    ProcurementForm,
    QuestionForm,
    SeatForm,
    SharingForm,
    SpecificationForm,
    StageFilterForm,
    StageForm,
)
from ..models import Participant, Procurement
from ..models.procurement import OPEN_STAGES
from ..selectors import procurement as selectors
from ..services import procurement as services


def _procurement(request: AuthenticatedRequest, pk: int) -> Procurement:
    return or_404(
        selectors.procurement_for(user=request.user, pk=pk), _("No such joint procurement among those you may see.")
    )


def _workspace(request: AuthenticatedRequest, pk: int) -> Procurement:
    """The procurement, for those who see its participants, shares and drafts (not partners)."""
    procurement = _procurement(request, pk)
    if not selectors.sees_workspace(request.user):
        raise Http404(_("Partners see only the published RFI and tender of a joint procurement."))
    return procurement


def _check_lead(request: AuthenticatedRequest, procurement: Procurement) -> None:
    if not permissions.can_run_procurement(request.user, procurement.lead):
        raise PermissionDenied(_("Only the lead body runs this joint procurement."))


def _show(exc: ValidationError, *shown: forms.Form) -> None:
    """A service's refusal on the field it names, in whichever form has it; else above the first form."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, problems in errors.items():
        form = next((f for f in shown if field in f.fields), shown[0])
        form.add_error(field if field in form.fields else None, problems)


def _detail(procurement: Procurement) -> HttpResponse:
    return redirect("community:procurement_detail", pk=procurement.pk)


def _status(*shown: forms.Form) -> int:
    return 400 if any(form.errors for form in shown) else 200


@login_required
def procurement_list(request: AuthenticatedRequest) -> HttpResponse:
    form = StageFilterForm(request.GET or None)
    stage = form.cleaned_data["stage"] if form.is_valid() else ""
    items = selectors.procurement_list(user=request.user, stage=stage)
    return render(
        request,
        "community/procurement/list.html",
        {
            "form": form,
            "page": paginate(request, items, per_page=20),
            # Joining is for the workspace: a partner sees no more of a procurement than its published parts.
            "workspace": selectors.sees_workspace(request.user),
            "can_open": selectors.has_bodies_where(user=request.user, allowed=permissions.can_run_procurement),
        },
        status=_status(form),
    )


@login_required
def procurement_create(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.has_bodies_where(user=request.user, allowed=permissions.can_run_procurement):
        raise PermissionDenied(_("Only those who speak for a prefecture or municipality open a joint procurement."))
    leads = selectors.bodies_where(user=request.user, allowed=permissions.can_run_procurement)
    initial, invited = selectors.prefill(request.GET)
    form = ProcurementForm(request.POST or None, leads=leads, initial=initial)
    sharing_form = SharingForm(request.POST or None)
    invite_form = InviteForm(request.POST or None, leads=leads, initial={"invite": invited})
    if request.method == "POST" and all([form.is_valid(), sharing_form.is_valid(), invite_form.is_valid()]):
        try:
            procurement = services.procurement_create(
                lead=form.cleaned_data["lead"],
                given=form.given(),
                sharing=sharing_form.sharing(),
                by=request.user,
                invite=invite_form.cleaned_data["invite"],
            )
        except ValidationError as exc:
            _show(exc, form, sharing_form)
        else:
            messages.success(request, _("The joint procurement was opened at its interest survey."))
            return _detail(procurement)
    return render(
        request,
        "community/procurement/form.html",
        {"form": form, "sharing_form": sharing_form, "invite_form": invite_form},
        status=_status(form, sharing_form, invite_form),
    )


@login_required
def procurement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _procurement(request, pk)
    workspace = selectors.sees_workspace(request.user)
    context = {
        "procurement": procurement,
        "workspace": workspace,
        "steps": selectors.stage_steps(procurement),
        "rfi": procurement.rfi_text if workspace else selectors.published_rfi(procurement),
        "tender": procurement.tender_text if workspace else selectors.published_tender(procurement),
        "questions": selectors.question_list(user=request.user, procurement=procurement).count(),
        "can_run": permissions.can_run_procurement(request.user, procurement.lead),
    }
    if workspace:
        participants = list(selectors.participant_list(user=request.user, procurement=procurement))
        shares = selectors.cost_shares(procurement=procurement)
        mine = set(selectors.bodies_where(user=request.user, allowed=permissions.can_take_part))
        context |= {
            "rows": [(p, shares.yen.get(p.pk)) for p in participants],
            "shares": shares,
            "my_seats": [p for p in participants if p.organization in mine and p.status in selectors.ACTIVE],
            "can_join": bool(mine)
            and procurement.stage in OPEN_STAGES
            and timezone.localdate() <= procurement.join_until,
            "can_commit": selectors.has_bodies_where(user=request.user, allowed=permissions.can_commit)
            and selectors.commitments_open(procurement, timezone.localdate()),
            "latest_spec": selectors.latest_specification(user=request.user, procurement=procurement),
            "history": selectors.stage_history(procurement=procurement),
            "finished": procurement.stage in selectors.FINISHED,
            "formats": FORMATS,
        }
    return render(request, "community/procurement/detail.html", context)


@login_required
def procurement_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    _check_lead(request, procurement)
    form = ProcurementForm(request.POST or None, procurement=procurement)
    version_field(form, procurement)
    status = None
    if request.method == "POST" and form.is_valid():
        try:
            services.procurement_update(
                procurement=procurement, given=form.given(), by=request.user, version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            _show(exc, form)
        except Stale as exc:
            refuse_stale(form, exc)
            status = 409
        else:
            messages.success(request, _("The procurement was saved."))
            return _detail(procurement)
    return render(
        request,
        "community/procurement/form.html",
        {"form": form, "procurement": procurement},
        status=status or _status(form),
    )


@login_required
def procurement_stage(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _procurement(request, pk)
    _check_lead(request, procurement)
    allowed = services.next_stages(procurement.stage)
    form = StageForm(request.POST or None, allowed=allowed)
    if request.method == "POST" and form.is_valid():
        try:
            procurement = services.procurement_move(
                procurement=procurement,
                to_stage=form.cleaned_data["to_stage"],
                by=request.user,
                note=form.cleaned_data["note"],
                award=form.award() if "contract_on" in form.fields else None,
            )
        except ValidationError as exc:
            _show(exc, form)
        else:
            messages.success(
                request, _("The procurement moved to “%(stage)s”.") % {"stage": procurement.get_stage_display()}
            )
            return _detail(procurement)
    return render(
        request,
        "community/procurement/stage.html",
        {"procurement": procurement, "form": form, "steps": selectors.stage_steps(procurement), "allowed": allowed},
        status=_status(form),
    )


def _bodies(request: AuthenticatedRequest, commit: bool = False) -> QuerySet[Organization]:
    allowed = permissions.can_commit if commit else permissions.can_take_part
    if not selectors.has_bodies_where(user=request.user, allowed=allowed):
        raise PermissionDenied(
            _("Only a municipality's administrators commit it.")
            if commit
            else _("Only a municipality's editors and administrators take part for it.")
        )
    return selectors.bodies_where(user=request.user, allowed=allowed)


def _seat_page(
    request: AuthenticatedRequest,
    procurement: Procurement,
    form: SeatForm | CommitForm,
    act: Callable[..., Participant],
    done: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Join or commit for the body chosen in the form: the service's refusal re-shows the form."""
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        try:
            act(procurement=procurement, organization=organization, given=form.given(), by=request.user)
        except ValidationError as exc:
            _show(exc, form)
        else:
            messages.success(request, done % {"body": organization.name})
            return _detail(procurement)
    return render(request, template, {"procurement": procurement, "form": form, **context}, status=_status(form))


@login_required
def procurement_join(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Join, or restate the expected usage, staff and constraints (configuration note) of a seat."""
    procurement = _workspace(request, pk)
    bodies = _bodies(request)
    seat = selectors.seat_of(procurement=procurement, bodies=bodies)
    form = SeatForm(
        request.POST or None,
        bodies=bodies,
        one_saas=procurement.model == Procurement.Model.ONE_SAAS,
        initial=SeatForm.initial_of(seat),
    )
    return _seat_page(
        request,
        procurement,
        form,
        services.participant_join,
        _("%(body)s takes part."),
        "community/procurement/join.html",
        {"seat": seat},
    )


@login_required
@require_POST
def procurement_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    form = BodyForm(request.POST, bodies=_bodies(request))
    if not form.is_valid():
        messages.error(request, _("Choose the body that withdraws."))
        return _detail(procurement)
    organization = form.cleaned_data["organization"]
    return act(
        request,
        lambda: services.participant_withdraw(procurement=procurement, organization=organization, by=request.user),
        _("%(body)s withdrew.") % {"body": organization.name},
        reverse("community:procurement_detail", args=[procurement.pk]),
    )


@login_required
def procurement_commit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    bodies = _bodies(request, commit=True)
    seat = selectors.seat_of(procurement=procurement, bodies=bodies)
    form = CommitForm(request.POST or None, bodies=bodies, initial=CommitForm.initial_of(seat))
    return _seat_page(
        request,
        procurement,
        form,
        services.participant_commit,
        _("%(body)s committed."),
        "community/procurement/commit.html",
        {
            "seat": seat,
            "open": selectors.commitments_open(procurement, timezone.localdate()),
            "share": selectors.cost_shares(procurement=procurement).yen.get(seat.pk) if seat else None,
        },
    )


@login_required
def procurement_specifications(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    versions = list(selectors.specification_list(user=request.user, procurement=procurement))
    can_draft = permissions.can_run_procurement(request.user, procurement.lead) and procurement.stage in OPEN_STAGES
    form = SpecificationForm(request.POST or None, initial={"text": versions[0].text if versions else ""})
    version_field(form, procurement)
    conflict = False
    if request.method == "POST":
        _check_lead(request, procurement)
        if form.is_valid():
            try:
                version = services.specification_add(procurement=procurement, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _show(exc, form)
            except Stale as exc:
                # Read at the start of this request, after the draft that made this one stale: newest first.
                refuse_stale(form, exc, values={"text": versions[0].text if versions else ""})
                conflict = True
            else:
                messages.success(request, _("Version %(n)s of the specification was saved.") % {"n": version.number})
                return redirect("community:procurement_specifications", pk=procurement.pk)
    numbers = [v.number for v in versions]
    return render(
        request,
        "community/procurement/specifications.html",
        {
            "procurement": procurement,
            "versions": versions,
            "form": form if can_draft else None,
            "diff_form": DiffForm(numbers=numbers, initial={"old": numbers[1], "new": numbers[0]})
            if len(numbers) > 1
            else None,
        },
        status=409 if conflict else _status(form),
    )


@login_required
def procurement_specification(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    version = get_object_or_404(selectors.specification_list(user=request.user, procurement=procurement), number=number)
    return render(request, "community/procurement/specification.html", {"procurement": procurement, "version": version})


@login_required
def procurement_diff(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    versions = {v.number: v for v in selectors.specification_list(user=request.user, procurement=procurement)}
    form = DiffForm(request.GET, numbers=list(versions))
    context = {"procurement": procurement, "form": form}
    if form.is_valid():
        old, new = versions[form.cleaned_data["old"]], versions[form.cleaned_data["new"]]
        diff = selectors.specification_diff(old, new)
        context |= {"old": old, "new": new, "diff": diff, "view": form.cleaned_data["view"] or "side"}
    return render(request, "community/procurement/diff.html", context, status=_status(form))


@login_required
def procurement_cost_sharing(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The calculator: anyone in the workspace tries a rule; the lead saves it."""
    procurement = _workspace(request, pk)
    saved = selectors.Sharing.of(procurement)
    form = SharingForm(request.POST or None, initial=asdict(saved))
    version_field(form, procurement)
    saving = request.POST.get("action") == "save"
    form.fields["version"].required = saving  # trying a rule changes nothing
    status = None
    if saving:
        _check_lead(request, procurement)
        if form.is_valid():
            try:
                services.cost_sharing_save(
                    procurement=procurement,
                    sharing=form.sharing(),
                    by=request.user,
                    version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                _show(exc, form)
            except Stale as exc:
                refuse_stale(form, exc, values=asdict(selectors.Sharing.of(exc.current)))
                status = 409
                procurement = _workspace(request, pk)  # as it now is
                saved = selectors.Sharing.of(procurement)
            else:
                messages.success(request, _("The cost sharing was saved."))
                return redirect("community:procurement_cost_sharing", pk=procurement.pk)
    sharing = form.sharing() if form.is_bound and form.is_valid() else saved
    shares = selectors.cost_shares(procurement=procurement, sharing=sharing)
    participants = selectors.active_participants(procurement=procurement)
    return render(
        request,
        "community/procurement/cost_sharing.html",
        {
            "procurement": procurement,
            "form": form,
            "trying": not saving and sharing != saved,
            "weights": sharing.weights(),
            "shares": shares,
            "rows": [(p, shares.yen.get(p.pk)) for p in participants],
            "finished": procurement.stage in selectors.FINISHED,
            "fixed": selectors.sharing_fixed(procurement),
            "can_run": permissions.can_run_procurement(request.user, procurement.lead),
        },
        status=status or _status(form),
    )


@login_required
def procurement_questions(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _procurement(request, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_ask(procurement=procurement, question=form.cleaned_data["question"], by=request.user)
        except ValidationError as exc:
            _show(exc, form)
        else:
            messages.success(request, _("Your question was posted. The lead body answers it here."))
            return redirect("community:procurement_questions", pk=procurement.pk)
    return render(
        request,
        "community/procurement/questions.html",
        {
            "procurement": procurement,
            "questions": selectors.question_list(user=request.user, procurement=procurement),
            "form": form if procurement.stage in services.QUESTION_STAGES or form.errors else None,
            "can_answer": permissions.can_run_procurement(request.user, procurement.lead),
            "workspace": selectors.sees_workspace(request.user),
        },
        status=_status(form),
    )


@login_required
@require_POST
def procurement_answer(request: AuthenticatedRequest, pk: int, question: int) -> HttpResponse:
    procurement = _procurement(request, pk)
    asked = get_object_or_404(selectors.question_list(user=request.user, procurement=procurement), pk=question)
    _check_lead(request, procurement)
    form = AnswerForm(request.POST)

    def answer() -> object:
        if not form.is_valid():
            raise ValidationError(list(form.errors["answer"]))
        return services.question_answer(question=asked, answer=form.cleaned_data["answer"], by=request.user)

    return act(
        request,
        answer,
        _("The answer was published."),
        reverse("community:procurement_questions", args=[procurement.pk]),
    )


@login_required
def procurement_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    procurement = _workspace(request, pk)
    if procurement.stage not in selectors.FINISHED:
        messages.error(request, _("A procurement is exported once it is awarded."))
        return _detail(procurement)
    header, rows = selectors.dashboard_table(procurement)
    fmt = request.GET.get("format", "csv")
    return table_response(
        header=header, rows=rows, filename=f"procurement-{procurement.pk}", fmt=fmt if fmt in FORMATS else "csv"
    )


urlpatterns = [
    path("procurements/", procurement_list, name="procurement_list"),
    path("procurements/new/", procurement_create, name="procurement_create"),
    path("procurements/<int:pk>/", procurement_detail, name="procurement_detail"),
    path("procurements/<int:pk>/edit/", procurement_edit, name="procurement_edit"),
    path("procurements/<int:pk>/stage/", procurement_stage, name="procurement_stage"),
    path("procurements/<int:pk>/join/", procurement_join, name="procurement_join"),
    path("procurements/<int:pk>/withdraw/", procurement_withdraw, name="procurement_withdraw"),
    path("procurements/<int:pk>/commit/", procurement_commit, name="procurement_commit"),
    path("procurements/<int:pk>/specifications/", procurement_specifications, name="procurement_specifications"),
    path(
        "procurements/<int:pk>/specifications/<int:number>/",
        procurement_specification,
        name="procurement_specification",
    ),
    path("procurements/<int:pk>/specifications/diff/", procurement_diff, name="procurement_diff"),
    path("procurements/<int:pk>/cost-sharing/", procurement_cost_sharing, name="procurement_cost_sharing"),
    path("procurements/<int:pk>/questions/", procurement_questions, name="procurement_questions"),
    path("procurements/<int:pk>/questions/<int:question>/answer/", procurement_answer, name="procurement_answer"),
    path("procurements/<int:pk>/export/", procurement_export, name="procurement_export"),
]
