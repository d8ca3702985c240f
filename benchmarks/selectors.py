"""Reads of national datasets and published scores."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Avg, Case, Exists, OuterRef, QuerySet, Subquery, When
from django.db.models import Value as V

from dx_platform.core.i18n import pick
from dx_platform.organizations.models import Municipality, PopulationRecord, Prefecture
from dx_platform.organizations.reference_data import SIZE_CLASS_POPULATION_DATE as SIZE_CLASS_DATE

from . import scoring
from .models import (
    CatalogYear,
    Dataset,
    Indicator,
    ItemRate,
    MunicipalityScore,
    PrefectureScore,
    ScoreNote,
    ScoreRun,
    Value,
)


def dataset_list() -> QuerySet[Dataset]:
    """National datasets are published national data: everyone may read them."""
    return Dataset.objects.select_related("catalog", "imported_by", "supersedes")


def datasets_by_year() -> QuerySet[Dataset]:
    """Every dataset, the newest fiscal year first and within a year the newest import first."""
    return dataset_list().order_by("-catalog__fiscal_year", "-imported_at")


def dataset_find(*, pk: int) -> Dataset | None:
    return dataset_list().filter(pk=pk).first()


def ready_dataset_ids() -> list[int]:
    return list(dataset_list().filter(status=Dataset.Status.READY).values_list("pk", flat=True))


def year_datasets(*, fiscal_year: int, with_scores: bool = False) -> QuerySet[Dataset]:
    """The year's ready datasets, real ones first, newest first (only those with published scores
    if asked: a dataset whose scores are still computing is not what a page should open on)."""
    real_first = Case(When(origin=Dataset.Origin.REAL, then=V(0)), default=V(1))
    datasets = dataset_list().filter(catalog__fiscal_year=fiscal_year, status=Dataset.Status.READY)
    if with_scores:
        datasets = datasets.filter(Exists(complete_runs().filter(dataset=OuterRef("pk"))))
    return datasets.order_by(real_first, "-imported_at", "-pk")


def _dataset_for_year(*, fiscal_year: int, dataset_id: int | None = None, with_scores: bool = False) -> Dataset | None:
    """The given dataset of the year, or by default its most recently imported real one — synthetic
    data only where the year has no real data."""
    datasets = year_datasets(fiscal_year=fiscal_year, with_scores=with_scores and dataset_id is None)
    return datasets.filter(pk=dataset_id).first() if dataset_id is not None else datasets.first()


def complete_runs() -> QuerySet[ScoreRun]:
    """Complete score runs (immutable, public), the newest first: a dataset's first is its published one."""
    complete = ScoreRun.objects.filter(status=ScoreRun.Status.COMPLETE).select_related("dataset")
    return complete.order_by("-finished_at", "-pk")


def published_run(*, dataset: Dataset) -> ScoreRun | None:
    """The newest complete run: what readers see while a newer one is computing."""
    return complete_runs().filter(dataset=dataset).first()


@dataclass(frozen=True)
class Published:
    """A fiscal year's published scores: the dataset they come from (its origin says real or
    synthetic) and its newest complete run."""

    dataset: Dataset
    run: ScoreRun

    @property
    def fiscal_year(self) -> int:
        return self.dataset.catalog.fiscal_year

    @property
    def origin(self) -> str:
        return self.dataset.origin


def published_scores(*, fiscal_year: int | None = None, dataset_id: int | None = None) -> Published | None:
    """The published scores of a fiscal year (by default the newest year that has some): of the given
    dataset, else of the year's most recently imported real dataset with scores — synthetic data only
    where the year has no real data. None if there are none."""
    if fiscal_year is None:
        years = years_with_scores()
        if not years:
            return None
        fiscal_year = years[0]
    dataset = _dataset_for_year(fiscal_year=fiscal_year, dataset_id=dataset_id, with_scores=True)
    run = published_run(dataset=dataset) if dataset else None
    return Published(dataset, run) if dataset and run else None


def dataset_choice(*, fiscal_year: int, dataset_id: int | None = None) -> Dataset | None:
    """A year's ready dataset to work on (scores or none yet): the given one, else the default one."""
    return _dataset_for_year(fiscal_year=fiscal_year, dataset_id=dataset_id)


def latest_dataset(*, until: int | None = None) -> Dataset | None:
    """The newest year's ready national dataset (up to the fiscal year `until` if given), real data first:
    a year's national survey is published years later, so this may be an old year."""
    ready = dataset_list().filter(status=Dataset.Status.READY)
    if until is not None:
        ready = ready.filter(catalog__fiscal_year__lte=until)
    year = ready.order_by("-catalog__fiscal_year").values_list("catalog__fiscal_year", flat=True).first()
    return _dataset_for_year(fiscal_year=year) if year is not None else None


def catalog_for(*, fiscal_year: int | None = None) -> CatalogYear | None:
    """The survey catalog to answer: the newest one (up to `fiscal_year` if given — a year's survey is
    published later, until then the newest catalog is the one to answer)."""
    catalogs = CatalogYear.objects.order_by("-fiscal_year")
    if fiscal_year is not None:
        catalogs = catalogs.filter(fiscal_year__lte=fiscal_year)
    return catalogs.first()


def catalog_indicators(*, fiscal_year: int) -> QuerySet[Indicator]:
    """A fiscal year's survey items in the survey's order."""
    return Indicator.objects.filter(catalog__fiscal_year=fiscal_year).order_by("position")


# None stands for no run: the API's schema generator has no published run to read, only the scores' model.
def municipality_scores(*, run: ScoreRun | None) -> QuerySet[MunicipalityScore]:
    return (
        MunicipalityScore.objects.filter(run=run)
        .select_related("municipality", "municipality__prefecture", "run__dataset")
        .order_by("municipality__code")
        if run
        else MunicipalityScore.objects.none()
    )


def prefecture_scores(*, run: ScoreRun | None) -> QuerySet[PrefectureScore]:
    return (
        PrefectureScore.objects.filter(run=run)
        .select_related("prefecture", "run__dataset")
        .order_by("prefecture__pref_code")
        if run
        else PrefectureScore.objects.none()
    )


def municipality_score(*, run: ScoreRun, municipality: Municipality) -> MunicipalityScore | None:
    return run.municipal_scores.filter(municipality=municipality).first()


def ranked_municipalities(*, run: ScoreRun) -> int:
    """How many municipalities the run ranks nationally (the "of" of a national rank: 343 / 1,741)."""
    return run.municipal_scores.filter(rank__isnull=False).count()


def prefecture_score(*, run: ScoreRun, prefecture: Prefecture) -> PrefectureScore | None:
    return run.prefectural_scores.filter(prefecture=prefecture).first()


# The orders of a prefecture's municipality table: by rank, by code, by an area (highest deviation
# first) or by rank among peers; ties by code.
MUNICIPAL_SORTS = {
    "rank": ("rank", "municipality__code"),
    "-rank": ("-rank", "municipality__code"),
    "code": ("municipality__code",),
    **{f"dev_{area}": (f"-dev_{area}", "municipality__code") for area in scoring.AREAS},
    "peer": ("peer_rank", "municipality__code"),
}


def prefecture_municipal_scores(
    *,
    run: ScoreRun,
    prefecture: Prefecture,
    towns_only: bool = False,
    size_class: str | None = None,
    sort: str = "rank",
) -> QuerySet[MunicipalityScore]:
    """The run's scores of a prefecture's municipalities (only its towns and villages, or one size class,
    if asked; an unknown size class filters nothing), in one of MUNICIPAL_SORTS."""
    scores = municipality_scores(run=run).filter(municipality__prefecture=prefecture)
    if towns_only:
        scores = scores.filter(municipality__kind__in=[Municipality.Kind.TOWN, Municipality.Kind.VILLAGE])
    if size_class in Municipality.SizeClass.values:
        scores = scores.filter(municipality__size_class=size_class)
    return scores.order_by(*MUNICIPAL_SORTS[sort])


def years_with_scores() -> list[int]:
    """Fiscal years that have a dataset with published scores, newest first."""
    return sorted(
        set(complete_runs().values_list("dataset__catalog__fiscal_year", flat=True)),
        reverse=True,
    )


@dataclass(frozen=True)
class Comparable:
    """The published scores a figure across years may set beside `shown`: one per fiscal year, of the
    same origin only — real and synthetic data are never compared — and the years that have published
    scores of the other origin only (a figure says so instead of drawing them)."""

    shown: Published
    series: list[Published]  # oldest year first; `shown` for its own year
    other_years: list[int]  # oldest first

    @property
    def origin(self) -> str:
        return self.shown.origin

    @property
    def years(self) -> list[int]:
        return [published.fiscal_year for published in self.series]

    @property
    def previous(self) -> Published | None:
        """The newest scores of the same origin before the shown year: what "since the previous survey"
        compares with."""
        earlier = [published for published in self.series if published.fiscal_year < self.shown.fiscal_year]
        return earlier[-1] if earlier else None

    @property
    def latest(self) -> Published:
        """The newest scores of the same origin (the shown ones if none is newer)."""
        return self.series[-1]


def comparable_scores(*, published: Published) -> Comparable:
    """The one rule for every comparison across years (size-class bars, trends, a municipality's history,
    "fell since the previous survey", the live layer): the published scores of the same origin as
    `published` — `published` itself for its year, for each other year the published run of its most
    recently imported dataset of that origin. One query."""
    runs = (
        complete_runs()
        .filter(dataset__status=Dataset.Status.READY)
        .select_related("dataset__catalog")
        .order_by("dataset__catalog__fiscal_year", "-dataset__imported_at", "-dataset__pk", "-finished_at", "-pk")
    )
    years: set[int] = set()
    same: dict[int, Published] = {}
    for run in runs:
        year = run.dataset.fiscal_year
        years.add(year)
        if run.dataset.origin == published.origin and year != published.fiscal_year:
            same.setdefault(year, Published(run.dataset, run))  # the first is the newest dataset's newest run
    series = sorted([published, *same.values()], key=lambda p: p.fiscal_year)
    return Comparable(published, series, sorted(years - {p.fiscal_year for p in series}))


def size_class_area_rates(*, run: ScoreRun) -> dict[str, dict[str, float | None]]:
    """Mean area rate per size class (the method's group rate: an unweighted mean of municipalities)."""
    rows = (
        run.municipal_scores.values("municipality__size_class")
        .annotate(**{area: Avg(f"rate_{area}") for area in scoring.AREAS})
        .order_by()
    )
    result: dict[str, dict[str, float | None]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        result[values["municipality__size_class"]] = {area: values[area] for area in scoring.AREAS}
    return result


def item_rates(*, run: ScoreRun, level: str, group: str) -> dict[int, float | None]:
    """Indicator id → share of the group's municipalities that implemented it."""
    return dict(run.item_rates.filter(level=level, group=group).values_list("indicator_id", "rate"))


def item_groups(*, level: str) -> list[str]:
    """The groups an item rate can be of at a level: the nation, the 47 prefectures, the size classes."""
    if level == ItemRate.Level.NATION:
        return ["all"]
    if level == ItemRate.Level.PREFECTURE:
        return list(Prefecture.objects.order_by("pref_code").values_list("pref_code", flat=True))
    if level == ItemRate.Level.SIZE_CLASS:
        return list(Municipality.SizeClass.values)
    return []


def item_rate_list(
    *,
    run: ScoreRun | None,
    levels: Sequence[str] = (),
    groups: Sequence[str] = (),
    indicator: Indicator | None = None,
) -> QuerySet[ItemRate]:
    """The run's item rates with their indicators (all levels and groups unless some are named):
    nation, prefectures, size classes, items in survey order."""
    rates = ItemRate.objects.filter(run=run).select_related("indicator", "run__dataset")
    if levels:
        rates = rates.filter(level__in=levels)
    if groups:
        rates = rates.filter(group__in=groups)
    if indicator is not None:
        rates = rates.filter(indicator=indicator)
    level_order = Case(
        *(When(level=value, then=V(i)) for i, value in enumerate(scoring.LEVELS)), default=V(len(scoring.LEVELS))
    )
    ordered = rates.order_by(level_order, "group", "indicator__position")
    return ordered if run else ItemRate.objects.none()


@dataclass(frozen=True)
class ItemRates:
    """One item's rates in one run: the nation, each size class (in their order), each prefecture
    (highest first)."""

    nation: ItemRate | None
    sizes: list[ItemRate | None]
    prefectures: list[ItemRate]


def item_rates_of(*, run: ScoreRun, indicator: Indicator) -> ItemRates:
    rates = list(item_rate_list(run=run, indicator=indicator))
    by_size = {rate.group: rate for rate in rates if rate.level == ItemRate.Level.SIZE_CLASS}
    prefectures = [rate for rate in rates if rate.level == ItemRate.Level.PREFECTURE]
    return ItemRates(
        nation=next((rate for rate in rates if rate.level == ItemRate.Level.NATION), None),
        sizes=[by_size.get(size) for size in Municipality.SizeClass.values],
        prefectures=sorted(prefectures, key=lambda rate: (rate.rate is None, -(rate.rate or 0), rate.group)),
    )


@dataclass(frozen=True)
class ItemRow:
    """One survey item of a table: the national rate and the rates of the groups shown beside it."""

    indicator: Indicator
    nation: ItemRate | None
    groups: list[ItemRate | None]
    # The prefecture's rank among the prefectures that have a rate for the item (1 = highest).
    rank: int | None = None
    ranked: int = 0

    @property
    def gap(self) -> float | None:
        """The first group's rate minus the national rate, in percentage points."""
        first = self.groups[0] if self.groups else None
        if first is None or first.rate is None or self.nation is None or self.nation.rate is None:
            return None
        return first.rate - self.nation.rate


ITEM_SORTS = ("item", "rate", "gap", "rank")


def _sorted_rows(rows: list[ItemRow], sort: str) -> list[ItemRow]:
    """Survey order, or the lowest national rate / largest shortfall / worst rank first (what to act on);
    items without the figure go last."""
    figure = {
        "rate": lambda row: row.nation.rate if row.nation else None,
        "gap": lambda row: row.gap,
        "rank": lambda row: -row.rank if row.rank is not None else None,
    }.get(sort)
    if figure is None:
        return rows
    known = [row for row in rows if figure(row) is not None]
    return sorted(known, key=figure) + [row for row in rows if figure(row) is None]


def national_item_table(*, run: ScoreRun, sort: str = "item") -> list[ItemRow]:
    """Every item of the run: its national rate and its rate in each size class (the report's layout)."""
    rates = list(item_rate_list(run=run, levels=(ItemRate.Level.NATION, ItemRate.Level.SIZE_CLASS)))
    by_key = {(rate.indicator_id, rate.level, rate.group): rate for rate in rates}
    indicators = {rate.indicator_id: rate.indicator for rate in rates}
    rows = [
        ItemRow(
            indicator=indicator,
            nation=by_key.get((pk, ItemRate.Level.NATION, "all")),
            groups=[by_key.get((pk, ItemRate.Level.SIZE_CLASS, size)) for size in Municipality.SizeClass.values],
        )
        for pk, indicator in sorted(indicators.items(), key=lambda pair: pair[1].position)
    ]
    return _sorted_rows(rows, sort)


def prefecture_item_table(*, run: ScoreRun, prefecture: Prefecture, sort: str = "item") -> list[ItemRow]:
    """Every item of the run: the prefecture's rate beside the national one, and its rank among prefectures."""
    rates = list(item_rate_list(run=run, levels=(ItemRate.Level.NATION, ItemRate.Level.PREFECTURE)))
    nation = {rate.indicator_id: rate for rate in rates if rate.level == ItemRate.Level.NATION}
    by_prefecture: dict[int, list[float]] = {}
    own: dict[int, ItemRate] = {}
    for rate in rates:
        if rate.level != ItemRate.Level.PREFECTURE:
            continue
        if rate.rate is not None:
            by_prefecture.setdefault(rate.indicator_id, []).append(rate.rate)
        if rate.group == prefecture.pref_code:
            own[rate.indicator_id] = rate
    rows = []
    for pk, national in sorted(nation.items(), key=lambda pair: pair[1].indicator.position):
        mine = own.get(pk)
        others = by_prefecture.get(pk, [])
        # Competition ranking: prefectures with the same rate share a rank.
        rank = 1 + sum(other > mine.rate for other in others) if mine and mine.rate is not None else None
        rows.append(
            ItemRow(indicator=national.indicator, nation=national, groups=[mine], rank=rank, ranked=len(others))
        )
    return _sorted_rows(rows, sort)


def indicator_find(*, fiscal_year: int, code: str) -> Indicator | None:
    return Indicator.objects.filter(catalog__fiscal_year=fiscal_year, code=code).first()


def indicator_years(*, code: str) -> list[Indicator]:
    """The catalog years that have the item under this code, oldest first."""
    return list(Indicator.objects.filter(code=code).select_related("catalog").order_by("catalog__fiscal_year"))


def item_history(*, code: str, shown: Published) -> list[tuple[Published, ItemRates]]:
    """The item's rates in every year of the scores comparable with `shown` (one origin, see
    comparable_scores) whose catalog has the item."""
    indicators = {indicator.catalog.fiscal_year: indicator for indicator in indicator_years(code=code)}
    return [
        (published, item_rates_of(run=published.run, indicator=indicators[published.fiscal_year]))
        for published in comparable_scores(published=shown).series
        if published.fiscal_year in indicators
    ]


def item_values(*, dataset: Dataset, indicator: Indicator) -> list[float]:
    """The municipalities' usable values of an item (a rate item's distribution)."""
    values = dataset.values.filter(indicator=indicator, missing="", value__isnull=False)
    return [value for value in values.values_list("value", flat=True) if value is not None]


def municipality_values(*, dataset: Dataset, municipality: Municipality) -> QuerySet[Value]:
    return dataset.values.filter(municipality=municipality).select_related("indicator").order_by("indicator__position")


def gap_matrix_values(*, dataset: Dataset, prefecture: Prefecture) -> list[tuple[Any, ...]]:
    """Scored yes/no answers of a prefecture's municipalities, as plain rows (item code, item name,
    municipality code, municipality name, value, missing reason): the item × municipality matrix."""
    rows = (
        dataset.values.filter(
            municipality__prefecture=prefecture, indicator__kind=Indicator.Kind.BOOLEAN, indicator__scored=True
        )
        .order_by("indicator__position", "municipality__code")
        .values_list(
            "indicator__code",
            "indicator__name_ja",
            "indicator__name_en",
            "municipality__code",
            "municipality__name",
            "value",
            "missing",
        )
    )
    return [(code, pick(name_ja, name_en), *rest) for code, name_ja, name_en, *rest in rows]


def municipality_history(
    *, municipality: Municipality, comparable: Comparable
) -> list[tuple[Dataset, MunicipalityScore]]:
    """Per fiscal year of the comparable scores (one origin), the municipality's score there."""
    history = []
    for published in comparable.series:
        score = municipality_score(run=published.run, municipality=municipality)
        if score:
            history.append((published.dataset, score))
    return history


@dataclass(frozen=True)
class Achievement:
    """A size class's municipalities that did all / none of an area's items, of the n that answered them all."""

    size_class: str
    all: int
    none: int
    n: int

    @property
    def all_share(self) -> float | None:
        return 100.0 * self.all / self.n if self.n else None

    @property
    def none_share(self) -> float | None:
        return 100.0 * self.none / self.n if self.n else None


@dataclass(frozen=True)
class AreaAchievements:
    """The all / none counts of one area (the report's 図表4/8/12) and the items they rest on: those of
    the report's set that the dataset has, and those it lacks."""

    area: str
    items: list[Indicator]
    absent: list[Indicator]
    rows: list[Achievement]

    @property
    def total(self) -> Achievement:
        return Achievement(
            "", sum(row.all for row in self.rows), sum(row.none for row in self.rows), sum(row.n for row in self.rows)
        )


def area_achievements(*, run: ScoreRun) -> list[AreaAchievements]:
    """Per area with yes/no items in the report's set, in area order: the run's counts per size class and
    which items they rest on."""
    indicators = {i.code: i for i in Indicator.objects.filter(catalog=run.dataset.catalog)}
    statistics = run.statistics
    result = []
    for area in scoring.AREAS:
        listed = [row for row in statistics.get("achievement_items", []) if row["area"] == area]
        if not listed:
            continue
        rows = [
            Achievement(row["size_class"], row["all"], row["none"], row["n"])
            for row in statistics.get("achievements", [])
            if row["area"] == area
        ]
        result.append(
            AreaAchievements(
                area=area,
                items=[indicators[row["indicator"]] for row in listed if row["present"]],
                absent=[indicators[row["indicator"]] for row in listed if not row["present"]],
                rows=rows,
            )
        )
    return result


# The similar-municipality list: how many peers by default and at most (the default makes a group of
# SMALL_GROUP + 1, large enough to rank).
SIMILAR_DEFAULT = scoring.SMALL_GROUP
SIMILAR_MIN, SIMILAR_MAX = 5, 50


@dataclass(frozen=True)
class Similar:
    """A member of a municipality's peer group and why it is one: same kind (all are), its population's
    difference from the municipality's own in percent, and whether it is in the same prefecture."""

    score: MunicipalityScore
    population: int
    difference: float
    same_prefecture: bool
    composite_within: float | None
    rank_within: int | None


@dataclass(frozen=True)
class SimilarGroup:
    """A municipality and its nearest peers by population among those of its kind, nationwide or in its
    prefecture; `smallest` and `largest` bound the group's populations."""

    municipality: Municipality
    nationwide: bool
    members: list[Similar]

    @property
    def smallest(self) -> Similar | None:
        return min(self.members, key=lambda member: member.population, default=None)

    @property
    def largest(self) -> Similar | None:
        return max(self.members, key=lambda member: member.population, default=None)

    @property
    def rankable(self) -> bool:
        return len(self.members) >= scoring.SMALL_GROUP


def similar_municipalities(
    *, run: ScoreRun, municipality: Municipality, nationwide: bool = False, size: int = SIMILAR_DEFAULT
) -> SimilarGroup:
    """The municipality and its `size` nearest by population (the ratio, so 1,000 is as far from 2,000 as
    100,000 from 200,000) among those of the same kind, in its prefecture unless `nationwide`, with each
    one's composite deviation and rank within that group. No members if it has no score or population."""
    population = PopulationRecord.objects.filter(municipality=OuterRef("municipality"), as_of=SIZE_CLASS_DATE)
    candidates = (
        run.municipal_scores.filter(municipality__kind=municipality.kind)
        .select_related("municipality", "municipality__prefecture")
        .annotate(population=Subquery(population.values("population")[:1]))
    )
    if not nationwide:
        candidates = candidates.filter(municipality__prefecture=municipality.prefecture)
    scored = [s for s in candidates if s.population]
    own = next((s for s in scored if s.municipality_id == municipality.pk), None)
    if own is None:
        return SimilarGroup(municipality, nationwide, [])
    # Nearest first, the municipality itself before any peer of the same population.
    scored.sort(
        key=lambda s: (abs(math.log(s.population) - math.log(own.population)), s is not own, s.municipality.code)
    )
    group = scored[: size + 1]
    within = scoring.composite_within(
        (s.municipality.code, *(getattr(s, f"rate_{a}") for a in scoring.AREAS)) for s in group
    )
    members = [
        Similar(
            score=s,
            population=s.population,
            difference=100.0 * (s.population / own.population - 1),
            same_prefecture=s.municipality.prefecture_id == municipality.prefecture_id,
            composite_within=within[s.municipality.code][0],
            rank_within=within[s.municipality.code][1],
        )
        for s in group
    ]
    return SimilarGroup(municipality, nationwide, members)


# Live scores change only with the answers or the published run, which the cache key names.
LIVE_CACHE_SECONDS = 24 * 3600


def live_scores(
    *, code: str, answers: Sequence[tuple[Indicator, float | None, str]], key: str, beside: Published
) -> dict[str, Any]:
    """A municipality's own answers — (indicator, value, status), as a confirmed self-assessment holds
    them — scored against the newest published national distribution of the same origin as the scores
    they are shown `beside` ("if the survey were today"): the dataset, area rates, deviations and
    composite. `key` names the answers for the cache (say an assessment's id and version)."""
    published = comparable_scores(published=beside).latest

    def compute() -> dict[str, Any]:
        values = scoring.values_frame((code, i.code, value, status, "") for i, value, status in answers)
        catalog = scoring.catalog_frame({(i.code, i.area, i.kind, i.scored, i.position) for i, _v, _s in answers})
        rates = published.run.municipal_scores.values_list(*(f"rate_{area}" for area in scoring.AREAS))
        return scoring.live_scores(values, catalog, scoring.distribution_frame(rates))

    # get_or_set returns the cached value or compute()'s, a dict either way (its stubs say Any | None).
    scores = cast(
        "dict[str, Any]", cache.get_or_set(f"live-scores:{key}:{published.run.pk}", compute, LIVE_CACHE_SECONDS)
    )
    return {"dataset": published.dataset, **scores}


def score_note_list() -> QuerySet[ScoreNote]:
    """Context notes show wherever their score does, to everyone (removing one checks who may)."""
    return ScoreNote.objects.select_related("municipality", "author")


def prefecture_score_notes(*, fiscal_year: int, prefecture: Prefecture) -> dict[int, list[ScoreNote]]:
    """The year's notes on the prefecture's municipalities by municipality id, newest first (one query
    for a whole table)."""
    notes: dict[int, list[ScoreNote]] = {}
    for note in score_note_list().filter(fiscal_year=fiscal_year, municipality__prefecture=prefecture):
        notes.setdefault(note.municipality_id, []).append(note)
    return notes


def municipality_score_notes(*, fiscal_year: int, municipality: Municipality) -> list[ScoreNote]:
    """The year's notes on the municipality, newest first."""
    return list(score_note_list().filter(fiscal_year=fiscal_year, municipality=municipality))


def gap_counts(values: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Per item of gap_matrix_values: municipalities that did it, did not, or gave no answer; most lacking first."""
    counts: dict[str, dict[str, Any]] = {}
    for item, item_name, _code, _name, value, missing in values:
        row = counts.setdefault(item, {"code": item, "name": item_name, "done": 0, "lacking": 0, "no_answer": 0})
        row["no_answer" if missing else ("done" if value else "lacking")] += 1
    return sorted(counts.values(), key=lambda row: -row["lacking"])


# An item "most peers have done": at least half of the size class.
NEXT_STEP_PEER_RATE = 50.0


def next_steps(*, values: list[Value], peer_rates: dict[int, float | None]) -> list[tuple[Indicator, float]]:
    """Scored yes/no items the municipality has not done and most of its size class has, commonest first."""
    steps = [
        (value.indicator, rate)
        for value in values
        if value.indicator.kind == Indicator.Kind.BOOLEAN
        and value.indicator.scored
        and value.value == 0
        and (rate := peer_rates.get(value.indicator_id)) is not None
        and rate >= NEXT_STEP_PEER_RATE
    ]
    return sorted(steps, key=lambda step: -step[1])
