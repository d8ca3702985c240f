"""The benchmark method (docs/benchmark-method.md) as a bare numpy/pandas pass, written apart from the product.

`make perf` times it beside the product's recompute on the same input, so the product's ratio to it says what
the database, validation and Python objects cost on top of the maths; it also checks that both give the same
scores, as the tests do (tests/benchmarks/test_writer.py): every row a run stored, compared with this pass.

Input: the values as arrays of positions (`Inputs`), read here with a plain `values_list`, independently of
the product's reader. Output: the score tables' columns, keyed as the tables are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

AREAS = ("system", "service", "improvement", "online_volume", "online_lifeevent", "mynumber")
COMPOSITE = AREAS[:5]
REASONS = ("not_reported", "not_applicable", "excluded")
STATUS_X = {"online": 1.0, "offline": 0.0}
RANK_DECIMALS = 9  # composites equal but for the order of addition share a rank


@dataclass(frozen=True)
class Inputs:
    """One dataset's values by position, its catalog (in position order) and the municipalities."""

    municipality: np.ndarray  # position in `municipalities`
    indicator: np.ndarray  # position in `catalog`
    x: np.ndarray  # 1/0 for a yes/no item or a procedure (online/offline), the value of a rate item; NaN: unusable
    reason: np.ndarray  # position in REASONS, -1 when the value is not missing for a reason
    catalog: pd.DataFrame  # code, area, kind, scored
    municipalities: pd.DataFrame  # id, prefecture (code), size_class


def read_inputs(dataset: Any) -> Inputs:
    """The dataset's values, catalog and municipalities, read with the ORM."""
    from benchmarks.models import Indicator, Value
    from dx_platform.organizations.models import Municipality

    catalog = pd.DataFrame(
        Indicator.objects.filter(catalog=dataset.catalog)
        .order_by("position")
        .values_list("pk", "code", "area", "kind", "scored"),
        columns=["pk", "code", "area", "kind", "scored"],
    )
    municipalities = pd.DataFrame(
        Municipality.objects.order_by("code").values_list("pk", "prefecture__pref_code", "size_class"),
        columns=["id", "prefecture", "size_class"],
    )
    values = pd.DataFrame(
        Value.objects.filter(dataset=dataset).values_list(
            "municipality_id", "indicator_id", "value", "status", "missing"
        ),
        columns=["municipality", "indicator", "value", "status", "missing"],
    )
    kind = values["indicator"].map(catalog.set_index("pk")["kind"])
    value = values["value"].astype(float)
    x = np.where(
        kind == "procedure", values["status"].map(STATUS_X), np.where(kind == "boolean", (value != 0) * 1.0, value)
    )
    x = np.where((kind == "boolean") & value.isna(), np.nan, x)
    reason = values["missing"].map({r: i for i, r in enumerate(REASONS)}).fillna(-1).astype(int).to_numpy()
    municipality = pd.Index(municipalities["id"]).get_indexer(values["municipality"])
    indicator = pd.Index(catalog["pk"]).get_indexer(values["indicator"])
    known = (municipality >= 0) & (indicator >= 0)
    return Inputs(
        municipality=municipality[known],
        indicator=indicator[known],
        x=np.where(reason >= 0, np.nan, x.astype(float))[known],
        reason=reason[known],
        catalog=catalog.drop(columns="pk"),
        municipalities=municipalities,
    )


def _deviation(frame: pd.DataFrame) -> pd.DataFrame:
    """50 + 10·(x − mean)/σ per column (σ with ddof 0); 50 for a column without spread."""
    scores = 50 + 10 * (frame - frame.mean()) / frame.std(ddof=0)
    scores.loc[:, (frame.max() == frame.min()).to_numpy()] = 50.0
    return scores.where(frame.notna())


def _composite(deviations: pd.DataFrame) -> pd.DataFrame:
    part = deviations[list(COMPOSITE)]
    return pd.DataFrame({"composite": part.mean(axis=1), "composite_areas": part.notna().sum(axis=1)})


def _rank(composite: pd.Series) -> pd.Series:
    return composite.round(RANK_DECIMALS).rank(ascending=False, method="min")


def scores(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """The three score tables: "municipal" by municipality id, "prefectural" by prefecture code, "items" by
    (indicator code, level, group)."""
    catalog, people = inputs.catalog, inputs.municipalities
    n_people, n_items = len(people), len(catalog)
    matrix = np.full((n_people, n_items), np.nan)
    matrix[inputs.municipality, inputs.indicator] = inputs.x
    present = ~np.isnan(matrix)

    # Area rates: yes/no items, else procedures, else the area's first rate item (catalog order) with a value.
    rates = pd.DataFrame(np.nan, index=people["id"], columns=list(AREAS))
    for area in AREAS:
        for kind in ("boolean", "procedure", "rate"):
            columns = np.flatnonzero((catalog["area"] == area) & (catalog["kind"] == kind) & catalog["scored"])
            if not len(columns):
                continue
            block = matrix[:, columns]
            counts = (~np.isnan(block)).sum(axis=1)
            if kind == "rate":
                rate = block[np.arange(n_people), np.argmax(~np.isnan(block), axis=1)]
            else:
                rate = np.nansum(block, axis=1) / np.where(counts, counts, 1) * 100
            rate = np.where(counts > 0, rate, np.nan)
            rates[area] = rates[area].fillna(pd.Series(rate, index=rates.index))

    size = pd.Series(people["size_class"].to_numpy(), index=rates.index)
    national = _deviation(rates)
    peer = rates.groupby(size, group_keys=False).apply(_deviation).reindex(rates.index)
    composite = _composite(national)
    peer_composite = _composite(peer)["composite"]
    municipal = pd.concat(
        [
            rates.add_prefix("rate_"),
            national.add_prefix("dev_"),
            composite.assign(rank=_rank(composite["composite"])),
            peer.add_prefix("peer_dev_"),
            pd.DataFrame(
                {
                    "peer_composite": peer_composite,
                    "peer_rank": peer_composite.round(RANK_DECIMALS).groupby(size).rank(ascending=False, method="min"),
                    "peer_size": size.map(size.value_counts()),
                }
            ),
        ],
        axis=1,
    )

    prefecture = pd.Series(people["prefecture"].to_numpy(), index=rates.index)
    pref_rates = rates.groupby(prefecture).mean()
    pref_national = _deviation(pref_rates)
    pref_composite = _composite(pref_national)
    small = size.isin(["town", "village"]).groupby(prefecture)
    prefectural = pd.concat(
        [
            pref_rates.add_prefix("rate_"),
            pref_national.add_prefix("dev_"),
            pref_composite[["composite"]].assign(rank=_rank(pref_composite["composite"])),
            pd.DataFrame({"towns_villages_share": small.mean() * 100, "n_municipalities": small.size()}),
        ],
        axis=1,
    )

    # Item rates per group: share implemented (percent), the mean value for rate items; n usable; left out by reason.
    counted = (catalog["kind"] != "rate").to_numpy()
    percent = np.where(counted, matrix * 100, matrix)
    missing = np.full((n_people, n_items), -1)
    missing[inputs.municipality, inputs.indicator] = inputs.reason
    has_value = np.zeros(n_items, dtype=bool)
    has_value[inputs.indicator[~np.isnan(inputs.x)]] = True
    # Side by side, so that one group-by sums them all: usable, percent, implemented, one per reason.
    wide = pd.DataFrame(
        np.hstack(
            [present, np.nan_to_num(percent), np.nan_to_num(matrix), *(missing == i for i in range(len(REASONS)))]
        )
    )
    pieces = []
    for level, groups in (
        ("nation", pd.Series("all", index=rates.index)),
        ("prefecture", prefecture),
        ("size_class", size),
    ):
        sums = wide.groupby(groups.to_numpy()).sum()
        n, totals, done, *left_out = np.split(sums.to_numpy(), 3 + len(REASONS), axis=1)
        frame = {
            "rate": np.where(n > 0, totals / np.where(n > 0, n, 1), np.nan),
            "n": n,
            "numerator": np.where((n > 0) & counted, done, np.nan),
        }
        frame |= dict(zip(REASONS, left_out, strict=True))
        keys = pd.MultiIndex.from_product([sums.index.astype(str), catalog["code"]], names=["group", "indicator"])
        piece = pd.DataFrame({column: block.ravel() for column, block in frame.items()}, index=keys)
        keep = ((piece[["n", *REASONS]].sum(axis=1) > 0) & np.tile(has_value, len(sums))).to_numpy()
        pieces.append(piece[keep].assign(level=level))
    items = pd.concat(pieces).reset_index().set_index(["indicator", "level", "group"])
    return {"municipal": municipal, "prefectural": prefectural, "items": items}


def stored_scores(run: Any) -> dict[str, pd.DataFrame]:
    """The rows a run stored, in the same shape as `scores` gives."""
    from benchmarks.models import ItemRate, MunicipalityScore, PrefectureScore

    def table(queryset: Any, key: str, fields: list[str]) -> pd.DataFrame:
        return pd.DataFrame(list(queryset.values_list(key, *fields)), columns=[key, *fields]).set_index(key)

    municipal = [f.name for f in MunicipalityScore._meta.concrete_fields if f.name not in {"id", "run", "municipality"}]
    prefectural = [f.name for f in PrefectureScore._meta.concrete_fields if f.name not in {"id", "run", "prefecture"}]
    items = pd.DataFrame(
        list(
            ItemRate.objects.filter(run=run).values_list(
                "indicator__code", "level", "group", "rate", "n", "numerator", "left_out"
            )
        ),
        columns=["indicator", "level", "group", "rate", "n", "numerator", "left_out"],
    )
    for reason in REASONS:
        items[reason] = [left_out.get(reason, 0) for left_out in items["left_out"]]
    return {
        "municipal": table(MunicipalityScore.objects.filter(run=run), "municipality_id", municipal),
        "prefectural": table(PrefectureScore.objects.filter(run=run), "prefecture__pref_code", prefectural),
        "items": items.drop(columns="left_out").set_index(["indicator", "level", "group"]),
    }


def differences(stored: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> list[str]:
    """Every stored cell that is not the expected one (floats to 1e-12 relative), every row or column one side lacks."""
    found = []
    for name, want in expected.items():
        got = stored[name]
        found += [f"{name}: no row {key}" for key in want.index.difference(got.index)]
        found += [f"{name}: unexpected row {key}" for key in got.index.difference(want.index)]
        found += [f"{name}: columns differ {sorted(set(got.columns) ^ set(want.columns))}"] * (
            set(got.columns) != set(want.columns)
        )
        keys = want.index.intersection(got.index)
        for column in got.columns.intersection(want.columns):
            a = got.loc[keys, column].astype(float).to_numpy()
            b = want.loc[keys, column].astype(float).to_numpy()
            wrong = ~np.isclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True)
            found += [
                f"{name} {key} {column}: stored {x}, expected {y}"
                for key, x, y in zip(keys[wrong], a[wrong], b[wrong], strict=True)
            ]
    return found
