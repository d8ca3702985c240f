"""Demo content of the community for `make demo`: practice cases (a success and a failure), a need with a
partner's solution and proposal, and a joint procurement in 長野県 that the demo town joined. All of it is
invented, says so in its title (「デモ」) and text, and is made through the same services the pages use, as
the demo accounts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from benchmarks.models import Indicator
from dx_platform.accounts.models import User
from dx_platform.organizations.demo import DEMO_MUNICIPALITY, DEMO_PARTNER, DEMO_PREFECTURE
from dx_platform.organizations.models import Organization

from .models import PracticeCase
from .selectors.cases import newest_indicators
from .selectors.procurement import Sharing
from .services import cases, market, procurement

# Said in every invented text, so that no one takes it for a real body's work.
NOTE = "（デモ用の架空の内容です。実在の団体の取組ではありません。）"


def demo_user(email: str) -> User:
    """A demo account of seed_demo."""
    return User.objects.get(email=email)


def _items(*codes: str) -> list[Indicator]:
    return list(newest_indicators().filter(code__in=codes))


def community_demo_seed() -> bool:
    """Create the community's demo content once (False if it is already there); needs seed_demo and the
    catalog."""
    if PracticeCase.objects.filter(title__endswith="（デモ）").exists():
        return False
    today = timezone.localdate()
    editor, coordinator = demo_user("editor@chiiki-dx.example"), demo_user("coordinator@chiiki-dx.example")
    partner_user = demo_user("partner@chiiki-dx.example")
    town_org = Organization.objects.get(municipality__code=DEMO_MUNICIPALITY)
    prefecture_org = Organization.objects.get(kind=Organization.Kind.PREFECTURE, prefecture__pref_code=DEMO_PREFECTURE)
    partner = Organization.objects.get(name=DEMO_PARTNER)
    published_cases = (
        cases.CaseInput(
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
        cases.CaseInput(
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
    )
    with transaction.atomic():
        for given in published_cases:
            case = cases.practice_case_save(organization=town_org, given=given, by=editor)
            cases.practice_case_publish(case=case, by=editor)
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
    return True
