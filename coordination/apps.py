from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    """The prefecture coordinator's workspace: dashboard, support cases, specialists, shared goals, reports."""

    name = "coordination"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Dispatch, SharedGoal, Specialist, SupportActivity, SupportCase

        for model in (SupportCase, SupportActivity, Specialist, Dispatch, SharedGoal):
            auditlog.register(model)
