from django.apps import AppConfig


class CommunityConfig(AppConfig):
    """Practice cases, GovTech solutions and joint procurement (next issues)."""

    name = "community"
