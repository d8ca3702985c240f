from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """National survey data, score recomputation and charts (next issues)."""

    name = "benchmarks"
