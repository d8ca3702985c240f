from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dx_platform.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import User

        # Credentials and login bookkeeping are not business changes worth auditing.
        auditlog.register(User, exclude_fields=["password", "last_login"])
