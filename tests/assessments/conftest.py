"""Fixtures of the assessment page tests: the home town's FY2026 assessment on a small national dataset."""

from __future__ import annotations

from typing import Any

import pytest

from assessments import services
from assessments.models import Assessment
from tests.assessments import load_catalog, national_dataset, other_prefecture_people

YEAR = 2026


@pytest.fixture
def everyone(region, people) -> dict[str, Any]:
    """Every role of the home prefecture and the other prefecture's coordinator, admin and editor."""
    return {**people, **other_prefecture_people(region)}


@pytest.fixture
def national(region, django_capture_on_commit_callbacks):
    load_catalog()
    return national_dataset(region, django_capture_on_commit_callbacks)


@pytest.fixture
def town(region):
    return region["home"]["town"]


@pytest.fixture
def page(town) -> str:
    return f"/assessments/{town.municipality.code}/{YEAR}/"


@pytest.fixture
def draft(national, town, people) -> Assessment:
    return services.assessment_start(municipality=town.municipality, fiscal_year=YEAR, by=people["editor"])
