"""Benchmark scores of municipalities and prefectures: DataFrames in, DataFrames out.

The method is the project's benchmark method (docs/benchmark-method.md, items in
benchmarks/catalog/indicators.csv), which follows 日本総研 Research Focus No.2024-032
「自治体DXの進捗状況」: area rates per municipality, deviation scores (偏差値) with the population
standard deviation, a composite of five areas that leaves the My Number Card out, peer groups by
size class, item rates, spreads, achievement counts and correlations. Pure pandas on purpose: no
ORM and no I/O, so the services load and save and this module can be checked against the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

AREAS: tuple[str, ...] = (
    "system",
    "service",
    "improvement",
    "online_volume",
    "online_lifeevent",
    "mynumber",
)
# The report's 総合的な偏差値 is 「除マイナンバーカード」.
COMPOSITE_AREAS: tuple[str, ...] = AREAS[:5]
SMALL_GROUP = 20

SIZE_CLASSES: tuple[str, ...] = ("designated", "core", "large", "mid", "small", "town", "village")
KINDS: tuple[str, ...] = ("boolean", "procedure", "rate")
LEVELS: tuple[str, ...] = ("nation", "prefecture", "size_class")
_TOWNS_VILLAGES = ("town", "village")
# A procedure's status and the reasons a value is missing, as Value stores them.
STATUSES: tuple[str, ...] = ("online", "offline", "na")
MISSING_REASONS: tuple[str, ...] = ("not_reported", "not_applicable", "excluded")

_VALUES_COLUMNS = ("municipality", "indicator", "value", "status", "missing")
_CATALOG_COLUMNS = ("indicator", "area", "kind", "scored", "position")
# kind and population describe a municipality but no score uses them, so they are not required.
_MUNICIPALITY_COLUMNS = ("municipality", "prefecture", "size_class")
_MUNICIPALITY_ROW = ("municipality", "prefecture", "size_class", "kind", "population")

# Composites are means of five floats: mathematically equal ones can differ in the last bit
# depending on the order the areas were added, and that noise must not split a tie in the ranks.
_RANK_DECIMALS = 9


@dataclass(frozen=True)
class Result:
    """Everything one benchmark run produces."""

    municipal: pd.DataFrame
    prefectural: pd.DataFrame
    items: pd.DataFrame
    spreads: pd.Series
    achievements: pd.DataFrame
    achievement_items: pd.DataFrame
    correlations: dict[str, float]


# --- frames from rows and back (the services' side of the boundary) ------------------------------


def values_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Rows of (municipality, indicator, value, status, missing) as the `values` frame.

    The database stores "no status" and "not missing" as blank strings; they become None here.
    """
    frame = pd.DataFrame.from_records(list(rows), columns=list(_VALUES_COLUMNS))
    return frame.assign(
        value=frame["value"].astype(float),
        status=frame["status"].replace("", None),
        missing=frame["missing"].replace("", None),
    )


def coded_values(
    *,
    municipality: np.ndarray,
    indicator: np.ndarray,
    value: np.ndarray,
    status: np.ndarray,
    missing: np.ndarray,
    municipalities: Sequence[Any],
    indicators: Sequence[Any],
) -> pd.DataFrame:
    """The `values` frame from arrays of integer codes, without a Python object per value.

    municipality and indicator are positions in `municipalities` and `indicators`, status and missing
    positions in STATUSES and MISSING_REASONS; -1 is none (an unknown code, no status, not missing).
    """
    return pd.DataFrame(
        {
            "municipality": pd.Categorical.from_codes(municipality, categories=pd.Index(municipalities)),
            "indicator": pd.Categorical.from_codes(indicator, categories=pd.Index(indicators)),
            "value": np.asarray(value, dtype=float),
            "status": pd.Categorical.from_codes(status, categories=STATUSES),
            "missing": pd.Categorical.from_codes(missing, categories=MISSING_REASONS),
        }
    )


def catalog_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Rows of (indicator, area, kind, scored, position) as the `catalog` frame."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(_CATALOG_COLUMNS))
    return frame.astype({"scored": bool, "position": int})


def municipalities_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Rows of (municipality, prefecture, size_class, kind, population) as the `municipalities` frame."""
    return pd.DataFrame.from_records(list(rows), columns=list(_MUNICIPALITY_ROW))


def rows(frame: pd.DataFrame, columns: Sequence[str], *, integers: Iterable[str] = ()) -> list[tuple[Any, ...]]:
    """The columns' rows as tuples of plain Python values for a database writer: NaN as None, and the
    columns named in `integers` (held as floats where one can be NaN) as int."""
    whole = set(integers)
    plain = [
        (frame[column].astype("Int64") if column in whole else frame[column]).to_numpy(dtype=object, na_value=None)
        for column in columns
    ]
    return list(zip(*(values.tolist() for values in plain), strict=True))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts of plain Python values, NaN as None: ready for JSON and the ORM."""
    return [
        {key: None if isinstance(value, float) and math.isnan(value) else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


# --- validation and preparation -------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Raise ValueError naming every required column the frame lacks."""
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        raise ValueError(f"{name} lacks required column(s): {', '.join(absent)}")


def _catalog_table(catalog: pd.DataFrame) -> pd.DataFrame:
    """The catalog indexed by indicator, with its codes checked (it is small, so this is cheap)."""
    _require(catalog, _CATALOG_COLUMNS, "catalog")
    duplicated = catalog["indicator"][catalog["indicator"].duplicated()]
    if not duplicated.empty:
        # A repeated code would join each value twice and count it twice.
        raise ValueError(f"catalog repeats indicator(s): {', '.join(map(str, duplicated.unique()))}")
    for column, allowed in (("area", AREAS), ("kind", KINDS)):
        unknown = sorted(map(str, set(catalog[column]) - set(allowed)))
        if unknown:
            raise ValueError(f"catalog has unknown {column}(s): {', '.join(unknown)}")
    table = catalog.loc[:, list(_CATALOG_COLUMNS)].set_index("indicator")
    return table.assign(
        # Categoricals, so that the joined rows are grouped by code rather than by hashing strings.
        area=pd.Categorical(table["area"], categories=AREAS),
        kind=pd.Categorical(table["kind"], categories=KINDS),
        # The catalog file says 1/0; a bool column keeps the filters below honest.
        scored=table["scored"].astype(bool),
        position=table["position"].astype(int),
    )


def _municipality_table(municipalities: pd.DataFrame) -> pd.DataFrame:
    """Prefecture and size class indexed by municipality code."""
    _require(municipalities, _MUNICIPALITY_COLUMNS, "municipalities")
    codes = municipalities["municipality"]
    duplicated = codes[codes.duplicated()]
    if not duplicated.empty:
        raise ValueError(f"municipalities repeats code(s): {', '.join(map(str, duplicated.unique()[:5]))}")
    return municipalities.loc[:, list(_MUNICIPALITY_COLUMNS)].set_index("municipality")


def _positions(column: pd.Series, index: pd.Index) -> np.ndarray:
    """Each entry's position in `index`, -1 where it is not there; a categorical is looked up per category."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # The appended -1 is where a missing entry's code (-1) lands.
        found = np.append(index.get_indexer(column.cat.categories), -1)
        return found[column.cat.codes.to_numpy()]
    return index.get_indexer(column)


def _codes(column: pd.Series, categories: tuple[str, ...]) -> np.ndarray:
    """Each entry's position in `categories`: -1 for none (NaN, None or ""), len(categories) for another string."""
    if isinstance(column.dtype, pd.CategoricalDtype) and tuple(column.cat.categories) == categories:
        return column.cat.codes.to_numpy().astype(np.int64)
    codes = pd.Categorical(column, categories=categories).codes.astype(np.int64)
    other = (codes < 0) & column.notna().to_numpy() & (column != "").to_numpy()
    return np.where(other, len(categories), codes)


@dataclass(frozen=True)
class _Matrix:
    """A year's values as a dense municipality × item matrix: rows `people`, columns the catalog table's rows.

    `x` is 1/0 for a boolean item (implemented or not) and for a procedure (online or offline), and the value
    itself for a rate item; NaN where there is no usable number: a value missing for a reason, a procedure not
    offered ("na") or without a status, an empty value, no value at all. `reason` is the position in
    MISSING_REASONS of a value left out for a reason, else -1. `answered` says which items have a usable value
    anywhere in the input, for a listed municipality or not.
    """

    people: pd.Index
    table: pd.DataFrame
    x: np.ndarray
    reason: np.ndarray
    answered: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.x)

    @property
    def filled(self) -> np.ndarray:
        """x with 0 where there is none: sums by matrix products."""
        return np.nan_to_num(self.x, nan=0.0)


def _matrix(values: pd.DataFrame, table: pd.DataFrame, people: pd.Index) -> _Matrix:
    """The values of the municipalities `people` on the catalog's items; values of other codes are ignored."""
    _require(values, _VALUES_COLUMNS, "values")
    item = _positions(values["indicator"], table.index)
    row = _positions(values["municipality"], people)
    reason = _codes(values["missing"], MISSING_REASONS)
    status = _codes(values["status"], STATUSES)
    value = values["value"].astype(float).to_numpy()
    kind = np.append(table["kind"].cat.codes.to_numpy(), -1)[item]
    # Any non-zero boolean counts as implemented, so True/False and 1/0 read the same.
    boolean = np.where(np.isnan(value), np.nan, (value != 0).astype(float))
    procedure = np.select([status == STATUSES.index("online"), status == STATUSES.index("offline")], [1.0, 0.0], np.nan)
    x = np.select([kind == KINDS.index("boolean"), kind == KINDS.index("procedure")], [boolean, procedure], value)
    # A reason (not reported, not applicable, excluded) leaves the item out: it is never a "no".
    x = np.where((item >= 0) & (reason < 0), x, np.nan)

    listed = (item >= 0) & (row >= 0)
    cells = row[listed] * len(table) + item[listed]
    repeated = np.flatnonzero(np.bincount(cells, minlength=1) > 1)
    if len(repeated):
        # Kept, a second answer would overwrite the first one unseen.
        pairs = [f"{people[cell // len(table)]}/{table.index[cell % len(table)]}" for cell in repeated[:5]]
        raise ValueError(f"values repeat municipality/indicator pair(s): {', '.join(map(str, pairs))}")
    shape = (len(people), len(table))
    matrix = np.full(shape, np.nan)
    matrix[row[listed], item[listed]] = x[listed]
    reasons = np.full(shape, -1, dtype=np.int8)
    # Another reason than the three is left out too, but counted under none of them.
    reasons[row[listed], item[listed]] = np.where(reason[listed] < len(MISSING_REASONS), reason[listed], -1)
    answered = np.bincount(item[~np.isnan(x)], minlength=len(table)) > 0
    return _Matrix(people=people, table=table, x=matrix, reason=reasons, answered=answered)


def _group_sums(codes: np.ndarray, count: int, *blocks: np.ndarray) -> list[np.ndarray]:
    """Each 2-D block's column sums per group: rows of code g (0 ≤ g < count) add up in row g; code -1 in none.

    One stable sort and np.add.reduceat over all blocks together; not a matrix product, whose BLAS threads
    crawl when the machine's cores are busy.
    """
    order = np.argsort(codes, kind="stable")
    stacked = np.hstack(blocks).astype(float)[order]
    starts = np.searchsorted(codes[order], np.arange(count))
    sums = np.zeros((count, stacked.shape[1]))
    filled = np.flatnonzero(np.diff(np.append(starts, len(codes))) > 0)
    if len(filled):
        # reduceat sums from each start to the next one given, so only the groups that have rows are given.
        sums[filled] = np.add.reduceat(stacked, starts[filled], axis=0)
    return np.split(sums, np.cumsum([block.shape[1] for block in blocks])[:-1], axis=1)


def _share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0."""
    return np.divide(numerator, denominator, out=np.full(np.shape(numerator), np.nan), where=denominator > 0)


# --- area rates -------------------------------------------------------------------------------


def _area_rates(matrix: _Matrix) -> pd.DataFrame:
    """Area rate per municipality by the method's three rules, the later rules overridden by the earlier."""
    table = matrix.table
    area = table["area"].cat.codes.to_numpy()
    kind = table["kind"].cat.codes.to_numpy()
    scored = table["scored"].to_numpy()
    rates = np.full((len(matrix.people), len(AREAS)), np.nan)
    # 3. an aggregate rate item: the first in catalog order that has a value.
    by_position = np.argsort(table["position"].to_numpy(), kind="stable")
    for number in range(len(AREAS)):
        columns = by_position[
            (area == number)[by_position] & (kind == KINDS.index("rate"))[by_position] & scored[by_position]
        ]
        if len(columns):
            block = matrix.x[:, columns]
            # Where none has a value, argmax points at the first column, which is NaN then too.
            rates[:, number] = block[np.arange(len(block)), np.argmax(~np.isnan(block), axis=1)]
    # 2. procedures online / offered, then 1. yes/no items implemented / present; an area with none
    # (e.g. every procedure "na") keeps the rule below.
    present, filled = matrix.present, matrix.filled
    for rule in ("procedure", "boolean"):
        chosen = np.where((kind == KINDS.index(rule)) & scored, area, -1)
        counts, sums = (block.T for block in _group_sums(chosen, len(AREAS), present.T, filled.T))
        rates = np.where(counts > 0, _share(sums, counts) * 100.0, rates)
    return pd.DataFrame(rates, index=matrix.people.rename("municipality"), columns=list(AREAS))


def municipality_area_rates(values: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's rate (percent) in each area; NaN where it has no usable data."""
    _require(values, _VALUES_COLUMNS, "values")
    municipalities = pd.Index(np.asarray(values["municipality"].dropna().unique()), name="municipality").sort_values()
    return _area_rates(_matrix(values, _catalog_table(catalog), municipalities))


# --- deviation scores ---------------------------------------------------------------------------


def deviation(series: pd.Series) -> pd.Series:
    """偏差値: 50 + 10·(x − mean)/σ over the non-NaN values, σ the population SD (ddof=0)."""
    values = series.astype(float)
    if _constant(values):
        return values.where(values.isna(), 50.0)
    return 50.0 + 10.0 * (values - values.mean()) / values.std(ddof=0)


def _constant(values: pd.Series) -> bool:
    """No spread to measure against. Tested on the values, not on σ: a constant column's computed σ
    can come out as 1e-15 rather than 0, and dividing by it would turn rounding noise into ±10 points."""
    return bool(values.max() == values.min())


def deviation_against(value: float, population: pd.Series) -> float | None:
    """偏差値 of one value within a population it is not part of (the live layer's "if the survey were
    today"); None for an empty or constant population, which has no spread to place it in."""
    values = population.dropna().astype(float)
    if values.empty or _constant(values):
        return None
    return float(50.0 + 10.0 * (value - values.mean()) / values.std(ddof=0))


def _deviations(rates: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """Deviation of every column, across all rows or within each group (a row without a group has none).

    All groups and columns at once: sums by matrix products, extremes by ufunc.at.
    """
    values = rates.to_numpy(dtype=float)
    codes, names = (np.zeros(len(rates), dtype=np.int64), [None]) if groups is None else pd.factorize(groups)
    present = ~np.isnan(values) & (codes >= 0)[:, np.newaxis]
    counts, sums = _group_sums(codes, len(names), present, np.where(present, values, 0.0))
    mean = _share(sums, counts)
    centred = np.where(present, values - mean[codes], 0.0)
    sigma = np.sqrt(_share(_group_sums(codes, len(names), centred**2)[0], counts))
    # No spread to measure against, tested on the values, not on σ: a constant column's computed σ can
    # come out as 1e-15 rather than 0, and dividing by it would turn rounding noise into ±10 points.
    high, low = np.full(mean.shape, np.nan), np.full(mean.shape, np.nan)
    rows, columns = np.nonzero(present)
    np.fmax.at(high, (codes[rows], columns), values[rows, columns])
    np.fmin.at(low, (codes[rows], columns), values[rows, columns])
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where((high == low)[codes], 50.0, 50.0 + 10.0 * (values - mean[codes]) / sigma[codes])
    return pd.DataFrame(np.where(present, scores, np.nan), index=rates.index, columns=rates.columns)


def _composite(deviations: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Mean of the composite areas present, and how many areas it rests on."""
    part = deviations[list(COMPOSITE_AREAS)]
    return part.mean(axis=1, skipna=True), part.notna().sum(axis=1)


def _rank(composite: pd.Series, groups: pd.Series | None = None) -> pd.Series:
    """Rank 1 = best; ties share the best rank; no composite, no rank."""
    rounded = composite.round(_RANK_DECIMALS)
    if groups is None:
        return rounded.rank(ascending=False, method="min")
    return rounded.groupby(groups).rank(ascending=False, method="min")


def composite_within(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[float | None, int | None]]:
    """Composite deviation and rank (1 = best) of each municipality within a chosen group (e.g. its most
    similar ones); no ranks in a group of fewer than SMALL_GROUP, too few for a rank to mean much.

    `rows` are (code, rate of each area in AREAS order); deviations are taken among the rows only.
    """
    rates = pd.DataFrame(list(rows), columns=["municipality", *AREAS]).set_index("municipality").astype(float)
    composite, _ = _composite(_deviations(rates))
    ranks = _rank(composite) if len(rates) >= SMALL_GROUP else pd.Series(np.nan, index=rates.index)
    return {
        code: (None if math.isnan(value) else float(value), None if math.isnan(rank) else int(rank))
        for code, value, rank in zip(composite.index, composite, ranks, strict=True)
    }


def live_scores(values: pd.DataFrame, catalog: pd.DataFrame, distribution: pd.DataFrame) -> dict[str, Any]:
    """One municipality's own answers scored against a published national distribution.

    `distribution` holds the national municipalities' area rates (columns AREAS); the deviation of
    each of the municipality's area rates is taken against it ("if the survey were today").
    """
    rates = municipality_area_rates(values, catalog)
    own = rates.iloc[0] if len(rates) else pd.Series(dtype=float)
    result: dict[str, Any] = {"rates": {}, "devs": {}}
    for area in AREAS:
        rate = own.get(area)
        rate = None if rate is None or pd.isna(rate) else float(rate)
        result["rates"][area] = rate
        result["devs"][area] = None if rate is None else deviation_against(rate, distribution[area])
    present = [result["devs"][area] for area in COMPOSITE_AREAS if result["devs"][area] is not None]
    result["composite"] = sum(present) / len(present) if present else None
    result["composite_areas"] = len(present)
    return result


def distribution_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """National area rates, one row per municipality, columns AREAS."""
    return pd.DataFrame(list(rows), columns=list(AREAS), dtype=float)


def _prefixed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return frame.rename(columns=lambda area: f"{prefix}{area}")


# --- municipality and prefecture scores ---------------------------------------------------------


def _municipality_scores(rates: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    area_rates = rates.reindex(index=people.index, columns=list(AREAS)).astype(float)
    size_class = people["size_class"]

    national = _deviations(area_rates)
    composite, composite_areas = _composite(national)
    peer = _deviations(area_rates, size_class)
    peer_composite, _ = _composite(peer)
    peer_size = size_class.map(size_class.value_counts())

    scores = pd.concat(
        [
            people[["prefecture", "size_class"]],
            _prefixed(area_rates, "rate_"),
            _prefixed(national, "dev_"),
            pd.DataFrame(
                {
                    "composite": composite,
                    "composite_areas": composite_areas,
                    "rank": _rank(composite),
                }
            ),
            _prefixed(peer, "peer_dev_"),
            pd.DataFrame(
                {
                    "peer_composite": peer_composite,
                    "peer_rank": _rank(peer_composite, size_class),
                    "peer_size": peer_size,
                    "peer_small": peer_size < SMALL_GROUP,
                }
            ),
        ],
        axis=1,
    )
    return scores.rename_axis(index="municipality")


def municipality_scores(rates: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """National and peer (size class) deviations, composites and ranks of every municipality.

    One row per row of `municipalities`; rates of codes it does not list are ignored.
    """
    _require(rates, AREAS, "rates")
    return _municipality_scores(rates, _municipality_table(municipalities))


def _prefecture_scores(rates: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    area_rates = rates.reindex(index=people.index, columns=list(AREAS)).astype(float)
    prefecture = people["prefecture"]
    # Unweighted: a village counts as much as a designated city, as in the report.
    pref_rates = area_rates.groupby(prefecture).mean()
    national = _deviations(pref_rates)
    composite, composite_areas = _composite(national)
    towns_villages = people["size_class"].isin(_TOWNS_VILLAGES).astype(float).groupby(prefecture)
    scores = pd.concat(
        [
            _prefixed(pref_rates, "rate_"),
            _prefixed(national, "dev_"),
            pd.DataFrame(
                {
                    "composite": composite,
                    "composite_areas": composite_areas,
                    "rank": _rank(composite),
                    "towns_villages_share": towns_villages.mean() * 100.0,
                    "n_municipalities": towns_villages.size(),
                }
            ),
        ],
        axis=1,
    )
    return scores.rename_axis(index="prefecture")


def prefecture_scores(rates: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Area rates (mean of municipalities), deviations across prefectures, composite and rank."""
    _require(rates, AREAS, "rates")
    return _prefecture_scores(rates, _municipality_table(municipalities))


# --- item rates, spreads, achievements ----------------------------------------------------------


def _item_rates(matrix: _Matrix, people: pd.DataFrame) -> pd.DataFrame:
    table = matrix.table
    present, filled = matrix.present, matrix.filled
    # Boolean and procedure x are 1/0, so their mean is the share; rate items are already percent.
    counted = (table["kind"] != "rate").to_numpy()
    percent = np.where(counted, filled * 100.0, filled)
    blocks = [present, percent, filled, *(matrix.reason == number for number in range(len(MISSING_REASONS)))]
    by_position = np.argsort(table["position"].to_numpy(), kind="stable")
    pieces = []
    groupings = (pd.Series("all", index=people.index), people["prefecture"], people["size_class"])
    for level, grouping in zip(LEVELS, groupings, strict=True):
        # Groups in the order of their names, items in catalog order within a group.
        names, codes = np.unique(grouping.astype(str).to_numpy(), return_inverse=True)
        n, total, done, *reasons = (block[:, by_position] for block in _group_sums(codes, len(names), *blocks))
        # A group whose every value was left out still gets its row: it says how many and why. An item
        # with no usable value anywhere has no rate to show.
        group, column = np.nonzero(((n > 0) | (sum(reasons) > 0)) & matrix.answered[by_position])
        item = by_position[column]
        pieces.append(
            pd.DataFrame(
                {
                    "level": level,
                    "group": names[group],
                    "indicator": table.index[item].astype(str),
                    "rate": _share(total[group, column], n[group, column]),
                    "n": n[group, column].astype(int),
                    # Rate items have no count of municipalities that "did" them.
                    "numerator": np.where(counted[item] & (n[group, column] > 0), done[group, column], np.nan),
                    **{
                        reason: counts[group, column].astype(int)
                        for reason, counts in zip(MISSING_REASONS, reasons, strict=True)
                    },
                }
            )
        )
    return pd.concat(pieces, ignore_index=True)


def item_rates(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Long frame level/group/indicator/rate/n/numerator and a count per missing reason: each item's
    rate in the nation, prefectures and size classes.

    rate is the percent of the group's municipalities with a usable value that implemented the
    item (procedures: online among offered; rate items: the mean value); n is that denominator and
    numerator the municipalities that implemented it (none for rate items). not_reported,
    not_applicable and excluded count the group's municipalities whose value was left out for that
    reason. A group with neither a usable nor a left-out value for an item has no row.
    """
    people = _municipality_table(municipalities)
    return _item_rates(_matrix(values, _catalog_table(catalog), people.index), people)


def spreads(items: pd.DataFrame) -> pd.Series:
    """Per indicator, highest minus lowest prefecture rate."""
    _require(items, ("level", "indicator", "rate"), "items")
    grouped = items[items["level"] == "prefecture"].groupby("indicator")["rate"]
    return (grouped.max() - grouped.min()).rename("spread")


def _size_class_order(present: pd.Series) -> list[str]:
    known = [size for size in SIZE_CLASSES if (present == size).any()]
    return known + sorted(set(present.dropna()) - set(SIZE_CLASSES))


def _achievement_items(matrix: _Matrix) -> pd.DataFrame:
    """Each of the report's yes/no items (the catalog's scored ones, in catalog order) with its area and
    whether the dataset has it (a usable answer of at least one listed municipality): the all / none counts
    rest on the items it has."""
    table = matrix.table
    reported = table[table["scored"] & (table["kind"] == "boolean")].sort_values("position", kind="stable")
    answered = matrix.present.sum(axis=0) > 0
    return pd.DataFrame(
        {
            "area": reported["area"].astype(str).to_numpy(),
            "indicator": reported.index.astype(str),
            "present": answered[table.index.get_indexer(reported.index)],
        }
    )


def _achievements(matrix: _Matrix, people: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    sizes = _size_class_order(people["size_class"])
    size = pd.Index(sizes).get_indexer(people["size_class"])
    counts: dict[str, tuple[np.ndarray, ...]] = {}
    for area in AREAS:
        columns = matrix.table.index.get_indexer(items.loc[items["present"] & (items["area"] == area), "indicator"])
        # "All" and "none" are over the area's items the dataset has (a partial dataset such as the real
        # FY2023 dashboard has 2 of the report's 8 service items), and only known for a municipality that
        # answered every one of them: one answer missing for a reason could be the "no" that breaks "all".
        block = matrix.x[:, columns]
        complete = (~np.isnan(block)).all(axis=1) & (size >= 0) & (len(columns) > 0)
        if not complete.any():
            continue
        implemented = np.where(complete, block.sum(axis=1), np.nan)
        counts[area] = tuple(
            np.bincount(size[complete & chosen], minlength=len(sizes))
            for chosen in (implemented == len(columns), implemented == 0, complete)
        )
    # Every size class for every area that has data, so a table shows a class with no one at 0.
    return pd.DataFrame(
        [
            (name, area, *(int(c[number]) for c in columns))
            for number, name in enumerate(sizes)
            for area, columns in counts.items()
        ],
        columns=["size_class", "area", "all", "none", "n"],
    )


def achievement_counts(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Per size class and area: municipalities that implemented all / none of the area's scored yes/no
    items that the dataset has (achievement_items says which).

    n counts the municipalities that answered every one of those items.
    """
    people = _municipality_table(municipalities)
    matrix = _matrix(values, _catalog_table(catalog), people.index)
    return _achievements(matrix, people, _achievement_items(matrix))


def achievement_items(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """area/indicator/present: the report's yes/no items of each area (the catalog's scored ones, in
    catalog order) and whether the dataset has them, i.e. which the achievement counts rest on."""
    matrix = _matrix(values, _catalog_table(catalog), _municipality_table(municipalities).index)
    return _achievement_items(matrix)


# --- correlations -------------------------------------------------------------------------------


def _pearson(frame: pd.DataFrame, left: str, right: str) -> float:
    """Pearson r over the rows that have both; NaN with fewer than 3 pairs or a constant side."""
    if left not in frame.columns or right not in frame.columns:
        # An empty frame (e.g. a level with no data) has nothing to correlate.
        return float("nan")
    pairs = frame[[left, right]].astype(float).dropna()
    if len(pairs) < 3:
        return float("nan")
    x = pairs[left].to_numpy()
    y = pairs[right].to_numpy()
    dx = x - x.mean()
    dy = y - y.mean()
    denominator = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    if denominator == 0.0:
        return float("nan")
    return float((dx * dy).sum() / denominator)


def correlations(municipal: pd.DataFrame, prefectural: pd.DataFrame) -> dict[str, float]:
    """The report's Pearson correlations (Table 19 and the 町・村 share finding).

    At prefecture level dev_mynumber stands for the card rate: Pearson r is unchanged by the
    affine deviation transform, and it is what Table 23 publishes.
    """
    return {
        "mynumber_composite_municipality": _pearson(municipal, "rate_mynumber", "composite"),
        "mynumber_composite_prefecture": _pearson(prefectural, "dev_mynumber", "composite"),
        "towns_villages_share_composite_prefecture": _pearson(prefectural, "towns_villages_share", "composite"),
    }


# --- the pipeline -------------------------------------------------------------------------------


def compute(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> Result:
    """Run the whole method on one fiscal year's values; the inputs are left untouched.

    Municipalities are those of `municipalities`; values of codes it does not list are ignored.
    """
    _require(values, _VALUES_COLUMNS, "values")
    people = _municipality_table(municipalities)
    matrix = _matrix(values, _catalog_table(catalog), people.index)
    rates = _area_rates(matrix)
    municipal = _municipality_scores(rates, people)
    prefectural = _prefecture_scores(rates, people)
    items = _item_rates(matrix, people)
    achieved = _achievement_items(matrix)
    return Result(
        municipal=municipal,
        prefectural=prefectural,
        items=items,
        spreads=spreads(items),
        achievements=_achievements(matrix, people, achieved),
        achievement_items=achieved,
        correlations=correlations(municipal, prefectural),
    )
