"""The prefecture dashboard answers with the same number of queries for a prefecture of two municipalities
and for one of 179 (北海道's count), scores, assessments, KPIs, roadmaps and support cases included."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, Measurement
from coordination import selectors
from dx_platform.accounts.models import User
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Municipality, Organization, Role
from tests.assessments import load_catalog
from tests.coordination.conftest import (
    add_municipalities,
    import_survey,
    make_initiative,
    make_kpi,
    make_specialist,
    raise_case,
    survey_answers,
)
from tests.factories import MembershipFactory, PrefectureFactory, UserFactory

pytestmark = pytest.mark.django_db


def give_health(organizations) -> None:
    """An assessment, a measured and an unmeasured KPI, a late roadmap item and a support case for each."""
    today = timezone.localdate()
    for organization in organizations:
        municipality = organization.municipality
        Assessment.objects.create(municipality=municipality, fiscal_year=FiscalYear.current().year)
        kpi = make_kpi(municipality, baseline_date=today - dt.timedelta(days=200))
        Measurement.objects.create(kpi=kpi, measured_on=today - dt.timedelta(days=100), value=12.0)
        make_kpi(municipality, name="未測定", baseline_date=today - dt.timedelta(days=120))
        make_initiative(municipality, ends_on=today - dt.timedelta(days=1))
        raise_case(organization, MembershipFactory(organization=organization, role=Role.EDITOR).user)


@pytest.fixture
def hokkaido(region, people, django_capture_on_commit_callbacks):
    """A prefecture of 179 municipalities the home coordinator also coordinates; both prefectures scored
    for FY2023 and FY2021, with health to show for some of their municipalities."""
    load_catalog()
    prefecture = PrefectureFactory(pref_code="01", name="北海道")
    organization = Organization.objects.create(kind=Organization.Kind.PREFECTURE, prefecture=prefecture, name="北海道")
    MembershipFactory(organization=organization, role=Role.COORDINATOR, user=people["coordinator"])
    add_municipalities(prefecture, 179)
    import_survey(survey_answers(), 2023, django_capture_on_commit_callbacks)
    import_survey(survey_answers(year=2021), 2021, django_capture_on_commit_callbacks)
    give_health([region["home"]["town"], region["home"]["city"]])
    give_health(Organization.objects.filter(prefecture=prefecture, kind="municipality")[:20])
    return prefecture


def queries(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured)


def test_the_dashboard_selector_takes_the_same_queries_for_2_and_179_municipalities(hokkaido, home, people):
    def dashboard(prefecture, user):
        board = selectors.prefecture_dashboard(user=user, prefecture=prefecture)
        return [(row.reasons, row.kpis_stale, row.late_items, row.open_cases) for row in board.rows]

    # A fresh user each time: the memberships are read as in a new request.
    first, second = (User.objects.get(pk=people["coordinator"].pk) for _ in range(2))
    small = queries(lambda: dashboard(home["prefecture"].prefecture, first))
    big = queries(lambda: dashboard(hokkaido, second))
    assert small == big == 20
    assert len(dashboard(hokkaido, second)) == 179


def test_the_dashboard_page_takes_the_same_queries_for_2_and_179_municipalities(client, hokkaido, people):
    client.force_login(people["coordinator"])
    client.get("/coordination/20/")  # templates and the map's outline are read once
    client.get("/coordination/01/")
    small = queries(lambda: client.get("/coordination/20/"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/coordination/01/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 179
    assert len(captured) == small, "\n".join(q["sql"] for q in captured.captured_queries)


@pytest.fixture
def pool_of_two(db):
    """The real reference data (鳥取県 has 19 municipalities, 北海道 179) and one coordinator of both, whose
    pools each hold specialists serving every municipality."""
    call_command("load_reference_data", stdout=io.StringIO())
    coordinator = UserFactory()
    for pref_code in ("31", "01"):
        organization = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code=pref_code)
        MembershipFactory(organization=organization, role=Role.COORDINATOR, user=coordinator)
        for name in ("山田", "佐藤", "鈴木"):
            specialist = make_specialist(organization.prefecture, f"{name}（{pref_code}）")
            specialist.municipalities.set(Municipality.objects.filter(prefecture=organization.prefecture))
    return coordinator


def test_the_pool_page_takes_the_same_queries_for_19_and_179_municipalities(client, pool_of_two):
    assert Municipality.objects.filter(prefecture__pref_code="31").count() == 19
    assert Municipality.objects.filter(prefecture__pref_code="01").count() == 179
    client.force_login(pool_of_two)
    client.get("/coordination/31/specialists/")  # templates are read once
    with CaptureQueriesContext(connection) as small:
        tottori = client.get("/coordination/31/specialists/")
    with CaptureQueriesContext(connection) as big:
        hokkaido = client.get("/coordination/01/specialists/")
    assert tottori.status_code == hokkaido.status_code == 200
    assert hokkaido.text.count('name="municipalities"') == 179
    assert len(big) == len(small), "\n".join(q["sql"] for q in big.captured_queries)
