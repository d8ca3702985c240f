"""Flow: a town posts a need; a partner with a published solution in its category is notified, proposes;
the town shortlists the proposal and comments on it."""

from __future__ import annotations

from playwright.sync_api import expect

from community.models import Comment, Proposal
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Role
from tests.community.test_market_support import in_days, list_solution
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

TITLE = "窓口で申請書を書かずに済むようにしたい"


def test_a_need_a_proposal_a_shortlist_and_a_comment(region, new_page):
    town, partner = region["home"]["town"], region["partner"]
    editor = MembershipFactory(organization=town, role=Role.EDITOR, user__name="山田 花子").user
    vendor = MembershipFactory(organization=partner, role=Role.PARTNER, user__name="佐藤 一郎").user
    list_solution(partner, vendor, title="かんたん窓口クラウド", category="window")

    # The town posts a need in the service-counter category.
    town_page = new_page()
    sign_in(town_page, editor.email)
    town_page.get_by_role("link", name="コミュニティ", exact=True).click()
    town_page.locator("main").get_by_role("link", name="ニーズ", exact=True).click()
    town_page.get_by_role("link", name="ニーズを登録").click()
    town_page.get_by_label("件名").fill(TITLE)
    town_page.get_by_label("課題", exact=True).fill("住民が同じ内容を何枚もの申請書に書いている。")
    town_page.get_by_label("分類").select_option(label="窓口（書かない窓口）")
    town_page.get_by_label("提案期限").fill(in_days(30).isoformat())
    town_page.get_by_role("button", name="ニーズを登録する").click()
    expect(town_page.get_by_role("status")).to_contain_text("この分類のパートナーに通知しました。")
    expect(town_page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    need_url = town_page.url

    # The partner finds the notice and proposes its solution.
    assert Notification.objects.filter(recipient=vendor, title__contains=TITLE).exists()
    vendor_page = new_page()
    sign_in(vendor_page, vendor.email)
    vendor_page.get_by_role("link", name="未読のお知らせが1件あります").click()
    vendor_page.get_by_role("button", name=f"「窓口（書かない窓口）の新しいニーズ：{TITLE}」を開く").click()
    expect(vendor_page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    vendor_page.get_by_role("link", name="提案する").click()
    vendor_page.get_by_label("提案内容").fill("聞き取りから申請書を作ります。三か月で稼働できます。")
    vendor_page.get_by_label("価格").fill("月額5万円")
    vendor_page.get_by_label("自社のソリューション").select_option(label="かんたん窓口クラウド")
    vendor_page.get_by_role("button", name="提案を送る").click()
    expect(vendor_page.get_by_role("status")).to_contain_text(f"{town.name}に提案を送りました。")
    proposal = Proposal.objects.get()

    # The town shortlists it and asks a question in the proposal's thread.
    town_page.goto(need_url)
    proposals = town_page.get_by_role("table", name="提案")
    expect(proposals).to_contain_text("提出済み")
    proposals.get_by_role("link", name=partner.name).click()
    town_page.get_by_role("button", name="候補に選ぶ").click()
    expect(town_page.get_by_role("status")).to_contain_text("パートナーに通知しました。")
    expect(town_page.get_by_role("heading", level=1)).to_contain_text("候補に選定")
    town_page.get_by_role("textbox", name="コメント").fill("LGWAN環境での稼働実績はありますか？")
    town_page.get_by_role("button", name="投稿する").click()
    expect(town_page.get_by_role("status")).to_contain_text("コメントを投稿しました。")
    discussion = town_page.get_by_role("region", name="ディスカッション（コメント1件）")
    expect(discussion).to_contain_text("LGWAN環境での稼働実績はありますか？")
    expect(discussion).to_contain_text(f"山田 花子 ({town.name})")
    assert Proposal.objects.get().status == Proposal.Status.SHORTLISTED
    assert Comment.objects.get().target == proposal
