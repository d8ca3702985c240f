"""The run writer (COPY on PostgreSQL, executemany on SQLite) stores every score the method gives.

Each dataset is scored again by the bare pass of tests/perf/bare.py, written apart from benchmarks/scoring.py and
fed by a plain `values_list` rather than the product's reader, and every stored row is compared with it: the
real FY2023 dashboard data and the synthetic 87-item FY2023 survey.
"""

from __future__ import annotations

import json

import pytest

from benchmarks.models import ItemRate, ScoreRun
from benchmarks.services import runs
from benchmarks.services.dashboard import dashboard_dataset_load
from benchmarks.services.synthetic import synthetic_dataset_load
from tests.perf import bare

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]


def real() -> object:
    return dashboard_dataset_load().dataset


def synthetic() -> object:
    return synthetic_dataset_load(seed=1, fiscal_year=2023).dataset


@pytest.mark.parametrize("load", [real, synthetic])
def test_every_stored_score_is_the_methods(load):
    dataset = load()
    run = runs.recompute(dataset_id=dataset.pk)
    assert run.status == ScoreRun.Status.COMPLETE

    expected = bare.scores(bare.read_inputs(dataset))
    stored = bare.stored_scores(run)
    assert len(stored["municipal"]) == 1741
    assert len(stored["prefectural"]) == 47
    assert len(stored["items"]) > 1741 // 10
    assert bare.differences(stored, expected) == []


def test_left_out_counts_are_stored_as_the_reasons_with_their_counts():
    """The real dashboard leaves values out as 調査無し (excluded): the JSON names only the reasons that occur."""
    run = runs.recompute(dataset_id=real().pk)
    left_out = list(ItemRate.objects.filter(run=run).values_list("left_out", flat=True))
    assert {} in left_out
    assert any(counts.get("excluded", 0) > 0 for counts in left_out)
    assert all(counts and all(n > 0 for n in counts.values()) for counts in left_out if counts != {})
    assert all(json.loads(json.dumps(counts)) == counts for counts in left_out)
