"""Fixed content for roadmaps: the self-check of 総務省「自治体DX全体手順書」 and the templates.

The steps and checks are summarised from 総務省「自治体デジタル・トランスフォーメーション（DX）推進のための
全体手順書」 (第1.0版 2021-07; 第2.0版 2022-09), which orders the work as step 0 (shared awareness),
1 (overall policy), 2 (structure) and 3 (execution). The template items are the priority items
(重点取組事項) of 総務省「自治体デジタル・トランスフォーメーション（DX）推進計画」 (第3.0版, 2024-04).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    items: tuple[tuple[str, str], ...]  # (code, text)


STEPS = (
    Step(
        0,
        "ステップ0　DXの認識共有・機運醸成",
        (
            ("s0.leaders", "首長・幹部がDXの必要性を認識し、庁内で共有している"),
            ("s0.momentum", "研修や勉強会で職員の機運を高めている"),
        ),
    ),
    Step(
        1,
        "ステップ1　全体方針の決定",
        (
            ("s1.vision", "DXで目指す姿（ビジョン）を決めている"),
            ("s1.roadmap", "取組の全体像と工程表を決めている"),
            ("s1.published", "全体方針を庁内外に示している"),
        ),
    ),
    Step(
        2,
        "ステップ2　推進体制の整備",
        (
            ("s2.cio", "CIO（最高情報責任者）を任命している"),
            ("s2.unit", "DXを担う部署・横断的な体制がある"),
            ("s2.talent", "外部デジタル人材を確保・活用している"),
            ("s2.training", "職員の育成に取り組んでいる"),
        ),
    ),
    Step(
        3,
        "ステップ3　DXの取組の実行",
        (
            ("s3.bpr", "業務の見直し（BPR）と合わせてデジタル化している"),
            ("s3.kpi", "KPI等で進捗を測り、取組を見直している"),
            ("s3.voice", "住民・職員の声を取組に反映している"),
        ),
    ),
)
STEP_ITEMS = {code for step in STEPS for code, _text in step.items}


@dataclass(frozen=True)
class TemplateItem:
    title: str
    area: str
    start_month: int  # months after the roadmap starts
    months: int


TEMPLATES = {
    "plan": (
        _("Priority items of the national DX promotion plan"),
        (
            TemplateItem("自治体フロントヤード改革の推進（書かないワンストップ窓口等）", "online_lifeevent", 0, 24),
            TemplateItem("自治体情報システムの標準化・共通化", "service", 0, 24),
            TemplateItem("公金収納におけるeLTAXの活用", "online_volume", 6, 12),
            TemplateItem("マイナンバーカードの普及促進・利用の推進", "mynumber", 0, 12),
            TemplateItem("セキュリティ対策の徹底", "improvement", 0, 12),
            TemplateItem("自治体のAI・RPAの利用推進", "service", 6, 18),
            TemplateItem("テレワークの推進", "service", 12, 12),
        ),
    ),
    "steps": (
        _("The four steps of the overall procedure guide"),
        (
            TemplateItem("ステップ0　DXの認識共有・機運醸成", "system", 0, 3),
            TemplateItem("ステップ1　全体方針の決定", "system", 3, 6),
            TemplateItem("ステップ2　推進体制の整備", "system", 6, 6),
            TemplateItem("ステップ3　DXの取組の実行", "system", 12, 24),
        ),
    ),
}
