"""Helpers of the joint procurement tests (no tests here): reference populations, a procurement opened
and moved through the services, and who may do what against a procurement led by another prefecture."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.utils import timezone

from community.models import Participant, Procurement
from community.models.procurement import STAGE_ORDER, Stage
from community.selectors.procurement import Sharing
from community.services import procurement as services
from dx_platform.core.fiscal import FiscalYear
from dx_platform.organizations.models import Organization, PopulationRecord

# Against a procurement led by the other prefecture: public-sector staff of any prefecture see it all
# (municipalities of other prefectures may join a joint procurement); partners and people of no
# public body see only its published RFI and tender.
WORKSPACE = {
    "viewer",
    "editor",
    "admin",
    "coordinator",
    "national",
    "staff",
    "other_coordinator",
    "other_admin",
    "other_editor",
}
PUBLISHED_ONLY = {"partner", "outsider"}
LEADS = {"other_coordinator", "staff"}
# The home town's and the other town's editors and administrators; viewers, coordinators, national
# offices and platform staff speak for no municipality.
JOINERS = {"editor": "home", "admin": "home", "other_editor": "other", "other_admin": "other"}
COMMITTERS = {"admin": "home", "other_admin": "other"}

RFI = "窓口業務の電子申請化に関する情報提供を依頼します。"
TENDER = "書かない窓口システムの共同調達について一般競争入札を公告します。"
SPEC = "1. 申請書の自動作成\n2. LGWAN-ASPで提供すること\n3. 住民記録システムと連携すること"


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def set_population(organization: Organization, population: int, as_of: dt.date = dt.date(2024, 1, 1)) -> None:
    PopulationRecord.objects.create(
        municipality=organization.municipality, as_of=as_of, population=population, source="住民基本台帳（テスト）"
    )


def set_populations(region: dict[str, Any]) -> dict[str, int]:
    """Reference populations of the four municipalities (an older figure of the home town too)."""
    figures = {"home town": 10_000, "home city": 30_000, "other town": 20_000, "other city": 60_000}
    set_population(region["home"]["town"], 9_000, as_of=dt.date(2020, 1, 1))
    for key, population in figures.items():
        side, kind = key.split()
        set_population(region[side][kind], population)
    return figures


def details(**changes: Any) -> services.ProcurementInput:
    given = services.ProcurementInput(
        title="書かない窓口システムの共同調達",
        summary="県内の市町村で書かない窓口のシステムを共同で調達します。",
        category="window",
        area="",
        indicators=[],
        model=Procurement.Model.SHARED_SPECIFICATION,
        customisation_rules="共通仕様からの個別カスタマイズは行わない。",
        join_until=in_days(30),
        commit_until=in_days(60),
        specification_shareable=True,
        subsidy="デジタル田園都市国家構想交付金",
        rfi_text=RFI,
        tender_text=TENDER,
    )
    return replace(given, **changes)


def sharing(**changes: Any) -> Sharing:
    return replace(Sharing(total_cost_yen=9_000_000, sharing_rule=Procurement.SharingRule.POPULATION), **changes)


def open_procurement(lead: Organization, by: Any, share: Sharing | None = None, **changes: Any) -> Procurement:
    return services.procurement_create(lead=lead, given=details(**changes), sharing=share or sharing(), by=by)


def seat(volume: float | None = 100.0, staff: int | None = 5, constraints: str = "") -> services.SeatInput:
    return services.SeatInput(expected_volume=volume, staff=staff, constraints=constraints)


def commitment(**changes: Any) -> services.CommitmentInput:
    given = services.CommitmentInput(
        department_approval=Participant.Approval.APPROVED,
        mayor_approval=Participant.Approval.APPROVED,
        council_approval=Participant.Approval.PENDING,
        budget=Participant.Budget.INITIAL,
        budget_fiscal_year=FiscalYear.current().year + 1,
    )
    return replace(given, **changes)


AWARD = {"awarded_to": "デモ窓口株式会社", "contract_amount_yen": 8_400_000, "contract_on": dt.date(2026, 4, 1)}


def move_to(procurement: Procurement, stage: str, by: Any) -> Procurement:
    """Step by step to `stage` through the services (adding the specification draft the way needs)."""
    procurement.refresh_from_db()
    while procurement.stage != stage:
        following = STAGE_ORDER[STAGE_ORDER.index(procurement.stage) + 1]
        if following == Stage.COST_SHARING and not procurement.specifications.exists():
            services.specification_add(procurement=procurement, text=SPEC, note="初版", by=by)
        award = services.Award(awarded_partner=None, **AWARD) if following == Stage.AWARDED else None
        procurement = services.procurement_move(procurement=procurement, to_stage=following, by=by, award=award)
    return procurement
