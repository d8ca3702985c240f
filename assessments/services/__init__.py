"""Writes of the assessments app, one module per subject; the names are re-exported here."""

from .kpi import KpiInput, kpi_reminders_send, kpi_save, measurement_add, measurements_import
from .roadmap import (
    InitiativeInput,
    RoadmapInput,
    baselines_freeze,
    initiative_save,
    milestone_save,
    roadmap_save,
    step_check_set,
)
from .self_assessment import (
    AnswerInput,
    StaleAssessment,
    assessment_import,
    assessment_review,
    assessment_save,
    assessment_start,
    assessment_submit,
    assessments_review_bulk,
    missing_items,
    survey_window_set,
)

__all__ = [
    "AnswerInput",
    "InitiativeInput",
    "RoadmapInput",
    "baselines_freeze",
    "initiative_save",
    "milestone_save",
    "roadmap_save",
    "step_check_set",
    "KpiInput",
    "StaleAssessment",
    "assessment_import",
    "assessment_review",
    "assessment_save",
    "assessment_start",
    "assessment_submit",
    "survey_window_set",
    "assessments_review_bulk",
    "kpi_reminders_send",
    "kpi_save",
    "measurement_add",
    "measurements_import",
    "missing_items",
]
