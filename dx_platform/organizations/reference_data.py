"""Load the real reference data: 47 prefectures, 1,741 municipalities and their population.

The files (and their sources) are in reference_data/. Loading validates every file first and writes
inside one transaction, so a bad file writes nothing; rows that already match are left alone, so a
second load changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from dx_platform.core.lgcode import is_valid_lg_code

from .models import Municipality, Organization, PopulationRecord, Prefecture

REFERENCE_DIR = Path(__file__).resolve().parent / "reference_data"

POPULATION_COLUMNS = {
    "pop_2020_01_01": dt.date(2020, 1, 1),
    "pop_2021_01_01": dt.date(2021, 1, 1),
    "pop_2022_01_01": dt.date(2022, 1, 1),
}
POPULATION_SOURCE = "総務省「マイナンバーカード交付状況について」人口（住民基本台帳）"
# Published in Japanese only; the English is the project's translation.
POPULATION_SOURCE_EN = (
    "Ministry of Internal Affairs and Communications, populations of its report on My Number Card issuance"
    " (resident register; in Japanese)"
)
# The benchmark method sizes cities by this date's population (it reproduces the report's counts).
SIZE_CLASS_POPULATION_DATE = dt.date(2020, 1, 1)

SIZE_CLASS_LABELS = {
    "政令指定都市": Municipality.SizeClass.DESIGNATED,
    "中核市": Municipality.SizeClass.CORE,
    "大規模市": Municipality.SizeClass.LARGE,
    "中規模市": Municipality.SizeClass.MID,
    "小規模市": Municipality.SizeClass.SMALL,
    "町": Municipality.SizeClass.TOWN,
    "村": Municipality.SizeClass.VILLAGE,
}

PREFECTURE_COLUMNS = (
    "pref_code",
    "code",
    "name",
    "name_kana",
    "name_hiragana",
    "name_en",
    "iso3166_2",
    "capital",
    "website_url",
    "n_municipalities",
)
MUNICIPALITY_COLUMNS = (
    "code",
    "pref_code",
    "name",
    "name_kana",
    "name_hiragana",
    "kind_en",
    "size_class",
    "lat",
    "lng",
    "website_url",
)
POPULATION_FILE_COLUMNS = ("code", *POPULATION_COLUMNS)


class ReferenceDataError(Exception):
    """The reference files are not valid; nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class LoadResult:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated)


def size_class_for(kind: str, population: int) -> str:
    """The benchmark method's size class (人口規模別) of a municipality."""
    kinds = Municipality.Kind
    fixed: dict[str, str] = {
        kinds.DESIGNATED_CITY: Municipality.SizeClass.DESIGNATED,
        kinds.CORE_CITY: Municipality.SizeClass.CORE,
        kinds.TOWN: Municipality.SizeClass.TOWN,
        kinds.VILLAGE: Municipality.SizeClass.VILLAGE,
    }
    if kind in fixed:
        return fixed[kind]
    if population >= 200_000:
        return Municipality.SizeClass.LARGE
    if population >= 100_000:
        return Municipality.SizeClass.MID
    return Municipality.SizeClass.SMALL


@dataclass
class ParsedReference:
    prefectures: list[dict[str, Any]]
    municipalities: list[dict[str, Any]]
    populations: list[dict[str, Any]]


def _read_csv(path: Path, columns: Iterable[str], errors: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows with their line numbers; a missing file or column is reported, not raised."""
    if not path.is_file():
        errors.append(f"{path.name}: file not found in {path.parent}")
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                errors.append(f"{path.name}: missing columns: {', '.join(missing)}")
                return []
            rows = []
            for row in reader:
                # DictReader fills missing fields with None and collects extra ones under None.
                if None in row or None in row.values():
                    errors.append(
                        f"{path.name} line {reader.line_num}: expected {len(reader.fieldnames or [])} "
                        f"fields as in the header, found {len([v for v in row.values() if v is not None])}"
                    )
                    continue
                rows.append((reader.line_num, row))
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.append(f"{path.name}: cannot be read as UTF-8 CSV ({exc})")
        return []


def _check_fields(
    model: type[models.Model],
    values: dict[str, Any],
    where: str,
    errors: list[str],
    exclude: tuple[str, ...] = (),
) -> None:
    """Apply the model's own field rules (lengths, URLs, choices, validators) before anything is written."""
    try:
        model(**values).clean_fields(exclude=list(exclude))
    except ValidationError as exc:
        errors.extend(f"{where}: {name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())


def _parse_prefectures(rows: list[tuple[int, dict[str, str]]], errors: list[str]) -> list[dict[str, Any]]:
    parsed = []
    seen: set[str] = set()
    for line, row in rows:
        where = f"prefectures.csv line {line}"
        pref_code, code = row["pref_code"], row["code"]
        if not is_valid_lg_code(code) or code[:2] != pref_code:
            errors.append(f"{where}: {code!r} is not a valid prefecture code for {pref_code!r}")
            continue
        if pref_code in seen:
            errors.append(f"{where}: prefecture {pref_code} appears twice")
            continue
        seen.add(pref_code)
        values = {key: row[key].strip() for key in PREFECTURE_COLUMNS if key != "n_municipalities"}
        count = _parse_int(row["n_municipalities"])
        if count is None:
            errors.append(f"{where}: n_municipalities must be a positive whole number")
            continue
        _check_fields(Prefecture, values, where, errors)
        parsed.append({**values, "n_municipalities": count})
    if not errors and len(parsed) != 47:
        errors.append(f"prefectures.csv: expected 47 prefectures, found {len(parsed)}")
    return parsed


def _parse_int(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if number > 0 else None


def _parse_populations(rows: list[tuple[int, dict[str, str]]], errors: list[str]) -> dict[str, dict[dt.date, int]]:
    by_code: dict[str, dict[dt.date, int]] = {}
    for line, row in rows:
        where = f"population.csv line {line}"
        code = row["code"]
        if code in by_code:
            errors.append(f"{where}: municipality {code} appears twice")
            continue
        values = {}
        for column, as_of in POPULATION_COLUMNS.items():
            number = _parse_int(row[column])
            if number is None:
                errors.append(f"{where}: {column} must be a positive whole number, got {row[column]!r}")
            else:
                values[as_of] = number
        by_code[code] = values
    return by_code


def _parse_municipalities(
    rows: list[tuple[int, dict[str, str]]],
    prefectures: dict[str, dict[str, Any]],
    populations: dict[str, dict[dt.date, int]],
    errors: list[str],
) -> list[dict[str, Any]]:
    parsed = []
    seen: set[str] = set()
    kinds = set(Municipality.Kind.values)
    for line, row in rows:
        where = f"municipalities.csv line {line}"
        code = row["code"]
        problems = []
        if not is_valid_lg_code(code):
            problems.append(f"{code!r} is not a valid local government code (check digit)")
        elif code in seen:
            problems.append(f"municipality {code} appears twice")
        if row["pref_code"] not in prefectures or code[:2] != row["pref_code"]:
            problems.append(f"prefecture {row['pref_code']!r} is unknown or does not match the code")
        if row["kind_en"] not in kinds:
            problems.append(f"kind {row['kind_en']!r} is not one of {', '.join(sorted(kinds))}")
        if not row["name"].strip():
            problems.append("the name is empty")
        try:
            lat, lng = float(row["lat"]), float(row["lng"])
            if not (20 <= lat <= 46 and 122 <= lng <= 154):
                problems.append(f"location {lat}, {lng} is outside Japan")
        except ValueError:
            problems.append(f"location {row['lat']!r}, {row['lng']!r} is not a pair of numbers")
        population = populations.get(code, {}).get(SIZE_CLASS_POPULATION_DATE)
        if population is None:
            problems.append(f"no {SIZE_CLASS_POPULATION_DATE} population in population.csv")
        elif row["kind_en"] in kinds:
            expected = size_class_for(row["kind_en"], population)
            if SIZE_CLASS_LABELS.get(row["size_class"]) != expected:
                problems.append(
                    f"size class {row['size_class']!r} disagrees with the method "
                    f"({Municipality.SizeClass(expected).name.lower()} for population {population:,})"
                )
        if problems:
            errors.extend(f"{where}: {problem}" for problem in problems)
            continue
        seen.add(code)
        values = {
            "code": code,
            "name": row["name"].strip(),
            "name_kana": row["name_kana"].strip(),
            "name_hiragana": row["name_hiragana"].strip(),
            "kind": row["kind_en"],
            "size_class": SIZE_CLASS_LABELS[row["size_class"]],
            "lat": lat,
            "lng": lng,
            "website_url": row["website_url"].strip(),
        }
        _check_fields(Municipality, values, where, errors, exclude=("prefecture",))
        parsed.append({**values, "pref_code": row["pref_code"]})
    extra = sorted(set(populations) - seen - {r["code"] for _, r in rows})
    if extra:
        errors.append(f"population.csv: codes not in municipalities.csv: {', '.join(extra[:10])}")
    counts = Counter(m["pref_code"] for m in parsed)
    for pref_code, prefecture in prefectures.items():
        declared = prefecture["n_municipalities"]
        if not errors and counts[pref_code] != declared:
            errors.append(
                f"municipalities.csv: {prefecture['name']} has {counts[pref_code]} municipalities, "
                f"prefectures.csv says {declared}"
            )
    return parsed


def read_reference_files(directory: Path = REFERENCE_DIR) -> ParsedReference:
    """Parse and check the three files; raise ReferenceDataError listing every problem."""
    errors: list[str] = []
    prefecture_rows = _read_csv(directory / "prefectures.csv", PREFECTURE_COLUMNS, errors)
    municipality_rows = _read_csv(directory / "municipalities.csv", MUNICIPALITY_COLUMNS, errors)
    population_rows = _read_csv(directory / "population.csv", POPULATION_FILE_COLUMNS, errors)
    prefectures = _parse_prefectures(prefecture_rows, errors)
    populations = _parse_populations(population_rows, errors)
    municipalities = _parse_municipalities(
        municipality_rows, {p["pref_code"]: p for p in prefectures}, populations, errors
    )
    if errors:
        raise ReferenceDataError(errors)
    population_rows_parsed = [
        {"code": code, "as_of": as_of, "population": number}
        for code, values in populations.items()
        for as_of, number in values.items()
    ]
    return ParsedReference(prefectures, municipalities, population_rows_parsed)


def _sync(
    queryset: models.QuerySet[Any],
    key: tuple[str, ...],
    rows: list[dict[str, Any]],
    result: LoadResult,
    label: str,
) -> dict[Any, Any]:
    """Create missing rows and update differing ones; return every object by its key.

    The key is a tuple of field names; single-field keys map by the bare value.
    """

    def key_of(item: Any, get: Any) -> Any:
        values = tuple(get(item, name) for name in key)
        return values[0] if len(values) == 1 else values

    model = queryset.model
    existing = {key_of(obj, getattr): obj for obj in queryset}
    fields = sorted({name for row in rows for name in row} - set(key))
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(key_of(row, dict.__getitem__))
        if obj is None:
            to_create.append(model(**row))
        elif any(getattr(obj, name) != row[name] for name in fields):
            for name in fields:
                setattr(obj, name, row[name])
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=500)
    result.created[label] += len(to_create)
    result.updated[label] += len(to_update)
    result.totals[label] += len(rows)
    return {key_of(obj, getattr): obj for obj in queryset.all()} if to_create else existing


def reference_data_load(*, directory: Path = REFERENCE_DIR) -> LoadResult:
    """Validate the reference files, then bring the database in line with them atomically."""
    data = read_reference_files(directory)
    result = LoadResult()
    with transaction.atomic():
        prefectures = _sync(
            Prefecture.objects.all(),
            ("pref_code",),
            [{k: v for k, v in row.items() if k != "n_municipalities"} for row in data.prefectures],
            result,
            "prefectures",
        )
        municipalities = _sync(
            Municipality.objects.all(),
            ("code",),
            [
                {
                    **{k: v for k, v in row.items() if k != "pref_code"},
                    "prefecture_id": prefectures[row["pref_code"]].pk,
                }
                for row in data.municipalities
            ],
            result,
            "municipalities",
        )
        _sync(
            PopulationRecord.objects.all(),
            ("municipality_id", "as_of"),
            [
                {
                    "municipality_id": municipalities[row["code"]].pk,
                    "as_of": row["as_of"],
                    "population": row["population"],
                    "source": POPULATION_SOURCE,
                    "source_en": POPULATION_SOURCE_EN,
                }
                for row in data.populations
            ],
            result,
            "population records",
        )
        _sync(
            Organization.objects.filter(kind=Organization.Kind.PREFECTURE),
            ("prefecture_id",),
            [
                {"kind": Organization.Kind.PREFECTURE, "prefecture_id": p.pk, "name": p.name}
                for p in prefectures.values()
            ],
            result,
            "organisations",
        )
        names = {p.pk: p.name for p in prefectures.values()}
        _sync(
            Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY),
            ("municipality_id",),
            [
                {
                    "kind": Organization.Kind.MUNICIPALITY,
                    "municipality_id": m.pk,
                    "prefecture_id": m.prefecture_id,
                    "name": f"{names[m.prefecture_id]}{m.name}",
                }
                for m in municipalities.values()
            ],
            result,
            "organisations",
        )
    return result
