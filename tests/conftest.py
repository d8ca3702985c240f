"""Shared fixtures: reference data, organisations and users of every role."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from dx_platform.organizations.models import Organization, Role
from tests.assessments import load_catalog, national_dataset, other_prefecture_people
from tests.factories import MembershipFactory, MunicipalityFactory, PrefectureFactory, UserFactory

# Property tests check what they assert, not how fast the machine is: no deadline, no "too slow" health
# check (a loaded CI machine tripped both; the examples drawn stay the same).
hypothesis_settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("project")


@pytest.fixture
def en_client(client):
    """A client that asks for English pages, for assertions on wording."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # allauth's rate limits live in the cache; each test starts with none counted.
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A page served in English leaves English active in the thread (LocaleMiddleware activates the
    # request's language and never deactivates it): the next test's messages would come out in English.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path) -> None:
    # Each test saves its files in a folder of its own: a file left by another test would take the name
    # this one expects (Django then adds a suffix) or show up in what it counts.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def region(db):
    """Two prefectures, each with a town and a city, and their organisations."""
    data = {}
    for key, pref_code in (("home", "20"), ("other", "29")):
        prefecture = PrefectureFactory(pref_code=pref_code)
        town = MunicipalityFactory(prefecture=prefecture, kind="town", size_class="town")
        city = MunicipalityFactory(prefecture=prefecture, kind="city", size_class="small")
        data[key] = {
            "prefecture": Organization.objects.create(
                kind=Organization.Kind.PREFECTURE, prefecture=prefecture, name=prefecture.name
            ),
            "town": Organization.objects.create(
                kind=Organization.Kind.MUNICIPALITY,
                prefecture=prefecture,
                municipality=town,
                name=f"{prefecture.name}{town.name}",
            ),
            "city": Organization.objects.create(
                kind=Organization.Kind.MUNICIPALITY,
                prefecture=prefecture,
                municipality=city,
                name=f"{prefecture.name}{city.name}",
            ),
        }
    data["partner"] = Organization.objects.create(
        kind=Organization.Kind.PARTNER, name="GovTech株式会社", partner_category="govtech"
    )
    data["other_partner"] = Organization.objects.create(
        kind=Organization.Kind.PARTNER, name="Other NPO", partner_category="npo"
    )
    data["national"] = Organization.objects.create(kind=Organization.Kind.NATIONAL, name="国の機関")
    return data


@pytest.fixture
def people(region):
    """One user per role, all in the "home" prefecture (or its town), plus platform staff."""
    home = region["home"]
    users = {
        "viewer": MembershipFactory(organization=home["town"], role=Role.VIEWER).user,
        "editor": MembershipFactory(organization=home["town"], role=Role.EDITOR).user,
        "admin": MembershipFactory(organization=home["town"], role=Role.ADMIN).user,
        "coordinator": MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user,
        "partner": MembershipFactory(organization=region["partner"], role=Role.PARTNER).user,
        "national": MembershipFactory(organization=region["national"], role=Role.VIEWER).user,
        "staff": UserFactory(is_staff=True),
        "outsider": UserFactory(),
    }
    return users


@pytest.fixture
def everyone(region, people):
    """Every role of the home prefecture, platform staff, and the other prefecture's coordinator, admin and
    editor (the roles of tests.assessments.EVERYONE)."""
    return {**people, **other_prefecture_people(region)}


@pytest.fixture
def national(region, django_capture_on_commit_callbacks):
    """A small scored FY2023 national dataset of every municipality (tests.assessments.national_dataset)."""
    load_catalog()
    return national_dataset(region, django_capture_on_commit_callbacks)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "stack: starts the production-like stack (gunicorn, workers, beat on PostgreSQL and Redis); minutes"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The stack test's figures (tests/stack) at the end of the run, also from an xdist worker."""
    for report in [*terminalreporter.stats.get("passed", []), *terminalreporter.stats.get("failed", [])]:
        for name, value in getattr(report, "user_properties", []):
            if name == "stack figures":
                terminalreporter.write_sep("-", "production-like stack (make stack)")
                terminalreporter.write_line(str(value))
