"""Fixtures of the benchmark tests: the real reference data and catalog, once for a module."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.core.management import call_command

from benchmarks.models import CatalogYear, Dataset, Indicator
from dx_platform.organizations.models import Municipality, Organization, PopulationRecord, Prefecture


@pytest.fixture(scope="module")
def _national(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Load the real reference data and catalog for a module; remove them afterwards.

    The real 1,741 municipalities and the catalog take about a second to load, so a module loads them once;
    each test still runs in its own rolled-back transaction on top of them."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
        call_command("load_catalog", stdout=StringIO())
    try:
        yield
    finally:
        with django_db_blocker.unblock(), disable_auditlog():
            # Datasets a module committed on top (with their values and runs) would keep the rest.
            Dataset.objects.all().delete()
            Indicator.objects.all().delete()
            CatalogYear.objects.all().delete()
            Organization.objects.all().delete()
            PopulationRecord.objects.all().delete()
            Municipality.objects.all().delete()
            Prefecture.objects.all().delete()
            LogEntry.objects.all().delete()
