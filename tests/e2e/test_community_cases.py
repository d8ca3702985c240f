"""Flow: a town's editor publishes a failure case with a kit; another town's editor finds it by a word inside a
sentence through the community search, opens it and marks it adopted; the adoption count shows; it asks the
author, who answers in the case's discussion."""

from __future__ import annotations

from playwright.sync_api import expect

from community.models import Adoption, CaseAttachment, Comment, PracticeCase
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.community.test_cases_support import PDF
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory

TITLE = "AI-OCRによる申請書の読み取り"
# The word searched for, 窓口, sits inside this sentence.
DONE = "書かない窓口の導入で、AI-OCRが読めない申請書は職員が聞き取って入力した。"


def test_a_failure_case_with_a_kit_is_found_and_adopted_by_another_town(region, new_page, tmp_path):
    load_catalog()
    town, other_town = region["home"]["town"], region["other"]["town"]
    author = MembershipFactory(organization=town, role=Role.EDITOR, user__name="山田 花子").user
    adopter = MembershipFactory(organization=other_town, role=Role.EDITOR).user

    # The author writes the case as a draft: a failure, with what did not work and a number.
    page = new_page()
    sign_in(page, author.email)
    page.get_by_role("link", name="コミュニティ", exact=True).click()
    page.get_by_role("navigation", name="コミュニティのメニュー").get_by_role("link", name="事例").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事例")
    page.get_by_role("link", name="事例を書く").click()
    page.get_by_label("件名", exact=True).fill(TITLE)
    page.get_by_label("課題", exact=True).fill("紙の申請書を職員が手で入力していた。")
    page.get_by_label("取り組んだこと", exact=True).fill(
        "書かない窓口の導入で、AI-OCRが読めない申請書は職員が聞き取って入力した。"
    )
    page.get_by_role("group", name="結果", exact=True).get_by_label("失敗", exact=True).check()
    page.get_by_label("うまくいかなかったこと", exact=True).fill("手書き文字の読み取り精度が低く、確認の手間が増えた。")
    page.get_by_label("指標", exact=True).first.fill("1件あたりの処理時間")
    page.get_by_label("導入前", exact=True).first.fill("10")
    page.get_by_label("導入後", exact=True).first.fill("14")
    page.get_by_label("単位", exact=True).first.fill("分")
    page.get_by_role("button", name="下書きを保存").click()
    expect(page.get_by_role("status")).to_contain_text("下書きを保存しました。")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("region", name="この事例を見られる人")).to_contain_text("下書きです")
    expect(page.get_by_role("table", name="数値で見る成果")).to_contain_text("+40 %")

    # The kit: the specification template, checked by its content.
    pdf = tmp_path / "仕様書ひな形.pdf"
    pdf.write_bytes(PDF)
    kit = page.get_by_role("form", name="キットにファイルを追加")
    kit.get_by_label("種類", exact=True).select_option(label="仕様書のひな形")
    kit.get_by_label("ファイル", exact=True).set_input_files(str(pdf))
    kit.get_by_role("button", name="キットに追加").click()
    expect(page.get_by_role("status")).to_contain_text("ファイルをキットに追加しました。")
    expect(page.get_by_role("region", name="再利用キット")).to_contain_text("仕様書ひな形.pdf")

    page.get_by_role("button", name="公開する").click()
    expect(page.get_by_role("status")).to_contain_text("事例を公開しました。")
    case = PracticeCase.objects.get()
    assert (case.status, case.outcome) == ("published", "failure")
    assert CaseAttachment.objects.get().kind == "specification"

    # Another town's editor searches for a word inside a sentence of the case.
    other = new_page()
    sign_in(other, adopter.email)
    other.get_by_role("link", name="コミュニティ", exact=True).click()
    search = other.get_by_role("search", name="コミュニティを検索")
    search.get_by_label("キーワード", exact=True).fill("窓口")
    search.get_by_role("button", name="検索").click()
    results = other.get_by_role("region", name="「窓口」の検索結果：1件")
    expect(results).to_contain_text("失敗事例（教訓あり）")
    results.get_by_role("link", name=TITLE).click()

    # It shows the failure, its author and the kit, and is marked adopted.
    expect(other.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(other.locator(".facts")).to_contain_text(town.name)
    expect(other.get_by_role("region", name="成果と教訓")).to_contain_text("手書き文字の読み取り精度が低く")
    expect(other.get_by_role("link", name="仕様書ひな形.pdf")).to_be_visible()
    expect(other.locator("#adoption-count")).to_have_text("0団体が採用")
    adopt = other.get_by_role("form", name="採用しました")
    expect(adopt.get_by_label("採用団体", exact=True)).to_have_value(str(other_town.pk))
    adopt.get_by_label("メモ（任意）", exact=True).fill("様式をそのまま使いました")
    adopt.get_by_role("button", name="採用しました").click()
    expect(other.get_by_role("status")).to_contain_text("採用を登録しました。")
    expect(other.locator("#adoption-count")).to_have_text("1団体が採用")
    expect(other.get_by_role("region", name="他団体での採用（横展開）")).to_contain_text(other_town.name)
    assert Adoption.objects.get().organization == other_town
    assert Notification.objects.filter(recipient=author, url=f"/community/cases/{case.pk}/").exists()

    # It asks the author: the question joins the case's discussion and the author body is told.
    ask = other.get_by_role("form", name="作成団体に質問する")
    ask.get_by_label("質問", exact=True).fill("読み取り結果の確認には何人かかりましたか？")
    ask.get_by_role("button", name="作成団体に質問する").click()
    expect(other.get_by_role("status")).to_contain_text("質問を作成団体に送りました。")
    expect(other.get_by_role("region", name="ディスカッション（コメント1件）")).to_contain_text("何人かかりましたか")
    question = Comment.objects.get()
    assert Notification.objects.filter(
        recipient=author, url=f"/community/cases/{case.pk}/#comment-{question.pk}"
    ).exists()

    # The author answers under the question; the asker is told.
    page.reload()
    thread = page.get_by_role("region", name="ディスカッション（コメント1件）")
    thread.get_by_text("回答する", exact=True).click()
    thread.get_by_label("回答", exact=True).fill("2人で1か月でした。")
    thread.get_by_role("button", name="回答を投稿").click()
    expect(page.get_by_role("status")).to_contain_text("回答を投稿しました。")
    answers = page.get_by_role("region", name="ディスカッション（コメント2件）").get_by_role("list", name="回答")
    expect(answers).to_contain_text("2人で1か月でした。")
    answer = Comment.objects.get(parent=question)
    assert Notification.objects.filter(
        recipient=adopter, url=f"/community/cases/{case.pk}/#comment-{answer.pk}"
    ).exists()

    # The list credits the author with the adoption.
    other.get_by_role("link", name="事例", exact=True).first.click()
    expect(other.get_by_role("row", name=TITLE)).to_contain_text("1団体")
