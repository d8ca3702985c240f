"""Score runs (services.runs, tasks.recompute, recompute_benchmarks): immutable, keyed by inputs, all-or-nothing."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from benchmarks import scoring, tasks
from benchmarks.models import Dataset, Indicator, ItemRate, MunicipalityScore, PrefectureScore, ScoreRun, Value
from benchmarks.scoring import AREAS
from benchmarks.selectors import published_run
from benchmarks.services import runs
from benchmarks.services.imports import dataset_import
from dx_platform.organizations.models import Municipality, PopulationRecord
from dx_platform.organizations.reference_data import SIZE_CLASS_POPULATION_DATE
from tests.benchmarks.support import long_csv, municipality_codes, sample_answers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

MUNICIPAL_FLOATS = [
    *(f"{kind}_{area}" for kind in ("rate", "dev", "peer_dev") for area in AREAS),
    "composite",
    "peer_composite",
]
MUNICIPAL_INTS = ["rank", "peer_rank", "composite_areas", "peer_size"]
PREFECTURAL_FLOATS = [*(f"{kind}_{area}" for kind in ("rate", "dev") for area in AREAS), "composite"]
PREFECTURAL_FLOATS.append("towns_villages_share")
PREFECTURAL_INTS = ["rank", "n_municipalities"]


@pytest.fixture
def dataset() -> Dataset:
    """A small valid FY2023 dataset (its enqueued recompute does not run: tests are not committed)."""
    outcome = dataset_import(
        data=long_csv(sample_answers(municipality_codes())),
        file_name="survey.csv",
        name="テスト調査",
        source="テスト",
        origin=Dataset.Origin.SYNTHETIC,
        by=None,
    )
    assert outcome.dataset is not None
    assert not ScoreRun.objects.exists()
    return outcome.dataset


def expected_result(dataset: Dataset) -> scoring.Result:
    """scoring.compute on frames read straight from the database."""
    values = Value.objects.filter(dataset=dataset).values_list(
        "municipality__code", "indicator__code", "value", "status", "missing"
    )
    catalog = Indicator.objects.filter(catalog=dataset.catalog).values_list(
        "code", "area", "kind", "scored", "position"
    )
    population = dict(
        PopulationRecord.objects.filter(as_of=SIZE_CLASS_POPULATION_DATE).values_list(
            "municipality__code", "population"
        )
    )
    municipalities = [
        (code, pref_code, size_class, kind, population[code])
        for code, pref_code, size_class, kind in Municipality.objects.values_list(
            "code", "prefecture__pref_code", "size_class", "kind"
        )
    ]
    return scoring.compute(
        scoring.values_frame(values), scoring.catalog_frame(catalog), scoring.municipalities_frame(municipalities)
    )


def same(stored: Any, computed: Any) -> bool:
    if computed is None or (isinstance(computed, float) and math.isnan(computed)):
        return stored is None
    return stored is not None and math.isclose(stored, computed, rel_tol=1e-12, abs_tol=1e-9)


def rows_of(run: ScoreRun) -> tuple[int, int, int]:
    return (
        MunicipalityScore.objects.filter(run=run).count(),
        PrefectureScore.objects.filter(run=run).count(),
        ItemRate.objects.filter(run=run).count(),
    )


# --- a run ---------------------------------------------------------------------------------------


def test_recompute_publishes_a_complete_run_matching_scoring(dataset):
    run = runs.recompute(dataset_id=dataset.pk)
    assert run.status == ScoreRun.Status.COMPLETE
    assert run.finished_at is not None
    assert run.error == ""
    assert published_run(dataset=dataset) == run

    result = expected_result(dataset)
    municipal = MunicipalityScore.objects.filter(run=run).select_related("municipality")
    assert municipal.count() == len(result.municipal) == 1741
    for score in municipal:
        row = result.municipal.loc[score.municipality.code]
        for name in MUNICIPAL_FLOATS:
            assert same(getattr(score, name), row[name]), (score.municipality.code, name)
        for name in MUNICIPAL_INTS:
            assert same(getattr(score, name), None if math.isnan(row[name]) else int(row[name])), name

    prefectural = PrefectureScore.objects.filter(run=run).select_related("prefecture")
    assert prefectural.count() == len(result.prefectural) == 47
    for score in prefectural:
        row = result.prefectural.loc[score.prefecture.pref_code]
        for name in PREFECTURAL_FLOATS + PREFECTURAL_INTS:
            assert same(getattr(score, name), row[name]), (score.prefecture.pref_code, name)

    items = {
        (code, level, group): (rate, n)
        for code, level, group, rate, n in ItemRate.objects.filter(run=run).values_list(
            "indicator__code", "level", "group", "rate", "n"
        )
    }
    expected = {(r["indicator"], r["level"], r["group"]): (r["rate"], r["n"]) for r in scoring.records(result.items)}
    assert items.keys() == expected.keys()
    assert all(same(items[key][0], rate) and items[key][1] == n for key, (rate, n) in expected.items())
    assert run.statistics["correlations"].keys() == result.correlations.keys()
    for name, value in result.correlations.items():
        assert same(run.statistics["correlations"][name], value), name


def test_the_same_inputs_return_the_same_run(dataset):
    first = tasks.recompute.delay(dataset_id=dataset.pk).get()
    counts = rows_of(ScoreRun.objects.get(pk=first))
    second = tasks.recompute.delay(dataset_id=dataset.pk).get()
    assert second == first
    assert ScoreRun.objects.count() == 1
    assert rows_of(ScoreRun.objects.get(pk=second)) == counts == (1741, 47, counts[2])
    assert runs.recompute(dataset_id=dataset.pk).pk == first


def change_size_class(monkeypatch: pytest.MonkeyPatch) -> None:
    town = Municipality.objects.filter(size_class=Municipality.SizeClass.TOWN).order_by("code").first()
    assert town is not None
    town.size_class = Municipality.SizeClass.VILLAGE
    town.save(update_fields=["size_class"])


def change_scoring_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "SCORING_VERSION", "test-next")


def change_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    Indicator.objects.filter(catalog__fiscal_year=2023, code="service.ai").update(scored=False)


@pytest.mark.parametrize("change", [change_size_class, change_scoring_version, change_catalog])
def test_changed_inputs_make_a_new_run(dataset, monkeypatch, change):
    old = runs.recompute(dataset_id=dataset.pk)
    change(monkeypatch)
    new = runs.recompute(dataset_id=dataset.pk)
    assert new.pk != old.pk
    assert new.input_hash != old.input_hash
    assert {new.status, ScoreRun.objects.get(pk=old.pk).status} == {ScoreRun.Status.COMPLETE}
    assert published_run(dataset=dataset) == new
    assert rows_of(old)[:2] == rows_of(new)[:2] == (1741, 47)
    # And the new inputs, once computed, are not computed again.
    assert runs.recompute(dataset_id=dataset.pk) == new
    assert ScoreRun.objects.count() == 2


def test_a_size_class_change_moves_the_peer_scores(dataset, monkeypatch):
    old = runs.recompute(dataset_id=dataset.pk)
    change_size_class(monkeypatch)
    new = runs.recompute(dataset_id=dataset.pk)
    moved = Municipality.objects.filter(size_class=Municipality.SizeClass.VILLAGE).count()
    assert MunicipalityScore.objects.filter(run=old, peer_size=183).count() == 183
    assert MunicipalityScore.objects.filter(run=new, peer_size=moved).count() == moved == 184


# --- failures ------------------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def fail_writing(monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    """Fail as the prefecture scores are written, after the municipality scores: half-way through the run's writes."""
    insert = runs._insert

    def failing(model: Any, *args: Any) -> None:
        if model is PrefectureScore:
            assert MunicipalityScore.objects.filter(run__status=ScoreRun.Status.RUNNING).count() == 1741
            raise failure
        insert(model, *args)

    monkeypatch.setattr(runs, "_insert", failing)


def fail_writing_prefectures(monkeypatch: pytest.MonkeyPatch) -> None:
    fail_writing(monkeypatch, Boom("disk full"))


def fail_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    def compute(*args: Any, **kwargs: Any) -> None:
        raise Boom("disk full")

    monkeypatch.setattr(scoring, "compute", compute)


@pytest.mark.parametrize("failure", [fail_writing_prefectures, fail_computing])
def test_a_failing_run_leaves_the_published_run_intact(dataset, monkeypatch, failure):
    old = runs.recompute(dataset_id=dataset.pk)
    old_rows = rows_of(old)
    change_scoring_version(monkeypatch)
    failure(monkeypatch)
    # The task twice (house style): each attempt fails the same way and changes nothing readers see.
    for attempt in (1, 2):
        with pytest.raises(Boom):
            tasks.recompute.delay(dataset_id=dataset.pk)
        failed = ScoreRun.objects.filter(dataset=dataset, status=ScoreRun.Status.FAILED)
        assert failed.count() == attempt
        for run in failed:
            assert run.error == "Boom: disk full"
            assert run.finished_at is not None
            assert rows_of(run) == (0, 0, 0)
        assert published_run(dataset=dataset) == old
        assert rows_of(old) == old_rows
    assert not ScoreRun.objects.filter(status=ScoreRun.Status.RUNNING).exists()
    # Once the failure is gone, the new inputs publish a new run.
    monkeypatch.undo()
    change_scoring_version(monkeypatch)
    new = runs.recompute(dataset_id=dataset.pk)
    assert new.status == ScoreRun.Status.COMPLETE
    assert published_run(dataset=dataset) == new


def test_a_run_killed_half_way_leaves_the_published_run_intact(dataset, monkeypatch):
    """A kill is not an Exception (the worker's hard time limit, a shutdown): the run's writes still vanish."""
    old = runs.recompute(dataset_id=dataset.pk)
    change_scoring_version(monkeypatch)

    fail_writing(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        runs.recompute(dataset_id=dataset.pk)
    killed = ScoreRun.objects.exclude(pk=old.pk).get()
    assert killed.status != ScoreRun.Status.COMPLETE
    assert rows_of(killed) == (0, 0, 0)
    assert published_run(dataset=dataset) == old


# --- recompute_benchmarks ------------------------------------------------------------------------


def recompute_command(*args: str) -> str:
    out = io.StringIO()
    call_command("recompute_benchmarks", *args, stdout=out)
    return out.getvalue()


def test_recompute_command_waits_and_reports_the_run(dataset):
    outputs = [recompute_command("--year", "2023", "--wait") for _ in range(2)]
    run = published_run(dataset=dataset)
    assert run is not None
    assert outputs[0] == outputs[1] == f"Dataset {dataset.pk} ({dataset}): published run {run.pk}.\n"
    assert ScoreRun.objects.count() == 1


def test_recompute_command_queues_without_wait(dataset):
    out = recompute_command("--year", "2023", "--dataset", str(dataset.pk))
    assert out.startswith(f"Recompute of dataset {dataset.pk} ({dataset}) queued: task ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1999"], "No ready dataset for FY1999"),
        (["--year", "2021"], "No ready dataset for FY2021"),
        (["--year", "2023", "--dataset", "999999"], "No ready dataset for FY2023 with id 999999"),
    ],
)
def test_recompute_command_of_an_unknown_year_or_dataset_is_an_error(dataset, args, message):
    with pytest.raises(CommandError, match=message):
        recompute_command(*args)
    assert not ScoreRun.objects.exists()
