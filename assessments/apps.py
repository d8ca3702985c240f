from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """Self-assessments, KPIs and roadmaps of municipalities (next issues)."""

    name = "assessments"
