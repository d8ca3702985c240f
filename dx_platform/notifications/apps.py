from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dx_platform.notifications"
    label = "notifications"
    verbose_name = "Notifications"
