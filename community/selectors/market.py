"""Reads of needs, solutions, proposals and references, scoped by the rules in permissions.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from dx_platform.accounts.models import User
from dx_platform.organizations import permissions
from dx_platform.organizations.models import REGIONAL_KINDS, Organization

from ..models import Need, Proposal, Solution, SolutionReference

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# The qualifications a solution list can require (fields of Solution).
QUALIFICATIONS = ("ismap", "lgwan_asp", "unified_qualification")


@dataclass(frozen=True)
class NeedFilters:
    category: str = ""
    area: str = ""
    status: str = ""


@dataclass(frozen=True)
class SolutionFilters:
    category: str = ""
    deployment: str = ""
    qualifications: tuple[str, ...] = ()  # names in QUALIFICATIONS, all required


def need_list(
    *, user: User | AnonymousUser, filters: NeedFilters | None = None, with_indicators: bool = False
) -> QuerySet[Need]:
    """The needs the user may read; `with_indicators`: with their survey items (as the API gives them)."""
    filters = filters or NeedFilters()
    needs = Need.objects.filter(permissions.need_visibility(user))
    for name in ("category", "area", "status"):
        if getattr(filters, name):
            needs = needs.filter(**{name: getattr(filters, name)})
    needs = needs.select_related("organization")
    return needs.prefetch_related("indicators") if with_indicators else needs


def needs_open_for_proposals(*, user: User | AnonymousUser) -> QuerySet[Need]:
    """The needs the user may read that take proposals, the soonest deadline first."""
    return need_list(user=user, filters=NeedFilters(status=Need.Status.OPEN)).order_by("deadline", "pk")


def need_for(*, user: User | AnonymousUser, pk: int) -> Need | None:
    return need_list(user=user).select_related("author").prefetch_related("indicators").filter(pk=pk).first()


def solution_list(
    *, user: User | AnonymousUser, filters: SolutionFilters | None = None, with_indicators: bool = False
) -> QuerySet[Solution]:
    """The solutions the user may read with their confirmed references; `with_indicators`: with their
    survey items (as the API gives them)."""
    filters = filters or SolutionFilters()
    solutions = Solution.objects.filter(permissions.solution_visibility(user))
    for name in ("category", "deployment"):
        if getattr(filters, name):
            solutions = solutions.filter(**{name: getattr(filters, name)})
    for name in filters.qualifications:
        if name not in QUALIFICATIONS:
            raise ValueError(name)
        solutions = solutions.filter(**{name: True})
    confirmed = Count("references", filter=Q(references__status=SolutionReference.Status.CONFIRMED))
    # Ordered again: a query with an aggregate does not take the model's default ordering.
    solutions = (
        solutions.select_related("organization").annotate(confirmed_references=confirmed).order_by("title", "pk")
    )
    return solutions.prefetch_related("indicators") if with_indicators else solutions


def solution_for(*, user: User | AnonymousUser, pk: int) -> Solution | None:
    return solution_list(user=user).prefetch_related("indicators").filter(pk=pk).first()


def proposal_list(*, user: User | AnonymousUser, need: Need | None = None) -> QuerySet[Proposal]:
    """Proposals the user may read (to one need, if given): their own partner's, and those answering their
    own body's needs."""
    proposals = Proposal.objects.filter(permissions.proposal_visibility(user))
    if need is not None:
        proposals = proposals.filter(need=need)
    return proposals.select_related("need", "need__organization", "organization", "solution", "author")


def proposal_for(*, user: User | AnonymousUser, pk: int) -> Proposal | None:
    return proposal_list(user=user).filter(pk=pk).first()


def reference_list(*, user: User | AnonymousUser) -> QuerySet[SolutionReference]:
    return SolutionReference.objects.filter(permissions.solution_reference_visibility(user)).select_related(
        "solution", "solution__organization", "organization", "decided_by"
    )


def references_of(*, user: User | AnonymousUser, solution: Solution) -> QuerySet[SolutionReference]:
    """The solution's references the user may see: the confirmed ones, and every one to the partner itself."""
    return reference_list(user=user).filter(solution=solution)


def reference_for(*, user: User | AnonymousUser, pk: int) -> SolutionReference | None:
    return reference_list(user=user).filter(pk=pk).first()


def reference_requests(*, user: User | AnonymousUser) -> QuerySet[SolutionReference]:
    """Pending requests naming a municipality the user decides for."""
    deciding = Organization.objects.filter(
        permissions.writable_organizations(user), kind=Organization.Kind.MUNICIPALITY
    )
    return reference_list(user=user).filter(organization__in=deciding, status=SolutionReference.Status.PENDING)


def need_posting_organizations(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    """The municipalities and prefectures the user may post needs for."""
    return Organization.objects.filter(permissions.writable_organizations(user), kind__in=REGIONAL_KINDS)


def has_need_posting_organizations(*, user: User | AnonymousUser) -> bool:
    """Whether the user posts needs for some body (to offer posting one)."""
    return need_posting_organizations(user=user).exists()


def partner_organizations(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    """The partners the user speaks for (to list solutions and make proposals)."""
    return Organization.objects.filter(permissions.writable_organizations(user), kind=Organization.Kind.PARTNER)


def has_partner_organizations(*, user: User | AnonymousUser) -> bool:
    """Whether the user speaks for some partner."""
    return partner_organizations(user=user).exists()


def has_proposing_organizations(*, user: User | AnonymousUser, need: Need) -> bool:
    """Whether a partner the user speaks for may still propose for the need."""
    return proposing_organizations(user=user, need=need).exists()


def proposing_organizations(*, user: User | AnonymousUser, need: Need) -> QuerySet[Organization]:
    """The partners the user speaks for that have no live proposal for the need (one per partner)."""
    live = Proposal.objects.filter(need=need, organization=OuterRef("pk")).exclude(status=Proposal.Status.WITHDRAWN)
    return partner_organizations(user=user).exclude(Exists(live))
