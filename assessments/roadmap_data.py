"""Fixed content for roadmaps: the self-check of 総務省「自治体DX全体手順書」 and the templates.

The steps and checks are summarised from 総務省「自治体デジタル・トランスフォーメーション（DX）推進のための
全体手順書」 (第1.0版 2021-07; 第2.0版 2022-09), which orders the work as step 0 (shared awareness),
1 (overall policy), 2 (structure) and 3 (execution). The template items are the priority items
(重点取組事項) of 総務省「自治体デジタル・トランスフォーメーション（DX）推進計画」 (第3.0版, 2024-04).
総務省 publishes neither document in English: the English texts (`*_en`) are the project's translations.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Check:
    code: str
    text_ja: str
    text_en: str


@dataclass(frozen=True)
class Step:
    number: int
    title_ja: str
    title_en: str
    items: tuple[Check, ...]


STEPS = (
    Step(
        0,
        "ステップ0　DXの認識共有・機運醸成",
        "Step 0: a shared understanding of DX and the momentum for it",
        (
            Check(
                "s0.leaders",
                "首長・幹部がDXの必要性を認識し、庁内で共有している",
                "The mayor and senior officials see the need for DX and share it across the office",
            ),
            Check(
                "s0.momentum",
                "研修や勉強会で職員の機運を高めている",
                "Training and study sessions build the staff's momentum",
            ),
        ),
    ),
    Step(
        1,
        "ステップ1　全体方針の決定",
        "Step 1: deciding the overall policy",
        (
            Check(
                "s1.vision", "DXで目指す姿（ビジョン）を決めている", "The vision of what DX is to achieve is decided"
            ),
            Check(
                "s1.roadmap",
                "取組の全体像と工程表を決めている",
                "The overall picture of the initiatives and their schedule are decided",
            ),
            Check(
                "s1.published",
                "全体方針を庁内外に示している",
                "The overall policy is made known inside and outside the office",
            ),
        ),
    ),
    Step(
        2,
        "ステップ2　推進体制の整備",
        "Step 2: setting up the structure that drives DX",
        (
            Check("s2.cio", "CIO（最高情報責任者）を任命している", "A CIO (chief information officer) is appointed"),
            Check(
                "s2.unit",
                "DXを担う部署・横断的な体制がある",
                "A unit in charge of DX and a cross-departmental structure exist",
            ),
            Check("s2.talent", "外部デジタル人材を確保・活用している", "External digital talent is secured and used"),
            Check("s2.training", "職員の育成に取り組んでいる", "The staff are being trained"),
        ),
    ),
    Step(
        3,
        "ステップ3　DXの取組の実行",
        "Step 3: carrying out the DX initiatives",
        (
            Check(
                "s3.bpr",
                "業務の見直し（BPR）と合わせてデジタル化している",
                "Digitalisation goes together with a review of the work (BPR)",
            ),
            Check(
                "s3.kpi",
                "KPI等で進捗を測り、取組を見直している",
                "Progress is measured with KPIs and the initiatives are reviewed",
            ),
            Check(
                "s3.voice",
                "住民・職員の声を取組に反映している",
                "What residents and staff say is reflected in the initiatives",
            ),
        ),
    ),
)
STEP_ITEMS = {check.code for step in STEPS for check in step.items}


@dataclass(frozen=True)
class TemplateItem:
    title_ja: str
    title_en: str
    area: str
    start_month: int  # months after the roadmap starts
    months: int


TEMPLATES = {
    "plan": (
        _("Priority items of the national DX promotion plan"),
        (
            TemplateItem(
                "自治体フロントヤード改革の推進（書かないワンストップ窓口等）",
                "Reforming the front office (one-stop counters where residents fill in no forms, etc.)",
                "online_lifeevent",
                0,
                24,
            ),
            TemplateItem(
                "自治体情報システムの標準化・共通化",
                "Standardising local government information systems",
                "service",
                0,
                24,
            ),
            TemplateItem(
                "公金収納におけるeLTAXの活用", "Collecting public payments through eLTAX", "online_volume", 6, 12
            ),
            TemplateItem(
                "マイナンバーカードの普及促進・利用の推進",
                "Spreading the My Number Card and promoting its use",
                "mynumber",
                0,
                12,
            ),
            TemplateItem("セキュリティ対策の徹底", "Thorough security measures", "improvement", 0, 12),
            TemplateItem("自治体のAI・RPAの利用推進", "Promoting the use of AI and RPA", "service", 6, 18),
            TemplateItem("テレワークの推進", "Promoting telework", "service", 12, 12),
        ),
    ),
    "steps": (
        _("The four steps of the overall procedure guide"),
        tuple(
            TemplateItem(step.title_ja, step.title_en, "system", start, months)
            for step, (start, months) in zip(STEPS, ((0, 3), (3, 6), (6, 6), (12, 24)), strict=True)
        ),
    ),
}
