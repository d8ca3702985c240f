from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    """The prefecture coordinator's workspace: dashboard, support cases, specialists, shared goals, reports."""

    name = "coordination"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from dx_platform.core.concurrency import VERSION_FIELDS

        from .models import Dispatch, SharedGoal, Specialist, SupportActivity, SupportCase

        for model in (SupportActivity, Specialist, Dispatch):
            auditlog.register(model)
        auditlog.register(SupportCase, exclude_fields=VERSION_FIELDS)
        auditlog.register(SharedGoal, exclude_fields=VERSION_FIELDS)

        from dx_platform.core import home

        from .views.home import home_section

        # A coordinator's home leads with the prefecture's dashboard and this week's list.
        home.register(20, home_section)
