"""Next best steps of a municipality: what most of its peers have done and it has not, with help to do it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from benchmarks.models import Indicator
from benchmarks.selectors import item_rates, municipality_values, next_steps
from community.models import PracticeCase, Procurement
from community.selectors.cases import readable_cases
from community.selectors.procurement import joinable_procurements
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization

from .pool import Match, days_left
from .scores import latest_scores

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def next_steps_municipality(*, user: User | AnonymousUser, code: str) -> Municipality | None:
    """The municipality (with its prefecture), if the user may see its next steps: its members and its
    prefecture's coordinators, as for its self-assessment."""
    organization = (
        Organization.objects.select_related("municipality__prefecture").filter(municipality__code=code).first()
    )
    if organization is None or not permissions.can_view_assessment(user, organization):
        return None
    return organization.municipality


@dataclass(frozen=True)
class NextStep:
    indicator: Indicator
    peer_rate: float
    cases: list[PracticeCase]  # of similar municipalities first
    procurements: list[Procurement]  # still open to join
    specialists: list[Match]


def next_best_steps(*, user: User | AnonymousUser, municipality: Municipality, per_item: int = 3) -> list[NextStep]:
    """The items most of the municipality's size-class peers have done and it has not, each with practice
    cases (similar sizes first) that the user may read, joint procurements open to join and, for the
    prefecture's coordinators (who alone see the pool), its specialists with that area's skill and days left
    this month."""
    scores = latest_scores()
    if scores is None:
        return []
    values = list(municipality_values(dataset=scores.dataset, municipality=municipality))
    steps = next_steps(
        values=values, peer_rates=item_rates(run=scores.run, level="size_class", group=municipality.size_class)
    )
    codes = [indicator.code for indicator, _rate in steps]
    today = timezone.localdate()
    cases = list(
        readable_cases(user=user, today=today)
        .filter(indicators__code__in=codes)
        .exclude(organization__municipality=municipality)
        .prefetch_related("indicators")
        .distinct()
    )
    procurements = list(
        joinable_procurements(user=user, today=today)
        .filter(indicators__code__in=codes)
        .prefetch_related("indicators")
        .distinct()
    )
    coordinates = permissions.can_coordinate(user, municipality.prefecture_id)
    pool = days_left(prefecture_id=municipality.prefecture_id, month=today) if coordinates else []
    result = []
    for indicator, rate in steps:
        related = [c for c in cases if any(i.code == indicator.code for i in c.indicators.all())]
        related.sort(
            key=lambda c: (c.size_class != municipality.size_class, -(c.published_at or c.created_at).timestamp())
        )
        result.append(
            NextStep(
                indicator=indicator,
                peer_rate=rate,
                cases=related[:per_item],
                procurements=[p for p in procurements if any(i.code == indicator.code for i in p.indicators.all())][
                    :per_item
                ],
                specialists=sorted(
                    (
                        Match(s, True, any(m.pk == municipality.pk for m in s.municipalities.all()), left)
                        for s, left in pool
                        if indicator.area in s.skills and left > 0
                    ),
                    key=lambda m: (not m.serves, -m.remaining, m.specialist.name),
                )[:per_item],
            )
        )
    return result
