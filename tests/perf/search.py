"""`make perf`: the community search's first page at 2, 3,000 and 30,000 cases (issue 16: ≤ 50 ms at 30,000 on
PostgreSQL), with no term and with a common term, read by a town's viewer.

Needs the reference data loaded (municipalities and their organisations). Cases and their index entries are
bulk-created, synthetic, in the throw-away database `make perf` runs in.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.test import Client

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

SIZES = (2, 3_000, 30_000)
COMMON = "窓口"  # in about a third of the cases; its title in a tenth
WORDS = ("窓口", "電子申請", "RPA", "マイナンバー", "オープンデータ", "テレワーク", "防災", "AI議事録")


def _add_cases(count: int, rng: random.Random) -> None:
    from community.models import PracticeCase, SearchEntry
    from community.search import fold
    from dx_platform.organizations.models import Organization

    organizations = list(
        Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY).select_related("municipality")[:300]
    )
    cases = []
    for i in range(count):
        word = rng.choice(WORDS)
        body = f"{rng.choice(WORDS)}の導入で{'書かない窓口を作った' if rng.random() < 0.3 else '事務を減らした'}。"
        cases.append(
            PracticeCase(
                organization=rng.choice(organizations),
                status="published",
                title=f"{word}の事例{i}",
                problem="課題",
                what_was_done=body,
                outcome="success",
            )
        )
    cases = PracticeCase.objects.bulk_create(cases, batch_size=2_000)
    SearchEntry.objects.bulk_create(
        [
            SearchEntry(
                kind="case",
                object_id=case.pk,
                title=case.title,
                heading=fold(case.title),
                text=fold(f"{case.title}\n{case.problem}\n{case.what_was_done}"),
                organization=case.organization,
                prefecture_id=case.organization.prefecture_id,
                size_class=case.organization.municipality.size_class,  # type: ignore[union-attr]
                population=rng.randrange(1_000, 500_000),
                outcome=case.outcome,
            )
            for case in cases
        ],
        batch_size=2_000,
    )


def _median_ms(work: Callable[[], object]) -> float:
    work()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return sorted(timings)[2] * 1000


def _first_page(user: User, query: str) -> tuple[int, bool]:
    """What the page asks of the search: its results, their count and the first 20."""
    from community.selectors.search import Filters, search

    results = search(user=user, query=query, filters=Filters())
    page = Paginator(results.entries, 20).page(1)
    len(page.object_list)
    return page.paginator.count, results.capped


def search_timings() -> None:
    from community.models import PracticeCase
    from dx_platform.accounts.models import User
    from dx_platform.organizations.models import Membership, Organization, Role

    print("7. community search, first page, median of 5 (search ≤ 50 ms at 30,000 on PostgreSQL; page rendered too):")
    viewer = User.objects.create_user(email="perf-viewer@example.jp", password=None, name="perf")
    town = Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY).order_by("pk")[0]
    Membership.objects.create(user=viewer, organization=town, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    rng = random.Random(16)
    for size in SIZES:
        _add_cases(size - PracticeCase.objects.count(), rng)
        for label, query in (("no term", ""), (f"common term {COMMON}", COMMON)):
            search_ms = _median_ms(partial(_first_page, viewer, query))
            page_ms = _median_ms(partial(client.get, "/community/", {"q": query}))
            count, capped = _first_page(viewer, query)
            shown = f"{count:,} or more" if capped else f"{count:,}"
            print(f"   {size:>6,} cases, {label:<16} search {search_ms:6.1f} ms, page {page_ms:6.1f} ms, {shown} shown")
