from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "dx_platform.organizations"
    label = "organizations"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        for model in (
            models.Prefecture,
            models.Municipality,
            models.PopulationRecord,
            models.Organization,
            models.Membership,
            models.Invitation,
        ):
            auditlog.register(model)
