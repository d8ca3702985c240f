"""Reads of self-assessments, scoped to who may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditlog.models import LogEntry
from django.db.models import QuerySet

from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization

from . import kpis as kpi_rules
from .models import Answer, Assessment, Kpi

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def assessment_list(*, user: User | AnonymousUser) -> QuerySet[Assessment]:
    municipalities = Organization.objects.filter(permissions.assessable_organizations(user)).values("municipality")
    return Assessment.objects.filter(municipality__in=municipalities).select_related(
        "municipality", "municipality__prefecture"
    )


def answers_of(*, assessment: Assessment) -> list[Answer]:
    return list(assessment.answers.select_related("indicator", "updated_by").order_by("indicator__position"))


def history(*, assessment: Assessment, limit: int = 100) -> QuerySet[LogEntry]:
    """Every change of the assessment and its answers: who, when, old → new."""
    return (
        LogEntry.objects.filter(additional_data__assessment_id=assessment.pk)
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )


def review_rows(*, user: User, prefecture_id: int, fiscal_year: int, towns_only: bool = False) -> list[dict[str, Any]]:
    """Every municipality of a prefecture the user coordinates, with its assessment's state for the year."""
    organizations = Organization.objects.filter(
        permissions.assessable_organizations(user), prefecture_id=prefecture_id
    ).select_related("municipality")
    if towns_only:
        organizations = organizations.filter(municipality__kind__in=[Municipality.Kind.TOWN, Municipality.Kind.VILLAGE])
    assessments: dict[int | None, Assessment] = {
        a.municipality_id: a
        for a in Assessment.objects.filter(municipality__prefecture_id=prefecture_id, fiscal_year=fiscal_year)
    }
    return [
        {"organization": org, "municipality": org.municipality, "assessment": assessments.get(org.municipality_id)}
        for org in organizations.order_by("municipality__code")
    ]


def live_result(*, municipality: Municipality) -> dict[str, Any] | None:
    """The live layer: the newest confirmed self-assessment scored against the latest national
    distribution (the newest published scores of real data where they exist)."""
    from benchmarks import scoring
    from benchmarks.selectors import dataset_for_year, published_run, years_with_scores

    assessment = (
        Assessment.objects.filter(municipality=municipality, status=Assessment.Status.CONFIRMED)
        .order_by("-fiscal_year")
        .first()
    )
    years = years_with_scores()
    if assessment is None or not years:
        return None
    dataset = dataset_for_year(fiscal_year=years[0], with_scores=True)
    run = published_run(dataset=dataset) if dataset else None
    if run is None:
        return None
    answers = list(assessment.answers.select_related("indicator"))
    values = scoring.values_frame(
        (municipality.code, a.indicator.code, a.value, a.status, "") for a in answers if a.answered
    )
    catalog = scoring.catalog_frame(
        {
            (a.indicator.code, a.indicator.area, a.indicator.kind, a.indicator.scored, a.indicator.position)
            for a in answers
        }
    )
    distribution = scoring.distribution_frame(
        run.municipal_scores.values_list(*(f"rate_{area}" for area in scoring.AREAS))
    )
    return {"assessment": assessment, "dataset": dataset, **scoring.live_scores(values, catalog, distribution)}


def kpi_list(*, user: User | AnonymousUser, municipality: Municipality) -> list[tuple[Kpi, kpi_rules.Status]]:
    """The municipality's KPIs (if the user may read them) with their status against the plan."""
    organization = Organization.objects.get(municipality=municipality)
    if not permissions.can_view_assessment(user, organization):
        return []
    kpis = Kpi.objects.filter(municipality=municipality).select_related("owner").prefetch_related("measurements")
    return [(kpi, kpi_status(kpi)) for kpi in kpis]


def kpi_status(kpi: Kpi) -> kpi_rules.Status:
    measurements = list(kpi.measurements.all())
    latest = max(measurements, key=lambda m: m.measured_on) if measurements else None
    return kpi_rules.status(
        baseline_value=kpi.baseline_value,
        baseline_date=kpi.baseline_date,
        target_value=kpi.target_value,
        target_date=kpi.target_date,
        latest=(latest.measured_on, latest.value) if latest else None,
    )


def kpi_for(*, user: User | AnonymousUser, pk: int) -> Kpi | None:
    municipalities = Organization.objects.filter(permissions.assessable_organizations(user)).values("municipality")
    return Kpi.objects.filter(pk=pk, municipality__in=municipalities).select_related("municipality", "owner").first()
