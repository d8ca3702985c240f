from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    """The prefecture coordinator's workspace: dashboard, support cases, specialists, shared goals, reports."""

    name = "coordination"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Dispatch, SharedGoal, Specialist, SupportActivity, SupportCase

        for model in (SupportCase, SupportActivity, Specialist, Dispatch, SharedGoal):
            auditlog.register(model)

        from dx_platform.core import home

        from .views.home import home_section

        # A coordinator's home leads with the prefecture's dashboard and this week's list.
        home.register(20, home_section)
