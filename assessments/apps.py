from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """Self-assessments of municipalities, reviewed by their prefecture."""

    name = "assessments"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from dx_platform.core.concurrency import VERSION_FIELDS

        from .models import Answer, Assessment, Initiative, Kpi, Measurement, Milestone, Roadmap, SurveyWindow

        # Every change is kept: who, when, old → new (shown as the assessment's history).
        auditlog.register(Assessment)
        auditlog.register(Answer, exclude_fields=["updated_at", "revision"])
        auditlog.register(Kpi, exclude_fields=["reminded_for", *VERSION_FIELDS])
        auditlog.register(Measurement)
        auditlog.register(SurveyWindow, exclude_fields=["updated_at"])
        for model in (Roadmap, Initiative, Milestone):
            auditlog.register(model, exclude_fields=VERSION_FIELDS)

        from dx_platform.core import home

        from .views.home import home_section

        # A municipality member's home leads with this year's self-assessment.
        home.register(10, home_section)
