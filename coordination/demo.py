"""Demo content for `make demo`: practice cases, a need and a solution, a joint procurement, the specialist
pool, a support case and a shared goal in 長野県. All of it is invented, says so in its title
(「デモ」) and text, and is made through the same services the pages use, as the demo accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from benchmarks.models import Indicator
from benchmarks.selectors import catalog_for
from community.models import PracticeCase
from community.selectors.procurement import Sharing
from community.services import cases, market, procurement
from dx_platform.accounts.models import User
from dx_platform.organizations.demo import DEMO_PARTNER, DEMO_PREFECTURE
from dx_platform.organizations.models import Municipality, Organization, Prefecture

from . import services

NOTE = "（デモ用の架空の内容です。実在の団体の取組ではありません。）"


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _items(*codes: str) -> list[Indicator]:
    catalog = catalog_for()
    return list(catalog.indicators.filter(code__in=codes)) if catalog else []


def demo_content_seed() -> bool:
    """Create the demo content once (False if it is already there); needs seed_demo and the catalog."""
    if PracticeCase.objects.filter(title__endswith="（デモ）").exists():
        return False
    today = timezone.localdate()
    editor, admin = _user("editor@chiiki-dx.example"), _user("admin@chiiki-dx.example")
    coordinator, partner_user = _user("coordinator@chiiki-dx.example"), _user("partner@chiiki-dx.example")
    prefecture = Prefecture.objects.get(pref_code=DEMO_PREFECTURE)
    town_org = Organization.objects.get(municipality__code="205419")
    prefecture_org = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture=prefecture)
    partner = Organization.objects.get(name=DEMO_PARTNER)
    with transaction.atomic():
        ocr = cases.practice_case_save(
            organization=town_org,
            given=cases.CaseInput(
                title="AI-OCRで紙の申請書の入力を自動化（デモ）",
                problem="窓口で受けた紙の申請書を職員が手で入力し、繁忙期には残業が続いていた。" + NOTE,
                what_was_done="AI-OCRとRPAを組み合わせ、読み取りから基幹システムへの登録までを自動化した。",
                outcome=PracticeCase.Outcome.SUCCESS,
                tools="AI-OCR（LGWAN-ASP）、RPA",
                cost_yen=1_800_000,
                people="担当課2名、情報政策担当1名",
                outcomes="入力にかかる時間が1件あたり約95分から約22分に減った。",
                lessons="帳票を読み取りやすい様式に直してから導入すると精度が上がる。",
                would_do_again=PracticeCase.Again.YES,
                area="service",
                indicators=_items("service.ai", "service.rpa"),
                metrics=[cases.MetricInput("1件あたりの入力時間", 95, 22, "分")],
            ),
            by=editor,
        )
        cases.practice_case_publish(case=ocr, by=editor)
        failure = cases.practice_case_save(
            organization=town_org,
            given=cases.CaseInput(
                title="RPAを導入したが定着しなかった事例（デモ）",
                problem="定型業務の省力化を狙ってRPAを導入したが、半年で使われなくなった。" + NOTE,
                what_was_done="外部委託でシナリオを作成し、担当課に引き渡した。",
                outcome=PracticeCase.Outcome.FAILURE,
                what_did_not_work="業務の手順が課ごとに違い、シナリオの修正を職員ができなかった。",
                lessons="業務の標準化を先に行い、職員がシナリオを直せるよう研修を組み込む。",
                would_do_again=PracticeCase.Again.WITH_CHANGES,
                area="service",
                indicators=_items("service.rpa"),
                audience="everyone",
            ),
            by=editor,
        )
        cases.practice_case_publish(case=failure, by=editor)
        need = market.need_save(
            organization=town_org,
            given=market.NeedInput(
                title="書かない窓口を小さな町でも導入したい（デモ）",
                problem="窓口で住民が何枚も申請書を書く手間を減らしたい。" + NOTE,
                category="window",
                deadline=today + dt.timedelta(days=60),
                area="online_lifeevent",
                constraints="LGWAN環境で動くこと。職員数が少ないため運用が簡単なこと。",
                budget_band="1m_5m",
            ),
            by=editor,
        )
        solution = market.solution_save(
            organization=partner,
            given=market.SolutionInput(
                title="かんたん窓口クラウド（デモ）",
                description="申請書を書かずに済む窓口支援サービス。" + NOTE,
                category="window",
                pricing="subscription",
                deployment="lgwan_asp",
                status="published",
                lgwan_asp=True,
            ),
            by=partner_user,
        )
        market.proposal_submit(
            need=need,
            organization=partner,
            given=market.ProposalInput(summary="LGWAN-ASPで3か月で導入できます。" + NOTE, solution=solution),
            by=partner_user,
        )
        joint = procurement.procurement_create(
            lead=prefecture_org,
            given=procurement.ProcurementInput(
                title="電子申請システムの共同調達（デモ）",
                summary="県内の町村で電子申請システムを共同で調達する。" + NOTE,
                category="e_application",
                area="online_lifeevent",
                indicators=_items("online_lifeevent.01"),
                model="one_saas",
                customisation_rules="画面や帳票の独自改修は行わず、設定の範囲で対応する。",
                join_until=today + dt.timedelta(days=45),
                commit_until=today + dt.timedelta(days=120),
                specification_shareable=True,
                subsidy="デジタル田園都市国家構想交付金（想定）",
                rfi_text="電子申請システムの提供について情報提供を求めます。" + NOTE,
            ),
            sharing=Sharing(total_cost_yen=12_000_000, sharing_rule="population"),
            by=coordinator,
        )
        procurement.participant_join(
            procurement=joint,
            organization=town_org,
            given=procurement.SeatInput(
                expected_volume=1200, staff=120, constraints="既存の住民記録システムと連携したい"
            ),
            by=editor,
        )
        procurement.procurement_move(procurement=joint, to_stage="rfi", by=coordinator)
        municipality = Municipality.objects.get(code="205419")
        specialist = services.specialist_save(
            prefecture=prefecture,
            given=services.SpecialistInput(
                name="デジタル 太郎（デモ）",
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
        goal = services.shared_goal_save(
            prefecture=prefecture,
            given=services.GoalInput(
                title="全市町村で子育て関係の手続をオンライン化（デモ）",
                description="県と市町村の共同目標（大分県の例にならった架空の目標）。" + NOTE,
                indicators=_items("online_lifeevent.01", "online_lifeevent.02"),
                target_date=dt.date(today.year + 1, 3, 31),
            ),
            by=coordinator,
        )
        services.goal_milestone_set(
            goal=goal, municipality=municipality, due_on=goal.target_date - dt.timedelta(days=90), note="", by=admin
        )
    return True
