"""Recompute a dataset's scores (benchmarks/scoring.py) and publish them as an immutable run.

Readers use the newest complete run. A run writes all of its rows and turns complete in one
transaction, so readers see the previous run until the new one is whole, and a run that fails or is
killed half-way changes nothing. Runs are keyed by a hash of their inputs: the same inputs never
compute twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, models, transaction
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
        .values_list("pk", "prefecture__pref_code", "size_class", "kind", "population")
    )


def _coded(column: str, choices: tuple[str, ...]) -> str:
    """SQL giving a text column's position in `choices`, -1 for anything else (blank)."""
    quoted = connection.ops.quote_name(column)
    cases = " ".join(f"WHEN '{choice}' THEN {position}" for position, choice in enumerate(choices))
    return f"CASE {quoted} {cases} ELSE -1 END"


def _value_columns(dataset: Dataset) -> list[np.ndarray]:
    """The dataset's values as five arrays (municipality id, indicator id, value, status and missing codes).

    Each column comes back as one comma-separated string aggregated by the database, which numpy parses
    in C: no row tuple or model instance per value. Floats are written with enough digits to read back
    exactly (PostgreSQL's shortest exact form; 17 significant digits on SQLite), a NULL as nan.
    """
    if connection.vendor == "postgresql":
        aggregate, number = "string_agg(({})::text, ',')", "coalesce(value::text, 'nan')"
    else:
        aggregate, number = "group_concat({})", "coalesce(printf('%!.17g', value), 'nan')"
    expressions = [
        "municipality_id",
        "indicator_id",
        number,
        _coded("status", scoring.STATUSES),
        _coded("missing", scoring.MISSING_REASONS),
    ]
    columns = ", ".join(aggregate.format(expression) for expression in expressions)
    # No parameter but the id, and '%' doubled: the cursor formats the statement with %s.
    table = connection.ops.quote_name(Value._meta.db_table)
    sql = f"SELECT {columns} FROM {table} WHERE dataset_id = %s".replace("%!", "%%!")  # noqa: S608 - our constants
    with connection.cursor() as cursor:
        cursor.execute(sql, [dataset.pk])
        texts = cursor.fetchone()
    dtypes = (np.int64, np.int64, np.float64, np.int8, np.int8)
    return [np.fromstring(text or "", dtype=dtype, sep=",") for text, dtype in zip(texts, dtypes, strict=True)]


def _positions(ids: np.ndarray, keys: Sequence[int]) -> np.ndarray:
    """Each id's position in `keys`, -1 for an id that is not there."""
    lookup = np.full(max(max(keys, default=0), int(ids.max(initial=0))) + 1, -1, dtype=np.int64)
    lookup[list(keys)] = np.arange(len(keys))
    return lookup[ids]


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
        indicator_ids = dict(Indicator.objects.filter(catalog=dataset.catalog).values_list("code", "pk"))
        municipality, indicator, value, status, missing = _value_columns(dataset)
        values = scoring.coded_values(
            municipality=_positions(municipality, [row[0] for row in municipality_rows]),
            municipalities=[row[0] for row in municipality_rows],
            indicator=_positions(indicator, [indicator_ids[row[0]] for row in catalog_rows]),
            indicators=[row[0] for row in catalog_rows],
            value=value,
            status=status,
            missing=missing,
        )
        result = scoring.compute(
            values,
            scoring.catalog_frame(catalog_rows),
            scoring.municipalities_frame(municipality_rows),
        )
        with transaction.atomic():
            _save(run, result, indicator_ids)
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


def _save(run: ScoreRun, result: scoring.Result, indicators: dict[str, int]) -> None:
    """Write the run's rows straight into their tables, without a model instance per row."""
    prefectures = dict(Prefecture.objects.values_list("pref_code", "pk"))
    area_fields = [f"{kind}_{area}" for kind in ("rate", "dev") for area in scoring.AREAS]
    peer_fields = [*(f"peer_dev_{area}" for area in scoring.AREAS), "peer_composite", "peer_rank", "peer_size"]

    municipal = ["municipality", *area_fields, "composite", "rank", "composite_areas", *peer_fields]
    rows = scoring.rows(result.municipal.reset_index(), municipal, integers=INTEGERS)
    _insert(MunicipalityScore, ["run", *municipal], ((run.pk, *row) for row in rows))

    prefectural = ["prefecture", *area_fields, "composite", "rank", "towns_villages_share", "n_municipalities"]
    rows = scoring.rows(result.prefectural.reset_index(), prefectural, integers=INTEGERS)
    _insert(PrefectureScore, ["run", *prefectural], ((run.pk, prefectures[row[0]], *row[1:]) for row in rows))

    items = ["indicator", "level", "group", "rate", "n", "numerator"]
    rows = scoring.rows(result.items, [*items, *scoring.MISSING_REASONS], integers=INTEGERS)
    _insert(
        ItemRate,
        ["run", *items, "left_out"],
        ((run.pk, indicators[row[0]], *row[1:6], _left_out(row[6:])) for row in rows),
    )


# The result's columns that the tables keep as integers (the frames hold them as floats where one can be NaN).
INTEGERS = (
    "rank",
    "composite_areas",
    "peer_rank",
    "peer_size",
    "n_municipalities",
    "n",
    "numerator",
    *scoring.MISSING_REASONS,
)


def _left_out(counts: Sequence[int]) -> str:
    """ItemRate.left_out as JSON: the reasons that left someone out, with how many."""
    if not any(counts):
        return "{}"  # most rows: no one was left out
    return json.dumps({reason: n for reason, n in zip(scoring.MISSING_REASONS, counts, strict=True) if n})


def _insert(model: type[models.Model], fields: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows into the model's table: COPY on PostgreSQL, one executemany on SQLite."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(field).column) for field in fields)  # type: ignore[union-attr,arg-type]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - model metadata
            cursor.executemany(insert, list(rows))
