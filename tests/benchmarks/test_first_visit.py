"""A first visit loads fast: the site's own plotly bundle draws every chart the site makes, and a first visit of a
municipality's page, served as in production, puts at most 1.5 MB of JavaScript on the wire, compressed and
cached for good under hashed names."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import plotly.offline
import pytest
from django.core.management import call_command

from tests.perf.first_visit import JS_BUDGET, collect, first_visit, js_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
BUNDLE = ROOT / "static" / "js" / "plotly.min.js"
TRACES = json.loads((ROOT / "tools" / "plotly-bundle" / "traces.json").read_text())
CHART_MODULES = [ROOT / app / "charts.py" for app in ("benchmarks", "assessments", "coordination")]


def _bundle_banner() -> str:
    return BUNDLE.read_text(encoding="utf-8")[:400]


def test_the_bundle_holds_every_trace_type_the_site_draws():
    drawn = {
        name.lower()
        for module in CHART_MODULES
        for name in re.findall(r"\bgo\.([A-Z][A-Za-z]+)\(", module.read_text())
        if name not in ("Figure", "Layout")
    }
    assert drawn, "no chart module draws a trace: the pattern no longer matches the chart code"
    assert drawn <= set(TRACES), f"trace types missing from tools/plotly-bundle/traces.json: {drawn - set(TRACES)}"
    # The committed bundle was built from that list.
    assert f"(custom bundle: {', '.join(TRACES)})" in _bundle_banner()


def test_the_bundle_is_the_plotly_js_version_the_python_side_writes_figures_for():
    assert f"plotly.js v{plotly.offline.get_plotlyjs_version()} " in _bundle_banner()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("static")
    collect(root)
    return root


@pytest.fixture
def scored(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for command in ("load_reference_data", "load_catalog", "load_dashboard_dataset"):
            call_command(command, stdout=io.StringIO())


def test_a_first_visit_of_a_municipality_page_transfers_at_most_1_5_mb_of_javascript(scored, static_root):
    transfers = first_visit("/benchmarks/municipalities/205419/", root=static_root)
    scripts = [t for t in transfers if t.kind == "js"]
    assert any("plotly" in t.url for t in scripts), "the page draws its radar chart with plotly"
    assert js_bytes(transfers) <= JS_BUDGET
    for t in transfers[1:]:
        # Brotli as asked, under a hashed name a browser keeps for good (a new build gets a new name).
        assert t.encoding == "br", t
        assert "immutable" in t.cache_control and "max-age=315360000" in t.cache_control, t
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", t.url), t


def test_the_municipality_page_says_where_it_stands_first(scored, client):
    """Composite, national rank of all ranked, rank in the size class, then the areas; notes come last."""
    from benchmarks.models import MunicipalityScore

    score = MunicipalityScore.objects.filter(municipality__code="205419").latest("run_id")
    ranked = MunicipalityScore.objects.filter(run=score.run, rank__isnull=False).count()
    page = client.get("/benchmarks/municipalities/205419/").content.decode()
    assert f"<dd>{score.rank:,} / {ranked:,}</dd>" in page and ranked > 1000
    assert f"<dd>{score.peer_rank:,} / {score.peer_size:,}</dd>" in page
    stands, radar = page.index("総合偏差値（全国）"), page.index('id="radar"')
    assert stands < radar < page.index('id="next-heading"') < page.index('id="answers-heading"')
    assert "次の一手" in page and "次の一歩" not in page
    assert '<th scope="col">回答</th>' in page and "回答する" not in page
