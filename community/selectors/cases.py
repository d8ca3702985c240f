"""Reads of practice cases (事例), scoped to who may see them, and how their author is shown.

Visibility is permissions.practice_case_visibility (drafts and embargoed cases stay with their author
body, staff-only cases with the public sector); the author of an anonymised case is shown by
permissions.can_see_case_author, in pages and API alike, through author_label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarks.models import Indicator
from benchmarks.selectors import catalog_for
from dx_platform.organizations import permissions
from dx_platform.organizations.models import REGIONAL_KINDS, Organization

from ..models import Adoption, CaseAttachment, PracticeCase

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def newest_indicators(*, codes: Collection[str] | None = None) -> QuerySet[Indicator]:
    """The survey items cases, needs, solutions and the search are tagged with: those of the newest
    catalog, in its order (only those of these codes, if given)."""
    catalog = catalog_for()
    if catalog is None:
        return Indicator.objects.none()
    items = catalog.indicators.order_by("position")
    return items if codes is None else items.filter(code__in=codes)


def readable_cases(*, user: User | AnonymousUser, today: dt.date | None = None) -> QuerySet[PracticeCase]:
    """The cases the user may read (plain: to filter other things by)."""
    return PracticeCase.objects.filter(permissions.practice_case_visibility(user, today or timezone.localdate()))


def case_list(*, user: User | AnonymousUser, today: dt.date | None = None) -> QuerySet[PracticeCase]:
    """The cases the user may read, each with its adoption count (`adoption_count`)."""
    return (
        readable_cases(user=user, today=today)
        .select_related("organization", "organization__municipality", "author")
        .annotate(adoption_count=Count("adoptions", distinct=True))
    )


def case_for(*, user: User | AnonymousUser, pk: int) -> PracticeCase | None:
    """One case the user may read, with its metrics, survey items and kit; None if they may not."""
    return case_list(user=user).prefetch_related("metrics", "indicators", "attachments").filter(pk=pk).first()


def attachment_list(*, user: User | AnonymousUser) -> QuerySet[CaseAttachment]:
    """The kits of the cases the user may read."""
    return CaseAttachment.objects.filter(case__in=readable_cases(user=user))


def is_released(case: PracticeCase, today: dt.date | None = None) -> bool:
    """Published and out of embargo: what bodies other than the author may see, adopt and ask about."""
    today = today or timezone.localdate()
    return case.status == PracticeCase.Status.PUBLISHED and (case.embargo_until is None or case.embargo_until <= today)


@dataclass(frozen=True)
class CaseFilters:
    outcome: str = ""
    area: str = ""
    size_class: str = ""
    ours: bool = False  # written by one of the user's bodies
    adopted_by_us: bool = False  # adopted by one of the user's bodies
    sort: str = ""  # "adoptions": most adopted first; else newest first (drafts on top)


def case_filter(
    cases: QuerySet[PracticeCase], *, user: User | AnonymousUser, filters: CaseFilters
) -> QuerySet[PracticeCase]:
    for name in ("outcome", "area", "size_class"):
        if getattr(filters, name):
            cases = cases.filter(**{name: getattr(filters, name)})
    own = permissions.own_organization_ids(user)
    if filters.ours:
        cases = cases.filter(organization_id__in=own)
    if filters.adopted_by_us:
        cases = cases.filter(pk__in=Adoption.objects.filter(organization_id__in=own).values("case_id"))
    newest = (F("published_at").desc(nulls_first=True), "-pk")
    if filters.sort == "adoptions":
        return cases.order_by(F("adoption_count").desc(), *newest)
    return cases.order_by(*newest)


def cases_with_details(*, user: User | AnonymousUser, filters: CaseFilters) -> QuerySet[PracticeCase]:
    """The cases the user may read, filtered and ordered, each with its metrics, survey items and kit (as
    the API gives them)."""
    cases = case_list(user=user).prefetch_related("metrics", "indicators", "attachments")
    return case_filter(cases, user=user, filters=filters)


def authoring_organizations(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    """The municipalities and prefectures the user may write cases for."""
    return Organization.objects.filter(permissions.writable_organizations(user), kind__in=REGIONAL_KINDS)


def has_authoring_organizations(*, user: User | AnonymousUser) -> bool:
    """Whether the user writes cases for some body (to offer writing one)."""
    return authoring_organizations(user=user).exists()


def adopting_organizations(*, user: User | AnonymousUser, case: PracticeCase) -> list[Organization]:
    """The user's bodies that may still say they adopted the case (not the author, not adopted yet)."""
    adopted = set(case.adoptions.values_list("organization_id", flat=True))
    return [
        organization
        for organization in authoring_organizations(user=user)
        if organization.pk not in adopted and permissions.can_adopt(user, organization, case.organization)
    ]


def adoption_list(*, user: User | AnonymousUser, case: PracticeCase | None = None) -> QuerySet[Adoption]:
    """The adoptions of the cases the user may read (of one case, if given), with the bodies involved."""
    adoptions = Adoption.objects.filter(case__in=readable_cases(user=user))
    if case is not None:
        adoptions = adoptions.filter(case=case)
    return adoptions.select_related("organization", "case__organization")


def own_adoptions(*, user: User | AnonymousUser, case: PracticeCase) -> QuerySet[Adoption]:
    """The adoptions of this case by the user's bodies (which the user may undo)."""
    return case.adoptions.filter(organization_id__in=permissions.own_organization_ids(user)).select_related(
        "organization"
    )


def shown_population(population: int | None) -> int | None:
    """A population rounded to two significant digits: the exact figure is public reference data and
    would name an anonymised body."""
    if population is None or population < 100:
        return population
    return round(population, 2 - len(str(population)))


def author_visible(user: User | AnonymousUser, case: PracticeCase) -> bool:
    return permissions.can_see_case_author(user, case.organization, case.anonymous)


def anonymous_label(case: PracticeCase) -> str:
    """How an anonymised case's author is shown to others: size class and rounded population only."""
    if case.organization.kind == Organization.Kind.PREFECTURE:
        return _("An anonymised prefecture")
    population = shown_population(case.population)
    if population is None:
        return _("An anonymised body (%(size)s)") % {"size": case.get_size_class_display()}
    return _("An anonymised body (%(size)s, population about %(population)s)") % {
        "size": case.get_size_class_display(),
        "population": f"{population:,}",
    }


def author_label(*, user: User | AnonymousUser, case: PracticeCase) -> str:
    """The author body's name, or the anonymised label to those who may not see behind it."""
    return case.organization.name if author_visible(user, case) else anonymous_label(case)


def attachment_for(*, user: User | AnonymousUser, case_pk: int, pk: int) -> CaseAttachment | None:
    """A piece of a kit, if the user may read its case."""
    return CaseAttachment.objects.filter(case__in=readable_cases(user=user), case_id=case_pk, pk=pk).first()
