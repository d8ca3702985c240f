"""benchmarks.scoring against the benchmark method and the report it follows.

table23.csv beside this file is 図表 23 「都道府県別にみた基礎自治体の DX への取り組み状況の偏差値」 of
日本総研 Research Focus No.2024-032 「自治体DXの進捗状況」 (shared/seeds/003_41e42afae31622ec.txt,
around line 1661), transcribed as published: the 47 prefectures in code order 01 (北海道) to 47
(沖縄県), each area's deviation score and the composite (除マイナンバーカード) for 2021 and 2023.
The rest checks the module on hand-made frames and against a plain-Python re-implementation.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from benchmarks import scoring
from benchmarks.scoring import AREAS, COMPOSITE_AREAS, SIZE_CLASSES, SMALL_GROUP

TABLE23 = Path(__file__).with_name("table23.csv")
YEARS = (2021, 2023)
TOLERANCE = 1e-9
NAN = float("nan")


# --- helpers --------------------------------------------------------------------------------------


def close(actual: Any, expected: float, tolerance: float = TOLERANCE) -> bool:
    """Equal within tolerance, NaN matching NaN."""
    if pd.isna(actual):
        return math.isnan(expected)
    return not math.isnan(expected) and abs(float(actual) - expected) <= tolerance


def make_catalog(rows: list[tuple[str, str, str, bool]]) -> pd.DataFrame:
    """(indicator, area, kind, scored) rows, positions in row order."""
    return pd.DataFrame(
        [
            {"indicator": code, "area": area, "kind": kind, "scored": scored, "position": position}
            for position, (code, area, kind, scored) in enumerate(rows)
        ]
    )


def make_values(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Value rows with the optional columns filled in."""
    defaults = {"value": NAN, "status": None, "missing": None}
    return pd.DataFrame([{**defaults, **row} for row in rows], columns=list(scoring._VALUES_COLUMNS))


def make_municipalities(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(municipality, prefecture, size_class) rows."""
    return pd.DataFrame(
        [
            {
                "municipality": code,
                "prefecture": prefecture,
                "size_class": size,
                "kind": "town" if size == "town" else "village" if size == "village" else "city",
                "population": 10_000,
            }
            for code, prefecture, size in rows
        ]
    )


def make_rates(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(AREAS)).astype(float)
    return frame.rename_axis("municipality")


# --- deviation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_deviation_has_mean_50_and_population_sd_10(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = rng.normal(rng.uniform(-50, 50), rng.uniform(0.1, 30), size=200)
    raw[rng.random(200) < 0.2] = np.nan
    series = pd.Series(raw)

    scores = scoring.deviation(series)

    present = scores.dropna()
    assert scores.isna().equals(series.isna())
    assert present.mean() == pytest.approx(50.0, abs=TOLERANCE)
    assert present.std(ddof=0) == pytest.approx(10.0, abs=TOLERANCE)
    # Not the sample SD: with ddof=1 the same scores would spread a little less than 10.
    assert present.std(ddof=1) != pytest.approx(10.0, abs=1e-6)


def test_deviation_keeps_order_and_index() -> None:
    series = pd.Series([3.0, 1.0, np.nan, 2.0], index=["c", "a", "x", "b"])
    scores = scoring.deviation(series)
    assert list(scores.index) == ["c", "a", "x", "b"]
    # x = mean ± σ gives 60 / 40: mean 2, σ = sqrt(2/3).
    sigma = math.sqrt(2 / 3)
    assert scores["b"] == pytest.approx(50.0)
    assert scores["c"] == pytest.approx(50 + 10 / sigma)
    assert scores["a"] == pytest.approx(50 - 10 / sigma)
    assert math.isnan(scores["x"])


@pytest.mark.parametrize("value", [0.0, 0.1, 100 / 3, 57.14285714285714])
def test_deviation_of_a_constant_column_is_50(value: float) -> None:
    # For 0.1 × 3 the computed σ is 1.4e-17, not 0: the guard must not divide by it.
    series = pd.Series([value, value, np.nan, value])
    scores = scoring.deviation(series)
    assert scores.iloc[[0, 1, 3]].tolist() == [50.0, 50.0, 50.0]
    assert math.isnan(scores.iloc[2])


def test_deviation_of_nothing_is_nothing() -> None:
    assert scoring.deviation(pd.Series([np.nan, np.nan])).isna().all()
    assert scoring.deviation(pd.Series([], dtype=float)).empty
    assert scoring.deviation(pd.Series([7.0, np.nan])).tolist()[0] == 50.0


# --- composite ------------------------------------------------------------------------------------


def five_municipalities() -> tuple[pd.DataFrame, pd.DataFrame]:
    rates = make_rates(
        {
            "000001": dict(zip(AREAS, [10, 20, 30, 40, 50, 60], strict=True)),
            "000002": dict(zip(AREAS, [20, 25, 35, 10, 55, 10], strict=True)),
            "000003": dict(zip(AREAS, [30, 70, np.nan, 20, 60, 90], strict=True)),
            "000004": dict(zip(AREAS, [40, 10, 50, np.nan, np.nan, 30], strict=True)),
            "000005": dict(zip(AREAS, [np.nan] * 6, strict=True)),
        }
    )
    municipalities = make_municipalities(
        [(code, "01", "town") for code in ("000001", "000002", "000003", "000004", "000005")]
    )
    return rates, municipalities


def test_composite_is_the_mean_of_the_five_area_deviations() -> None:
    rates, municipalities = five_municipalities()
    scores = scoring.municipality_scores(rates, municipalities)

    for area in AREAS:
        expected = scoring.deviation(rates[area])
        assert np.allclose(scores[f"dev_{area}"], expected, atol=TOLERANCE, equal_nan=True)
    devs = scores[[f"dev_{area}" for area in COMPOSITE_AREAS]]
    full = scores.loc["000001"]
    assert full["composite"] == pytest.approx(devs.loc["000001"].mean(), abs=TOLERANCE)
    assert full["composite_areas"] == 5
    # Missing areas are skipped, not counted as zero, and the count says what it rests on.
    partial = scores.loc["000004"]
    assert partial["composite"] == pytest.approx(
        (partial["dev_system"] + partial["dev_service"] + partial["dev_improvement"]) / 3, abs=TOLERANCE
    )
    assert partial["composite_areas"] == 3
    assert scores.loc["000003", "composite_areas"] == 4
    empty = scores.loc["000005"]
    assert math.isnan(empty["composite"]) and math.isnan(empty["rank"])
    assert empty["composite_areas"] == 0


def test_composite_leaves_my_number_out() -> None:
    rates, municipalities = five_municipalities()
    before = scoring.municipality_scores(rates, municipalities)
    shuffled = rates.assign(mynumber=rates["mynumber"].iloc[::-1].to_numpy())
    after = scoring.municipality_scores(shuffled, municipalities)

    assert not np.allclose(before["dev_mynumber"], after["dev_mynumber"], equal_nan=True)
    pd.testing.assert_series_equal(before["composite"], after["composite"])
    pd.testing.assert_series_equal(before["rank"], after["rank"])


def test_rank_is_one_for_the_best_and_ties_share_it() -> None:
    rates = make_rates(
        {
            "000001": dict.fromkeys(AREAS, 10.0),
            "000002": dict.fromkeys(AREAS, 90.0),
            "000003": dict.fromkeys(AREAS, 90.0),
            "000004": dict.fromkeys(AREAS, 50.0),
        }
    )
    municipalities = make_municipalities([(code, "01", "small") for code in rates.index])
    ranks = scoring.municipality_scores(rates, municipalities)["rank"]
    assert ranks.to_dict() == {"000001": 4.0, "000002": 1.0, "000003": 1.0, "000004": 3.0}


# --- Table 23 of the report -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def table23() -> pd.DataFrame:
    return pd.read_csv(TABLE23, dtype={"pref_code": str})


def test_table23_is_the_47_prefectures_in_code_order(table23: pd.DataFrame) -> None:
    assert table23["pref_code"].tolist() == [f"{code:02d}" for code in range(1, 48)]
    assert table23.loc[0, "name"] == "北海道"
    assert table23.loc[46, "name"] == "沖縄県"
    assert table23.notna().all().all()


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("area", AREAS)
def test_table23_areas_have_mean_50_and_population_sd_10(table23: pd.DataFrame, area: str, year: int) -> None:
    # The report's own check on its published (2-decimal) scores.
    column = table23[f"{area}_{year}"]
    assert column.mean() == pytest.approx(50.0, abs=0.01)
    assert column.std(ddof=0) == pytest.approx(10.0, abs=0.01)
    # Re-scoring already standardised scores changes them by no more than their rounding.
    assert (scoring.deviation(column) - column).abs().max() < 0.01


@pytest.mark.parametrize("year", YEARS)
def test_table23_composite_is_the_mean_of_the_five_areas(table23: pd.DataFrame, year: int) -> None:
    five = table23[[f"{area}_{year}" for area in COMPOSITE_AREAS]].mean(axis=1)
    assert (five - table23[f"composite_{year}"]).abs().max() <= 0.01
    # With My Number in, the published composite would not come out.
    six = table23[[f"{area}_{year}" for area in AREAS]].mean(axis=1)
    assert (six - table23[f"composite_{year}"]).abs().max() > 1.0


@pytest.mark.parametrize(("year", "expected"), [(2021, 0.4025), (2023, 0.1663)])
def test_table23_gives_the_reports_prefecture_correlation(table23: pd.DataFrame, year: int, expected: float) -> None:
    # Table 19: My Number Card vs composite at prefecture level.
    prefectural = pd.DataFrame(
        {"dev_mynumber": table23[f"mynumber_{year}"], "composite": table23[f"composite_{year}"]}
    ).set_index(table23["pref_code"])
    municipal = pd.DataFrame({"rate_mynumber": [NAN] * 4, "composite": [50.0, 60.0, NAN, 40.0]})

    result = scoring.correlations(municipal, prefectural)

    assert round(result["mynumber_composite_prefecture"], 4) == expected
    assert math.isnan(result["mynumber_composite_municipality"])
    assert math.isnan(result["towns_villages_share_composite_prefecture"])


def test_correlations_need_three_complete_pairs() -> None:
    frame = pd.DataFrame({"rate_mynumber": [1.0, 2.0, np.nan, 4.0, 5.0], "composite": [2.0, np.nan, 3.0, 8.0, np.nan]})
    assert math.isnan(scoring.correlations(frame, pd.DataFrame())["mynumber_composite_municipality"])
    frame.loc[4, "composite"] = 10.0
    # Pairs (1, 2), (4, 8), (5, 10): exactly linear.
    assert scoring.correlations(frame, pd.DataFrame())["mynumber_composite_municipality"] == pytest.approx(1.0)
    constant = frame.assign(composite=50.0)
    assert math.isnan(scoring.correlations(constant, pd.DataFrame())["mynumber_composite_municipality"])


# --- area-rate rules ------------------------------------------------------------------------------

RULES_CATALOG = make_catalog(
    [
        ("system.a", "system", "boolean", True),
        ("system.b", "system", "boolean", True),
        ("system.c", "system", "boolean", True),
        ("system.d", "system", "boolean", True),
        ("system.ref", "system", "boolean", False),
        ("online_volume.01", "online_volume", "procedure", True),
        ("online_volume.02", "online_volume", "procedure", True),
        ("online_volume.03", "online_volume", "procedure", True),
        ("online_volume.04", "online_volume", "procedure", True),
        ("online_volume.rate", "online_volume", "rate", True),
        ("online_volume.flag", "online_volume", "boolean", True),
        ("mynumber.unscored", "mynumber", "rate", False),
        ("mynumber.second", "mynumber", "rate", True),
        ("mynumber.first", "mynumber", "rate", True),
    ]
).assign(position=lambda frame: frame["position"].replace({12: 13, 13: 12}))


def rates_for(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return scoring.municipality_area_rates(make_values(rows), RULES_CATALOG)


def test_boolean_rate_is_the_share_of_present_scored_items() -> None:
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "system.a", "value": 1.0},
            {"municipality": "000001", "indicator": "system.b", "value": 0.0},
            {"municipality": "000001", "indicator": "system.c", "value": 1.0},
            # Absent items (no row) and empty values are not "no": 2 of 3 present.
            {"municipality": "000001", "indicator": "system.d", "value": NAN},
        ]
    )
    assert rates.loc["000001", "system"] == pytest.approx(200 / 3)


def test_a_value_missing_for_a_reason_is_left_out_never_a_no() -> None:
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "system.a", "value": 1.0},
            {"municipality": "000001", "indicator": "system.b", "value": 0.0, "missing": "not_reported"},
            {"municipality": "000001", "indicator": "system.c", "value": NAN, "missing": "not_applicable"},
            {"municipality": "000001", "indicator": "system.d", "value": 1.0, "missing": "excluded"},
        ]
    )
    assert rates.loc["000001", "system"] == 100.0


def test_unscored_items_never_count() -> None:
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "system.a", "value": 0.0},
            {"municipality": "000001", "indicator": "system.ref", "value": 1.0},
            {"municipality": "000002", "indicator": "system.ref", "value": 1.0},
            {"municipality": "000002", "indicator": "mynumber.unscored", "value": 80.0},
        ]
    )
    assert rates.loc["000001", "system"] == 0.0
    assert rates.loc["000002"].isna().all()


def test_procedures_are_online_over_offered() -> None:
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "online_volume.01", "status": "online"},
            {"municipality": "000001", "indicator": "online_volume.02", "status": "offline"},
            {"municipality": "000001", "indicator": "online_volume.03", "status": "online"},
            # Not offered: left out of the denominator.
            {"municipality": "000001", "indicator": "online_volume.04", "status": "na"},
            # Procedures come before the aggregate rate item.
            {"municipality": "000001", "indicator": "online_volume.rate", "value": 10.0},
        ]
    )
    assert rates.loc["000001", "online_volume"] == pytest.approx(200 / 3)


def test_boolean_items_come_before_procedures_and_procedures_before_rates() -> None:
    procedures = [
        {"municipality": code, "indicator": "online_volume.01", "status": "online"} for code in ("000001", "000002")
    ]
    rates = rates_for(
        [
            *procedures,
            {"municipality": "000001", "indicator": "online_volume.flag", "value": 0.0},
            {"municipality": "000001", "indicator": "online_volume.rate", "value": 50.0},
            {
                "municipality": "000002",
                "indicator": "online_volume.flag",
                "value": 0.0,
                "missing": "excluded",
            },
            {"municipality": "000002", "indicator": "online_volume.rate", "value": 50.0},
        ]
    )
    assert rates["online_volume"].to_dict() == {"000001": 0.0, "000002": 100.0}


def test_procedures_fall_back_to_the_rate_item_when_none_is_offered() -> None:
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "online_volume.01", "status": "na"},
            {
                "municipality": "000001",
                "indicator": "online_volume.02",
                "status": "online",
                "missing": "excluded",
            },
            {"municipality": "000001", "indicator": "online_volume.rate", "value": 37.5},
            {"municipality": "000002", "indicator": "online_volume.rate", "value": 12.5},
        ]
    )
    assert rates.loc["000001", "online_volume"] == 37.5
    assert rates.loc["000002", "online_volume"] == 12.5


def test_rate_fallback_takes_the_first_item_by_position_that_has_a_value() -> None:
    # mynumber.first has position 12, mynumber.second 13, whatever their row order.
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "mynumber.second", "value": 70.0},
            {"municipality": "000001", "indicator": "mynumber.first", "value": 60.0},
            {"municipality": "000002", "indicator": "mynumber.second", "value": 70.0},
            {"municipality": "000002", "indicator": "mynumber.first", "value": NAN},
            {"municipality": "000003", "indicator": "mynumber.second", "value": 70.0},
            {"municipality": "000003", "indicator": "mynumber.first", "value": 60.0, "missing": "excluded"},
        ]
    )
    assert rates["mynumber"].to_dict() == {"000001": 60.0, "000002": 70.0, "000003": 70.0}


def test_nan_when_nothing_is_usable() -> None:
    rates = rates_for(
        [
            {"municipality": "000001", "indicator": "system.a", "value": 1.0, "missing": "not_reported"},
            {"municipality": "000001", "indicator": "online_volume.01", "status": "na"},
            {"municipality": "000001", "indicator": "online_volume.02", "status": None},
            {"municipality": "000001", "indicator": "unknown.item", "value": 1.0},
        ]
    )
    assert list(rates.columns) == list(AREAS)
    assert list(rates.index) == ["000001"]
    assert rates.loc["000001"].isna().all()


# --- peer groups ----------------------------------------------------------------------------------


def test_peer_deviations_are_within_size_class_and_small_groups_are_flagged() -> None:
    designated = {f"1000{i:02d}": 10.0 * (i + 1) for i in range(3)}
    towns = {f"2000{i:02d}": 50.0 + i for i in range(SMALL_GROUP)}
    rates = make_rates({code: dict.fromkeys(AREAS, rate) for code, rate in {**designated, **towns}.items()})
    municipalities = make_municipalities(
        [(code, "01", "designated") for code in designated] + [(code, "02", "town") for code in towns]
    )

    scores = scoring.municipality_scores(rates, municipalities)

    for area in AREAS:
        assert np.allclose(
            scores.loc[list(designated), f"peer_dev_{area}"],
            scoring.deviation(pd.Series(designated)),
            atol=TOLERANCE,
        )
        assert np.allclose(
            scores.loc[list(towns), f"peer_dev_{area}"], scoring.deviation(pd.Series(towns)), atol=TOLERANCE
        )
    # Nationally the designated cities' 10–30 sit far below the towns' 50–69; among peers the
    # best of them is above 50.
    assert scores.loc["100002", "dev_system"] < 40 < 60 < scores.loc["100002", "peer_dev_system"]
    assert scores.loc["100002", "peer_rank"] == 1.0
    assert scores.loc["100002", "rank"] == 21.0
    assert scores.loc[list(towns), "peer_rank"].sort_values().tolist() == list(map(float, range(1, 21)))
    assert set(scores.loc[list(designated), "peer_size"]) == {3}
    assert set(scores.loc[list(towns), "peer_size"]) == {SMALL_GROUP}
    assert scores.loc[list(designated), "peer_small"].all()
    assert not scores.loc[list(towns), "peer_small"].any()
    assert scores.loc["100000", "prefecture"] == "01"
    assert scores.loc["200000", "size_class"] == "town"


# --- random data against a plain-Python re-implementation -----------------------------------------


def random_inputs(
    seed: int, n_municipalities: int = 300, n_prefectures: int = 10
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Values, catalog and municipalities with every case the method names, drawn at random."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, str, bool]] = []
    for area, booleans, unscored in (("system", 6, 1), ("service", 6, 1), ("improvement", 5, 0)):
        rows += [(f"{area}.{i:02d}", area, "boolean", True) for i in range(booleans)]
        rows += [(f"{area}.ref{i}", area, "boolean", False) for i in range(unscored)]
    rows += [(f"online_volume.{i:02d}", "online_volume", "procedure", True) for i in range(8)]
    # A boolean among procedures: where present it takes precedence (rule 1 before rule 2).
    rows += [("online_volume.flag", "online_volume", "boolean", True)]
    rows += [("online_volume.rate_a", "online_volume", "rate", True)]
    rows += [("online_volume.rate_b", "online_volume", "rate", True)]
    rows += [(f"online_lifeevent.{i:02d}", "online_lifeevent", "procedure", True) for i in range(6)]
    rows += [("online_lifeevent.rate", "online_lifeevent", "rate", True)]
    rows += [("mynumber.issued", "mynumber", "rate", True), ("mynumber.held", "mynumber", "rate", True)]
    rows += [("mynumber.unscored", "mynumber", "rate", False)]
    catalog = make_catalog(rows)
    # Positions that disagree with row order, so "first by position" is really tested.
    catalog = catalog.assign(position=rng.permutation(len(catalog)) * 10)

    sizes = rng.choice(list(SIZE_CLASSES), p=[0.03, 0.06, 0.08, 0.15, 0.3, 0.28, 0.1], size=n_municipalities)
    municipalities = make_municipalities(
        [(f"{100000 + i:06d}", f"{rng.integers(1, n_prefectures + 1):02d}", str(size)) for i, size in enumerate(sizes)]
    )

    values: list[dict[str, Any]] = []
    # Three codes the municipality list does not know, whose values must be ignored.
    codes = municipalities["municipality"].tolist()[:-1] + ["999901", "999902", "999903"]
    for code in codes:
        # Whole areas absent now and then, so composites rest on fewer areas and fall back to rates.
        absent = {area for area in AREAS if rng.random() < 0.12}
        p_yes = rng.uniform(0.1, 0.9)
        for indicator, area, kind, _ in rows:
            # Rate items survive half the time when their area is absent: the fallback rule.
            dropped = area in absent and (kind != "rate" or rng.random() < 0.5)
            if dropped or rng.random() < 0.1:
                continue
            row: dict[str, Any] = {"municipality": code, "indicator": indicator}
            if kind == "boolean":
                row["value"] = float(rng.random() < p_yes) if rng.random() > 0.03 else NAN
            elif kind == "procedure":
                row["status"] = rng.choice(["online", "offline", "na", "na", None], p=[0.4, 0.3, 0.1, 0.1, 0.1])
            else:
                row["value"] = round(float(rng.uniform(0, 100)), 3) if rng.random() > 0.2 else NAN
            if rng.random() < 0.08:
                row["missing"] = str(rng.choice(["not_reported", "not_applicable", "excluded"]))
            values.append(row)
    values += [{"municipality": codes[0], "indicator": "not.in.catalog", "value": 1.0}]
    return make_values(values), catalog, municipalities


def reference_dev(scores: dict[str, float]) -> dict[str, float]:
    present = [value for value in scores.values() if not math.isnan(value)]
    if not present:
        return dict.fromkeys(scores, NAN)
    mean = sum(present) / len(present)
    sigma = math.sqrt(sum((value - mean) ** 2 for value in present) / len(present))
    constant = max(present) == min(present)
    return {
        key: NAN if math.isnan(value) else 50.0 if constant else 50 + 10 * (value - mean) / sigma
        for key, value in scores.items()
    }


def reference_rank(scores: dict[str, float]) -> dict[str, float]:
    present = [value for value in scores.values() if not math.isnan(value)]
    return {
        key: NAN if math.isnan(value) else 1.0 + sum(other > value + 1e-9 for other in present)
        for key, value in scores.items()
    }


def reference_mean(numbers: list[float]) -> float:
    present = [number for number in numbers if not math.isnan(number)]
    return sum(present) / len(present) if present else NAN


def reference_pearson(pairs: list[tuple[float, float]]) -> float:
    pairs = [(x, y) for x, y in pairs if not (math.isnan(x) or math.isnan(y))]
    if len(pairs) < 3:
        return NAN
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    syy = sum((y - my) ** 2 for _, y in pairs)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else NAN


def reference(values: pd.DataFrame, catalog: pd.DataFrame, municipalities: pd.DataFrame) -> dict[str, Any]:
    """The method written out with loops and dicts, one rule at a time."""
    items = {row["indicator"]: row for row in catalog.to_dict("records")}
    places = {row["municipality"]: row for row in municipalities.to_dict("records")}

    usable: dict[str, dict[str, float]] = defaultdict(dict)
    for row in values.to_dict("records"):
        item = items.get(row["indicator"])
        if item is None or row["municipality"] not in places or isinstance(row["missing"], str):
            continue
        if item["kind"] == "boolean":
            if math.isnan(row["value"]):
                continue
            x = 1.0 if row["value"] else 0.0
        elif item["kind"] == "procedure":
            if row["status"] not in ("online", "offline"):
                continue
            x = 1.0 if row["status"] == "online" else 0.0
        else:
            if math.isnan(row["value"]):
                continue
            x = row["value"]
        usable[row["municipality"]][row["indicator"]] = x

    by_position = sorted(items.values(), key=lambda item: item["position"])
    rate: dict[str, dict[str, float]] = {area: {} for area in AREAS}
    for code in places:
        for area in AREAS:
            scored = [item for item in by_position if item["area"] == area and item["scored"]]
            have = [item for item in scored if item["indicator"] in usable[code]]
            booleans = [usable[code][item["indicator"]] for item in have if item["kind"] == "boolean"]
            procedures = [usable[code][item["indicator"]] for item in have if item["kind"] == "procedure"]
            rated = [usable[code][item["indicator"]] for item in have if item["kind"] == "rate"]
            if booleans:
                rate[area][code] = 100 * sum(booleans) / len(booleans)
            elif procedures:
                rate[area][code] = 100 * sum(procedures) / len(procedures)
            elif rated:
                rate[area][code] = rated[0]
            else:
                rate[area][code] = NAN

    dev = {area: reference_dev(rate[area]) for area in AREAS}
    composite = {code: reference_mean([dev[area][code] for area in COMPOSITE_AREAS]) for code in places}
    composite_areas = {code: sum(not math.isnan(dev[area][code]) for area in COMPOSITE_AREAS) for code in places}
    peers: dict[str, list[str]] = defaultdict(list)
    for code, place in places.items():
        peers[place["size_class"]].append(code)
    peer_dev: dict[str, dict[str, float]] = {area: {} for area in AREAS}
    peer_rank: dict[str, float] = {}
    for members in peers.values():
        for area in AREAS:
            peer_dev[area].update(reference_dev({code: rate[area][code] for code in members}))
        group_composite = {code: reference_mean([peer_dev[area][code] for area in COMPOSITE_AREAS]) for code in members}
        peer_rank.update(reference_rank(group_composite))
    rank = reference_rank(composite)
    municipal = {
        code: {
            **{f"rate_{area}": rate[area][code] for area in AREAS},
            **{f"dev_{area}": dev[area][code] for area in AREAS},
            **{f"peer_dev_{area}": peer_dev[area][code] for area in AREAS},
            "composite": composite[code],
            "composite_areas": composite_areas[code],
            "rank": rank[code],
            "peer_composite": reference_mean([peer_dev[area][code] for area in COMPOSITE_AREAS]),
            "peer_rank": peer_rank[code],
            "peer_size": len(peers[places[code]["size_class"]]),
        }
        for code in places
    }

    prefectures: dict[str, list[str]] = defaultdict(list)
    for code, place in places.items():
        prefectures[place["prefecture"]].append(code)
    pref_rate = {
        area: {pref: reference_mean([rate[area][code] for code in codes]) for pref, codes in prefectures.items()}
        for area in AREAS
    }
    pref_dev = {area: reference_dev(pref_rate[area]) for area in AREAS}
    pref_composite = {pref: reference_mean([pref_dev[area][pref] for area in COMPOSITE_AREAS]) for pref in prefectures}
    pref_rank = reference_rank(pref_composite)
    prefectural = {
        pref: {
            **{f"rate_{area}": pref_rate[area][pref] for area in AREAS},
            **{f"dev_{area}": pref_dev[area][pref] for area in AREAS},
            "composite": pref_composite[pref],
            "rank": pref_rank[pref],
            "towns_villages_share": 100
            * sum(places[code]["size_class"] in ("town", "village") for code in codes)
            / len(codes),
            "n_municipalities": len(codes),
        }
        for pref, codes in prefectures.items()
    }

    groups: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for code, found in usable.items():
        for indicator, x in found.items():
            percent = x if items[indicator]["kind"] == "rate" else 100 * x
            for level, group in (
                ("nation", "all"),
                ("prefecture", places[code]["prefecture"]),
                ("size_class", places[code]["size_class"]),
            ):
                groups[(level, group, indicator)].append(percent)
    item_rates = {key: (sum(found) / len(found), len(found)) for key, found in groups.items()}
    spreads: dict[str, float] = {}
    for indicator in items:
        found = [r for (level, _, i), (r, _) in item_rates.items() if level == "prefecture" and i == indicator]
        if found:
            spreads[indicator] = max(found) - min(found)

    achievements: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    # The counts rest on the area's scored yes/no items that some listed municipality answered.
    answered = {indicator for code in places for indicator in usable[code]}
    for code in places:
        for area in AREAS:
            required = [
                item["indicator"]
                for item in items.values()
                if item["area"] == area
                and item["scored"]
                and item["kind"] == "boolean"
                and item["indicator"] in answered
            ]
            marks = [usable[code][indicator] for indicator in required if indicator in usable[code]]
            if required and len(marks) == len(required):
                counts = achievements[(places[code]["size_class"], area)]
                counts[0] += all(marks)
                counts[1] += not any(marks)
                counts[2] += 1

    correlations = {
        "mynumber_composite_municipality": reference_pearson(
            [(rate["mynumber"][code], composite[code]) for code in places]
        ),
        "mynumber_composite_prefecture": reference_pearson(
            [(pref_dev["mynumber"][pref], pref_composite[pref]) for pref in prefectures]
        ),
        "towns_villages_share_composite_prefecture": reference_pearson(
            [(prefectural[pref]["towns_villages_share"], pref_composite[pref]) for pref in prefectures]
        ),
    }
    return {
        "municipal": municipal,
        "prefectural": prefectural,
        "items": item_rates,
        "spreads": spreads,
        "achievements": achievements,
        "correlations": correlations,
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compute_agrees_with_a_plain_python_reading_of_the_method(seed: int) -> None:
    values, catalog, municipalities = random_inputs(seed)
    result = scoring.compute(values, catalog, municipalities)
    expected = reference(values, catalog, municipalities)

    municipal = result.municipal
    assert sorted(municipal.index) == sorted(expected["municipal"])
    # The data really has every case: missing areas, several group sizes, small peer groups.
    assert municipal["composite_areas"].min() < 5 and municipal["peer_small"].any()
    for code, row in expected["municipal"].items():
        for column, value in row.items():
            assert close(municipal.loc[code, column], value), (code, column)
        assert municipal.loc[code, "peer_small"] == (row["peer_size"] < SMALL_GROUP)

    prefectural = result.prefectural
    assert sorted(prefectural.index) == sorted(expected["prefectural"])
    for pref, row in expected["prefectural"].items():
        for column, value in row.items():
            assert close(prefectural.loc[pref, column], value), (pref, column)

    items = {(row.level, row.group, row.indicator): (row.rate, row.n) for row in result.items.itertuples(index=False)}
    assert items.keys() == expected["items"].keys()
    for key, (rate, n) in expected["items"].items():
        assert close(items[key][0], rate) and items[key][1] == n, key

    assert result.spreads.to_dict().keys() == expected["spreads"].keys()
    for indicator, spread in expected["spreads"].items():
        assert close(result.spreads[indicator], spread), indicator

    achievements = {
        (row.size_class, row.area): [row.all, row.none, row.n] for row in result.achievements.itertuples(index=False)
    }
    for key, counts in achievements.items():
        assert counts == expected["achievements"].get(key, [0, 0, 0]), key
    assert expected["achievements"].keys() <= achievements.keys()

    for name, value in expected["correlations"].items():
        assert close(result.correlations[name], value), name


# --- item rates, spreads, achievements on hand-made data ------------------------------------------


def test_item_rates_spreads_and_achievements_by_hand() -> None:
    catalog = make_catalog(
        [
            ("system.a", "system", "boolean", True),
            ("system.b", "system", "boolean", True),
            ("system.ref", "system", "boolean", False),
            ("online_volume.01", "online_volume", "procedure", True),
        ]
    )
    municipalities = make_municipalities(
        [
            ("000001", "01", "town"),
            ("000002", "01", "town"),
            ("000003", "02", "small"),
            ("000004", "02", "village"),
        ]
    )
    values = make_values(
        [
            {"municipality": "000001", "indicator": "system.a", "value": 1.0},
            {"municipality": "000001", "indicator": "system.b", "value": 1.0},
            {"municipality": "000002", "indicator": "system.a", "value": 0.0},
            {"municipality": "000002", "indicator": "system.b", "value": 0.0, "missing": "not_reported"},
            {"municipality": "000003", "indicator": "system.a", "value": 1.0},
            {"municipality": "000003", "indicator": "system.b", "value": 0.0},
            {"municipality": "000003", "indicator": "system.ref", "value": 1.0},
            {"municipality": "000001", "indicator": "online_volume.01", "status": "online"},
            {"municipality": "000002", "indicator": "online_volume.01", "status": "na"},
            {"municipality": "000003", "indicator": "online_volume.01", "status": "offline"},
        ]
    )

    items = scoring.item_rates(values, catalog, municipalities).set_index(["level", "group", "indicator"])
    rates = items[["rate", "n"]]
    assert rates.loc[("nation", "all", "system.a")].tolist() == [pytest.approx(200 / 3), 3]
    assert rates.loc[("nation", "all", "system.b")].tolist() == [50.0, 2]
    assert rates.loc[("nation", "all", "system.ref")].tolist() == [100.0, 1]
    assert rates.loc[("nation", "all", "online_volume.01")].tolist() == [50.0, 2]
    assert rates.loc[("prefecture", "01", "system.a")].tolist() == [50.0, 2]
    assert rates.loc[("prefecture", "02", "system.a")].tolist() == [100.0, 1]
    assert rates.loc[("size_class", "town", "online_volume.01")].tolist() == [100.0, 1]
    # 000004 has no value at all: it is in no denominator.
    assert ("size_class", "village", "system.a") not in items.index
    # Who did it, and who was left out and why: 000002's system.b was not reported.
    assert items.loc[("nation", "all", "system.a"), "numerator"] == 2
    assert items.loc[("nation", "all", "system.b"), ["numerator", "not_reported", "excluded"]].tolist() == [1, 1, 0]
    assert items.loc[("prefecture", "01", "system.b"), "not_reported"] == 1
    assert items.loc[("prefecture", "02", "system.b"), "not_reported"] == 0
    # A procedure not offered is outside the denominator, not left out.
    assert items.loc[("nation", "all", "online_volume.01"), ["numerator", "not_applicable"]].tolist() == [1, 0]

    spread = scoring.spreads(items.reset_index())
    assert spread["system.a"] == 50.0
    assert spread["system.b"] == 100.0
    assert spread["online_volume.01"] == 100.0

    counts = scoring.achievement_counts(values, catalog, municipalities).set_index(["size_class", "area"])
    # 000001 did both items. 000002 answered only one of two (the other is missing, not a "no"), so
    # whether it did all or none of the area is unknown: it is not counted.
    assert counts.loc[("town", "system")].tolist() == [1, 0, 1]
    assert counts.loc[("small", "system")].tolist() == [0, 0, 1]
    assert counts.loc[("village", "system")].tolist() == [0, 0, 0]
    assert list(counts.index.get_level_values("size_class")) == ["small", "town", "village"]


def test_achievements_of_a_partial_dataset_rest_on_the_items_it_has() -> None:
    """The real FY2023 dashboard has only some of the report's items (2 of 8 in 行政サービス): the all /
    none counts are over those, and say which, instead of being empty."""
    catalog = make_catalog(
        [
            ("system.a", "system", "boolean", True),
            ("system.b", "system", "boolean", True),
            ("system.c", "system", "boolean", True),
            ("system.ref", "system", "boolean", False),
            ("service.x", "service", "boolean", True),
            ("service.y", "service", "boolean", True),
            ("improvement.z", "improvement", "boolean", True),
        ]
    )
    municipalities = make_municipalities(
        [("000001", "01", "town"), ("000002", "01", "town"), ("000003", "02", "village"), ("000004", "02", "town")]
    )
    values = make_values(
        [
            {"municipality": "000001", "indicator": "system.a", "value": 1.0},
            {"municipality": "000001", "indicator": "system.b", "value": 1.0},
            {"municipality": "000001", "indicator": "service.x", "value": 0.0},
            {"municipality": "000002", "indicator": "system.a", "value": 0.0},
            {"municipality": "000002", "indicator": "system.b", "value": 0.0},
            {"municipality": "000002", "indicator": "service.x", "value": 1.0},
            {"municipality": "000003", "indicator": "system.a", "value": 1.0},
            {"municipality": "000003", "indicator": "system.b", "value": 0.0},
            {"municipality": "000003", "indicator": "system.ref", "value": 1.0},
            # Missing for a reason: its "all" or "none" of the system items is unknown.
            {"municipality": "000004", "indicator": "system.a", "value": 1.0},
            {"municipality": "000004", "indicator": "system.b", "value": 0.0, "missing": "excluded"},
            # Only missing answers: the dataset does not have improvement.z.
            {"municipality": "000004", "indicator": "improvement.z", "value": 1.0, "missing": "not_reported"},
            # A municipality the list does not know does not make an item present.
            {"municipality": "999999", "indicator": "service.y", "value": 1.0},
        ]
    )

    items = scoring.achievement_items(values, catalog, municipalities)
    assert items.to_dict("records") == [
        {"area": "system", "indicator": "system.a", "present": True},
        {"area": "system", "indicator": "system.b", "present": True},
        {"area": "system", "indicator": "system.c", "present": False},
        {"area": "service", "indicator": "service.x", "present": True},
        {"area": "service", "indicator": "service.y", "present": False},
        {"area": "improvement", "indicator": "improvement.z", "present": False},
    ]

    counts = scoring.achievement_counts(values, catalog, municipalities).set_index(["size_class", "area"])
    # Over system.a and system.b, the two of the three that the dataset has.
    assert counts.loc[("town", "system")].tolist() == [1, 1, 2]
    assert counts.loc[("village", "system")].tolist() == [0, 0, 1]
    assert counts.loc[("town", "service")].tolist() == [1, 1, 2]
    assert counts.loc[("village", "service")].tolist() == [0, 0, 0]
    # An area of which the dataset has no item has no counts at all, rather than zeros.
    assert "improvement" not in counts.index.get_level_values("area")

    result = scoring.compute(values, catalog, municipalities)
    pd.testing.assert_frame_equal(result.achievement_items, items)
    pd.testing.assert_frame_equal(result.achievements.set_index(["size_class", "area"]), counts)


def test_prefecture_scores_are_unweighted_means_of_municipalities() -> None:
    rates = make_rates(
        {
            "000001": dict.fromkeys(AREAS, 10.0),
            "000002": dict.fromkeys(AREAS, 30.0),
            "000003": dict.fromkeys(AREAS, 40.0),
            "000004": {**dict.fromkeys(AREAS, np.nan), "system": 80.0},
        }
    )
    municipalities = make_municipalities(
        [
            ("000001", "01", "designated"),
            ("000002", "01", "town"),
            ("000003", "02", "village"),
            ("000004", "03", "mid"),
        ]
    )
    scores = scoring.prefecture_scores(rates, municipalities)
    assert list(scores.index) == ["01", "02", "03"]
    assert scores["rate_system"].tolist() == [20.0, 40.0, 80.0]
    assert math.isnan(scores.loc["03", "rate_service"])
    assert scores["towns_villages_share"].tolist() == [50.0, 100.0, 0.0]
    assert scores["n_municipalities"].tolist() == [2, 1, 1]
    assert np.allclose(scores["dev_system"], scoring.deviation(scores["rate_system"]), atol=TOLERANCE)
    assert scores.loc["03", "composite"] == pytest.approx(scores.loc["03", "dev_system"], abs=TOLERANCE)
    assert scores["rank"].tolist() == [3.0, 2.0, 1.0]


# --- the pipeline's contract ----------------------------------------------------------------------


def test_compute_does_not_mutate_its_inputs() -> None:
    values, catalog, municipalities = random_inputs(5, n_municipalities=60, n_prefectures=5)
    copies = [frame.copy(deep=True) for frame in (values, catalog, municipalities)]

    scoring.compute(values, catalog, municipalities)
    scoring.municipality_area_rates(values, catalog)
    scoring.item_rates(values, catalog, municipalities)
    scoring.achievement_counts(values, catalog, municipalities)

    for frame, copy in zip((values, catalog, municipalities), copies, strict=True):
        pd.testing.assert_frame_equal(frame, copy)


def test_result_is_frozen() -> None:
    values, catalog, municipalities = random_inputs(6, n_municipalities=30, n_prefectures=3)
    result = scoring.compute(values, catalog, municipalities)
    with pytest.raises(AttributeError):
        result.municipal = pd.DataFrame()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("frame", "column"),
    [("values", column) for column in scoring._VALUES_COLUMNS]
    + [("catalog", column) for column in scoring._CATALOG_COLUMNS]
    + [("municipalities", column) for column in scoring._MUNICIPALITY_COLUMNS],
)
def test_missing_columns_raise_naming_them(frame: str, column: str) -> None:
    values, catalog, municipalities = random_inputs(7, n_municipalities=20, n_prefectures=2)
    inputs = {"values": values, "catalog": catalog, "municipalities": municipalities}
    inputs[frame] = inputs[frame].drop(columns=column)
    with pytest.raises(ValueError, match=rf"{frame} lacks required column\(s\): .*\b{column}\b"):
        scoring.compute(**inputs)


def test_every_missing_column_is_named() -> None:
    values, catalog, municipalities = random_inputs(7, n_municipalities=20, n_prefectures=2)
    with pytest.raises(ValueError, match="values lacks required column\\(s\\): status, missing"):
        scoring.municipality_area_rates(values.drop(columns=["missing", "status"]), catalog)
    with pytest.raises(ValueError, match="rates lacks required column\\(s\\): mynumber"):
        scoring.municipality_scores(pd.DataFrame(columns=list(AREAS[:5])), municipalities)


def test_a_bad_catalog_is_refused() -> None:
    values, catalog, municipalities = random_inputs(8, n_municipalities=20, n_prefectures=2)
    with pytest.raises(ValueError, match="repeats indicator"):
        scoring.compute(values, pd.concat([catalog, catalog.head(1)]), municipalities)
    with pytest.raises(ValueError, match="unknown area"):
        scoring.compute(values, catalog.assign(area="elsewhere"), municipalities)
    with pytest.raises(ValueError, match="unknown kind"):
        scoring.compute(values, catalog.assign(kind="score"), municipalities)
    with pytest.raises(ValueError, match="repeats code"):
        scoring.compute(values, catalog, pd.concat([municipalities, municipalities.head(1)]))


def test_compute_runs_on_a_national_sized_year() -> None:
    # 1,741 municipalities × 150 indicators, built without loops; timing is measured elsewhere.
    rng = np.random.default_rng(1741)
    catalog = make_catalog(
        [
            (
                f"{area}.{i:02d}",
                area,
                "rate" if area == "mynumber" or i >= 22 else "procedure" if area.startswith("online") else "boolean",
                i != 3,
            )
            for area in AREAS
            for i in range(25)
        ]
    )
    codes = np.array([f"{i:06d}" for i in range(1741)])
    municipalities = pd.DataFrame(
        {
            "municipality": codes,
            "prefecture": [f"{1 + i % 47:02d}" for i in range(1741)],
            "size_class": rng.choice(list(SIZE_CLASSES), size=1741),
            "kind": "city",
            "population": 50_000,
        }
    )
    n = len(codes) * len(catalog)
    kind = np.tile(catalog["kind"].to_numpy(), len(codes))
    values = pd.DataFrame(
        {
            "municipality": np.repeat(codes, len(catalog)),
            "indicator": np.tile(catalog["indicator"].to_numpy(), len(codes)),
            "value": np.where(
                kind == "boolean",
                rng.integers(0, 2, n).astype(float),
                np.where(kind == "rate", rng.uniform(0, 100, n), np.nan),
            ),
            "status": np.where(kind == "procedure", rng.choice(["online", "offline", "na"], n), None),
            "missing": np.where(rng.random(n) < 0.05, "not_reported", None),
        }
    )
    assert len(values) == 1741 * 150

    result = scoring.compute(values, catalog, municipalities)

    assert len(result.municipal) == 1741
    assert len(result.prefectural) == 47
    assert result.municipal["composite_areas"].eq(5).all()
    assert result.prefectural["dev_system"].mean() == pytest.approx(50.0)


# --- the services' side of the boundary -----------------------------------------------------------


def test_frames_from_database_rows_and_records_back() -> None:
    # Blank status / missing is how the database says "none": it must not read as a reason.
    values = scoring.values_frame(
        [
            ("011002", "system.a", 1.0, "", ""),
            ("011002", "system.b", None, "", "not_reported"),
            ("011002", "online_volume.01", None, "online", ""),
            ("011002", "online_volume.02", None, "na", ""),
            ("012025", "system.a", 0.0, "", ""),
        ]
    )
    assert values["status"].isna().tolist() == [True, True, False, False, True]
    assert values["missing"].isna().tolist() == [True, False, True, True, True]
    catalog = scoring.catalog_frame(
        [(*row[:4], position) for position, row in enumerate(RULES_CATALOG.itertuples(index=False))]
    )
    municipalities = scoring.municipalities_frame(
        [("011002", "01", "designated", "city", 1_973_395), ("012025", "01", "small", "city", 77_000)]
    )

    result = scoring.compute(values, catalog, municipalities)

    assert result.municipal.loc["011002", ["rate_system", "rate_online_volume"]].tolist() == [100.0, 100.0]
    rows = scoring.records(result.municipal.reset_index())
    assert rows[1]["municipality"] == "012025"
    assert rows[1]["rate_online_volume"] is None
    assert rows[0]["composite_areas"] == 2
    json.dumps({"achievements": scoring.records(result.achievements), "items": scoring.records(result.items)})
