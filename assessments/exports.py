"""Tables of an assessment, KPIs and roadmaps for downloads (CSV or XLSX), and the prefecture roll-up."""

from __future__ import annotations

from typing import Any

from benchmarks.models import Indicator

from .kpis import Status
from .models import Answer, Assessment, Kpi, Measurement, Milestone, Roadmap

SURVEY_HEADER = ["lg_code", "fiscal_year", "indicator", "value"]


def survey_value(answer: Answer) -> str:
    """An answer as the national survey file writes it (the benchmarks import reads it back)."""
    if not answer.answered:
        return "not_reported"
    if answer.indicator.kind == Indicator.Kind.PROCEDURE:
        return answer.status
    if answer.indicator.kind == Indicator.Kind.BOOLEAN:
        return str(int(answer.value or 0))
    return f"{answer.value:g}"


def answers_table(assessments: list[Assessment]) -> tuple[list[str], list[list[Any]]]:
    """In the import shape of the national survey, so the answers can go back to the survey owner."""
    answers = (
        Answer.objects.filter(assessment__in=assessments)
        .select_related("indicator", "assessment__municipality")
        .order_by("assessment__municipality__code", "indicator__position")
    )
    return SURVEY_HEADER, [
        [a.assessment.municipality.code, a.assessment.fiscal_year, a.indicator.code, survey_value(a)] for a in answers
    ]


def kpi_table(kpis: list[tuple[Kpi, Status]]) -> tuple[list[str], list[list[Any]]]:
    """A row per measurement (or one for a KPI without any), with the KPI's status against its plan."""
    header = [
        "kpi",
        "unit",
        "direction",
        "area",
        "indicator",
        "initiative",
        "owner",
        "baseline_date",
        "baseline_value",
        "target_date",
        "target_value",
        "status",
        "measured_on",
        "value",
        "note",
    ]
    rows = []
    for kpi, status in kpis:
        fixed = [
            kpi.name,
            kpi.unit,
            kpi.direction,
            kpi.area,
            kpi.indicator.code if kpi.indicator else "",
            kpi.initiative.title if kpi.initiative else "",
            kpi.owner.email if kpi.owner else "",
            kpi.baseline_date,
            kpi.baseline_value,
            kpi.target_date,
            kpi.target_value,
            status.code,
        ]
        measurements: list[Measurement | None] = [*kpi.measurements.all()] or [None]
        rows += [fixed + ([m.measured_on, m.value, m.note] if m else ["", "", ""]) for m in measurements]
    return header, rows


def roadmap_table(roadmaps: list[Roadmap]) -> tuple[list[str], list[list[Any]]]:
    """A row per milestone (or one for an initiative without any)."""
    header = ["roadmap", "initiative", "area", "status", "starts_on", "ends_on", "milestone", "due_on", "done_on"]
    rows = []
    for roadmap in roadmaps:
        for initiative in roadmap.initiatives.prefetch_related("milestones"):
            fixed = [
                roadmap.title,
                initiative.title,
                initiative.area,
                initiative.status,
                initiative.starts_on,
                initiative.ends_on,
            ]
            milestones: list[Milestone | None] = [*initiative.milestones.all()] or [None]
            rows += [fixed + ([m.title, m.due_on, m.done_on or ""] if m else ["", "", ""]) for m in milestones]
    return header, rows


def rollup_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The prefecture's municipalities: assessment status, KPI coverage and roadmap health."""
    header = ["lg_code", "municipality", "kind", "assessment", "kpis", "kpis_on_track", "roadmaps", "late_items"]
    return header, [
        [
            row["municipality"].code,
            row["municipality"].name,
            row["municipality"].kind,
            row["assessment"].status if row["assessment"] else "not_started",
            row["kpis"],
            row["kpis_on_track"],
            row["roadmaps"],
            row["late_items"],
        ]
        for row in rows
    ]
