"""Synthetic national survey data for the demo, calibrated to the report's published figures — never real.

The real survey (総務省「自治体DX・情報化推進概要」 individual tables) is not available offline, so the demo
has a synthetic set for FY2021, and for FY2023 a whole synthetic set beside the real dashboard dataset, which
lacks most items (docs/benchmark-method.md, "Data sources"). It is calibrated to 日本総研 Research
Focus No.2024-032 「自治体DXの進捗状況」: the national item rates of 図表2 and 図表6, the area averages, the
size-class pattern (図表3–14) and each prefecture's standing (図表23).

For municipality m and item i the model is
    p(m, i) = logistic(a_i + u_m + u_m,area + β_area · size_effect[size class] + γ · (図表23 deviation − 50) / 10)
with the deviation that of m's prefecture in i's area and year, and u_m, u_m,area a municipality's own
propensity, overall and per area, so that its items go together as in the report's achievement counts
(図表4/8/12). Each item is drawn from seeded uniforms v(m, i) — m implements i when v < p(m, i) — with a_i
set so that the drawn national count equals the target: the municipalities with the lowest
logit(v) − effect implement the item. That is the same model with a_i calibrated, without the sampling
noise (about ±1 percentage point) that independent draws add to a national rate.

Only yes/no items and procedures are generated. Rate items (the dashboard's 32/26-procedure shares, My
Number Card rates) exist as real published data, which a synthetic set must not imitate.

Pure functions, except `synthetic_dataset_load`, which reads the municipalities and the catalog and imports.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from dx_platform.organizations.models import Municipality

from ..models import Dataset, Indicator
from .imports import ImportOutcome, dataset_import

REPORT = "日本総研 Research Focus No.2024-032「自治体DXの進捗状況」"
REPORT_EN = (
    "the Japan Research Institute's Research Focus No.2024-032 “The progress of local government DX” (in Japanese)"
)
FISCAL_YEARS = (2021, 2023)
BOOLEAN = "boolean"
PROCEDURE = "procedure"

# National item rates (%) published in the report, 2021 and 2023 (benchmark-method.md, "Figures from the
# report to check against"). 外部デジタル人材 is "about 10 → about 20" in the text (図表2).
PUBLISHED_RATES: dict[int, dict[str, float]] = {
    2021: {
        "system.crossdept": 27.6,
        "system.policy": 12.6,
        "system.staff_training": 61.4,
        "system.cio": 70.1,
        "system.external_talent": 10.0,
        "service.eapproval_hr": 20.9,
        "service.eapproval_finance": 19.5,
        "service.eapproval_docs": 24.4,
        "service.disaster_victims": 57.4,
        "service.integrated_gis": 63.1,
        "service.ai": 8.2,
        "service.rpa": 9.1,
        "service.open_data": 67.5,
        "service.online_application_system": 73.1,
    },
    2023: {
        "system.crossdept": 65.4,
        "system.policy": 49.7,
        "system.staff_training": 83.0,
        "system.cio": 73.3,
        "system.external_talent": 20.0,
        "service.eapproval_hr": 27.2,
        "service.eapproval_finance": 24.8,
        "service.eapproval_docs": 35.6,
        "service.disaster_victims": 63.0,
        "service.integrated_gis": 65.8,
        "service.ai": 50.5,
        "service.rpa": 41.4,
        "service.open_data": 80.5,
        "service.online_application_system": 62.3,
    },
}
# National area averages (%) of the report: 7 system items 35.5 → 56.0 (図表2), 8 service items 33.8 → 48.6
# (図表6; 33.8 is also the mean of its eight 2021 items), 8 improvement items 44.7 → 57.5 (図表10).
AREA_AVERAGES: dict[int, dict[str, float]] = {
    2021: {"system": 35.5, "service": 33.8, "improvement": 44.7},
    2023: {"system": 56.0, "service": 48.6, "improvement": 57.5},
}
# Procedures (FY2023 only: the FY2021 catalog has no procedure list). The report's 図表14 gives no numbers
# in its text, so the targets are the national means of the real dashboard's shares of the same year
# (benchmarks/data/dx_dashboard_municipal_indicators.csv: common_32_online_pct 32.90 over 1,739
# municipalities, childcare_care_26_online_pct 81.33 over 1,741). Each procedure gets its own target
# around the area's, spread by ± PROCEDURE_SPREAD with a mean of zero.
PROCEDURE_TARGETS: dict[str, float] = {"online_volume": 32.9, "online_lifeevent": 81.3}
PROCEDURE_SPREAD: dict[str, float] = {"online_volume": 20.0, "online_lifeevent": 12.0}
# 自動車税（環境性能割・賦課徴収・住所変更）, 道路使用, 保管場所, 駐車: prefecture (and police) procedures that
# no municipality offers (benchmarks/catalog/procedures.csv).
PREFECTURE_ONLY: frozenset[str] = frozenset(f"online_volume.{n:02d}" for n in (5, 6, 7, 11, 12, 13))
NOT_OFFERED_SHARE = 0.03

# Size-class effect on the logit scale: designated highest … village lowest, as in 図表3/7/11/14 (and the
# all/none counts of 図表4/8/12). β per area follows the report's text: service shows the widest gap
# (大規模は8～9割, 町・村は3～4割), high-volume procedures a large one, life-event procedures a small one
# (全体として底上げ). Improvement: the text says 大きな差はない, but 図表12 has 19 of 20 designated cities and
# 7 of 743 towns with all eight items, so its gap is kept near the others'.
SIZE_EFFECT: dict[str, float] = {
    "designated": 1.3,
    "core": 1.0,
    "large": 0.8,
    "mid": 0.4,
    "small": 0.0,
    "town": -0.45,
    "village": -0.8,
}
SIZE_WEIGHT: dict[str, float] = {
    "system": 1.0,
    "service": 1.4,
    "improvement": 1.2,
    "online_volume": 1.2,
    "online_lifeevent": 0.5,
}
PREFECTURE_WEIGHT = 0.5  # γ: one prefecture SD (10 deviation points) moves the logit by this much
# A municipality's own propensity, overall and per area, on the logit scale: with independent items far
# too few municipalities have all of an area's items; with these, the all / none counts per area come near
# 図表4/8/12 (same order of magnitude, the same size classes at either end).
PROPENSITY_SD = 0.6
AREA_PROPENSITY_SD = 0.3

# Eight municipalities of 石川県 have no FY2023 survey answers (the report uses their FY2022 data, 図表2 注1;
# the dashboard marks them 調査無し): "excluded" for every item in FY2023, as in the real data.
NOTO_PREFECTURE = "17"
NOTO = frozenset({"金沢市", "七尾市", "小松市", "輪島市", "珠洲市", "内灘町", "中能登町", "能登町"})

# 図表23: per prefecture the deviation scores of the five composite areas, 2021 then 2023.
TABLE_23_AREAS = ("system", "service", "improvement", "online_volume", "online_lifeevent")
TABLE_23 = """
01 40.25 28.23 33.24 42.37 41.36 39.06 30.24 30.33 36.63 52.12
02 40.06 40.43 28.83 39.24 45.28 34.34 41.15 28.52 37.82 56.00
03 54.92 49.39 39.99 44.61 48.46 46.27 46.09 37.35 40.43 44.48
04 47.13 46.65 45.29 40.28 44.25 53.98 49.91 43.29 38.88 44.87
05 47.13 40.21 46.90 45.21 65.39 50.24 38.60 43.80 43.20 51.36
06 50.87 36.62 44.96 42.69 37.86 50.78 39.00 44.24 39.29 38.35
07 49.86 48.78 38.55 40.13 35.43 47.39 44.34 38.85 35.11 34.87
08 45.35 58.48 62.65 59.38 53.41 51.09 63.71 61.08 60.35 52.95
09 47.13 46.06 54.12 46.76 62.21 55.48 50.63 53.50 52.96 61.63
10 45.89 32.86 40.77 50.02 42.74 36.34 38.34 44.24 49.26 52.65
11 51.56 48.32 62.28 70.12 55.49 57.66 48.70 59.71 68.74 47.31
12 44.07 51.95 58.90 62.35 52.36 49.89 48.18 57.76 59.61 55.21
13 64.41 69.00 68.79 74.62 40.46 64.72 66.98 64.44 70.91 43.34
14 69.43 63.57 76.26 74.71 43.99 62.71 61.52 65.42 70.73 35.46
15 41.33 57.37 48.78 49.02 50.46 47.75 56.57 54.16 45.45 52.42
16 63.10 54.44 58.19 47.25 69.91 57.72 59.27 58.21 53.96 56.24
17 53.32 56.34 48.92 48.69 55.96 56.15 55.95 56.54 54.70 63.40
18 49.95 59.38 56.99 66.07 63.24 51.34 51.29 61.49 63.61 57.16
19 43.26 40.04 53.67 55.46 82.15 30.84 35.53 43.26 53.77 83.20
20 56.24 45.09 42.68 44.63 53.59 49.51 41.58 46.47 40.87 57.68
21 47.76 63.29 48.30 54.77 69.99 48.01 59.44 53.06 52.59 63.67
22 62.68 56.67 62.06 56.95 52.76 73.23 54.87 61.57 58.30 51.73
23 59.79 57.10 62.04 71.70 44.55 51.97 58.89 60.21 68.16 52.39
24 42.93 53.00 39.27 42.35 46.00 50.89 51.64 49.64 44.59 42.28
25 61.34 54.03 58.43 45.38 42.46 61.07 62.03 61.19 55.90 35.25
26 53.50 74.99 56.71 55.86 41.68 48.08 66.16 55.60 55.16 35.78
27 63.23 59.30 59.45 56.02 43.83 54.59 60.01 66.40 62.14 49.91
28 51.70 54.99 61.11 56.12 47.19 54.35 54.89 62.20 57.27 51.86
29 37.31 43.50 44.41 48.21 45.68 32.01 41.83 45.14 47.55 46.01
30 36.97 37.87 39.75 35.52 61.85 30.91 32.66 36.15 35.80 61.59
31 56.76 45.57 49.51 44.84 43.86 61.07 43.16 47.84 45.56 37.38
32 37.28 42.49 55.46 57.37 39.36 48.27 39.50 40.87 56.15 34.58
33 59.39 56.29 55.35 55.71 43.30 55.09 53.10 52.24 50.45 43.48
34 64.93 48.68 55.64 61.09 45.32 65.70 52.77 64.09 59.96 45.61
35 71.66 57.11 53.08 46.25 46.50 66.98 62.64 56.54 48.55 52.49
36 47.50 42.14 44.26 43.40 61.12 47.12 41.53 38.82 42.13 54.76
37 44.83 59.38 46.37 45.12 50.41 40.34 59.46 43.33 50.59 49.15
38 63.46 56.15 45.20 43.56 60.82 61.47 64.29 47.55 42.40 60.33
39 32.66 31.85 27.11 33.40 38.62 30.43 37.34 33.27 30.56 41.80
40 44.96 55.91 54.05 45.76 55.81 42.13 54.07 55.08 51.91 49.46
41 34.07 45.18 42.38 38.23 41.67 49.31 44.04 40.38 38.85 38.18
42 58.12 46.92 42.92 46.49 42.91 61.82 55.31 53.59 44.21 48.72
43 43.75 43.07 48.91 45.54 42.01 48.16 38.96 51.10 46.37 58.43
44 51.73 67.93 58.69 51.70 56.29 40.89 69.17 59.19 60.08 68.74
45 35.91 43.50 42.38 37.01 45.19 40.17 42.13 40.34 41.27 54.98
46 50.58 40.25 47.90 47.11 60.07 51.55 40.64 46.65 46.03 47.19
47 29.93 39.66 38.53 40.94 36.77 41.11 41.91 35.31 41.18 33.55
"""


@dataclass(frozen=True)
class Place:
    """A municipality as the generator sees it."""

    lg_code: str
    pref_code: str
    size_class: str
    excluded: bool = False


@dataclass(frozen=True)
class Item:
    """A catalog item to generate (yes/no or procedure)."""

    code: str
    area: str
    kind: str
    scored: bool = True


@dataclass(frozen=True)
class Target:
    """An item's national target rate (%) and where it comes from."""

    rate: float
    basis: str


def table_23() -> dict[int, dict[tuple[str, str], float]]:
    """Fiscal year → (prefecture code, area) → the prefecture's deviation score in 図表23."""
    table: dict[int, dict[tuple[str, str], float]] = {year: {} for year in FISCAL_YEARS}
    for line in TABLE_23.strip().splitlines():
        pref_code, *numbers = line.split()
        for index, number in enumerate(numbers):
            year = FISCAL_YEARS[index // len(TABLE_23_AREAS)]
            table[year][(pref_code, TABLE_23_AREAS[index % len(TABLE_23_AREAS)])] = float(number)
    return table


def item_targets(items: Sequence[Item], fiscal_year: int) -> dict[str, Target]:
    """National target rate per item; items with no basis for a target are left out."""
    published = PUBLISHED_RATES[fiscal_year]
    averages = AREA_AVERAGES[fiscal_year]
    targets: dict[str, Target] = {}
    for area, average in averages.items():
        scored = [item for item in items if item.area == area and item.kind == BOOLEAN and item.scored]
        known = [item for item in scored if item.code in published]
        # The scored items the report gives no figure for share what is left of the area average, so that
        # the area's mean item rate is the published average (system: CIO補佐官, 専任部署; improvement: all
        # eight). An unscored item without a figure takes the area average.
        unknown = len(scored) - len(known)
        rest = (average * len(scored) - sum(published[item.code] for item in known)) / unknown if unknown else average
        for item in items:
            if item.area != area or item.kind != BOOLEAN:
                continue
            if item.code in published:
                targets[item.code] = Target(published[item.code], "published item rate")
            elif item.scored:
                targets[item.code] = Target(rest, "rest of the published area average")
            else:
                targets[item.code] = Target(average, "published area average")
    for item in items:
        if item.kind == PROCEDURE and item.area in PROCEDURE_TARGETS:
            targets[item.code] = Target(PROCEDURE_TARGETS[item.area], "mean of the dashboard's share (real, FY2023)")
    return targets


def _logit(probability: float) -> float:
    probability = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log(probability / (1 - probability))


def _drawn(effects: Sequence[float], uniforms: Sequence[float], rate: float) -> list[bool]:
    """Who implements an item: the round(rate %) of them with the lowest logit(v) − effect.

    m implements the item when v < logistic(a + effect), that is when logit(v) − effect < a; taking the
    k lowest is choosing a between the k-th and the (k+1)-th of them.
    """
    count = round(len(effects) * rate / 100)
    order = sorted(range(len(effects)), key=lambda index: (_logit(uniforms[index]) - effects[index], index))
    chosen = set(order[:count])
    return [index in chosen for index in range(len(effects))]


def _spread(rng: random.Random, count: int, width: float) -> list[float]:
    """Offsets in ±width with a mean of zero, one per procedure."""
    offsets = [rng.uniform(-width, width) for _ in range(count)]
    mean = sum(offsets) / count if count else 0.0
    return [offset - mean for offset in offsets]


def synthetic_survey(
    *, seed: int, fiscal_year: int, places: Sequence[Place], items: Sequence[Item]
) -> list[tuple[str, str, str]]:
    """(lg_code, indicator, value) per municipality and item, in the order given; the same seed, the same rows."""
    # A demo generator, not security: Python's Mersenne Twister is what makes a seed reproducible.
    rng = random.Random(seed * 10_000 + fiscal_year)  # noqa: S311
    deviations = table_23()[fiscal_year]
    targets = item_targets(items, fiscal_year)
    generated = [item for item in items if item.code in targets]
    propensity = [rng.gauss(0, PROPENSITY_SD) for _ in places]
    area_propensity = {
        area: [rng.gauss(0, AREA_PROPENSITY_SD) for _ in places] for area in sorted({i.area for i in generated})
    }
    procedure_offsets: dict[str, float] = {}
    for area in PROCEDURE_TARGETS:
        codes = [i.code for i in generated if i.kind == PROCEDURE and i.area == area and i.code not in PREFECTURE_ONLY]
        procedure_offsets.update(zip(codes, _spread(rng, len(codes), PROCEDURE_SPREAD[area]), strict=True))

    answers: dict[tuple[int, str], str] = {}
    for item in generated:
        surveyed = [index for index, place in enumerate(places) if not place.excluded]
        for index, place in enumerate(places):
            if place.excluded:
                answers[index, item.code] = "excluded"
        rate = targets[item.code].rate
        if item.kind == PROCEDURE:
            offered = []
            for index in surveyed:
                if item.code in PREFECTURE_ONLY or rng.random() < NOT_OFFERED_SHARE:
                    answers[index, item.code] = "na"
                else:
                    offered.append(index)
            surveyed = offered
            rate = min(max(rate + procedure_offsets.get(item.code, 0.0), 2.0), 98.0)
        effects = [
            propensity[index]
            + area_propensity[item.area][index]
            + SIZE_WEIGHT[item.area] * SIZE_EFFECT[places[index].size_class]
            + PREFECTURE_WEIGHT * (deviations[places[index].pref_code, item.area] - 50) / 10
            for index in surveyed
        ]
        uniforms = [rng.random() for _ in surveyed]
        for index, implemented in zip(surveyed, _drawn(effects, uniforms, rate), strict=True):
            if item.kind == PROCEDURE:
                answers[index, item.code] = "online" if implemented else "offline"
            else:
                answers[index, item.code] = "1" if implemented else "0"
    return [
        (place.lg_code, item.code, answers[index, item.code])
        for index, place in enumerate(places)
        for item in generated
    ]


def synthetic_survey_csv(*, seed: int, fiscal_year: int, places: Sequence[Place], items: Sequence[Item]) -> bytes:
    """The synthetic survey in the import's long shape (deterministic, so generating again is a no-op)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["lg_code", "fiscal_year", "indicator", "value"])
    for lg_code, code, value in synthetic_survey(seed=seed, fiscal_year=fiscal_year, places=places, items=items):
        writer.writerow([lg_code, fiscal_year, code, value])
    return out.getvalue().encode()


def synthetic_name(*, seed: int) -> tuple[str, str]:
    """The dataset's name in Japanese and in English."""
    return f"合成データ（デモ, seed {seed}）", f"Synthetic data (demo, seed {seed})"


def synthetic_source(*, seed: int, fiscal_year: int, items: Sequence[Item]) -> tuple[str, str]:
    """Says plainly what the dataset is (synthetic, how it was made, what it does not have), in Japanese
    and in English."""
    areas = sorted({item.area for item in items if item.code in item_targets(items, fiscal_year)})
    parts = [
        (
            f"合成データ（synthetic demo data）— 実データではありません。"
            f"`python manage.py generate_demo_survey --seed {seed}` が生成（seed {seed}）。",
            f"Synthetic demo data — not real data. Made by `python manage.py generate_demo_survey --seed {seed}`"
            f" (seed {seed}). ",
        ),
        (
            f"{REPORT}の公表値に合わせて較正：図表2・図表6の全国の項目別実施率、分野別の全国平均、"
            "人口規模別の傾向（図表3–14）、図表23の都道府県別偏差値。",
            f"Calibrated to the figures published in {REPORT_EN}: the national item rates of figures 2 and 6,"
            " the national mean of each area, the trends by population size (figures 3–14) and the"
            " prefectures' deviation scores of figure 23. ",
        ),
        (
            "マイナンバーカードや手続オンライン化率など率の項目は実データがあるため生成していない。",
            "Rate items such as the My Number Card and the online procedure rates are not generated, as real"
            " data exists for them. ",
        ),
    ]
    if not any(area.startswith("online_") for area in areas):
        parts.append(
            (
                f"{fiscal_year}年度のカタログには手続一覧がないため、行政手続きのオンライン化の2分野は含まない。",
                f"The FY{fiscal_year} catalog has no list of procedures, so the two online procedure areas"
                " are not included. ",
            )
        )
    if fiscal_year == 2023:
        volume, lifeevent = PROCEDURE_TARGETS["online_volume"], PROCEDURE_TARGETS["online_lifeevent"]
        parts.append(
            (
                "手続（2023年度のみ）はデジタル庁ダッシュボードの32手続・26手続オンライン化率の全国平均"
                f"（{volume}%・{lifeevent}%）に合わせた。"
                "石川県の8市町（2023年度調査の回答なし）は全項目 excluded。",
                "The procedures (FY2023 only) match the national means of the Digital Agency dashboard's"
                f" online rates of the 32 and the 26 procedures ({volume} %, {lifeevent} %). The 8"
                " municipalities of Ishikawa that did not answer the FY2023 survey are excluded in every item. ",
            )
        )
    parts.append((f"分野：{', '.join(areas)}。", f"Areas: {', '.join(areas)}."))
    return "".join(ja for ja, _en in parts), "".join(en for _ja, en in parts)


def catalog_items(*, fiscal_year: int) -> list[Item]:
    """The year's yes/no items and procedures, in catalog order (rate items are never generated)."""
    rows = (
        Indicator.objects.filter(catalog__fiscal_year=fiscal_year, kind__in=[BOOLEAN, PROCEDURE])
        .order_by("position")
        .values_list("code", "area", "kind", "scored")
    )
    return [Item(code, area, kind, scored) for code, area, kind, scored in rows]


def municipality_places(*, fiscal_year: int) -> list[Place]:
    """Every municipality in code order; in FY2023 the Noto municipalities are excluded from the survey."""
    rows = Municipality.objects.order_by("code").values_list("code", "prefecture__pref_code", "size_class", "name")
    return [
        Place(
            code,
            pref_code,
            size_class,
            excluded=fiscal_year == 2023 and pref_code == NOTO_PREFECTURE and name in NOTO,
        )
        for code, pref_code, size_class, name in rows
    ]


def synthetic_dataset_load(*, seed: int, fiscal_year: int) -> ImportOutcome:
    """Generate and import the synthetic survey of a year; the same seed again imports nothing."""
    items = catalog_items(fiscal_year=fiscal_year)
    data = synthetic_survey_csv(
        seed=seed, fiscal_year=fiscal_year, places=municipality_places(fiscal_year=fiscal_year), items=items
    )
    (name, name_en), (source, source_en) = (
        synthetic_name(seed=seed),
        synthetic_source(seed=seed, fiscal_year=fiscal_year, items=items),
    )
    return dataset_import(
        data=data,
        file_name=f"synthetic-demo-fy{fiscal_year}-seed{seed}.csv",
        name=name,
        source=source,
        name_en=name_en,
        source_en=source_en,
        origin=Dataset.Origin.SYNTHETIC,
        by=None,
        fiscal_year=fiscal_year,
    )
