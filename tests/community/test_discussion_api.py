"""Discussion API: comments by target with answers, reports, and moderation for moderators only."""

from __future__ import annotations

import pytest

from community.models import Comment, CommentReport, ModerationAction
from community.services import discussion as services
from tests.assessments import EVERYONE
from tests.community import api
from tests.community.test_cases_support import write_case
from tests.community.test_market_support import propose

pytestmark = pytest.mark.django_db

API = "/api/v1/community"


def test_listing_posting_and_answering(users, need):
    partner, editor = api(users["partner"]), api(users["editor"])
    created = partner.post(
        f"{API}/comments/",
        {"target": "need", "target_id": need.pk, "kind": "question", "body": "期限の延長はありますか？"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    question = created.json()
    assert (question["kind"], question["parent"], question["body"]) == ("question", None, "期限の延長はありますか？")
    answered = editor.post(f"{API}/comments/{question['id']}/answer/", {"body": "ありません。"}, format="json")
    assert answered.status_code == 201
    assert answered.json()["parent"] == question["id"]
    listed = editor.get(f"{API}/comments/", {"target": "need", "target_id": need.pk}).json()["results"]
    assert [(c["id"], c["parent"]) for c in listed] == [(question["id"], None), (answered.json()["id"], question["id"])]


@pytest.mark.parametrize(
    "query", [{}, {"target": "need"}, {"target": "planet", "target_id": 1}, {"target": "need", "target_id": "x"}]
)
def test_a_list_without_a_proper_target_is_400(users, need, query):
    assert api(users["viewer"]).get(f"{API}/comments/", query).status_code == 400


def test_bad_comments_are_400(users, need):
    client = api(users["viewer"])
    for body in ({"target": "need", "target_id": need.pk, "body": "  "}, {"target": "need", "target_id": need.pk}):
        response = client.post(f"{API}/comments/", body, format="json")
        assert response.status_code == 400
        assert "body" in response.json()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("who", EVERYONE)
def test_comments_on_a_staff_only_case_are_invisible_to_partners(users, region, people, who):
    case = write_case(region["home"]["town"], people["editor"], publish=True)
    comment = services.comment_post(target=case, body="職員向け", by=people["viewer"])
    client = api(users[who])
    public_sector = who not in ("partner", "outsider")
    listing = client.get(f"{API}/comments/", {"target": "case", "target_id": case.pk})
    assert listing.status_code == (200 if public_sector else 404)
    assert client.get(f"{API}/comments/{comment.pk}/").status_code == (200 if public_sector else 404)
    posted = client.post(f"{API}/comments/", {"target": "case", "target_id": case.pk, "body": "一言"}, format="json")
    assert posted.status_code == (201 if public_sector else 404)
    answer = client.post(f"{API}/comments/{comment.pk}/answer/", {"body": "返信"}, format="json")
    assert answer.status_code == (201 if public_sector else 404)
    report = client.post(f"{API}/reports/", {"comment": comment.pk, "reason": "理由"}, format="json")
    assert report.status_code == (201 if public_sector else 400)


@pytest.mark.parametrize("who", EVERYONE)
def test_a_proposals_comments_are_for_its_parties(users, region, need, who):
    proposal = propose(need, region["partner"], users["partner"])
    services.comment_post(target=proposal, body="内訳は？", by=users["editor"])
    response = api(users[who]).get(f"{API}/comments/", {"target": "proposal", "target_id": proposal.pk})
    assert response.status_code == (200 if who in ("viewer", "editor", "admin", "partner", "staff") else 404)


def test_a_hidden_comments_text_is_for_moderators(users, need):
    comment = services.comment_post(target=need, body="隠される内容", by=users["partner"])
    services.comment_hide(comment=comment, reason="規約違反", by=users["staff"])
    query = {"target": "need", "target_id": need.pk}
    (seen,) = api(users["viewer"]).get(f"{API}/comments/", query).json()["results"]
    assert (seen["body"], seen["hidden"], seen["hidden_reason"]) == (None, True, "規約違反")
    (moderated,) = api(users["coordinator"]).get(f"{API}/comments/", query).json()["results"]
    assert moderated["body"] == "隠される内容"


@pytest.mark.parametrize("who", EVERYONE)
def test_moderation_through_the_api(users, need, who):
    comment = services.comment_post(target=need, body="通報される", by=users["partner"])
    services.comment_report(comment=comment, reason="宣伝", by=users["viewer"])
    client = api(users[who])
    moderators = {"staff", "coordinator"}
    reports = client.get(f"{API}/reports/")
    hide = client.post(f"{API}/moderation/", {"comment": comment.pk, "action": "hide", "reason": "宣伝"}, format="json")
    trail = client.get(f"{API}/moderation/")
    if who in moderators:
        assert [r["reason"] for r in reports.json()["results"]] == ["宣伝"]
        assert hide.status_code == 201
        assert [(a["action"], a["reason"]) for a in trail.json()["results"]] == [("hide", "宣伝")]
    elif who == "other_coordinator":
        # A coordinator, but not of this comment's prefectures: nothing listed, nothing done.
        assert reports.json()["results"] == [] and trail.json()["results"] == []
        assert hide.status_code == 403
    else:
        assert (reports.status_code, hide.status_code, trail.status_code) == (403, 403, 403)
    assert ModerationAction.objects.exists() == (who in moderators)


def test_moderation_input_is_checked(users, need):
    comment = services.comment_post(target=need, body="投稿", by=users["partner"])
    staff = api(users["staff"])
    for body in (
        {"comment": comment.pk, "action": "delete", "reason": "x"},
        {"comment": comment.pk, "action": "hide", "reason": ""},
        {"comment": 99999, "action": "hide", "reason": "x"},
        {"comment": comment.pk, "action": "restore", "reason": "隠れていない"},
    ):
        assert staff.post(f"{API}/moderation/", body, format="json").status_code == 400
    assert staff.post(f"{API}/reports/", {"comment": comment.pk, "reason": ""}, format="json").status_code == 400
    assert staff.post(f"{API}/reports/", {"comment": comment.pk, "reason": "a"}, format="json").status_code == 201
    assert staff.post(f"{API}/reports/", {"comment": comment.pk, "reason": "b"}, format="json").status_code == 400
    assert CommentReport.objects.count() == 1
