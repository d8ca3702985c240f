"""Demo content of the coordinator's workspace for `make demo`: the specialist pool, a support case with a
visit and a day of work, the survey window of this fiscal year, and a shared goal with the demo town's own
date, in 長野県. All of it is invented, says so in its title (「デモ」) and text, and is made through the same
services the pages use, as the demo accounts. The community's demo content is community.demo's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments.services import survey_window_set
from community.demo import NOTE, demo_user
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.demo import DEMO_MUNICIPALITY, DEMO_PREFECTURE
from dx_platform.organizations.models import Municipality, Prefecture

from . import selectors, services
from .models import Specialist

DEMO_SPECIALIST = "デジタル 太郎（デモ）"


def coordination_demo_seed() -> bool:
    """Create the workspace's demo content once (False if it is already there); needs seed_demo and the
    catalog."""
    prefecture = Prefecture.objects.get(pref_code=DEMO_PREFECTURE)
    if Specialist.objects.filter(prefecture=prefecture, name=DEMO_SPECIALIST).exists():
        return False
    today = timezone.localdate()
    admin, coordinator = demo_user("admin@chiiki-dx.example"), demo_user("coordinator@chiiki-dx.example")
    editor = demo_user("editor@chiiki-dx.example")
    municipality = Municipality.objects.get(code=DEMO_MUNICIPALITY)
    with transaction.atomic():
        specialist = services.specialist_save(
            prefecture=prefecture,
            given=services.SpecialistInput(
                name=DEMO_SPECIALIST,
                kind="external",
                affiliation="県の外部デジタル人材（デモ）",
                user=None,
                skills=["service", "rpa", "ai_ocr", "online_lifeevent"],
                days_per_month=Decimal(6),
                municipalities=[municipality],
                active=True,
            ),
            by=coordinator,
        )
        case = services.support_case_raise(
            municipality=municipality,
            given=services.SupportRequest(
                topic="電子申請の対象手続を増やしたい（デモ）",
                skill="online_lifeevent",
                indicator=None,
                urgency="normal",
                description="子育て関係の手続をオンライン化したいが、進め方がわからない。" + NOTE,
            ),
            by=editor,
        )
        services.support_case_assign(case=case, specialist=specialist, by=coordinator)
        services.support_activity_log(
            case=case,
            given=services.ActivityInput(
                kind="visit",
                held_on=today - dt.timedelta(days=3),
                attendees="住民課2名、デジタル 太郎（デモ）",
                hours=Decimal(2),
                notes="対象手続の洗い出しを行った。" + NOTE,
                next_action="対象手続の一覧を共有する",
                next_action_due=today + dt.timedelta(days=14),
            ),
            by=coordinator,
        )
        services.dispatch_record(case=case, worked_on=today - dt.timedelta(days=3), days=Decimal(1), by=coordinator)
        # The prefecture's survey window of this fiscal year: answers due by the end of January.
        year = FiscalYear.of(today)
        survey_window_set(
            prefecture=prefecture,
            fiscal_year=year.year,
            opens_on=min(dt.date(year.year, 6, 1), today),
            closes_on=dt.date(year.year + 1, 1, 31),
            by=coordinator,
        )
        goal = services.shared_goal_save(
            prefecture=prefecture,
            given=services.GoalInput(
                title="全市町村で子育て関係の手続をオンライン化（デモ）",
                description="県と市町村の共同目標（大分県の例にならった架空の目標）。" + NOTE,
                indicators=list(selectors.newest_items(code__in=["online_lifeevent.01", "online_lifeevent.02"])),
                target_date=dt.date(today.year + 1, 3, 31),
            ),
            by=coordinator,
        )
        services.goal_milestone_set(
            goal=goal, municipality=municipality, due_on=goal.target_date - dt.timedelta(days=90), note="", by=admin
        )
    return True
