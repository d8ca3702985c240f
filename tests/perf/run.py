"""`make perf`: time and peak memory of the benchmark pipeline (a benchmark, not a test).

Prints, on this machine:
1. one year recomputed end to end through the database (read, score, write, publish) beside the bare pass of the
   method on the same input in memory (tests/perf/bare.py), timed pair by pair in this process: each one's median
   and the median of the pairs' ratios, for the real FY2023 dashboard data and the synthetic 87-item FY2023 survey;
   the bare pass is checked to give every score the run stored,
2. the scale set: 10 years × 1,741 municipalities × 150 indicators (2.6 M values) recomputed end to end through
   the database, in a process of its own (tests/perf/scale.py) for its peak resident memory,
3. the prefecture page: server time and queries for prefectures of different sizes,
4. the coordinator's prefecture dashboard: the same, signed in as a coordinator of the three prefectures,
5. the bytes a first visit of the municipality page (and of the national page, with its map) transfers, static
   files served as in production (hashed, brotli): JavaScript target ≤ 1.5 MB.

Runs in a throw-away test database (SQLite unless DATABASE_URL is set).
"""

from __future__ import annotations

import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dx_platform.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

YEARS, INDICATORS = 10, 150
PAIRS = 7
RATIO_TARGET, SCALE_SECONDS, SCALE_MIB = 4.0, 5.0, 512


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def end_to_end_vs_bare(label: str, dataset: Any) -> bool:
    """Recompute the dataset PAIRS times, each beside one bare pass on the same input; print medians and the
    ratio. Returns whether the bare pass gave every score the run stored."""
    from benchmarks.models import ScoreRun
    from benchmarks.services import runs
    from tests.perf import bare

    inputs = bare.read_inputs(dataset)
    product, baseline, ratios = [], [], []
    for _ in range(PAIRS):
        # The same inputs are not computed twice: drop the run so that each recompute does the whole work.
        ScoreRun.objects.filter(dataset=dataset).delete()
        product.append(timed(lambda: runs.recompute(dataset_id=dataset.pk)))
        baseline.append(timed(lambda: bare.scores(inputs)))
        ratios.append(product[-1] / baseline[-1])
    run = ScoreRun.objects.get(dataset=dataset)
    wrong = bare.differences(bare.stored_scores(run), bare.scores(inputs))
    ratio = statistics.median(ratios)
    check = "the same" if not wrong else f"DIFFER in {len(wrong)} cells: {wrong[:3]}"
    print(
        f"   {label} ({dataset.value_count:,} values): end to end {statistics.median(product):.3f} s, "
        f"bare pass {statistics.median(baseline):.3f} s, ratio {ratio:.2f} "
        f"(pairs {min(ratios):.2f}–{max(ratios):.2f}; target ≤ {RATIO_TARGET:g}); scores {check}"
    )
    return not wrong


def scale_datasets(rng: np.random.Generator) -> list[int]:
    """The scale set in the database: YEARS catalogs of INDICATORS items and a dataset of every municipality's
    answer to each (written as the run writer writes, not timed)."""
    from benchmarks import scoring
    from benchmarks.models import CatalogYear, Dataset, Indicator, Value
    from benchmarks.services import runs
    from dx_platform.organizations.models import Municipality

    municipalities = np.array(Municipality.objects.order_by("code").values_list("pk", flat=True))
    dataset_ids = []
    for year in range(2030, 2030 + YEARS):
        catalog = CatalogYear.objects.create(fiscal_year=year)
        items = []
        for position in range(INDICATORS):
            area = scoring.AREAS[position % len(scoring.AREAS)]
            kind = "rate" if area == "mynumber" else "procedure" if area.startswith("online") else "boolean"
            code = f"{area}.scale{position:03d}"
            items.append(
                Indicator(
                    catalog=catalog, code=code, area=area, kind=kind, scored=True, position=position, name_ja=code
                )
            )
        items = Indicator.objects.bulk_create(items)
        dataset = Dataset.objects.create(
            catalog=catalog,
            name=f"scale {year}",
            source="make perf (random, synthetic)",
            origin=Dataset.Origin.SYNTHETIC,
            file_name="scale.csv",
            sha256=f"{year:064d}",
            status=Dataset.Status.READY,
            value_count=len(items) * len(municipalities),
        )
        kind = np.repeat([item.kind for item in items], len(municipalities))
        value = np.where(kind == "boolean", rng.integers(0, 2, len(kind)), rng.uniform(0, 100, len(kind)))
        status = np.where(kind == "procedure", rng.choice(["online", "offline", "na"], len(kind)), "")
        rows = zip(
            [dataset.pk] * len(kind),
            np.tile(municipalities, len(items)).tolist(),
            np.repeat([item.pk for item in items], len(municipalities)).tolist(),
            [None if k == "procedure" else v for k, v in zip(kind.tolist(), value.tolist(), strict=True)],
            status.tolist(),
            [""] * len(kind),
            strict=True,
        )
        # In a transaction: outside one, SQLite would commit each of the 261,150 rows on its own.
        with transaction.atomic():
            runs._insert(Value, ["dataset", "municipality", "indicator", "value", "status", "missing"], rows)
        dataset_ids.append(dataset.pk)
    return dataset_ids


def scale_benchmark() -> None:
    """Recompute the scale set in a child process that reads the same database: its peak RSS is the run's."""
    dataset_ids = scale_datasets(np.random.default_rng(7))
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        login = quote(settings["USER"]) + (f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else "")
        url = f"postgres://{login}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    else:
        url = f"sqlite:///{settings['NAME']}"
    out = subprocess.run(
        [sys.executable, "-m", "tests.perf.scale", *map(str, dataset_ids)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    print(
        f"2. scale set: {YEARS} years × 1,741 × {INDICATORS} = {YEARS * 1741 * INDICATORS / 1e6:.1f} M values, every "
        f"year recomputed end to end: {figures['seconds']:.2f} s (target ≤ {SCALE_SECONDS:g} s), peak RSS "
        f"{figures['rss_peak_mib']:.0f} MiB (target ≤ {SCALE_MIB}; {figures['rss_before_mib']:.0f} MiB before the run)"
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

    print("5. first visit, static files as in production (collectstatic, hashed names, brotli):")
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
    from benchmarks.services.dashboard import dashboard_dataset_load
    from benchmarks.services.synthetic import synthetic_dataset_load

    print(
        f"Machine: {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, database {connection.vendor}"
    )
    setup_test_environment()
    if connection.vendor == "sqlite":
        # A file rather than memory, so that the scale set's child process opens the same database.
        connection.settings_dict["TEST"]["NAME"] = str(Path(tempfile.gettempdir()) / f"chiiki-dx-perf-{os.getpid()}.db")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for command in ("load_reference_data", "load_catalog"):
            call_command(command, stdout=io.StringIO())
        print("1. one year end to end through the database vs the bare pass, pair by pair (median of 7):")
        same = end_to_end_vs_bare("real FY2023 dashboard", dashboard_dataset_load().dataset)
        same &= end_to_end_vs_bare(
            "synthetic FY2023 survey, 87 items", synthetic_dataset_load(seed=1, fiscal_year=2023).dataset
        )
        scale_benchmark()

        client = Client()
        print("3. prefecture page, median of 5 (target ≤ 150 ms, queries independent of size):")
        for pref_code in PREFECTURES:
            page_timing(client, f"/benchmarks/prefectures/{pref_code}/", f"prefecture {pref_code}")

        client.force_login(coordinator(PREFECTURES))
        print("4. prefecture dashboard, median of 5 (queries independent of size):")
        for pref_code in PREFECTURES:
            page_timing(client, f"/coordination/{pref_code}/", f"dashboard {pref_code}")
        first_visits()
        from tests.perf.search import search_timings

        search_timings()
        print(f"Process peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if not same:
        sys.exit("The bare pass and the product disagree: the ratios compare different work.")


if __name__ == "__main__":
    main()
