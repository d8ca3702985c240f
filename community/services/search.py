"""The search index: every searchable item writes its folded text here when it is saved."""

from __future__ import annotations

from collections.abc import Iterable

from dx_platform.organizations.models import Organization
from dx_platform.organizations.selectors import latest_population

from ..models import SearchEntry
from ..search import fold


def search_entry_save(
    *,
    kind: str,
    object_id: int,
    title: str,
    parts: Iterable[str],
    organization: Organization | None,
    area: str = "",
    outcome: str = "",
    indicator_codes: Iterable[str] = (),
    population: int | None = None,
    anonymous: bool = False,
) -> SearchEntry:
    """Index one item (again): its title and text parts folded, with what the filters and ranking need.

    An anonymised item keeps its size class and (given, rounded) population for filters and ranking, but
    neither its organisation nor its prefecture: in a small prefecture those could name the town.
    """
    municipality = organization.municipality if organization and organization.municipality_id else None
    codes = sorted(set(indicator_codes))
    if population is None and organization is not None and not anonymous:
        # Not for an anonymised item: its exact figure would name it; it has the rounded one it is given, or none.
        population = latest_population(organization)
    entry, _created = SearchEntry.objects.update_or_create(
        kind=kind,
        object_id=object_id,
        defaults={
            "title": title[:200],
            "heading": fold(title)[:200],
            "text": fold("\n".join([title, *parts])),
            "organization": None if anonymous else organization,
            "prefecture_id": organization.prefecture_id if organization and not anonymous else None,
            "size_class": municipality.size_class if municipality else "",
            "population": population,
            "area": area,
            "outcome": outcome,
            "indicator_codes": f" {' '.join(codes)} " if codes else "",
        },
    )
    return entry


def search_entry_delete(*, kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()
