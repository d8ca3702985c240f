from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Practice cases, needs and GovTech solutions, joint procurement, discussion and search."""

    name = "community"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from dx_platform.core.concurrency import VERSION_FIELDS

        from . import models

        # Who changed what, when: the author bodies' managers read it in the audit log. Of a practice case
        # only who may read it is logged: a draft's or an embargoed case's text is not for the prefecture's
        # coordinators, who manage the town's members and so read its log.
        auditlog.register(
            models.PracticeCase, include_fields=["status", "audience", "anonymous", "embargo_until", "published_at"]
        )
        for model in (
            models.Need,
            models.Solution,
            models.SolutionReference,
            models.Proposal,
            models.Participant,
        ):
            auditlog.register(model)
        auditlog.register(models.Procurement, exclude_fields=VERSION_FIELDS)

        from dx_platform.core import home

        from .views.home import home_section

        # A partner's home leads with the needs open for proposals.
        home.register(30, home_section)
