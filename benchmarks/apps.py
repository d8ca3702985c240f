from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """National survey data, score recomputation and charts."""

    name = "benchmarks"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import CatalogYear, Dataset, Indicator, ScoreNote

        # Values and scores are bulk data written by imports and runs, recorded by their Dataset/ScoreRun.
        for model in (CatalogYear, Indicator, Dataset, ScoreNote):
            auditlog.register(model, exclude_fields=["progress"])

        from dx_platform.core import home

        from .views.home import home_section

        # Everyone's home ends with where to read the benchmark.
        home.register(40, home_section)
