"""Japanese search over cases, solutions, needs and procurements, within what the user may read.

Each word of the query (folded as the index is) must occur in the item's text, inside longer words
too: Japanese has no spaces between words. On PostgreSQL the pg_trgm index serves the LIKE; on
SQLite the FTS5 trigram table serves words of three characters or more (shorter ones scan).

Bounded: only the CANDIDATES newest matches (walked in the updated_at index) are ranked and listed, and
matches are counted no further than one past them, so the first page costs the same at any size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Abs
from django.utils import timezone

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization
from dx_platform.organizations.selectors import latest_population

from ..models import Need, PracticeCase, Procurement, SearchEntry, Solution
from ..search import terms

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    area: str = ""
    indicator: str = ""  # an indicator code
    size_class: str = ""
    prefecture_id: int | None = None
    outcome: str = ""
    extra: dict[str, str] = field(default_factory=dict)


CANDIDATES = 1000


@dataclass(frozen=True)
class Results:
    entries: QuerySet[SearchEntry]  # ranked; at most CANDIDATES
    capped: bool  # more matches than CANDIDATES: the newest CANDIDATES are the ones ranked


def visible_entries(*, user: User | AnonymousUser, today: dt.date | None = None) -> QuerySet[SearchEntry]:
    """Entries of items the user may read, by each kind's own rule in permissions.py."""
    today = today or timezone.localdate()
    visible = {
        SearchEntry.Kind.CASE: PracticeCase.objects.filter(permissions.practice_case_visibility(user, today)),
        SearchEntry.Kind.SOLUTION: Solution.objects.filter(permissions.solution_visibility(user)),
        SearchEntry.Kind.NEED: Need.objects.filter(permissions.need_visibility(user)),
        SearchEntry.Kind.PROCUREMENT: Procurement.objects.filter(permissions.procurement_visibility(user)),
    }
    rule = Q(pk__in=[])
    for kind, items in visible.items():
        rule |= Q(kind=kind, object_id__in=items.values("pk"))
    return SearchEntry.objects.filter(rule)


def _containing(entries: QuerySet[SearchEntry], term: str) -> QuerySet[SearchEntry]:
    if connection.vendor == "sqlite" and len(term) >= 3:
        phrase = '"' + term.replace('"', '""') + '"'
        return entries.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM community_searchentry_fts WHERE community_searchentry_fts MATCH %s", [phrase]
            )
        )
    return entries.filter(text__contains=term)


def _home(user: User | AnonymousUser) -> tuple[str, int | None]:
    """The size class and population of the user's own municipality, for 'similar size first'."""
    organization = (
        Organization.objects.filter(pk__in=permissions.own_organization_ids(user), municipality__isnull=False)
        .select_related("municipality")
        .first()
    )
    if organization is None:
        return "", None
    return organization.municipality.size_class, latest_population(organization)  # type: ignore[union-attr]


def search(*, user: User | AnonymousUser, query: str, filters: Filters) -> Results:
    """Matching entries, ranked: more words in the title first, then municipalities of the user's size."""
    entries = visible_entries(user=user)
    words = terms(query)
    for word in words:
        entries = _containing(entries, word)
    for name in ("kind", "area", "size_class", "outcome", "prefecture_id"):
        if getattr(filters, name):
            entries = entries.filter(**{name: getattr(filters, name)})
    if filters.indicator:
        entries = entries.filter(indicator_codes__contains=f" {filters.indicator} ")
    relevance = sum(
        (Case(When(heading__contains=word, then=Value(1)), default=Value(0)) for word in words),
        Value(0, output_field=IntegerField()),
    )
    size_class, population = _home(user)
    similar = Case(When(size_class=size_class, then=Value(1)), default=Value(0), output_field=IntegerField())
    order = [F("relevance").desc(), F("similar").desc()]
    if population is not None:
        order.append(Abs(F("population") - population).asc(nulls_last=True))
    # One walk for the candidates and whether there are more; the page and its count then read only them.
    newest = list(entries.order_by("-updated_at", "-pk").values_list("pk", flat=True)[: CANDIDATES + 1])
    ranked = (
        SearchEntry.objects.filter(pk__in=newest[:CANDIDATES])
        .annotate(relevance=relevance, similar=similar if size_class else Value(0))
        .select_related("organization", "prefecture")
        .order_by(*order, "-updated_at", "pk")
    )
    return Results(entries=ranked, capped=len(newest) > CANDIDATES)
