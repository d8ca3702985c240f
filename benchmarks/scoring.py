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
    part = frame.loc[:, list(columns)]
    plain = part.astype(object)
    for column in set(integers) & set(columns):
        plain[column] = part[column].astype("Int64").astype(object)
    return list(plain.where(part.notna(), None).itertuples(index=False, name=None))


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


def _usable(values: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """One row per usable value, with the catalog's facts and a number `x` to aggregate.

    `x` is 1/0 for a boolean item (implemented or not) and for a procedure (online or offline),
    and the value itself for a rate item. Rows without a usable number are dropped here: a value
    missing for a reason, a procedure not offered ("na") or without a status, an empty value,
    and indicators the catalog does not know.
    """
    _require(values, _VALUES_COLUMNS, "values")
    table = _catalog_table(catalog)
    reason = values["missing"]
    # A reason (not reported, not applicable, excluded) leaves the item out: it is never a "no".
    kept = values.loc[
        (reason.isna() | (reason == "")) & values["municipality"].notna(),
        ["municipality", "indicator", "value", "status"],
    ]
    # Codes become categoricals once here, and the catalog's facts are taken by position rather
    # than joined: every groupby below then works on integer codes instead of hashing strings.
    codes = table.index.get_indexer(kept["indicator"])
    known = codes >= 0
    codes = codes[known]
    kept = kept[known]
    facts = table.iloc[codes]

    value = kept["value"].astype(float).to_numpy()
    status = kept["status"]
    kind = facts["kind"].to_numpy()
    procedure_x = np.where(
        (status == "online").to_numpy(), 1.0, np.where((status == "offline").to_numpy(), 0.0, np.nan)
    )
    # Any non-zero boolean counts as implemented, so True/False and 1/0 read the same.
    boolean_x = np.where(np.isnan(value), np.nan, (value != 0).astype(float))
    x = np.select([kind == "boolean", kind == "procedure"], [boolean_x, procedure_x], default=value)
    rows = pd.DataFrame(
        {
            "municipality": pd.Categorical(kept["municipality"]),
            "indicator": pd.Categorical.from_codes(codes, categories=table.index),
            "area": facts["area"].array,
            "kind": facts["kind"].array,
            "scored": facts["scored"].to_numpy(),
            "position": facts["position"].to_numpy(),
            "x": x,
        }
    )
    return rows[rows["x"].notna()]


# --- area rates -------------------------------------------------------------------------------


def _area_rates(usable: pd.DataFrame, municipalities: pd.Index) -> pd.DataFrame:
    """Area rate per municipality by the method's three rules, in order of precedence."""
    scored = usable[usable["scored"]]
    keys = ["municipality", "area"]
    boolean = scored[scored["kind"] == "boolean"].groupby(keys, observed=True)["x"].mean() * 100.0
    procedure = scored[scored["kind"] == "procedure"].groupby(keys, observed=True)["x"].mean() * 100.0
    rate = (
        scored[scored["kind"] == "rate"]
        .sort_values("position", kind="stable")
        .groupby(keys, observed=True)["x"]
        .first()
    )
    # Concatenated in order of precedence, the first entry per (municipality, area) is the rule
    # that applies; an area whose procedures are all "na" has no entry and falls through to rate.
    combined = pd.concat([boolean, procedure, rate])
    combined = combined[~combined.index.duplicated(keep="first")]
    frame = combined.rename("rate").reset_index()
    # One rate per cell after the de-duplication, so "first" only reshapes.
    wide = frame.pivot_table(index="municipality", columns="area", values="rate", aggfunc="first", observed=True)
    wide = wide.reindex(index=municipalities, columns=list(AREAS)).astype(float)
    return wide.rename_axis(index="municipality", columns=None)


def municipality_area_rates(values: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's rate (percent) in each area; NaN where it has no usable data."""
    _require(values, _VALUES_COLUMNS, "values")
    usable = _usable(values, catalog)
    municipalities = pd.Index(values["municipality"].dropna().unique(), name="municipality").sort_values()
    return _area_rates(usable, municipalities)


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
    """Deviation of every column, across all rows or within each group."""
    if groups is None:
        return rates.apply(deviation)
    # Few groups (seven size classes), so one call per group and column is cheap.
    return pd.DataFrame(
        {column: rates[column].groupby(groups).transform(deviation) for column in rates.columns},
        index=rates.index,
    )


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


def _per_row(municipality: pd.Series, attribute: pd.Series) -> pd.Categorical:
    """A municipality attribute for each row, looked up once per municipality, not once per row."""
    by_category = pd.Categorical(attribute.reindex(municipality.cat.categories))
    return pd.Categorical.from_codes(by_category.codes[municipality.cat.codes.to_numpy()], dtype=by_category.dtype)


def _listed(usable: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The rows of the municipalities `people` lists, with their prefecture and size class."""
    rows = usable[usable["municipality"].isin(people.index)]
    return rows.assign(
        prefecture=_per_row(rows["municipality"], people["prefecture"]),
        size_class=_per_row(rows["municipality"], people["size_class"]),
    )


def _missing(values: pd.DataFrame, usable: pd.DataFrame) -> pd.DataFrame:
    """The values left out for a reason (not reported, not applicable, excluded from the survey),
    coded by the same categories as `usable` so that the two group alike."""
    reason = values["missing"]
    rows = values.loc[reason.notna() & (reason != "") & values["municipality"].notna()]
    indicator = pd.Categorical(rows["indicator"], categories=usable["indicator"].cat.categories)
    return pd.DataFrame(
        {
            "municipality": pd.Categorical(rows["municipality"]),
            "indicator": indicator,
            "reason": pd.Categorical(rows["missing"], categories=MISSING_REASONS),
        }
    )[indicator.notna()]


def _item_rates(usable: pd.DataFrame, people: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    # Boolean and procedure x are 1/0, so their mean is the share; rate items are already percent.
    counted = usable["kind"] != "rate"
    percent = np.where(counted, usable["x"] * 100.0, usable["x"])
    frame = _listed(usable.assign(percent=percent, done=usable["x"].where(counted)), people).assign(nation="all")
    left_out = _listed(missing, people).assign(nation="all")

    pieces = []
    for level, column in zip(LEVELS, ("nation", "prefecture", "size_class"), strict=True):
        keys = [column, "indicator"]
        stats = frame.groupby(keys, observed=True).agg(
            rate=("percent", "mean"), n=("percent", "count"), numerator=("done", "sum"), counted=("done", "count")
        )
        # Rate items have no count of municipalities that "did" them.
        stats["numerator"] = stats["numerator"].where(stats["counted"] > 0)
        reasons = left_out.assign(one=1).pivot_table(
            index=keys, columns="reason", values="one", aggfunc="sum", observed=True
        )
        reasons = reasons.reindex(columns=list(MISSING_REASONS), fill_value=0)
        # A group whose every value was left out still gets its row: it says how many and why.
        stats = stats.drop(columns="counted").join(reasons, how="outer")
        stats[["n", *MISSING_REASONS]] = stats[["n", *MISSING_REASONS]].fillna(0)
        stats = stats.reset_index().rename(columns={column: "group"})
        pieces.append(stats.assign(level=level))
    items = pd.concat(pieces, ignore_index=True)
    # Nation, then prefectures, then size classes; items in catalog order within a group.
    position = usable.drop_duplicates("indicator").set_index("indicator")["position"]
    # An item with no usable value anywhere has no rate to show.
    items = items[items["indicator"].isin(position.index)]
    items = items.assign(
        level_order=items["level"].map({level: i for i, level in enumerate(LEVELS)}),
        position=items["indicator"].map(position).astype(int),
    ).sort_values(["level_order", "group", "position"], kind="stable")
    items = items[["level", "group", "indicator", "rate", "n", "numerator", *MISSING_REASONS]].reset_index(drop=True)
    counts = {column: int for column in ("n", *MISSING_REASONS)}
    return items.astype({"group": str, "indicator": str, "rate": float, "numerator": float, **counts})


def item_rates(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Long frame level/group/indicator/rate/n/numerator and a count per missing reason: each item's
    rate in the nation, prefectures and size classes.

    rate is the percent of the group's municipalities with a usable value that implemented the
    item (procedures: online among offered; rate items: the mean value); n is that denominator and
    numerator the municipalities that implemented it (none for rate items). not_reported,
    not_applicable and excluded count the group's municipalities whose value was left out for that
    reason. A group with neither a usable nor a left-out value for an item has no row.
    """
    usable = _usable(values, catalog)
    return _item_rates(usable, _municipality_table(municipalities), _missing(values, usable))


def spreads(items: pd.DataFrame) -> pd.Series:
    """Per indicator, highest minus lowest prefecture rate."""
    _require(items, ("level", "indicator", "rate"), "items")
    grouped = items[items["level"] == "prefecture"].groupby("indicator")["rate"]
    return (grouped.max() - grouped.min()).rename("spread")


def _size_class_order(present: pd.Series) -> list[str]:
    known = [size for size in SIZE_CLASSES if (present == size).any()]
    return known + sorted(set(present.dropna()) - set(SIZE_CLASSES))


def _report_items(catalog: pd.DataFrame) -> pd.DataFrame:
    """The catalog's scored yes/no items (the report's set behind its all / none counts), in catalog order."""
    table = _catalog_table(catalog)
    return table[table["scored"] & (table["kind"] == "boolean")].sort_values("position", kind="stable")


def _achievement_items(usable: pd.DataFrame, people: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """Each of the report's yes/no items with its area and whether the dataset has it (a usable answer
    of at least one listed municipality): the all / none counts rest on the items it has."""
    reported = _report_items(catalog)
    answered = usable.loc[usable["municipality"].isin(people.index), "indicator"].unique()
    return pd.DataFrame(
        {
            "area": reported["area"].astype(str).to_numpy(),
            "indicator": reported.index.astype(str),
            "present": reported.index.isin(answered),
        }
    )


def _achievements(usable: pd.DataFrame, people: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    present = items.loc[items["present"], "indicator"]
    booleans = usable[usable["indicator"].isin(present)]
    # Per municipality and area: items implemented and items present (sum and count of 1/0).
    per = booleans.groupby(["municipality", "area"], observed=True)["x"].agg(["sum", "count"])
    per = per.reset_index().join(people["size_class"], on="municipality", how="inner")
    # "All" and "none" are over the area's items the dataset has (a partial dataset such as the real
    # FY2023 dashboard has 2 of the report's 8 service items), and only known for a municipality that
    # answered every one of them: one answer missing for a reason could be the "no" that breaks "all".
    required = items[items["present"]].groupby("area").size()
    per = per[per["count"] == per["area"].astype(str).map(required).astype(int)]
    per = per.assign(all=per["sum"] == per["count"], none=per["sum"] == 0)
    counts = per.groupby(["size_class", "area"], observed=True).agg(
        all=("all", "sum"), none=("none", "sum"), n=("count", "size")
    )
    # Every size class for every area that has data, so a table shows a class with no one at 0.
    areas = [area for area in AREAS if (per["area"] == area).any()]
    full = pd.MultiIndex.from_product([_size_class_order(people["size_class"]), areas], names=["size_class", "area"])
    counts = counts.reindex(full, fill_value=0).astype(int)
    return counts.reset_index()[["size_class", "area", "all", "none", "n"]]


def achievement_counts(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Per size class and area: municipalities that implemented all / none of the area's scored yes/no
    items that the dataset has (achievement_items says which).

    n counts the municipalities that answered every one of those items.
    """
    usable, people = _usable(values, catalog), _municipality_table(municipalities)
    return _achievements(usable, people, _achievement_items(usable, people, catalog))


def achievement_items(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """area/indicator/present: the report's yes/no items of each area (the catalog's scored ones, in
    catalog order) and whether the dataset has them, i.e. which the achievement counts rest on."""
    return _achievement_items(_usable(values, catalog), _municipality_table(municipalities), catalog)


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
    _require(catalog, _CATALOG_COLUMNS, "catalog")
    people = _municipality_table(municipalities)
    usable = _usable(values, catalog)
    rates = _area_rates(usable, people.index)
    municipal = _municipality_scores(rates, people)
    prefectural = _prefecture_scores(rates, people)
    items = _item_rates(usable, people, _missing(values, usable))
    achieved = _achievement_items(usable, people, catalog)
    return Result(
        municipal=municipal,
        prefectural=prefectural,
        items=items,
        spreads=spreads(items),
        achievements=_achievements(usable, people, achieved),
        achievement_items=achieved,
        correlations=correlations(municipal, prefectural),
    )
