"""`make perf`: time and peak memory of the benchmark pipeline (a benchmark, not a test).

Prints, on this machine:
1. one year recomputed end to end through the database (1,741 municipalities × every FY2023 indicator),
2. the pure scoring step alone on the same data,
3. the scale set: 10 years × 1,741 municipalities × 150 indicators (2.6 M values), scoring only,
4. the prefecture page: server time and queries for prefectures of different sizes,
5. the coordinator's prefecture dashboard: the same, signed in as a coordinator of the three prefectures,
6. the bytes a first visit of the municipality page (and of the national page, with its map) transfers, static
   files served as in production (hashed, brotli): JavaScript target ≤ 1.5 MB.

Runs in a throw-away test database (SQLite unless DATABASE_URL is set).
"""

from __future__ import annotations

import io
import os
import platform
import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dx_platform.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

YEARS, MUNICIPALITIES, INDICATORS = 10, 1741, 150


def measure(label: str, work: Callable[[], Any], reset: Callable[[], Any] = lambda: None) -> None:
    """Time one run, then run again under tracemalloc for the peak of allocations (numpy's included).

    Two runs because tracing slows allocation-heavy code several times over.
    """
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    reset()
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<70} {elapsed:7.2f} s   peak {peak / 2**20:7.1f} MiB")


def random_survey_csv(year: int, rng: random.Random) -> bytes:
    from benchmarks.models import Indicator
    from dx_platform.organizations.models import Municipality

    codes = list(Municipality.objects.order_by("code").values_list("code", flat=True))
    lines = ["lg_code,fiscal_year,indicator,value"]
    for indicator in Indicator.objects.filter(catalog__fiscal_year=year).order_by("position"):
        for code in codes:
            if indicator.kind == "boolean":
                value = "1" if rng.random() < 0.5 else "0"
            elif indicator.kind == "procedure":
                value = rng.choice(("online", "offline", "na"))
            else:
                value = f"{rng.uniform(0, 100):.1f}"
            lines.append(f"{code},{year},{indicator.code},{value}")
    return "\n".join(lines).encode()


def scale_frames(rng: random.Random) -> list[tuple[Any, Any, Any]]:
    from benchmarks import scoring

    areas = scoring.AREAS
    catalog_rows = []
    for position in range(INDICATORS):
        area = areas[position % len(areas)]
        kind = "rate" if area == "mynumber" else ("procedure" if area.startswith("online") else "boolean")
        catalog_rows.append((f"{area}.{position:03d}", area, kind, True, position))
    classes = ("designated", "core", "large", "mid", "small", "town", "village")
    municipality_rows = [
        (f"{i:06d}", f"{i % 47 + 1:02d}", classes[i % 7], "town", 10_000 + i) for i in range(MUNICIPALITIES)
    ]
    frames = []
    for _ in range(YEARS):
        values = []
        for code, _area, kind, _scored, _position in catalog_rows:
            for municipality, *_ in municipality_rows:
                if kind == "boolean":
                    values.append((municipality, code, float(rng.random() < 0.5), "", ""))
                elif kind == "procedure":
                    values.append((municipality, code, None, rng.choice(("online", "offline", "na")), ""))
                else:
                    values.append((municipality, code, rng.uniform(0, 100), "", ""))
        frames.append(
            (
                scoring.values_frame(values),
                scoring.catalog_frame(catalog_rows),
                scoring.municipalities_frame(municipality_rows),
            )
        )
    return frames


def scale_benchmark() -> None:
    """Its 2.6 M-row frames are freed when this returns, before the page timings."""
    from benchmarks import scoring

    scale = scale_frames(random.Random(7))
    total = sum(len(values) for values, _, _ in scale)
    measure(
        f"3. scale set: {YEARS} years × {MUNICIPALITIES:,} × {INDICATORS} = {total / 1e6:.1f} M values "
        "(≤ 30 s, ≤ 1 GB)",
        lambda: [scoring.compute(*frame) for frame in scale],
    )


PREFECTURES = ("31", "20", "01")  # 鳥取県 19, 長野県 77, 北海道 179 municipalities


def page_timing(client: Client, url: str, label: str) -> None:
    """Median server time of five requests of a page (after one to warm caches and templates), its table
    rows and its queries."""
    client.get(url)
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
    assert response.status_code == 200, (url, response.status_code)
    rows = response.content.count(b"<tr") - 1
    median = sorted(timings)[2]
    print(f"   {label}: {rows:4d} table rows  {median * 1000:7.1f} ms  {len(queries):3d} queries")


def coordinator(pref_codes: tuple[str, ...]) -> Any:
    """A coordinator of the prefectures (the dashboard is theirs alone)."""
    from dx_platform.accounts.models import User
    from dx_platform.organizations.models import Membership, Organization, Role

    user = User.objects.create_user(email="perf-coordinator@example.jp", password=None, name="perf")
    for organization in Organization.objects.filter(
        kind=Organization.Kind.PREFECTURE, prefecture__pref_code__in=pref_codes
    ):
        Membership.objects.create(user=user, organization=organization, role=Role.COORDINATOR)
    return user


def first_visits() -> None:
    from tests.perf.first_visit import JS_BUDGET, collect, first_visit, js_bytes

    print("6. first visit, static files as in production (collectstatic, hashed names, brotli):")
    with tempfile.TemporaryDirectory(prefix="chiiki-dx-perf-static-") as root:
        collect(Path(root))
        for label, url in (("municipality 小布施町", "/benchmarks/municipalities/205419/"), ("nation", "/benchmarks/")):
            transfers = first_visit(url, root=Path(root))
            for t in transfers[1:]:
                print(f"   {t.kind:<8} {t.size:>10,} B  {t.encoding or 'identity':<8} {t.cache_control:<30} {t.url}")
            total = sum(t.size for t in transfers)
            js = js_bytes(transfers)
            verdict = "within" if js <= JS_BUDGET else "OVER"
            print(
                f"   {label}: JavaScript {js:,} B on the wire ({verdict} the {JS_BUDGET:,} B target); "
                f"page HTML {transfers[0].size:,} B; everything {total:,} B"
            )


def main() -> None:
    from benchmarks import scoring
    from benchmarks.models import Dataset, ScoreRun, Value
    from benchmarks.services import runs
    from benchmarks.services.imports import dataset_import

    print(
        f"Machine: {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, database {connection.vendor}"
    )
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for command in ("load_reference_data", "load_catalog"):
            call_command(command, stdout=io.StringIO())
        rng = random.Random(2023)
        data = random_survey_csv(2023, rng)
        outcome = dataset_import(
            data=data, file_name="perf.csv", name="perf", source="perf", origin="synthetic", by=None
        )
        dataset = outcome.dataset
        assert isinstance(dataset, Dataset)

        # The import already computed the scores; drop runs so the same inputs compute again.
        def drop_runs() -> None:
            ScoreRun.objects.filter(dataset=dataset).delete()

        drop_runs()
        count = Value.objects.filter(dataset=dataset).count()
        print(f"One year: {count:,} values ({MUNICIPALITIES:,} municipalities × {count // MUNICIPALITIES} indicators)")
        measure(
            "1. one year end to end through the database (target ≤ 2 s)",
            lambda: runs.recompute(dataset_id=dataset.pk),
            reset=drop_runs,
        )

        from benchmarks.models import Indicator

        catalog_rows = list(
            Indicator.objects.filter(catalog=dataset.catalog)
            .order_by("position")
            .values_list("code", "area", "kind", "scored", "position")
        )
        frames = (
            scoring.values_frame(
                Value.objects.filter(dataset=dataset).values_list(
                    "municipality__code", "indicator__code", "value", "status", "missing"
                )
            ),
            scoring.catalog_frame(catalog_rows),
            scoring.municipalities_frame(runs._municipality_rows()),
        )
        measure("2. scoring step alone, one year", lambda: scoring.compute(*frames))

        scale_benchmark()

        client = Client()
        print("4. prefecture page, median of 5 (target ≤ 150 ms, queries independent of size):")
        for pref_code in PREFECTURES:
            page_timing(client, f"/benchmarks/prefectures/{pref_code}/", f"prefecture {pref_code}")

        client.force_login(coordinator(PREFECTURES))
        print("5. prefecture dashboard, median of 5 (queries independent of size):")
        for pref_code in PREFECTURES:
            page_timing(client, f"/coordination/{pref_code}/", f"dashboard {pref_code}")
        first_visits()
        print(f"Process peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
