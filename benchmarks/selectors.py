"""Reads of national datasets and published scores."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Dataset, MunicipalityScore, PrefectureScore, ScoreRun


def dataset_list() -> QuerySet[Dataset]:
    """National datasets are published national data: everyone may read them."""
    return Dataset.objects.select_related("catalog", "imported_by", "supersedes")


def dataset_for_year(*, fiscal_year: int, dataset_id: int | None = None) -> Dataset | None:
    """The given dataset of the year, or the year's most recently imported ready one."""
    datasets = dataset_list().filter(catalog__fiscal_year=fiscal_year, status=Dataset.Status.READY)
    if dataset_id is not None:
        return datasets.filter(pk=dataset_id).first()
    return datasets.order_by("-imported_at", "-pk").first()


def published_run(*, dataset: Dataset) -> ScoreRun | None:
    """The newest complete run: what readers see while a newer one is computing."""
    return dataset.runs.filter(status=ScoreRun.Status.COMPLETE).order_by("-finished_at", "-pk").first()


def municipality_scores(*, run: ScoreRun) -> QuerySet[MunicipalityScore]:
    return run.municipal_scores.select_related("municipality", "municipality__prefecture").order_by(
        "municipality__code"
    )


def prefecture_scores(*, run: ScoreRun) -> QuerySet[PrefectureScore]:
    return run.prefectural_scores.select_related("prefecture").order_by("prefecture__pref_code")
