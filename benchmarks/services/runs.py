"""Recompute a dataset's scores (benchmarks/scoring.py) and publish them as an immutable run.

Readers use the newest complete run. A run writes all of its rows and turns complete in one
transaction, so readers see the previous run until the new one is whole, and a run that fails or is
killed half-way changes nothing. Runs are keyed by a hash of their inputs: the same inputs never
compute twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from dx_platform.organizations.models import Municipality, PopulationRecord, Prefecture
from dx_platform.organizations.reference_data import SIZE_CLASS_POPULATION_DATE

from .. import scoring
from ..models import Dataset, Indicator, ItemRate, MunicipalityScore, PrefectureScore, ScoreRun, Value

# Bump when the scoring code changes what it computes, so existing inputs are computed again.
SCORING_VERSION = "3"
STALE_AFTER = dt.timedelta(minutes=20)  # longer than the recompute task's hard time limit


def _municipality_rows() -> list[tuple[Any, ...]]:
    population = PopulationRecord.objects.filter(municipality=OuterRef("pk"), as_of=SIZE_CLASS_POPULATION_DATE).values(
        "population"
    )[:1]
    return list(
        Municipality.objects.order_by("code")
        .annotate(population=Subquery(population))
        .values_list("code", "prefecture__pref_code", "size_class", "kind", "population")
    )


def _input_hash(dataset: Dataset, catalog_rows: list[tuple[Any, ...]], municipality_rows: list[tuple[Any, ...]]) -> str:
    digest = hashlib.sha256()
    for part in (SCORING_VERSION, dataset.sha256, repr(catalog_rows), repr(municipality_rows)):
        digest.update(part.encode())
    return digest.hexdigest()


def _clean(number: Any) -> float | None:
    """pandas' NaN → None for the database."""
    if number is None:
        return None
    number = float(number)
    return None if math.isnan(number) else number


def recompute(*, dataset_id: int) -> ScoreRun:
    """Compute and publish the dataset's scores, unless a complete run of the same inputs exists."""
    dataset = Dataset.objects.select_related("catalog").get(pk=dataset_id, status=Dataset.Status.READY)
    catalog_rows = list(
        Indicator.objects.filter(catalog=dataset.catalog)
        .order_by("position")
        .values_list("code", "area", "kind", "scored", "position")
    )
    municipality_rows = _municipality_rows()
    input_hash = _input_hash(dataset, catalog_rows, municipality_rows)
    done = dataset.runs.filter(status=ScoreRun.Status.COMPLETE, input_hash=input_hash).first()
    if done is not None:
        return done
    # A run whose worker was killed never finished; after the task's time limit it cannot still be running.
    ScoreRun.objects.filter(
        dataset=dataset, status=ScoreRun.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    ).update(status=ScoreRun.Status.FAILED, error="interrupted (the worker stopped before the run finished)")
    run = ScoreRun.objects.create(dataset=dataset, input_hash=input_hash)
    try:
        value_rows = Value.objects.filter(dataset=dataset).values_list(
            "municipality__code", "indicator__code", "value", "status", "missing"
        )
        result = scoring.compute(
            scoring.values_frame(value_rows),
            scoring.catalog_frame(catalog_rows),
            scoring.municipalities_frame(municipality_rows),
        )
        with transaction.atomic():
            _save(run, dataset, result)
            run.status = ScoreRun.Status.COMPLETE
            run.finished_at = timezone.now()
            run.statistics = {
                "method_version": SCORING_VERSION,
                "correlations": {k: _clean(v) for k, v in result.correlations.items()},
                "achievements": scoring.records(result.achievements),
                "achievement_items": scoring.records(result.achievement_items),
                "spreads": {k: _clean(v) for k, v in result.spreads.items()},
            }
            run.save()
    except IntegrityError:
        # Another worker published the same inputs first: that run stands, this one was not needed.
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.FAILED,
            error="superseded by a concurrent run of the same inputs",
            finished_at=timezone.now(),
        )
        return dataset.runs.get(status=ScoreRun.Status.COMPLETE, input_hash=input_hash)
    except Exception as exc:
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    return run


def _save(run: ScoreRun, dataset: Dataset, result: scoring.Result) -> None:
    municipalities = dict(Municipality.objects.values_list("code", "pk"))
    prefectures = dict(Prefecture.objects.values_list("pref_code", "pk"))
    indicators = dict(Indicator.objects.filter(catalog=dataset.catalog).values_list("code", "pk"))
    area_fields = [f"{kind}_{area}" for kind in ("rate", "dev") for area in scoring.AREAS]
    municipal_fields = [*area_fields, *(f"peer_dev_{area}" for area in scoring.AREAS), "composite", "peer_composite"]
    MunicipalityScore.objects.bulk_create(
        (
            MunicipalityScore(
                run=run,
                municipality_id=municipalities[row["municipality"]],
                composite_areas=int(row["composite_areas"]),
                peer_size=int(row["peer_size"]),
                rank=_int(row["rank"]),
                peer_rank=_int(row["peer_rank"]),
                **{name: row[name] for name in municipal_fields},
            )
            for row in scoring.records(result.municipal.reset_index())
        ),
        batch_size=1000,
    )
    PrefectureScore.objects.bulk_create(
        PrefectureScore(
            run=run,
            prefecture_id=prefectures[row["prefecture"]],
            towns_villages_share=row["towns_villages_share"],
            n_municipalities=int(row["n_municipalities"]),
            rank=_int(row["rank"]),
            **{name: row[name] for name in [*area_fields, "composite"]},
        )
        for row in scoring.records(result.prefectural.reset_index())
    )
    ItemRate.objects.bulk_create(
        (
            ItemRate(
                run=run,
                indicator_id=indicators[row["indicator"]],
                level=row["level"],
                group=row["group"],
                rate=row["rate"],
                n=int(row["n"]),
                numerator=_int(row["numerator"]),
                left_out={reason: int(row[reason]) for reason in scoring.MISSING_REASONS if row[reason]},
            )
            for row in scoring.records(result.items)
        ),
        batch_size=2000,
    )


def _int(number: Any) -> int | None:
    cleaned = _clean(number)
    return None if cleaned is None else int(cleaned)
