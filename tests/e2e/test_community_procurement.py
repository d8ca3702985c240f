"""Flow: a prefecture's coordinator opens a joint procurement shared by population, two municipalities
with different populations join and their administrators commit, a partner asks on the published RFI
and the coordinator answers, and the procurement moves on to the award."""

from __future__ import annotations

from playwright.sync_api import expect

from community.models import Participant, Procurement, ProcurementQuestion
from dx_platform.organizations.models import Role
from tests.community.test_procurement_support import in_days, set_population
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory


def move(page, stage: str, **award: str) -> None:
    """Move the procurement one stage on from its page, to the stage labelled `stage`."""
    page.get_by_role("link", name="段階を進める").click()
    page.get_by_label(stage, exact=True).check()
    for label, value in award.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="進める", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"「{stage}」の段階に進みました。")
    expect(page.locator("ol.steps [aria-current=step]")).to_contain_text(stage)


def share_of(page, body: str):
    return page.get_by_role("table", name="参加団体の申告・参加確定・負担額").get_by_role("row", name=body)


def test_a_prefecture_buys_together_with_two_towns(region, new_page):
    home = region["home"]
    town, city = home["town"], home["city"]
    set_population(town, 10_000)
    set_population(city, 30_000)
    coordinator = MembershipFactory(organization=home["prefecture"], role=Role.COORDINATOR).user
    admins = {town: MembershipFactory(organization=town, role=Role.ADMIN).user}
    admins[city] = MembershipFactory(organization=city, role=Role.ADMIN).user
    partner = MembershipFactory(organization=region["partner"], role=Role.PARTNER).user

    # The coordinator opens the procurement from the community's page, shared by population.
    lead = new_page()
    sign_in(lead, coordinator.email)
    lead.get_by_role("link", name="コミュニティ", exact=True).click()
    lead.locator("main").get_by_role("link", name="共同調達", exact=True).click()
    lead.get_by_role("link", name="共同調達を立ち上げる").click()
    lead.get_by_label("名称", exact=True).fill("書かない窓口システムの共同調達")
    lead.get_by_label("概要", exact=True).fill("県内の市町村で書かない窓口のシステムを共同調達します。")
    lead.get_by_label("分類", exact=True).select_option(label="窓口（書かない窓口）")
    lead.get_by_label("カスタマイズの制限ルール", exact=True).fill("共通仕様からの個別カスタマイズは行わない。")
    lead.get_by_label("参加表明期限", exact=True).fill(in_days(30).isoformat())
    lead.get_by_label("参加確定期限", exact=True).fill(in_days(60).isoformat())
    lead.get_by_label("RFI", exact=True).fill("窓口業務の電子化について情報提供を依頼します。")
    lead.get_by_label("入札公告", exact=True).fill("書かない窓口システムの一般競争入札を公告します。")
    lead.get_by_label("総事業費の見込み（円）", exact=True).fill("9000000")
    lead.get_by_label("人口割", exact=True).check()
    lead.get_by_role("button", name="共同調達を立ち上げる").click()
    expect(lead.get_by_role("status")).to_contain_text("共同調達を立ち上げました。")
    expect(lead.get_by_role("heading", level=1)).to_have_text("書かない窓口システムの共同調達")
    expect(lead.locator("ol.steps [aria-current=step]")).to_contain_text("意向調査")
    procurement = Procurement.objects.get()
    assert (procurement.lead, procurement.sharing_rule, procurement.total_cost_yen) == (
        home["prefecture"],
        "population",
        9_000_000,
    )
    detail = f"/community/procurements/{procurement.pk}/"

    # Two municipalities join, each stating its usage and staff.
    towns = {}
    for body, volume in ((town, "1200"), (city, "3000")):
        page = towns[body] = new_page()
        sign_in(page, admins[body].email)
        page.goto(detail)
        page.get_by_role("link", name="参加する", exact=True).click()
        page.get_by_label("想定利用量", exact=True).fill(volume)
        page.get_by_label("職員数", exact=True).fill("4")
        page.get_by_role("button", name="参加する", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text(f"{body.name}として参加しました。")
    assert dict(Participant.objects.values_list("organization", "population")) == {town.pk: 10_000, city.pk: 30_000}

    # The shares follow the population: 10,000 and 30,000 people of 40,000 pay a quarter and three quarters.
    lead.goto(detail)
    expect(share_of(lead, town.name)).to_contain_text("2,250,000円")
    expect(share_of(lead, city.name)).to_contain_text("6,750,000円")

    # The RFI is published; the partner reads it (and nothing of the workspace) and asks a question.
    move(lead, "情報提供依頼（RFI）")
    vendor = new_page()
    sign_in(vendor, partner.email)
    vendor.goto("/community/procurements/")
    vendor.get_by_role("link", name="書かない窓口システムの共同調達").click()
    expect(vendor.get_by_role("region", name="情報提供依頼（RFI）")).to_contain_text("情報提供を依頼します")
    expect(vendor.get_by_role("heading", name="参加団体")).to_have_count(0)
    expect(vendor.locator("main")).not_to_contain_text(town.name)
    expect(vendor.locator("main")).not_to_contain_text("一般競争入札")  # the tender is not published yet
    vendor.get_by_role("link", name="質問と回答", exact=True).click()
    vendor.get_by_label("質問", exact=True).fill("LGWAN-ASPでの提供は必須ですか。")
    vendor.get_by_role("button", name="質問を送る").click()
    expect(vendor.get_by_role("status")).to_contain_text("質問を投稿しました。")

    # The coordinator answers; the partner reads the answer, and nobody sees which company asked.
    lead.goto(detail + "questions/")
    question = lead.get_by_role("article", name="質問1（情報提供依頼（RFI））")
    expect(question).to_contain_text("LGWAN-ASPでの提供は必須ですか。")
    expect(lead.locator("main")).not_to_contain_text(region["partner"].name)
    question.get_by_label("回答", exact=True).fill("必須です。")
    question.get_by_role("button", name="回答を公開する").click()
    expect(lead.get_by_role("status")).to_contain_text("回答を公開しました。")
    vendor.reload()
    expect(vendor.get_by_role("article", name="質問1（情報提供依頼（RFI））")).to_contain_text("必須です。")
    assert ProcurementQuestion.objects.get().answer == "必須です。"

    # The specification draft, then on to the commitments.
    lead.goto(detail)
    move(lead, "仕様書案")
    lead.get_by_role("link", name="仕様書案", exact=True).click()
    lead.get_by_label("仕様書", exact=True).fill("1. 申請書を自動作成すること\n2. LGWAN-ASPで提供すること")
    lead.get_by_label("変更点", exact=True).fill("初版")
    lead.get_by_role("button", name="この版を保存").click()
    expect(lead.get_by_role("status")).to_contain_text("仕様書の第1版を保存しました。")
    lead.get_by_role("link", name="概要", exact=True).click()
    move(lead, "費用按分")
    move(lead, "参加確定")

    # Each municipality's administrator commits, with its approvals and budget, to the share shown.
    for body, page in towns.items():
        page.goto(detail)
        page.get_by_role("link", name="参加を確定する").click()
        expect(page.locator("main")).to_contain_text("2,250,000円" if body == town else "6,750,000円")
        for approval in ("担当課の承認", "首長の承認", "議会の承認"):
            page.get_by_role("group", name=approval).get_by_label("承認済み").check()
        page.get_by_role("group", name="予算").get_by_label("当初予算").check()
        page.get_by_role("button", name="参加を確定する").click()
        expect(page.get_by_role("status")).to_contain_text(f"{body.name}として参加を確定しました。")
        expect(share_of(page, body.name)).to_contain_text("参加確定")
    assert set(Participant.objects.values_list("status", flat=True)) == {"committed"}

    # The tender, then the award: the shares now split the contract amount by the same rule.
    lead.goto(detail)
    move(lead, "入札・公告")
    move(
        lead,
        "落札・契約",
        **{"落札者（契約相手）": "デモ窓口株式会社", "契約金額（円）": "8000000", "契約日": in_days(90).isoformat()},
    )
    expect(lead.locator("dl.facts")).to_contain_text("デモ窓口株式会社")
    expect(share_of(lead, town.name)).to_contain_text("2,000,000円")
    expect(share_of(lead, city.name)).to_contain_text("6,000,000円")
    procurement.refresh_from_db()
    assert (procurement.stage, procurement.awarded_to, procurement.contract_amount_yen) == (
        "awarded",
        "デモ窓口株式会社",
        8_000_000,
    )
    expect(lead.get_by_role("heading", name="共同調達ダッシュボード用の出力")).to_be_visible()
