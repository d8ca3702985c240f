"""Fixtures of the community tests: every role by the name these tests use, the home town, a need of it and
the reference populations of the four municipalities."""

from __future__ import annotations

import pytest

from tests.community.test_market_support import post_need
from tests.community.test_procurement_support import set_populations


@pytest.fixture
def users(everyone):
    """Every role (the shared `everyone`)."""
    return everyone


@pytest.fixture
def town(region):
    return region["home"]["town"]


@pytest.fixture
def need(town, people):
    """A need of the home town, posted by its editor."""
    return post_need(town, people["editor"])


@pytest.fixture
def populations(region):
    return set_populations(region)
