"""Practice case pages: the list and its filters, a case with its kit, adoptions and discussion, writing one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from community.models import Adoption, CaseAttachment, CaseMetric, Comment, PracticeCase
from community.services import cases as services
from community.services import discussion
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import PopulationRecord
from tests.assessments import load_catalog
from tests.community.test_cases_support import PDF, PNG, pdf, write_case

pytestmark = pytest.mark.django_db

LIST = "/community/cases/"


@pytest.fixture
def users(everyone):
    load_catalog()
    return everyone


@pytest.fixture
def as_user(db):
    """A client of its own per user, signed in and asking for English pages (for assertions on wording)."""

    def sign_in(user):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(user)
        return client

    return sign_in


def detail(case: PracticeCase, action: str = "") -> str:
    return f"/community/cases/{case.pk}/{action}"


def form_data(**changes: str) -> dict[str, str]:
    """What the new-case form posts: the required fields, three empty metric rows, and `changes`."""
    data = {
        "title": "AI-OCRで申請書を読み取る",
        "problem": "手入力に時間がかかる。",
        "what_was_done": "AI-OCRを入れた。",
        "outcome": "failure",
        "audience": "public_sector",
        "metrics-TOTAL_FORMS": "3",
        "metrics-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


# --- the list ------------------------------------------------------------------------------------


def titles(response) -> list[str]:
    return [case.title for case, _author in response.context["rows"]]


def test_the_list_shows_what_the_user_may_read_newest_first_with_authors_and_adoptions(as_user, region, town, users):
    write_case(town, users["editor"], title="下書きの事例")
    first = write_case(town, users["editor"], title="先の事例", publish=True)
    write_case(region["other"]["town"], users["other_editor"], title="他県の事例", publish=True)
    services.case_adopt(case=first, organization=region["other"]["town"], by=users["other_editor"])
    response = as_user(users["other_admin"]).get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["他県の事例", "先の事例"]  # the home town's draft is not theirs to see
    html = response.content.decode()
    assert town.name in html
    assert "1 body" in html


def test_the_list_filters_by_outcome_area_size_ours_and_adopted_by_us(as_user, region, town, users):
    failure = write_case(
        town, users["editor"], title="失敗した事例", outcome="failure", what_did_not_work="紙が残った", publish=True
    )
    write_case(town, users["editor"], title="成功した事例", area="service", publish=True)
    other = write_case(region["other"]["city"], _editor(region), title="市の事例", publish=True)
    services.case_adopt(case=failure, organization=region["other"]["town"], by=users["other_editor"])
    client = as_user(users["other_editor"])
    assert titles(client.get(LIST, {"outcome": "failure"})) == ["失敗した事例"]
    assert titles(client.get(LIST, {"area": "service"})) == ["成功した事例"]
    assert titles(client.get(LIST, {"size_class": "small"})) == [other.title]
    assert titles(client.get(LIST, {"adopted": "on"})) == ["失敗した事例"]
    assert titles(as_user(users["viewer"]).get(LIST, {"ours": "on"})) == ["成功した事例", "失敗した事例"]
    assert client.get(LIST, {"outcome": "great"}).status_code == 400


def _editor(region):
    from dx_platform.organizations.models import Role
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=region["other"]["city"], role=Role.EDITOR).user


def test_the_list_sorts_by_adoptions_and_paginates(as_user, region, town, users):
    cases = [write_case(town, users["editor"], title=f"事例{i:02d}", publish=True) for i in range(21)]
    services.case_adopt(case=cases[3], organization=region["other"]["town"], by=users["other_editor"])
    services.case_adopt(case=cases[3], organization=region["other"]["prefecture"], by=users["other_coordinator"])
    services.case_adopt(case=cases[7], organization=region["other"]["town"], by=users["other_editor"])
    client = as_user(users["other_editor"])
    assert titles(client.get(LIST, {"sort": "adoptions"}))[:3] == ["事例03", "事例07", "事例20"]
    first, second = client.get(LIST), client.get(LIST, {"page": "2"})
    assert len(titles(first)) == 20
    assert titles(second) == ["事例00"]
    assert "21 cases" in first.content.decode()


# --- a case --------------------------------------------------------------------------------------


def test_a_case_page_shows_the_structured_case_and_escapes_html(as_user, town, users):
    case = write_case(
        town,
        users["editor"],
        title="<script>alert(1)</script>窓口",
        tools="〇〇社の窓口支援システム",
        cost_yen=1_500_000,
        lessons="小さく始める",
        would_do_again="with_changes",
        metrics=[services.MetricInput("処理時間", 95, 22, "分")],
        publish=True,
    )
    response = as_user(users["other_editor"]).get(detail(case))
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    for text in (
        "〇〇社の窓口支援システム",
        "小さく始める",
        "Yes, with changes",
        "処理時間",
        "-77 %",
        "0 bodies adopted this",
    ):
        assert text in html
    # Who may see the case is told to its author only.
    assert "Who sees this case" not in html
    author_page = as_user(users["editor"]).get(detail(case)).content.decode()
    assert "Who sees this case" in author_page
    assert "staff of municipalities, prefectures and national offices only" in author_page


def test_the_author_sees_the_embargo_and_the_label_others_see(as_user, town, users):
    PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2025, 1, 1), population=12_345, source="test"
    )
    case = write_case(
        town, users["editor"], anonymous=True, audience="everyone", embargo_until=dt.date(2099, 4, 1), publish=True
    )
    html = as_user(users["admin"]).get(detail(case)).content.decode()
    assert "other bodies see it from 2099-04-01" in html
    assert "Anonymised: others see “An anonymised body (Town, population about 12,000)”" in html
    assert "everyone signed in, partner companies included" in html


def test_an_anonymised_case_never_names_its_author_to_others(as_user, town, users):
    PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2025, 1, 1), population=12_345, source="test"
    )
    case = write_case(town, users["editor"], anonymous=True, audience="everyone", publish=True)
    question = services.case_question_ask(case=case, body="費用は？", by=users["other_editor"])
    discussion.comment_post(target=case, body="300万円でした", by=users["admin"], parent=question)
    for who in ("other_editor", "coordinator", "partner", "national"):
        client = as_user(users[who])
        for url in (LIST, detail(case)):
            html = client.get(url).content.decode()
            assert town.name not in html
            assert town.municipality.name not in html
            assert users["editor"].name not in html and users["admin"].name not in html
            assert "12,345" not in html and "12345" not in html
        page = client.get(detail(case)).content.decode()
        assert "An anonymised body (Town, population about 12,000)" in page
        # The answer is in the thread, signed as the case's author.
        assert re.search(r"The case&#x27;s author</strong>.*?300万円でした", page, re.S)
    # Its own people and platform staff see who wrote it.
    for who in ("viewer", "staff"):
        assert town.name in as_user(users[who]).get(detail(case)).content.decode()


# --- writing -------------------------------------------------------------------------------------


def test_an_editor_writes_a_draft_with_metrics_edits_and_publishes_it(as_user, town, users):
    client = as_user(users["editor"])
    assert client.get("/community/cases/new/").status_code == 200
    response = client.post(
        "/community/cases/new/",
        form_data(
            **{
                "organization": str(town.pk),
                "metrics-0-label": "読取精度",
                "metrics-0-before": "0",
                "metrics-0-after": "70",
                "metrics-0-unit": "%",
            }
        ),
    )
    case = PracticeCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(case)
    assert (case.organization, case.status, case.outcome) == (town, "draft", "failure")
    assert list(CaseMetric.objects.values_list("label", "after")) == [("読取精度", 70.0)]

    edit = client.get(detail(case, "edit/"))
    assert edit.status_code == 200
    assert "organization" not in edit.context["form"].fields  # a case stays with its author
    response = client.post(
        detail(case, "edit/"),
        form_data(
            what_did_not_work="手書き文字の読取精度が低かった。",
            version=str(case.version),  # the version the edit form was opened at
            **{"metrics-TOTAL_FORMS": "4", "metrics-INITIAL_FORMS": "1", "metrics-0-label": ""},
        ),
    )
    assert response.status_code == 302
    assert not CaseMetric.objects.exists()  # a cleared row is removed
    response = client.post(detail(case, "publish/"), follow=True)
    assert "The case was published." in response.content.decode()
    assert PracticeCase.objects.get().status == "published"


def test_publishing_a_failure_without_what_did_not_work_says_why(as_user, town, users):
    case = write_case(town, users["editor"], outcome="failure")
    response = as_user(users["editor"]).post(detail(case, "publish/"), follow=True)
    assert "Say what did not work" in response.content.decode()
    assert PracticeCase.objects.get().status == "draft"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"started_on": "2025-04-01", "finished_on": "2025-03-01"}, "The end cannot be before the start."),
        ({"metrics-0-before": "95"}, "Name the measure"),
        ({"metrics-0-label": "時間", "metrics-0-before": "多い"}, "Enter a number."),
        ({"organization": "999999"}, "Select a valid choice."),
    ],
)
def test_bad_input_reshows_the_form_with_the_reason_and_saves_nothing(as_user, town, users, changes, message):
    response = as_user(users["editor"]).post(
        "/community/cases/new/", {**form_data(organization=str(town.pk)), **changes}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PracticeCase.objects.exists()


def test_the_form_offers_only_the_bodies_the_user_writes_for(as_user, region, town, users):
    from dx_platform.organizations.models import Membership, Role

    editor = users["editor"]
    Membership.objects.create(user=editor, organization=region["home"]["city"], role=Role.VIEWER)
    form = as_user(editor).get("/community/cases/new/").context["form"]
    assert list(form.fields["organization"].queryset) == [town]
    response = as_user(editor).post("/community/cases/new/", form_data(organization=str(region["home"]["city"].pk)))
    assert response.status_code == 400
    assert not PracticeCase.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "partner", "national", "outsider"])
def test_who_writes_for_no_municipality_or_prefecture_gets_403_on_the_form(as_user, users, who):
    assert as_user(users[who]).get("/community/cases/new/").status_code == 403
    assert as_user(users[who]).post("/community/cases/new/", form_data()).status_code == 403


# --- the kit -------------------------------------------------------------------------------------


def test_an_editor_adds_a_file_and_readers_download_it_as_an_attachment(as_user, town, users):
    case = write_case(town, users["editor"], publish=True)
    response = as_user(users["editor"]).post(detail(case, "kit/"), {"kit-kind": "specification", "kit-file": pdf()})
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    download = as_user(users["other_editor"]).get(detail(case, f"kit/{attachment.pk}/"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF
    page = as_user(users["other_editor"]).get(detail(case)).content.decode()
    assert "仕様書.pdf" in page
    assert "Specification template" in page
    # A file of another case is not reached through this one.
    other = write_case(town, users["editor"], publish=True)
    assert as_user(users["other_editor"]).get(detail(other, f"kit/{attachment.pk}/")).status_code == 404


@pytest.mark.parametrize(
    ("kind", "upload", "message"),
    [
        (
            "form",
            lambda: SimpleUploadedFile("script.exe", b"MZ\x90\x00" + b"\x00" * 64),
            "is not a file of an accepted type",
        ),
        ("form", lambda: SimpleUploadedFile("manual.pdf", PNG), "its name must end in .png"),
        ("manual", lambda: SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024)), "the limit is 10.0"),
    ],
)
def test_a_wrong_file_is_refused_on_the_page_with_the_reason_and_nothing_saved(
    as_user, town, users, kind, upload, message
):
    case = write_case(town, users["editor"])
    response = as_user(users["editor"]).post(detail(case, "kit/"), {"kit-kind": kind, "kit-file": upload()})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CaseAttachment.objects.exists()


def test_an_editor_removes_a_file_from_the_kit(as_user, town, users, django_capture_on_commit_callbacks):
    case = write_case(town, users["editor"])
    attachment = services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users["editor"])
    assert as_user(users["viewer"]).post(detail(case, f"kit/{attachment.pk}/delete/")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(users["admin"]).post(detail(case, f"kit/{attachment.pk}/delete/"))
    assert response.status_code == 302
    assert not CaseAttachment.objects.exists()


# --- adopting and asking -------------------------------------------------------------------------


def test_another_town_marks_a_case_adopted_the_count_shows_and_it_undoes_it(as_user, region, town, users):
    case = write_case(town, users["editor"], publish=True)
    client = as_user(users["other_editor"])
    page = client.get(detail(case))
    assert list(page.context["adopt_form"].fields["organization"].queryset) == [region["other"]["town"]]
    response = client.post(
        detail(case, "adopt/"), {"organization": region["other"]["town"].pk, "note": "様式を流用"}, follow=True
    )
    html = response.content.decode()
    assert "1 body adopted this" in html
    assert region["other"]["town"].name in html and "様式を流用" in html
    assert response.context["adopt_form"] is None  # nothing left to adopt for
    assert client.post(detail(case, "adopt/"), {"organization": region["other"]["town"].pk}).status_code == 403
    adoption = Adoption.objects.get()
    assert as_user(users["editor"]).post(detail(case, f"adoptions/{adoption.pk}/undo/")).status_code == 403
    client.post(detail(case, f"adoptions/{adoption.pk}/undo/"))
    assert not Adoption.objects.exists()


@pytest.mark.parametrize("who", ["editor", "viewer", "partner", "national"])
def test_the_author_and_who_speaks_for_no_other_body_cannot_adopt(as_user, region, town, users, who):
    case = write_case(town, users["editor"], publish=True, audience="everyone")
    assert as_user(users[who]).get(detail(case)).context["adopt_form"] is None
    response = as_user(users[who]).post(detail(case, "adopt/"), {"organization": town.pk})
    assert response.status_code == 403
    assert not Adoption.objects.exists()


def test_a_reader_asks_the_author_on_the_page_and_the_answer_joins_the_thread(as_user, town, users):
    case = write_case(town, users["editor"], publish=True)
    asker = as_user(users["other_editor"])
    assert f'action="{detail(case, "ask/")}"' in asker.get(detail(case)).content.decode()
    assert asker.post(detail(case, "ask/"), {"question-body": " "}).status_code == 400
    response = asker.post(detail(case, "ask/"), {"question-body": "導入に何か月？"})
    question = Comment.objects.get()
    assert (question.kind, question.author, question.target) == (Comment.Kind.QUESTION, users["other_editor"], case)
    assert response["Location"] == f"{detail(case)}#comment-{question.pk}"
    told = Notification.objects.filter(url=response["Location"])
    assert {notice.recipient for notice in told} == {users["editor"], users["admin"]}
    # The author answers under the question, with the thread's answer form.
    author = as_user(users["admin"])
    assert f'name="parent" value="{question.pk}"' in author.get(detail(case)).content.decode()
    answered = author.post(
        reverse("community:comment_post"),
        {"target": "case", "target_id": case.pk, "parent": question.pk, "kind": "comment", "body": "6か月でした"},
    )
    answer = Comment.objects.get(parent=question)
    assert answered["Location"] == f"{detail(case)}#comment-{answer.pk}"
    assert Notification.objects.filter(recipient=users["other_editor"], url=answered["Location"]).exists()
    html = as_user(users["coordinator"]).get(detail(case)).content.decode()
    assert re.search(r"Discussion \(2 comments\).*導入に何か月？.*class=\"comments replies\".*6か月でした", html, re.S)


def test_nobody_asks_about_a_draft(as_user, town, users):
    case = write_case(town, users["editor"])
    page = as_user(users["viewer"]).get(detail(case))
    assert page.context["question_form"] is None
    response = as_user(users["viewer"]).post(detail(case, "ask/"), {"question-body": "?"})
    assert response.status_code == 400
    assert "The case is not published yet." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_question_on_a_case_is_moderated_as_any_comment(as_user, town, users):
    case = write_case(town, users["editor"], publish=True)
    question = services.case_question_ask(case=case, body="担当者の携帯番号を教えて", by=users["other_editor"])
    hide = reverse("community:comment_hide", args=[question.pk])
    # The author body's people are readers, not moderators: the prefecture's coordinator is.
    assert as_user(users["admin"]).post(hide, {"reason": "個人情報"}).status_code == 403
    response = as_user(users["coordinator"]).post(hide, {"reason": "個人情報のため"})
    assert response["Location"] == f"{detail(case)}#comment-{question.pk}"
    for who in ("other_editor", "admin", "national"):
        page = as_user(users[who]).get(detail(case)).content.decode()
        assert "担当者の携帯番号を教えて" not in page
        assert "Hidden by a moderator: 個人情報のため" in page
        assert f'name="parent" value="{question.pk}"' not in page  # nor answered
    page = as_user(users["staff"]).get(detail(case)).content.decode()
    assert "担当者の携帯番号を教えて" in page
    assert reverse("community:comment_restore", args=[question.pk]) in page


def test_the_author_deletes_a_case(as_user, town, users):
    case = write_case(town, users["editor"], publish=True)
    assert as_user(users["viewer"]).post(detail(case, "delete/")).status_code == 403
    response = as_user(users["editor"]).post(detail(case, "delete/"))
    assert response["Location"] == LIST
    assert not PracticeCase.objects.exists()


def test_platform_staff_read_cases_in_the_admin_but_change_them_on_the_pages(as_user, town, users):
    case = write_case(town, users["editor"], metrics=[services.MetricInput("処理時間", 95, 22, "分")])
    staff = as_user(users["staff"])
    users["staff"].is_superuser = True
    users["staff"].save()
    assert staff.get("/admin/community/practicecase/").status_code == 200
    assert staff.get(f"/admin/community/practicecase/{case.pk}/change/").status_code == 200
    # Writes skip the search index and the kit's checks there: the admin does not offer them.
    assert staff.get("/admin/community/practicecase/add/").status_code == 403
    assert staff.post(f"/admin/community/practicecase/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PracticeCase.objects.filter(pk=case.pk).exists()
