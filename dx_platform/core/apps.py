from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dx_platform.core"
    label = "core"
    verbose_name = "Core"
