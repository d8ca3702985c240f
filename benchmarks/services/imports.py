"""Import national survey files (CSV or XLSX, long or wide shape) as datasets.

Long shape: `lg_code,fiscal_year,indicator,value`. Wide shape: `lg_code[,fiscal_year],<indicator>…`, one
row per municipality. A value is `1`/`0` (yes/no items), `online`/`offline`/`na` (procedures; `na` =
the municipality does not offer it), a number in percent (rates), or the reason it is missing:
`not_reported`, `not_applicable`, `excluded` — kept as such, never read as "no".

Everything is validated before anything is written; a file already imported (same sha256) is not
imported again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dx_platform.core.table_files import TableRefused, UploadLimits, read_table, upload_check
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality

from ..models import CatalogYear, Dataset, Indicator, Value

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

LONG_HEADER = ["lg_code", "fiscal_year", "indicator", "value"]
MISSING = {choice.value for choice in Value.Missing}
PROCEDURE_STATUSES = {choice.value for choice in Value.Status}
BATCH = 5_000
MAX_SHOWN_ERRORS = 200
NATIONAL = "national_survey"  # its limits in settings.UPLOAD_LIMITS
# An import's claim on its dataset lasts longer than the import task's hard time limit (25 min, settings),
# so a claim this old was left by a process that died and the next attempt takes the dataset over (the
# rule of runs.STALE_AFTER); and less than the broker's visibility timeout (30 min, settings), so the
# message redelivered after a worker was killed finds the claim expired. An import from the command
# line that outlives it is rolled back when it finishes, never doubled.
CLAIM_TTL = dt.timedelta(minutes=27)


class SurveyFileError(Exception):
    """The file is not valid; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors[:20]))


@dataclass(frozen=True)
class Cell:
    line: int
    lg_code: str
    indicator: str
    raw: str


@dataclass
class ParsedSurvey:
    fiscal_year: int
    values: list[Value] = field(default_factory=list)
    municipalities: int = 0
    indicators: int = 0


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_rows(data: bytes, file_name: str, *, kind: str) -> list[tuple[int, list[str]]]:
    """Rows with their line numbers, from XLSX or from CSV in UTF-8 (BOM or not) or Shift_JIS/CP932.

    Read within the limits of `kind` (settings.UPLOAD_LIMITS): a file past them is refused, saying which.
    """
    try:
        return read_table(data, file_name, UploadLimits.of(kind))
    except TableRefused as exc:
        raise SurveyFileError(exc.errors) from None


def survey_cells(
    rows: list[tuple[int, list[str]]], fiscal_year: int | None, errors: list[str]
) -> tuple[int | None, list[Cell]]:
    """Normalise long and wide files to one cell per (municipality, indicator); problems go to `errors`.

    Also reads a self-assessment back from the same file shapes.
    """
    header = [name.strip().lower() for name in rows[0][1]]
    body = rows[1:]
    years: defaultdict[str, list[int]] = defaultdict(list)  # fiscal year → its lines
    cells: list[Cell] = []
    if header[:4] == LONG_HEADER:
        for line, row in body:
            if len(row) < 4:
                errors.append(f"line {line}: expected 4 fields (lg_code,fiscal_year,indicator,value)")
                continue
            years[row[1].strip()].append(line)
            cells.append(Cell(line, _code(row[0]), row[2].strip(), row[3].strip()))
    elif header and header[0] == "lg_code":
        has_year = len(header) > 1 and header[1] == "fiscal_year"
        indicators = [name.strip() for name in rows[0][1][2 if has_year else 1 :]]
        for line, row in body:
            if has_year:
                years[row[1].strip() if len(row) > 1 else ""].append(line)
            values = row[2 if has_year else 1 :]
            for position, indicator in enumerate(indicators):
                raw = values[position].strip() if position < len(values) else ""
                cells.append(Cell(line, _code(row[0]), indicator, raw))
    else:
        errors.append(
            "line 1: the header must be `lg_code,fiscal_year,indicator,value` (long) "
            "or `lg_code[,fiscal_year],<indicator codes…>` (wide)"
        )
        return None, []
    if years:
        # The most frequent year is the file's; the rows of any other are listed and the rest is still
        # checked, so that one pass reports every problem.
        year_text = max(years, key=lambda text: len(years[text]))
        for other, lines in sorted(years.items()):
            if other != year_text:
                shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
                errors.append(
                    f"line {lines[0]}: fiscal year {other} in a file of FY{year_text} "
                    f"({len(lines)} row(s): line {shown}); import one year per file"
                )
        if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            errors.append(f"fiscal_year {year_text!r} is not a year")
            return None, cells
        if fiscal_year is not None and int(year_text) != fiscal_year:
            errors.append(f"the file is for FY{year_text}, not FY{fiscal_year}")
        return int(year_text), cells
    if fiscal_year is None:
        errors.append("the file has no fiscal_year column; give the year (--year)")
    return fiscal_year, cells


def _code(raw: str) -> str:
    # Spreadsheets drop the leading zero of codes like 011002.
    code = raw.strip()
    return code.zfill(6) if code.isascii() and code.isdigit() and len(code) == 5 else code


def parse_value(raw: str, indicator: Indicator) -> tuple[float | None, str, str] | str:
    """One cell of a survey file as (value, status, missing reason), or an error message."""
    if raw in MISSING:
        return None, "", raw
    if indicator.kind == Indicator.Kind.BOOLEAN:
        if raw in ("1", "0"):
            return float(raw), "", ""
        return f"{indicator.code} is a yes/no item: expected 1 or 0, got {raw!r}"
    if indicator.kind == Indicator.Kind.PROCEDURE:
        if raw in PROCEDURE_STATUSES:
            return None, raw, ""
        return f"{indicator.code} is a procedure: expected online, offline or na, got {raw!r}"
    try:
        number = float(raw.rstrip("%"))
    except ValueError:
        number = math.nan
    if math.isnan(number):
        return f"{indicator.code} is a rate: expected a number in percent, got {raw!r}"
    if not 0 <= number <= 100:
        return f"{indicator.code} is a rate: {number} is outside 0–100"
    return number, "", ""


def parse_survey(data: bytes, file_name: str, *, fiscal_year: int | None = None) -> ParsedSurvey:
    """Validate the whole file and build its (unsaved) values; raise SurveyFileError listing every problem."""
    rows = read_rows(data, file_name, kind=NATIONAL)
    if not rows:
        raise SurveyFileError([f"{file_name}: the file is empty"])
    errors: list[str] = []
    year, cells = survey_cells(rows, fiscal_year, errors)
    catalog = CatalogYear.objects.filter(fiscal_year=year).first() if year else None
    if year and catalog is None:
        errors.append(f"there is no indicator catalog for FY{year}")
    if catalog is None or year is None:
        raise SurveyFileError(errors)
    indicators = {i.code: i for i in catalog.indicators.all()}
    municipalities = dict(Municipality.objects.values_list("code", "pk"))
    parsed = ParsedSurvey(year)
    seen: dict[tuple[str, str], int] = {}
    unknown_indicators: dict[str, int] = {}
    for cell in cells:
        where = f"line {cell.line}"
        indicator = indicators.get(cell.indicator)
        if indicator is None:
            unknown_indicators.setdefault(cell.indicator, cell.line)
            continue
        if cell.lg_code not in municipalities:
            errors.append(f"{where}: unknown municipality code {cell.lg_code!r}")
            continue
        key = (cell.lg_code, cell.indicator)
        if key in seen:
            errors.append(f"{where}: {cell.lg_code} {cell.indicator} appears again (first on line {seen[key]})")
            continue
        seen[key] = cell.line
        if cell.raw == "":
            errors.append(f"{where}: {cell.lg_code} {cell.indicator} has no value (write not_reported if none)")
            continue
        result = parse_value(cell.raw, indicator)
        if isinstance(result, str):
            errors.append(f"{where}: {result}")
            continue
        value, status, missing = result
        parsed.values.append(
            Value(
                municipality_id=municipalities[cell.lg_code],
                indicator=indicator,
                value=value,
                status=status,
                missing=missing,
            )
        )
    errors.extend(f"line {line}: unknown indicator {code!r} for FY{year}" for code, line in unknown_indicators.items())
    errors.extend(_missing_rows(seen, set(municipalities)))
    if errors:
        raise SurveyFileError(errors[:MAX_SHOWN_ERRORS] + _more(errors))
    if not parsed.values:
        raise SurveyFileError([f"{file_name}: the file has a header but no values"])
    parsed.municipalities = len({code for code, _ in seen})
    parsed.indicators = len({indicator for _, indicator in seen})
    return parsed


def _missing_rows(seen: dict[tuple[str, str], int], all_codes: set[str]) -> list[str]:
    """A national dataset covers every municipality for every item it has."""
    by_indicator: defaultdict[str, set[str]] = defaultdict(set)
    for code, indicator in seen:
        by_indicator[indicator].add(code)
    problems = []
    for indicator, codes in sorted(by_indicator.items()):
        absent = sorted(all_codes - codes)
        if absent:
            problems.append(
                f"{indicator}: no row for {len(absent)} municipalities (e.g. {', '.join(absent[:5])}); "
                "write not_reported, not_applicable or excluded where there is no value"
            )
    return problems


def _more(errors: list[str]) -> list[str]:
    return [f"… and {len(errors) - MAX_SHOWN_ERRORS} more problems"] if len(errors) > MAX_SHOWN_ERRORS else []


def progress_key(dataset_id: int) -> str:
    return f"benchmarks:dataset-progress:{dataset_id}"


def _interrupted() -> str:
    return gettext("The import was interrupted before it finished. Import the file again.")


def _stopped(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        minutes = math.ceil(settings.NATIONAL_IMPORT_SOFT_TIME_LIMIT / 60)
        return gettext("the import was stopped: it took longer than the limit (%(minutes)s minutes)") % {
            "minutes": minutes
        }
    if not isinstance(exc, Exception):  # Ctrl-C, a worker shutting down
        return _interrupted()
    return gettext(
        "The import stopped unexpectedly (%(error)s); nothing was kept. Import the file again, or report it."
    ) % {"error": type(exc).__name__}


def _expired() -> Q:
    """An import's claim left by a process that died (older than CLAIM_TTL)."""
    return Q(status=Dataset.Status.IMPORTING) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=timezone.now() - CLAIM_TTL)
    )


def datasets_expire() -> int:
    """Fail every import whose claim expired, saying it was interrupted; the file can be imported again.

    As a failed import does, an interrupted one lets go of the dataset it corrects.
    """
    expired = list(Dataset.objects.filter(_expired()).values_list("pk", flat=True))
    if not expired:
        return 0
    # The condition again: an importer that took a dataset over in between keeps it.
    count = Dataset.objects.filter(_expired(), pk__in=expired).update(
        status=Dataset.Status.FAILED, errors=[_interrupted()], supersedes=None
    )
    cache.delete_many([progress_key(pk) for pk in expired])
    return count


def _claim(dataset_id: int) -> Dataset | None:
    """Take a waiting dataset, or one whose importer died, with a conditional UPDATE: of two workers
    given the same dataset one imports it, and a claim that has not expired is never taken."""
    claimed = Dataset.objects.filter(Q(status=Dataset.Status.PENDING) | _expired(), pk=dataset_id).update(
        status=Dataset.Status.IMPORTING, claimed_at=timezone.now(), progress=0, errors=[]
    )
    if not claimed:
        return None
    cache.delete(progress_key(dataset_id))
    return Dataset.objects.select_related("catalog", "supersedes").get(pk=dataset_id)


def dataset_create(
    *,
    data: bytes,
    file_name: str,
    fiscal_year: int,
    name: str,
    source: str,
    origin: str,
    by: User | None,
    supersedes: Dataset | None = None,
    claim: bool = False,
    name_en: str = "",
    source_en: str = "",
) -> tuple[Dataset, bool]:
    """Record a file (its values come with dataset_fill); True if it is to be imported now.

    The same file again returns the earlier dataset, unless that one failed or its import was
    interrupted (its claim expired): then it is taken again with the details given now (year, name,
    source, origin, what it corrects). With `claim` the caller imports it at once (importing, claimed
    now); else it waits for a worker (pending).
    """
    catalog = CatalogYear.objects.filter(fiscal_year=fiscal_year).first()
    if catalog is None:
        raise SurveyFileError([f"there is no indicator catalog for FY{fiscal_year}"])
    if supersedes is not None and supersedes.catalog_id != catalog.pk:
        raise SurveyFileError([f"a FY{fiscal_year} file cannot supersede a FY{supersedes.fiscal_year} dataset"])
    # An import left by a dead process holds neither its file nor the dataset it corrects any longer.
    datasets_expire()
    correction = Dataset.objects.filter(supersedes=supersedes).first() if supersedes else None
    if supersedes is not None and correction is not None:
        # One correction per dataset (a one-to-one link): a further one corrects the correction.
        message = f"dataset {supersedes.pk} is already superseded by dataset {correction.pk}; supersede that one"
        raise SurveyFileError([message])
    sha = file_sha256(data)
    state = {
        "status": Dataset.Status.IMPORTING if claim else Dataset.Status.PENDING,
        "claimed_at": timezone.now() if claim else None,
    }
    details = {
        "catalog": catalog,
        "name": name,
        "source": source,
        "name_en": name_en,
        "source_en": source_en,
        "origin": origin,
        "file_name": file_name,
        "imported_by": by,
        "supersedes": supersedes,
    }
    with transaction.atomic():
        existing = Dataset.objects.select_for_update(of=("self",)).filter(sha256=sha).first()
        if existing is not None and existing.status != Dataset.Status.FAILED:
            return existing, False
        if existing is not None:
            for attribute, value in {**details, **state}.items():
                setattr(existing, attribute, value)
            existing.errors, existing.progress = [], 0
            existing.save()
            cache.delete(progress_key(existing.pk))
            return existing, True
        try:
            with transaction.atomic():
                return Dataset.objects.create(sha256=sha, **details, **state), True
        except IntegrityError:  # the same file, uploaded at the same moment by someone else
            return Dataset.objects.get(sha256=sha), False


def _fail(dataset: Dataset, errors: list[str], *, claim: dt.datetime | None) -> Dataset:
    """Record why the file was not imported, unless another importer has taken the dataset over since
    (its claim stands). Its correction link goes, so the corrected dataset can be corrected again."""
    Dataset.objects.filter(pk=dataset.pk, status=Dataset.Status.IMPORTING, claimed_at=claim).update(
        status=Dataset.Status.FAILED, errors=errors, supersedes=None
    )
    cache.delete(progress_key(dataset.pk))
    dataset.refresh_from_db()
    return dataset


class _ClaimLost(Exception):
    """Another importer took the dataset over (this one's claim had expired)."""


def dataset_fill(
    *, dataset: Dataset, parsed: ParsedSurvey, on_progress: Callable[[int], None] | None = None
) -> Dataset:
    """Write all of a validated file's values in one transaction and mark the dataset ready.

    The caller holds the dataset's claim (dataset_create(claim=True), or a worker's). An import that
    fails half-way keeps no value and ends failed with its reason; one whose dataset was taken over
    meanwhile (its claim had expired) keeps no value either and leaves the dataset to the new importer.
    """
    claim = dataset.claimed_at
    if dataset.status != Dataset.Status.IMPORTING or claim is None:
        raise ValueError(f"dataset {dataset.pk} is not claimed for an import")
    report = on_progress or (lambda percent: cache.set(progress_key(dataset.pk), percent, 3600))
    done = 0
    try:
        with transaction.atomic():
            for batch in _batches(parsed.values, BATCH):
                for value in batch:
                    value.dataset = dataset
                Value.objects.bulk_create(batch)
                done += len(batch)
                report(min(99, 100 * done // len(parsed.values)))
            changes = _changes(dataset.supersedes, parsed.values) if dataset.supersedes else []
            finished = Dataset.objects.filter(pk=dataset.pk, status=Dataset.Status.IMPORTING, claimed_at=claim).update(
                status=Dataset.Status.READY, progress=100, value_count=done, errors=[], changes=changes
            )
            if not finished:
                raise _ClaimLost
            # The year's catalog is frozen once data for it exists: values point at its items.
            CatalogYear.objects.filter(pk=dataset.catalog_id, frozen_at__isnull=True).update(frozen_at=timezone.now())
            from ..tasks import recompute  # here: the tasks module imports this one

            transaction.on_commit(lambda: recompute.delay(dataset_id=dataset.pk))
    except _ClaimLost:
        dataset.refresh_from_db()
        return dataset
    except BaseException as exc:
        # Whatever stopped it, the dataset must not stay "importing": it ends failed and can be retried.
        _fail(dataset, [_stopped(exc)], claim=claim)
        raise
    report(100)
    dataset.refresh_from_db()
    return dataset


@dataclass
class ImportOutcome:
    dataset: Dataset | None  # None after a dry run
    created: bool
    parsed: ParsedSurvey | None  # None when the file had been imported before


def dataset_import(
    *,
    data: bytes,
    file_name: str,
    name: str,
    source: str,
    origin: str,
    by: User | None,
    fiscal_year: int | None = None,
    supersedes: Dataset | None = None,
    dry_run: bool = False,
    name_en: str = "",
    source_en: str = "",
) -> ImportOutcome:
    """Validate a whole file, then (unless a dry run) import it; the same file twice imports once.

    The same file again with English labels gives them to a dataset that had none (imported before they
    existed); its values and Japanese labels stay as they are.
    """
    existing = Dataset.objects.filter(sha256=file_sha256(data), status=Dataset.Status.READY).first()
    if existing is not None:
        if not dry_run and (name_en or source_en) and not (existing.name_en or existing.source_en):
            existing.name_en, existing.source_en = name_en, source_en
            existing.save(update_fields=["name_en", "source_en"])
        return ImportOutcome(existing, False, None)
    parsed = parse_survey(data, file_name, fiscal_year=fiscal_year)
    if dry_run:
        return ImportOutcome(None, False, parsed)
    dataset, created = dataset_create(
        data=data,
        file_name=file_name,
        fiscal_year=parsed.fiscal_year,
        name=name,
        source=source,
        origin=origin,
        by=by,
        supersedes=supersedes,
        claim=True,
        name_en=name_en,
        source_en=source_en,
    )
    if not created:  # someone else is importing the same file right now
        return ImportOutcome(dataset, False, None)
    dataset = dataset_fill(dataset=dataset, parsed=parsed)
    if dataset.status != Dataset.Status.READY:  # taken over by another importer (this claim had expired)
        return ImportOutcome(dataset, False, None)
    return ImportOutcome(dataset, True, parsed)


def dataset_upload(
    *,
    upload: UploadedFile,
    fiscal_year: int,
    name: str,
    source: str,
    origin: str,
    by: User,
    supersedes: Dataset | None = None,
    name_en: str = "",
    source_en: str = "",
) -> tuple[Dataset, bool]:
    """Store an uploaded file as a pending dataset and queue its import (imports queue)."""
    if not permissions.can_import_national_data(by):
        raise PermissionDenied(_("Only platform staff import national survey files."))
    # What can be told without reading the rows is told now; the rows and columns are the worker's.
    try:
        upload_check(upload, upload.name or "", upload.size, UploadLimits.of(NATIONAL))
    except TableRefused as exc:
        raise SurveyFileError(exc.errors) from None
    data = upload.read()
    with transaction.atomic():
        dataset, created = dataset_create(
            data=data,
            file_name=upload.name or "upload",
            fiscal_year=fiscal_year,
            name=name,
            source=source,
            origin=origin,
            by=by,
            supersedes=supersedes,
            name_en=name_en,
            source_en=source_en,
        )
        if created and not dataset.upload:
            dataset.upload.save(f"{dataset.sha256}{Path(upload.name or '').suffix}", ContentFile(data), save=True)
        if dataset.status == Dataset.Status.PENDING:
            # Queued again if it is still waiting (say the broker was down the first time); a
            # worker that already took it makes the extra message a no-op (see dataset_import_upload).
            from ..tasks import import_national_survey

            transaction.on_commit(lambda: import_national_survey.delay(dataset_id=dataset.pk))
    return dataset, created


def dataset_progress(*, dataset: Dataset) -> int:
    """Percent done: the worker reports through the cache while its transaction is still open."""
    if dataset.status in (Dataset.Status.READY, Dataset.Status.FAILED):
        return 100
    if dataset.status == Dataset.Status.PENDING:
        return 0
    return int(cache.get(progress_key(dataset.pk), 0))


def dataset_import_upload(*, dataset_id: int) -> Dataset:
    """Worker side of an upload: validate the stored file, then fill the dataset or record why not.

    The dataset is claimed with a conditional UPDATE: a message redelivered while another worker imports
    the dataset does nothing, and one that finds the import's claim expired (its worker died) takes over.
    """
    dataset = _claim(dataset_id)
    if dataset is None:
        return Dataset.objects.select_related("catalog", "supersedes").get(pk=dataset_id)
    try:
        with dataset.upload.open("rb") as handle:
            data = handle.read()
        parsed = parse_survey(data, dataset.file_name, fiscal_year=dataset.fiscal_year)
        # dataset_fill records its own failure; recording it again here changes nothing.
        return dataset_fill(dataset=dataset, parsed=parsed)
    except SurveyFileError as exc:
        return _fail(dataset, exc.errors, claim=dataset.claimed_at)
    except SoftTimeLimitExceeded as exc:
        # The values written so far went with the transaction; the dataset says why.
        return _fail(dataset, [_stopped(exc)], claim=dataset.claimed_at)
    except BaseException as exc:
        # Whatever went wrong, the dataset must not stay "importing" for ever.
        _fail(dataset, [_stopped(exc)], claim=dataset.claimed_at)
        raise


def _batches(items: list[Value], size: int) -> Iterable[list[Value]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _changes(old: Dataset, values: list[Value]) -> list[dict[str, str]]:
    """What moved between the superseded dataset and its corrected re-issue."""

    def shown(value: float | None, status: str, missing: str) -> str:
        return missing or status or ("" if value is None else f"{value:g}")

    before = {
        (m, i): shown(v, s, x)
        for m, i, v, s, x in old.values.values_list(
            "municipality__code", "indicator__code", "value", "status", "missing"
        )
    }
    codes = dict(Municipality.objects.values_list("pk", "code"))
    moved = []
    seen = set()
    for value in values:
        key = (codes[value.municipality_id], value.indicator.code)
        seen.add(key)
        now = shown(value.value, value.status, value.missing)
        if before.get(key) != now:
            moved.append({"lg_code": key[0], "indicator": key[1], "old": before.get(key, ""), "new": now})
    # Values the re-issue no longer has moved too (to nothing).
    moved.extend(
        {"lg_code": m, "indicator": i, "old": old_value, "new": ""}
        for (m, i), old_value in before.items()
        if (m, i) not in seen
    )
    return moved
