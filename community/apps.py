from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Practice cases, needs and GovTech solutions, joint procurement, discussion and search."""

    name = "community"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        # Who changed what, when: the author bodies' managers read it in the audit log.
        for model in (
            models.PracticeCase,
            models.Need,
            models.Solution,
            models.SolutionReference,
            models.Proposal,
            models.Procurement,
            models.Participant,
        ):
            auditlog.register(model)
