"""The area rates the assessment form shows while one answers (static/js/assessment.js) follow the benchmark
method's rule as benchmarks.scoring.municipality_area_rates computes it: the same answers, the same rates,
and the same words saying what each rate counts as the page renders them (assessments.selectors.area_progress).

The rule is written twice, in JavaScript for the live form and in pandas for the scores; this test pins the
two together. Its answers make every part of the rule show, so changing either copy alone fails it.
"""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.models import Answer
from benchmarks import scoring
from benchmarks.models import Indicator
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

# Answers by item code (the FY2023 catalog), as the form's fields take them.
ANSWERS = {
    # Yes/no items: the share of the answered scored ones is 2 of 3; the unscored reference item and
    # the four unanswered items do not count.
    "system.cio": "1",
    "system.dedicated_unit": "1",
    "system.external_talent": "0",
    "system.all_staff_training": "1",
    # Answered "no" throughout is 0%, not "no rate".
    "improvement.ciso": "0",
    "improvement.digital_divide": "0",
    # Procedures come before the area's rate item; one not offered ("na") is left out: 1 of 2 online.
    "online_volume.common_32_rate": "26",
    "online_volume.01": "online",
    "online_volume.02": "offline",
    "online_volume.03": "na",
    # No procedure offered: the area's rate item.
    "online_lifeevent.childcare_care_26_rate": "42.5",
    "online_lifeevent.01": "na",
    # An area of rate items only.
    "mynumber.holding_rate": "73.4",
}
# What the benchmark method makes of them ("service" is left unanswered: no rate).
EXPECTED = {
    "system": 200 / 3,
    "service": math.nan,
    "improvement": 0.0,
    "online_volume": 50.0,
    "online_lifeevent": 42.5,
    "mynumber": 73.4,
}

# A save re-renders the whole form (88 items) after a redirect: on a busy machine that takes seconds,
# more than expect's default wait for the page's message.
SAVED = 20_000


@pytest.fixture
def form(region, new_page):
    """A town's editor on the town's blank assessment form (no national data to prefill from)."""
    load_catalog()
    town = region["home"]["town"]
    editor = MembershipFactory(organization=town, role=Role.EDITOR).user
    assessment = services.assessment_start(
        municipality=town.municipality, fiscal_year=FiscalYear.current().year, by=editor
    )
    page = new_page()
    sign_in(page, editor.email)
    page.goto(f"/assessments/{town.municipality.code}/{assessment.fiscal_year}/")
    return page, assessment


def shown_texts(page) -> dict[str, str]:
    return {area: page.locator(f"[data-area-rate='{area}']").inner_text() for area in scoring.AREAS}


def shown_rates(page) -> dict[str, float]:
    """Each area's rate as the form shows it (NaN while the area has no answer)."""
    rates = {}
    for area, text in shown_texts(page).items():
        found = re.search(r"(\d+(?:\.\d+)?)%", text)
        rates[area] = float(found.group(1)) if found else math.nan
    return rates


def method_rates(assessment) -> dict[str, float]:
    """The area rates of benchmarks.scoring for the assessment's saved answers, as the live layer reads them."""
    answers = list(Answer.objects.filter(assessment=assessment).select_related("indicator"))
    code = assessment.municipality.code
    values = scoring.values_frame((code, a.indicator.code, a.value, a.status, "") for a in answers if a.answered)
    catalog = scoring.catalog_frame(
        (a.indicator.code, a.indicator.area, a.indicator.kind, a.indicator.scored, a.indicator.position)
        for a in answers
    )
    row = scoring.municipality_area_rates(values, catalog).loc[code]
    return {area: float(row[area]) for area in scoring.AREAS}


def assert_same(shown: dict[str, float], computed: dict[str, float]) -> None:
    for area in scoring.AREAS:
        if math.isnan(computed[area]):
            assert math.isnan(shown[area]), area
        else:
            # The form shows one decimal.
            assert shown[area] == pytest.approx(computed[area], abs=0.05 + 1e-9), area


def test_the_forms_area_rates_are_the_benchmark_methods(form):
    page, assessment = form
    assert all(math.isnan(rate) for rate in shown_rates(page).values())

    assert shown_texts(page)["system"] == "まだ回答がありません"

    answers = {a.indicator.code: a for a in Answer.objects.filter(assessment=assessment).select_related("indicator")}
    index = page.get_by_role("navigation", name="調査の領域")
    for code, value in ANSWERS.items():
        # One area at a time: the index opens the item's area.
        index.locator(f"[data-section-link='{answers[code].indicator.area}']").click()
        if answers[code].indicator.kind == Indicator.Kind.RATE:
            page.locator(f"[name='v:{code}']").fill(value)
        else:
            page.locator(f"[name='v:{code}'][value='{value}']").check()
    # The form recomputes on every change; the last answer's area has a rate once it has caught up.
    expect(page.locator("[data-area-rate='mynumber']")).to_contain_text("%")
    live, live_texts = shown_rates(page), shown_texts(page)

    page.get_by_role("button", name="下書きを保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("保存しました。", timeout=SAVED)
    computed = method_rates(assessment)
    # As the answers were typed, and as the saved form shows them again, in the same words.
    assert_same(live, computed)
    assert_same(shown_rates(page), computed)
    assert shown_texts(page) == live_texts
    # And the answers did make every part of the rule count.
    assert computed == pytest.approx(EXPECTED, nan_ok=True)

    # Each rate says what it counts: never a bare 100 % from one answer of many.
    def of(area: str, kind: str) -> int:
        return sum(
            a.indicator.scored and (a.indicator.area, a.indicator.kind) == (area, kind) for a in answers.values()
        )

    procedures, yes_no = of("online_volume", "procedure"), of("improvement", "boolean")
    assert live_texts["online_volume"] == f"3 / {procedures} 件回答 · 回答分のオンライン化率 50.0%"
    assert live_texts["improvement"] == f"2 / {yes_no} 件回答 · 回答分の実施率 0.0%"
