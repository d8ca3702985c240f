"""Fixtures of the assessment page tests: the home town's FY2026 assessment on a small national dataset."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Assessment

YEAR = 2026


@pytest.fixture
def town(region):
    return region["home"]["town"]


@pytest.fixture
def page(town) -> str:
    return f"/assessments/{town.municipality.code}/{YEAR}/"


@pytest.fixture
def draft(national, town, people) -> Assessment:
    return services.assessment_start(municipality=town.municipality, fiscal_year=YEAR, by=people["editor"])
