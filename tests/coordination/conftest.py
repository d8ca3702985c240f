"""Fixtures of the coordination tests: every role of both prefectures, a small scored national dataset,
a specialist pool in each prefecture and a support case of the home town."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation

from assessments.models import Initiative, Kpi, Roadmap
from assessments.services import survey_window_set
from benchmarks.models import Dataset, Indicator
from benchmarks.services.imports import dataset_import
from coordination import services
from coordination.models import CouncilReport, Specialist, SupportCase
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Municipality, Organization, Role
from tests.assessments import EVERYONE as SHARED_ROLES
from tests.benchmarks.support import long_csv
from tests.factories import MembershipFactory, MunicipalityFactory


@pytest.fixture(autouse=True)
def fresh_municipality_codes() -> None:
    """Municipality codes from the factory's start in every test: its three digits wrap after 1,000 made in
    one process, and a wrap inside a test puts a later municipality's code before an earlier one's."""
    MunicipalityFactory.reset_sequence()


@pytest.fixture
def everyone(everyone, region) -> dict[str, Any]:
    """Every role of the shared fixture and a partner engineer who is in the home pool with an account
    (`pooled`)."""
    pooled = MembershipFactory(organization=region["other_partner"], role=Role.PARTNER).user
    return {**everyone, "pooled": pooled}


@pytest.fixture
def home(region):
    return region["home"]


@pytest.fixture
def town(home):
    return home["town"].municipality


def make_specialist(prefecture: Any, name: str, days: str = "4", skills: tuple[str, ...] = ("system",), **fields: Any):
    specialist = Specialist.objects.create(
        prefecture=prefecture,
        name=name,
        kind=fields.pop("kind", Specialist.Kind.EXTERNAL),
        skills=list(skills),
        days_per_month=Decimal(days),
        **fields,
    )
    return specialist


@pytest.fixture
def specialist(region, everyone) -> Specialist:
    """The home pool's partner engineer, who has a platform account."""
    return make_specialist(
        region["home"]["prefecture"].prefecture,
        "佐藤 技師",
        kind=Specialist.Kind.PARTNER_ENGINEER,
        affiliation="Other NPO",
        user=everyone["pooled"],
    )


@pytest.fixture
def their_specialist(region) -> Specialist:
    return make_specialist(region["other"]["prefecture"].prefecture, "他県 人材")


def request(**changes: Any) -> services.SupportRequest:
    fields = {
        "topic": "CIOの任命",
        "skill": "system",
        "indicator": None,
        "urgency": SupportCase.Urgency.NORMAL,
        "description": "CIO補佐官の人選を相談したい。",
    }
    return services.SupportRequest(**(fields | changes))


def raise_case(organization: Any, by: Any, **changes: Any) -> SupportCase:
    return services.support_case_raise(municipality=organization.municipality, given=request(**changes), by=by)


@pytest.fixture
def case(home, people) -> SupportCase:
    """The home town's request for support, raised by its editor."""
    return raise_case(home["town"], people["editor"])


@pytest.fixture
def their_case(region, everyone) -> SupportCase:
    return raise_case(region["other"]["town"], everyone["other_editor"], topic="他県の相談")


# The roles of `everyone`, and who of them may do what with the other prefecture's objects (`theirs`).
EVERYONE = (*SHARED_ROLES, "pooled")
# Of the other prefecture: who runs its workspace, who belongs to its town, who is its pool's engineer.
COORDINATORS = {"other_coordinator", "staff"}
MEMBERS = {"other_admin", "other_editor"}
RAISERS = MEMBERS | COORDINATORS  # the municipality asks, or its prefecture opens a case for it
CASE_READERS = COORDINATORS | MEMBERS | {"pooled"}
LOGGERS = COORDINATORS | {"pooled"}


def expect(who: str, allowed: set[str], ok: int = 200, refused: int = 404) -> int:
    """The status a role gets: `ok` if it is among those `allowed`, else `refused`."""
    return ok if who in allowed else refused


@pytest.fixture
def theirs(region, everyone, national, django_capture_on_commit_callbacks):
    """The other prefecture's objects: its town's case, assigned to its pool's engineer who has an account
    (`pooled`) and visited once; a second case assigned to nobody; a goal; a finished council report; this
    fiscal year's survey window."""
    other = region["other"]
    coordinator = everyone["other_coordinator"]
    engineer = make_specialist(other["prefecture"].prefecture, "他県 技師", user=everyone["pooled"])
    case = raise_case(other["town"], everyone["other_editor"], topic="他県町の相談")
    services.support_case_assign(case=case, specialist=engineer, by=coordinator)
    given = services.ActivityInput("visit", timezone.localdate(), "企画課", Decimal(1), "", "", None)
    services.support_activity_log(case=case, given=given, by=coordinator)
    unassigned = raise_case(other["town"], everyone["other_editor"], topic="未割り当ての相談")
    items = list(national.catalog.indicators.filter(code="system.cio"))
    goal = services.shared_goal_save(
        prefecture=other["prefecture"].prefecture,
        given=services.GoalInput("CIOの任命", "", items, timezone.localdate().replace(year=2030)),
        by=coordinator,
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = services.council_report_request(prefecture=other["prefecture"].prefecture, by=coordinator)
    report.refresh_from_db()
    assert report.status == CouncilReport.Status.DONE
    year = FiscalYear.current()
    window = survey_window_set(
        prefecture=other["prefecture"].prefecture,
        fiscal_year=year.year,
        opens_on=year.start,
        closes_on=year.end,
        by=coordinator,
    )
    return {
        "prefecture": other["prefecture"].prefecture,
        "town": other["town"],
        "case": case,
        "unassigned": unassigned,
        "engineer": engineer,
        "goal": goal,
        "report": report,
        "window": window,
    }


def english(exc: pytest.ExceptionInfo[Any]) -> str:
    """A refusal's messages in English (lazy ones are rendered now)."""
    with translation.override("en"):
        if hasattr(exc.value, "error_dict"):
            return " ".join(
                f"{field}: {message}" for field, errors in exc.value.message_dict.items() for message in errors
            )
        return " ".join(exc.value.messages)


def titles(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


def make_kpi(municipality: Any, **fields: Any) -> Kpi:
    values = {
        "name": "オンライン申請率",
        "unit": "%",
        "direction": Kpi.Direction.UP,
        "baseline_value": 10.0,
        "baseline_date": dt.date(2026, 4, 1),
        "target_value": 50.0,
        "target_date": dt.date(2028, 3, 31),
    }
    return Kpi.objects.create(municipality=municipality, **(values | fields))


def make_initiative(municipality: Any, **fields: Any) -> Initiative:
    roadmap = Roadmap.objects.create(
        municipality=municipality, title="DX推進計画", period_start=dt.date(2026, 4, 1), period_end=dt.date(2029, 3, 31)
    )
    values = {"title": "書かない窓口の導入", "starts_on": dt.date(2026, 4, 1), "ends_on": dt.date(2027, 3, 31)}
    return Initiative.objects.create(roadmap=roadmap, **(values | fields))


def add_municipalities(prefecture: Any, count: int, kind: str = "town", size_class: str = "town") -> list[Any]:
    """`count` more municipalities of the prefecture, each with its organisation (bulk: 179 take no time)."""
    municipalities = MunicipalityFactory.create_batch(count, prefecture=prefecture, kind=kind, size_class=size_class)
    Organization.objects.bulk_create(
        Organization(kind=Organization.Kind.MUNICIPALITY, prefecture=prefecture, municipality=m, name=m.name)
        for m in municipalities
    )
    return municipalities


def import_survey(answers: list[tuple[str, str, str]], year: int, capture_on_commit: Any) -> Dataset:
    """A real dataset of the year from (lg_code, indicator, raw) answers, scored on commit."""
    with capture_on_commit(execute=True):
        outcome = dataset_import(
            data=long_csv(answers, year),
            file_name=f"survey-{year}.csv",
            name=f"全国調査{year}（テスト）",
            source="テスト",
            origin=Dataset.Origin.REAL,
            by=None,
        )
    assert outcome.dataset is not None, outcome
    return outcome.dataset


def survey_answers(overrides: dict[str, dict[str, str]] | None = None, year: int = 2023) -> list[tuple[str, str, str]]:
    """Answers of every municipality in the database to the year's items among a few, varied by its place in
    code order, with `overrides` ({lg_code: {item: raw}}) applied."""
    overrides = overrides or {}
    items = set(Indicator.objects.filter(catalog__fiscal_year=year).values_list("code", flat=True))
    answers = []
    for i, code in enumerate(Municipality.objects.order_by("code").values_list("code", flat=True)):
        raw = {
            "system.cio": str(i % 2),
            "system.policy": str(i // 2 % 2),
            "system.dedicated_unit": str(int(i % 3 == 0)),
            "service.ai": str(int(i % 4 == 0)),
            "online_volume.01": ("online", "offline", "na")[i % 3],
            "mynumber.holding_rate": f"{(40 + 7 * i) % 100}",
        } | overrides.get(code, {})
        answers += [(code, item, value) for item, value in raw.items() if item in items]
    return answers


@pytest.fixture
def city_editor(home):
    return MembershipFactory(organization=home["city"], role=Role.EDITOR).user


def this_year(day: int, hour: int = 9) -> dt.datetime:
    """A moment `day` days into the current fiscal year (day 183 is 1 October), away from its ends: a week
    later is still the same fiscal year whenever the tests run."""
    start = FiscalYear.current().start + dt.timedelta(days=day)
    return dt.datetime.combine(start, dt.time(hour), tzinfo=timezone.get_current_timezone())


def week_after(sent: dt.datetime) -> dt.datetime:
    """Midnight starting the seventh day after `sent`: when the next reminder may go."""
    return dt.datetime.combine(sent.date() + dt.timedelta(days=7), dt.time(), tzinfo=sent.tzinfo)


def past_the_deadline(prefecture: Any, by: Any) -> Any:
    """Set this fiscal year's survey window (deadline 31 January) and give the clock of two weeks after it:
    every municipality that has not submitted is then late."""
    year = FiscalYear.current()
    deadline = dt.date(year.year + 1, 1, 31)
    survey_window_set(prefecture=prefecture, fiscal_year=year.year, opens_on=year.start, closes_on=deadline, by=by)
    later = dt.datetime.combine(deadline + dt.timedelta(days=14), dt.time(9), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(later)
