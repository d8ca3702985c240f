"""Discussion pages: the thread drawn by `comments_for`, posting, reporting, hiding, restoring, the moderators' list."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from community.models import Comment, CommentReport, ModerationAction
from community.services import discussion as services
from tests.assessments import EVERYONE
from tests.community.test_cases_support import write_case
from tests.community.test_market_support import list_solution, post_need, propose

pytestmark = pytest.mark.django_db


def need_url(need):
    return reverse("community:need_detail", args=[need.pk])


def post(client, target, what, body, **extra):
    data = {"target": what, "target_id": target.pk, "kind": "comment", "body": body, "next": "", **extra}
    return client.post(reverse("community:comment_post"), data)


def test_the_tag_draws_the_thread_for_the_user_in_the_context(people, need):
    services.comment_post(target=need, body="最初のコメント", by=people["partner"])
    request = RequestFactory().get("/somewhere/?page=2")
    request.user = people["viewer"]
    html = Template("{% load community %}{% comments_for need %}").render(Context({"request": request, "need": need}))
    assert "最初のコメント" in html
    assert 'name="next" value="/somewhere/?page=2"' in html
    assert 'name="target" value="need"' in html


def test_posting_a_comment_and_an_answer_from_the_page(client, people, need):
    client.force_login(people["partner"])
    response = post(client, need, "need", "導入事例はありますか？", kind="question", next=need_url(need) + "?x=1")
    question = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{need_url(need)}?x=1#comment-{question.pk}"
    assert question.kind == Comment.Kind.QUESTION

    client.force_login(people["editor"])
    page = client.get(need_url(need)).content.decode()
    assert "導入事例はありますか？" in page
    answer = post(client, need, "need", "近隣の町にあります。", parent=question.pk)
    assert answer.status_code == 302
    assert Comment.objects.get(parent=question).body == "近隣の町にあります。"


def test_a_next_address_on_another_site_is_not_followed(client, people, need):
    client.force_login(people["partner"])
    response = post(client, need, "need", "こんにちは", next="https://evil.example/")
    comment = Comment.objects.get()
    assert response["Location"] == f"{need_url(need)}#comment-{comment.pk}"


def test_an_empty_comment_is_shown_again_with_the_reason(en_client, people, need):
    en_client.force_login(people["partner"])
    response = post(en_client, need, "need", "   ")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()
    other = post(en_client, need, "need", "返信", parent=999999)
    assert other.status_code == 400
    assert "The comment answered is not in this thread." in other.content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_comments_on_a_staff_only_case_are_invisible_to_partners(client, users, region, people, who):
    case = write_case(region["home"]["town"], people["editor"], publish=True)
    comment = services.comment_post(target=case, body="職員だけの本音", by=people["viewer"])
    client.force_login(users[who])
    public_sector = who not in ("partner", "outsider")
    posted = post(client, case, "case", "私も一言")
    assert posted.status_code == (302 if public_sector else 404)
    assert Comment.objects.count() == (2 if public_sector else 1)
    report = client.get(reverse("community:comment_report", args=[comment.pk]))
    assert report.status_code == (200 if public_sector else 404)
    if public_sector:
        request = RequestFactory().get("/")
        request.user = users[who]
        thread = Template("{% load community %}{% comments_for case %}").render(
            Context({"request": request, "case": case})
        )
        assert "職員だけの本音" in thread


@pytest.mark.parametrize("who", EVERYONE)
def test_a_proposals_thread_is_only_for_its_two_parties(client, users, region, need, who):
    proposal = propose(need, region["partner"], users["partner"])
    services.comment_post(target=proposal, body="価格の内訳を教えてください", by=users["editor"])
    client.force_login(users[who])
    parties = {"viewer", "editor", "admin", "partner", "staff"}
    page = client.get(reverse("community:proposal_detail", args=[proposal.pk]))
    assert page.status_code == (200 if who in parties else 404)
    if who in parties:
        assert "価格の内訳を教えてください" in page.content.decode()
    assert post(client, proposal, "proposal", "質問です").status_code == (302 if who in parties else 404)


def test_html_in_comments_is_escaped(client, people, need):
    services.comment_post(target=need, body='<img src=x onerror="alert(1)">\n次の行', by=people["partner"])
    client.force_login(people["viewer"])
    page = client.get(need_url(need)).content.decode()
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<br>次の行" in page


def test_the_thread_is_on_the_solution_page_too(client, people, region):
    solution = list_solution(region["partner"], people["partner"])
    services.comment_post(target=solution, body="LGWAN環境で動きますか", by=people["editor"])
    client.force_login(people["coordinator"])
    assert (
        "LGWAN環境で動きますか" in client.get(reverse("community:solution_detail", args=[solution.pk])).content.decode()
    )


# --- reports and moderation ----------------------------------------------------------------------


def test_reporting_from_the_page(en_client, people, need):
    comment = services.comment_post(target=need, body="怪しい宣伝", by=people["partner"])
    en_client.force_login(people["viewer"])
    address = reverse("community:comment_report", args=[comment.pk])
    assert en_client.get(address).status_code == 200
    assert en_client.post(address, {"reason": ""}).status_code == 400
    response = en_client.post(address, {"reason": "宣伝です"})
    assert response.status_code == 302
    assert response["Location"] == f"{need_url(need)}#comment-{comment.pk}"
    twice = en_client.post(address, {"reason": "もう一度"})
    assert twice.status_code == 400
    assert "You have already reported this comment." in twice.content.decode()
    assert CommentReport.objects.count() == 1
    assert "You reported this comment." in en_client.get(need_url(need)).content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_hiding_and_restoring_on_the_pages(client, users, need, who):
    """On a home need, by a home partner: staff and the home coordinator moderate; readers who may not get 403."""
    comment = services.comment_post(target=need, body="不適切な投稿", by=users["partner"])
    client.force_login(users[who])
    hide = client.post(reverse("community:comment_hide", args=[comment.pk]), {"reason": "規約違反"})
    moderators = {"staff", "coordinator"}
    assert hide.status_code == (302 if who in moderators else 403)
    comment.refresh_from_db()
    assert comment.hidden == (who in moderators)
    if who in moderators:
        restore = client.post(reverse("community:comment_restore", args=[comment.pk]), {"reason": "誤り"})
        assert restore.status_code == 302
        assert list(ModerationAction.objects.values_list("action", flat=True)) == ["hide", "restore"]


def test_a_hidden_comment_shows_its_reason_to_everyone_else_and_its_text_to_moderators(client, users, need):
    comment = services.comment_post(target=need, body="削除されるべき内容", by=users["partner"])
    services.comment_hide(comment=comment, reason="個人情報を含むため", by=users["coordinator"])
    for who in ("viewer", "partner", "other_coordinator"):
        client.force_login(users[who])
        page = client.get(need_url(need)).content.decode()
        assert "削除されるべき内容" not in page
        assert "個人情報を含むため" in page
        assert reverse("community:comment_restore", args=[comment.pk]) not in page
    for who in ("coordinator", "staff"):
        client.force_login(users[who])
        page = client.get(need_url(need)).content.decode()
        assert "削除されるべき内容" in page
        assert reverse("community:comment_restore", args=[comment.pk]) in page
        assert "個人情報を含むため" in page  # in its moderation history


def test_a_moderation_without_a_reason_is_shown_again(en_client, people, need):
    comment = services.comment_post(target=need, body="投稿", by=people["partner"])
    en_client.force_login(people["coordinator"])
    response = en_client.post(reverse("community:comment_hide", args=[comment.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    comment.refresh_from_db()
    assert not comment.hidden


@pytest.mark.parametrize("who", EVERYONE)
def test_the_moderators_list_shows_open_reports_they_moderate(client, users, region, need, who):
    home = services.comment_post(target=need, body="ホーム県の通報", by=users["partner"])
    other_need = post_need(region["other"]["town"], users["other_editor"], title="他県のニーズ")
    other = services.comment_post(target=other_need, body="他県の通報", by=users["partner"])
    for comment in (home, other):
        services.comment_report(comment=comment, reason="理由", by=users["viewer"])
    client.force_login(users[who])
    response = client.get(reverse("community:moderation"))
    if who not in ("coordinator", "other_coordinator", "staff"):
        assert response.status_code == 403
        return
    page = response.content.decode()
    assert ("ホーム県の通報" in page) == (who in ("coordinator", "staff"))
    assert ("他県の通報" in page) == (who in ("other_coordinator", "staff"))
    # Once dealt with, a report leaves the list.
    services.comment_hide(comment=home, reason="対応済み", by=users["staff"])
    assert "ホーム県の通報" not in client.get(reverse("community:moderation")).content.decode()
