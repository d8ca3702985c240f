"""Writes of the market: needs, solutions, proposals and reference municipalities.

Every service checks permission through dx_platform/organizations/permissions.py and indexes what
it changes for the search (community/services/search.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from dx_platform.accounts.models import User
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization, Role
from dx_platform.organizations.selectors import writers_of

from ..models import Need, Proposal, Solution, SolutionReference
from ..models.market import Category
from .search import search_entry_save

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


@dataclass(frozen=True)
class NeedInput:
    title: str
    problem: str
    category: str
    deadline: dt.date
    area: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    constraints: str = ""
    budget_band: str = Need._meta.get_field("budget_band").get_default()

    @classmethod
    def of(cls, need: Need) -> NeedInput:
        """What the need holds now (an API change starts from it)."""
        return _current(cls, need)


@dataclass(frozen=True)
class SolutionInput:
    title: str
    description: str
    category: str
    pricing: str
    deployment: str
    status: str = Solution.Status.DRAFT
    indicators: list[Indicator] = field(default_factory=list)
    price_note: str = ""
    ismap: bool = False
    lgwan_asp: bool = False
    unified_qualification: bool = False

    @classmethod
    def of(cls, solution: Solution) -> SolutionInput:
        """What the solution holds now (an API change starts from it)."""
        return _current(cls, solution)


Input = TypeVar("Input", NeedInput, SolutionInput)


def _current(cls: type[Input], item: Need | Solution) -> Input:
    values = {f.name: getattr(item, f.name) for f in fields(cls) if f.name != "indicators"}
    return cls(**values, indicators=list(item.indicators.all()))


@dataclass(frozen=True)
class ProposalInput:
    summary: str
    price_note: str = ""
    solution: Solution | None = None


def _save(instance: Need | Solution, given: NeedInput | SolutionInput) -> None:
    """Copy the input onto the model, check it as the model does (choices, lengths) and save it."""
    for name, value in given.__dict__.items():
        if name != "indicators":
            setattr(instance, name, value)
    instance.full_clean(exclude=["organization", "author"])
    instance.save()
    instance.indicators.set(given.indicators)


# --- needs ---------------------------------------------------------------------------------------


def _index_need(need: Need) -> None:
    search_entry_save(
        kind="need",
        object_id=need.pk,
        title=need.title,
        parts=[need.problem, need.constraints],
        organization=need.organization,
        area=need.area,
        indicator_codes=[i.code for i in need.indicators.all()],
    )


def need_save(*, organization: Organization, given: NeedInput, by: User, need: Need | None = None) -> Need:
    """Post a need, or change an open one; a deadline in the past is refused.

    A new need tells the partners with a published solution in its category.
    """
    if not permissions.can_post_need(by, organization) or (
        need is not None and need.organization_id != organization.pk
    ):
        raise PermissionDenied(_("Only a municipality's or prefecture's own staff post and change its needs."))
    if need is not None and need.status != Need.Status.OPEN:
        raise ValidationError(_("A closed need cannot be changed."))
    if given.deadline < timezone.localdate():
        raise ValidationError({"deadline": [_("The deadline cannot be in the past.")]})
    created = need is None
    need = need or Need(organization=organization, author=by)
    with transaction.atomic():
        _save(need, given)
        _index_need(need)
        if created:
            _tell_partners(need)
    return need


def _tell_partners(need: Need) -> None:
    partners = User.objects.filter(
        is_active=True,
        memberships__role=Role.PARTNER,
        memberships__organization__solutions__status=Solution.Status.PUBLISHED,
        memberships__organization__solutions__category=need.category,
    ).distinct()
    for partner in partners:
        notification_create(
            recipient=partner,
            title=format_lazy(
                _("New need in {category}: {title}"), category=Category(need.category).label, title=need.title
            ),
            body=format_lazy(
                _("{body} asks for proposals until {deadline}."),
                body=need.organization.name,
                deadline=need.deadline.isoformat(),
            ),
            url=reverse("community:need_detail", args=[need.pk]),
        )


_Ended = TypeVar("_Ended", Need, Proposal)


def _end(item: _Ended, status: str, already: _StrOrPromise) -> _Ended:
    """Put a need or a proposal in the status it does not leave; refused if it is there already."""
    if item.status == status:
        raise ValidationError(already)
    item.status = status
    item.save(update_fields=["status"])
    return item


def need_close(*, need: Need, by: User) -> Need:
    """Close a need: no more proposals; those made stay as they are."""
    if not permissions.can_post_need(by, need.organization):
        raise PermissionDenied(_("Only the need's own body closes it."))
    return _end(need, Need.Status.CLOSED, _("The need is already closed."))


# --- proposals -----------------------------------------------------------------------------------


def proposal_submit(*, need: Need, organization: Organization, given: ProposalInput, by: User) -> Proposal:
    """A partner answers an open need before its deadline: one proposal per partner (again after withdrawing)."""
    if not permissions.can_offer_solutions(by, organization):
        raise PermissionDenied(_("Only a partner's own staff propose for it."))
    if need.status != Need.Status.OPEN or need.deadline < timezone.localdate():
        raise ValidationError(_("This need no longer takes proposals."))
    if given.solution is not None and (
        given.solution.organization_id != organization.pk or given.solution.status != Solution.Status.PUBLISHED
    ):
        raise ValidationError({"solution": [_("Choose one of your own published solutions.")]})
    if not given.summary.strip():
        raise ValidationError({"summary": [_("Say what you propose.")]})
    try:
        with transaction.atomic():
            proposal = Proposal.objects.select_for_update().filter(need=need, organization=organization).first()
            if proposal is not None and proposal.status != Proposal.Status.WITHDRAWN:
                raise ValidationError(_("Your organisation has already proposed for this need."))
            proposal = proposal or Proposal(need=need, organization=organization)
            proposal.author, proposal.status = by, Proposal.Status.SUBMITTED
            proposal.summary, proposal.price_note, proposal.solution = given.summary, given.price_note, given.solution
            proposal.full_clean(exclude=["need", "organization", "author", "solution"], validate_unique=False)
            proposal.save()
            if need.author is not None:
                notification_create(
                    recipient=need.author,
                    title=format_lazy(_("{partner} proposed for “{need}”"), partner=organization.name, need=need.title),
                    url=reverse("community:proposal_detail", args=[proposal.pk]),
                )
    except IntegrityError:
        # Another submission of the same partner won the race.
        raise ValidationError(_("Your organisation has already proposed for this need.")) from None
    return proposal


def proposal_withdraw(*, proposal: Proposal, by: User) -> Proposal:
    if not permissions.can_offer_solutions(by, proposal.organization):
        raise PermissionDenied(_("Only the proposing partner withdraws its proposal."))
    return _end(proposal, Proposal.Status.WITHDRAWN, _("The proposal is already withdrawn."))


def proposal_decide(*, proposal: Proposal, shortlist: bool, by: User) -> Proposal:
    """The need's body shortlists a proposal or declines it; the partner is told."""
    if not permissions.can_post_need(by, proposal.need.organization):
        raise PermissionDenied(_("Only the need's own body decides on its proposals."))
    if proposal.status == Proposal.Status.WITHDRAWN:
        raise ValidationError(_("The partner has withdrawn this proposal."))
    proposal.status = Proposal.Status.SHORTLISTED if shortlist else Proposal.Status.DECLINED
    with transaction.atomic():
        proposal.save(update_fields=["status"])
        for partner in writers_of(proposal.organization):
            notification_create(
                recipient=partner,
                title=format_lazy(
                    _("Your proposal for “{need}”: {status}"),
                    need=proposal.need.title,
                    status=Proposal.Status(proposal.status).label,
                ),
                url=reverse("community:proposal_detail", args=[proposal.pk]),
            )
    return proposal


# --- solutions and references --------------------------------------------------------------------


def solution_save(
    *, organization: Organization, given: SolutionInput, by: User, solution: Solution | None = None
) -> Solution:
    """List a solution, or change one (a draft is seen only by the partner's own staff)."""
    if not permissions.can_offer_solutions(by, organization) or (
        solution is not None and solution.organization_id != organization.pk
    ):
        raise PermissionDenied(_("Only a partner's own staff list and change its solutions."))
    solution = solution or Solution(organization=organization)
    with transaction.atomic():
        _save(solution, given)
        search_entry_save(
            kind="solution",
            object_id=solution.pk,
            title=solution.title,
            parts=[solution.description, solution.price_note],
            organization=organization,
            indicator_codes=[i.code for i in solution.indicators.all()],
        )
    return solution


def reference_request(*, solution: Solution, organization: Organization, by: User) -> SolutionReference:
    """The partner names a municipality that uses the solution; the municipality is asked to confirm."""
    if not permissions.can_offer_solutions(by, solution.organization):
        raise PermissionDenied(_("Only the partner's own staff name reference municipalities."))
    if organization.kind != Organization.Kind.MUNICIPALITY:
        raise ValidationError({"municipality": [_("A reference is a municipality.")]})
    try:
        with transaction.atomic():
            reference = SolutionReference.objects.create(solution=solution, organization=organization)
            for person in writers_of(organization):
                notification_create(
                    recipient=person,
                    title=format_lazy(
                        _("{partner} names you as a user of “{solution}”"),
                        partner=solution.organization.name,
                        solution=solution.title,
                    ),
                    body=_("Confirm it if you use it, or decline: only a confirmed reference is shown."),
                    url=reverse("community:reference_decide", args=[reference.pk]),
                )
    except IntegrityError:
        raise ValidationError({"municipality": [_("This municipality is already named for this solution.")]}) from None
    return reference


def reference_decide(*, reference: SolutionReference, confirm: bool, by: User) -> SolutionReference:
    """Only the named municipality confirms or declines (and may change its mind later)."""
    if not permissions.can_decide_reference(by, reference.organization):
        raise PermissionDenied(_("Only the named municipality itself confirms that it uses a solution."))
    reference.status = SolutionReference.Status.CONFIRMED if confirm else SolutionReference.Status.DECLINED
    reference.decided_by = by
    reference.decided_at = timezone.now()
    reference.save(update_fields=["status", "decided_by", "decided_at"])
    return reference
