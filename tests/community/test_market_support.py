"""Helpers of the market and discussion tests (no tests here): needs, solutions and proposals written
through the services (every role: tests/community/test_cases_support.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.utils import timezone

from community.models import Need, Proposal, Solution
from community.services import market as services
from dx_platform.organizations.models import Organization


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def need_input(**changes: Any) -> services.NeedInput:
    given = services.NeedInput(
        title="窓口での申請書作成の負担を減らしたい",
        problem="住民が窓口で同じ内容を何枚もの申請書に書いている。",
        category="window",
        deadline=in_days(30),
    )
    return replace(given, **changes)


def post_need(organization: Organization, by: Any, **changes: Any) -> Need:
    return services.need_save(organization=organization, given=need_input(**changes), by=by)


def solution_input(**changes: Any) -> services.SolutionInput:
    given = services.SolutionInput(
        title="かんたん窓口クラウド",
        description="聞き取りから申請書を作る窓口支援システム。",
        category="window",
        pricing=Solution.Pricing.SUBSCRIPTION,
        deployment=Solution.Deployment.LGWAN_ASP,
        status=Solution.Status.PUBLISHED,
        lgwan_asp=True,
    )
    return replace(given, **changes)


def list_solution(organization: Organization, by: Any, **changes: Any) -> Solution:
    return services.solution_save(organization=organization, given=solution_input(**changes), by=by)


def propose(need: Need, organization: Organization, by: Any, **changes: Any) -> Proposal:
    given = replace(services.ProposalInput(summary="月額で導入でき、三か月で稼働します。"), **changes)
    return services.proposal_submit(need=need, organization=organization, given=given, by=by)
