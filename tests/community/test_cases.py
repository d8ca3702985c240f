"""Practice case services: drafts and publishing, checks, the search index, the kit, adoptions, questions."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from benchmarks.models import Indicator
from community.models import Adoption, CaseAttachment, CaseMetric, Comment, PracticeCase, SearchEntry
from community.search import fold
from community.selectors import cases as selectors
from community.selectors import discussion as discussion_selectors
from community.services import cases as services
from community.services import discussion
from dx_platform.core.uploads import MAX_DOCUMENT_BYTES
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import PopulationRecord
from tests.assessments import load_catalog
from tests.community.test_cases_support import PDF, PNG, case_input, pdf, write_case, zip_archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    load_catalog()


def entry(case: PracticeCase) -> SearchEntry:
    return SearchEntry.objects.get(kind=SearchEntry.Kind.CASE, object_id=case.pk)


def kit_files() -> set[Path]:
    """Every stored kit file."""
    return set((Path(settings.MEDIA_ROOT) / "kits").glob("*/*"))


# --- writing and publishing ----------------------------------------------------------------------


def test_an_editor_writes_a_draft_with_metrics_and_survey_items_and_it_is_indexed(catalog, town, users):
    newest = selectors.newest_indicators()
    rpa = newest.get(code="service.rpa")
    PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2025, 1, 1), population=11_234, source="test"
    )
    case = write_case(
        town,
        users["editor"],
        area="service",
        indicators=[rpa],
        cost_yen=1_200_000,
        metrics=[services.MetricInput("申請書1件の処理時間", 95, 22, "分")],
    )
    assert (case.status, case.published_at, case.author) == (PracticeCase.Status.DRAFT, None, users["editor"])
    # A draft follows its author's size until it is published.
    assert (case.size_class, case.population) == (town.municipality.size_class, 11_234)
    metric = CaseMetric.objects.get(case=case)
    assert (metric.label, metric.before, metric.after, metric.unit) == ("申請書1件の処理時間", 95, 22, "分")
    assert round(metric.change_percent, 1) == round(100 * (22 - 95) / 95, 1)
    indexed = entry(case)
    assert (indexed.title, indexed.outcome, indexed.area, indexed.organization) == (
        "書かない窓口の導入",
        "success",
        "service",
        town,
    )
    assert indexed.indicator_codes == " service.rpa "
    assert "職員が聞き取って" in indexed.text
    assert fold(town.name) in indexed.text  # found by its author's name too


@pytest.mark.parametrize("who", ["viewer", "coordinator", "partner", "national", "outsider", "other_editor"])
def test_only_the_author_bodys_editors_write_its_cases(catalog, town, users, who):
    with pytest.raises(PermissionDenied):
        write_case(town, users[who])
    assert not PracticeCase.objects.exists()
    assert not SearchEntry.objects.exists()


def test_a_prefecture_writes_cases_through_its_coordinators_and_a_partner_never(catalog, region, users):
    case = write_case(region["home"]["prefecture"], users["coordinator"])
    assert (case.size_class, case.population) == ("", None)
    with pytest.raises(PermissionDenied):
        write_case(region["partner"], users["partner"])
    # Not even platform staff make a partner the author of a practice case.
    with pytest.raises(PermissionDenied):
        write_case(region["partner"], users["staff"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"started_on": dt.date(2025, 4, 1), "finished_on": dt.date(2025, 3, 1)}, "finished_on"),
        ({"title": ""}, "title"),
        ({"outcome": "great"}, "outcome"),
        ({"audience": "world"}, "audience"),
        ({"metrics": [services.MetricInput("処理時間", math.nan, 1)]}, "metrics"),
        ({"metrics": [services.MetricInput("", 1, 2)]}, "metrics"),
        ({"metrics": [services.MetricInput("処理時間", 1, 2, "u" * 31)]}, "metrics"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(catalog, town, users, changes, field):
    with pytest.raises(ValidationError) as refused:
        write_case(town, users["editor"], **changes)
    assert field in refused.value.message_dict
    assert not PracticeCase.objects.exists()
    assert not CaseMetric.objects.exists()


def test_survey_items_come_from_the_newest_catalog(catalog, town, users):
    older = Indicator.objects.exclude(catalog__fiscal_year=selectors.newest_indicators().first().catalog.fiscal_year)
    with pytest.raises(ValidationError) as refused:
        write_case(town, users["editor"], indicators=[older.first()])
    assert "indicators" in refused.value.message_dict


def test_an_edit_replaces_the_metrics_and_reindexes_and_a_refused_edit_changes_nothing(catalog, town, users):
    case = write_case(town, users["editor"], metrics=[services.MetricInput("待ち時間", 30, 10, "分")])
    changed = services.practice_case_save(
        organization=town,
        given=case_input(title="書かない窓口（改訂）", metrics=[services.MetricInput("来庁回数", 2, 1, "回")]),
        by=users["admin"],
        case=case,
    )
    assert list(changed.metrics.values_list("label", flat=True)) == ["来庁回数"]
    assert entry(case).title == "書かない窓口（改訂）"
    with pytest.raises(ValidationError):
        services.practice_case_save(organization=town, given=case_input(title=""), by=users["admin"], case=changed)
    assert PracticeCase.objects.get(pk=case.pk).title == "書かない窓口（改訂）"
    assert changed.title == "書かない窓口（改訂）"  # the caller's object is not touched by a refused edit
    assert CaseMetric.objects.filter(case=case).count() == 1


def test_a_case_stays_with_its_author_body(catalog, region, town, users):
    case = write_case(town, users["editor"])
    other_town = region["other"]["town"]
    with pytest.raises(PermissionDenied):
        services.practice_case_save(organization=other_town, given=case_input(), by=users["other_editor"], case=case)
    with pytest.raises(PermissionDenied):
        services.practice_case_save(organization=town, given=case_input(), by=users["other_editor"], case=case)


def test_publishing_freezes_the_authors_size_and_population(catalog, town, users):
    record = PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2025, 1, 1), population=9_876, source="test"
    )
    case = write_case(town, users["editor"])
    record.population = 9_900
    record.save()
    published = services.practice_case_publish(case=case, by=users["editor"])
    assert published.status == PracticeCase.Status.PUBLISHED
    assert published.published_at is not None
    assert (published.size_class, published.population) == (town.municipality.size_class, 9_900)
    PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2026, 1, 1), population=12_000, source="test"
    )
    services.practice_case_save(organization=town, given=case_input(lessons="早めに"), by=users["editor"], case=case)
    assert PracticeCase.objects.get(pk=case.pk).population == 9_900
    with pytest.raises(ValidationError):
        services.practice_case_publish(case=published, by=users["editor"])


@pytest.mark.parametrize("who", ["viewer", "coordinator", "other_editor", "partner"])
def test_only_editors_publish(catalog, town, users, who):
    case = write_case(town, users["editor"])
    with pytest.raises(PermissionDenied):
        services.practice_case_publish(case=case, by=users[who])
    assert PracticeCase.objects.get(pk=case.pk).status == PracticeCase.Status.DRAFT


@pytest.mark.parametrize("outcome", [PracticeCase.Outcome.FAILURE, PracticeCase.Outcome.PARTIAL])
def test_a_failure_is_published_with_what_did_not_work(catalog, town, users, outcome):
    case = write_case(town, users["editor"], outcome=outcome)
    with pytest.raises(ValidationError) as refused:
        services.practice_case_publish(case=case, by=users["editor"])
    assert "what_did_not_work" in refused.value.message_dict
    case = services.practice_case_save(
        organization=town,
        given=case_input(outcome=outcome, what_did_not_work="紙の申請が残った。"),
        by=users["editor"],
        case=case,
    )
    assert services.practice_case_publish(case=case, by=users["editor"]).outcome == outcome
    assert entry(case).outcome == outcome


def test_an_anonymised_case_is_indexed_without_its_name_and_with_a_rounded_population(catalog, town, users):
    PopulationRecord.objects.create(
        municipality=town.municipality, as_of=dt.date(2025, 1, 1), population=12_345, source="test"
    )
    case = write_case(town, users["editor"], anonymous=True, publish=True)
    indexed = entry(case)
    assert indexed.organization is None
    assert indexed.prefecture_id is None  # in a small prefecture the prefecture could name the town
    assert indexed.population == 12_000
    assert fold(town.name) not in indexed.text
    assert case.population == 12_345  # the case keeps the figure; only what others see is rounded
    label = selectors.anonymous_label(case)
    assert town.name not in label
    assert "12,000" in label


@pytest.mark.parametrize(
    ("population", "shown"), [(None, None), (87, 87), (950, 950), (12_345, 12_000), (1_234_567, 1_200_000)]
)
def test_a_population_is_shown_to_two_significant_digits(population, shown):
    assert selectors.shown_population(population) == shown


def test_deleting_a_case_removes_its_kit_files_questions_and_search_entry(
    catalog, region, town, users, django_capture_on_commit_callbacks
):
    case = write_case(town, users["editor"], publish=True)
    kit = services.case_attachment_add(case=case, kind="specification", upload=pdf(), by=users["editor"])
    services.case_question_ask(case=case, body="費用は？", by=users["other_editor"])
    services.case_adopt(case=case, organization=region["other"]["town"], by=users["other_editor"])
    assert Path(kit.file.path).exists()
    with pytest.raises(PermissionDenied):
        services.practice_case_delete(case=case, by=users["viewer"])
    with django_capture_on_commit_callbacks(execute=True):
        services.practice_case_delete(case=case, by=users["admin"])
    assert not PracticeCase.objects.exists()
    assert not SearchEntry.objects.exists()
    assert not Comment.objects.exists()
    assert not Adoption.objects.exists()
    assert not Path(kit.file.path).exists()


# --- the kit -------------------------------------------------------------------------------------


def test_a_kit_takes_documents_and_an_rpa_scenario_also_as_a_zip(catalog, town, users):
    case = write_case(town, users["editor"])
    spec = services.case_attachment_add(case=case, kind="specification", upload=pdf(), by=users["editor"])
    assert (spec.name, spec.content_type, spec.size) == ("仕様書.pdf", "application/pdf", len(PDF))
    assert spec.file.read() == PDF
    rpa = services.case_attachment_add(case=case, kind="rpa", upload=zip_archive(), by=users["editor"])
    assert rpa.content_type == "application/zip"
    assert {Path(spec.file.path), Path(rpa.file.path)} <= kit_files()


@pytest.mark.parametrize(
    ("kind", "upload", "message"),
    [
        ("form", SimpleUploadedFile("scenario.zip", b""), "is not a file of an accepted type"),
        ("specification", None, "is not a file of an accepted type"),  # a zip, but not an RPA scenario
        ("manual", SimpleUploadedFile("manual.pdf", PNG), "its name must end in .png"),
        ("manual", SimpleUploadedFile("big.pdf", PDF + b"0" * MAX_DOCUMENT_BYTES), "the limit is 10.0"),
        ("poster", None, "Choose what the file is."),
    ],
)
def test_a_file_of_a_wrong_type_or_size_is_refused_with_a_message_and_nothing_is_kept(
    catalog, town, users, kind, upload, message
):
    case = write_case(town, users["editor"])
    before = kit_files()
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        services.case_attachment_add(case=case, kind=kind, upload=upload or zip_archive(), by=users["editor"])
    with translation.override("en"):
        assert message in " ".join(refused.value.messages)
    assert not CaseAttachment.objects.exists()
    assert kit_files() == before


@pytest.mark.parametrize("who", ["viewer", "coordinator", "other_editor", "partner"])
def test_only_editors_add_to_and_remove_from_the_kit(catalog, town, users, who):
    case = write_case(town, users["editor"])
    with pytest.raises(PermissionDenied):
        services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users[who])
    attachment = services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users["editor"])
    with pytest.raises(PermissionDenied):
        services.case_attachment_delete(attachment=attachment, by=users[who])
    assert CaseAttachment.objects.count() == 1


def test_removing_a_file_from_the_kit_deletes_it(catalog, town, users, django_capture_on_commit_callbacks):
    case = write_case(town, users["editor"])
    attachment = services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        services.case_attachment_delete(attachment=attachment, by=users["admin"])
    assert not CaseAttachment.objects.exists()
    assert not Path(attachment.file.path).exists()


# --- adoptions -----------------------------------------------------------------------------------


def test_another_body_adopts_a_case_once_and_the_author_is_told(catalog, region, town, users):
    case = write_case(town, users["editor"], publish=True)
    other_town = region["other"]["town"]
    adoption = services.case_adopt(case=case, organization=other_town, by=users["other_editor"], note="様式を流用")
    assert (adoption.by, adoption.note) == (users["other_editor"], "様式を流用")
    assert selectors.case_list(user=users["viewer"]).get(pk=case.pk).adoption_count == 1
    with pytest.raises(ValidationError) as again:
        services.case_adopt(case=case, organization=other_town, by=users["other_admin"])
    assert other_town.name in " ".join(again.value.messages)
    # The author body's editors and admins hear of it; its viewers and the adopters do not.
    told = set(Notification.objects.filter(url=f"/community/cases/{case.pk}/").values_list("recipient", flat=True))
    assert told == {users["editor"].pk, users["admin"].pk}
    # A prefecture adopts too.
    services.case_adopt(case=case, organization=region["other"]["prefecture"], by=users["other_coordinator"])
    assert Adoption.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(
    ("who", "body"),
    [
        ("editor", ("home", "town")),  # its own case
        ("viewer", ("home", "town")),
        ("other_editor", ("other", "city")),  # not a member of the body it names
        ("partner", "partner"),
        ("national", "national"),
    ],
)
def test_an_adoption_is_said_only_by_another_bodys_editors_for_their_body(catalog, region, town, users, who, body):
    case = write_case(town, users["editor"], publish=True, audience="everyone")
    organization = region[body[0]][body[1]] if isinstance(body, tuple) else region[body]
    with pytest.raises(PermissionDenied):
        services.case_adopt(case=case, organization=organization, by=users[who])
    assert not Adoption.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{}, {"publish": True, "embargo_until": dt.date(2099, 1, 1)}, {"publish": True, "audience": "public_sector"}],
    ids=["draft", "embargoed", "staff-only"],
)
def test_a_case_out_of_sight_is_neither_adopted_nor_asked_about(catalog, region, town, users, changes):
    case = write_case(town, users["editor"], **changes)
    # Drafts and embargoed cases are out of sight of the other town; staff-only ones of partners.
    who, body = ("partner", region["home"]["prefecture"]) if "audience" in changes else ("other_editor", None)
    with pytest.raises(PermissionDenied):
        services.case_adopt(case=case, organization=body or region["other"]["town"], by=users[who])
    with pytest.raises(PermissionDenied):
        services.case_question_ask(case=case, body="教えてください", by=users[who])
    assert not Adoption.objects.exists()
    assert not Comment.objects.exists()


def test_a_member_of_two_bodies_cannot_adopt_a_case_before_it_is_out(catalog, region, town, users):
    """Who sees a draft as its author's member still cannot adopt it for another body of theirs."""
    from dx_platform.organizations.models import Membership, Role

    editor = users["editor"]
    Membership.objects.create(user=editor, organization=region["home"]["city"], role=Role.EDITOR)
    case = write_case(town, users["admin"], publish=True, embargo_until=dt.date(2099, 1, 1))
    with pytest.raises(ValidationError):
        services.case_adopt(case=case, organization=region["home"]["city"], by=editor)


def test_the_adopter_undoes_its_adoption_and_nobody_else(catalog, region, town, users):
    case = write_case(town, users["editor"], publish=True)
    adoption = services.case_adopt(case=case, organization=region["other"]["town"], by=users["other_editor"])
    for who in ("editor", "other_coordinator", "staff"):
        with pytest.raises(PermissionDenied):
            services.case_adoption_withdraw(adoption=adoption, by=users[who])
    services.case_adoption_withdraw(adoption=adoption, by=users["other_admin"])
    assert not Adoption.objects.exists()


# --- asking the author ---------------------------------------------------------------------------


def test_a_reader_asks_the_author_body_and_its_editors_are_notified(catalog, region, town, users):
    case = write_case(town, users["editor"], publish=True, audience="everyone")
    question = services.case_question_ask(case=case, body="  導入費用の内訳は？ ", by=users["partner"])
    assert (question.kind, question.target, question.body) == (Comment.Kind.QUESTION, case, "導入費用の内訳は？")
    assert (question.author, question.organization, question.parent) == (users["partner"], region["partner"], None)
    notices = Notification.objects.filter(url=f"/community/cases/{case.pk}/#comment-{question.pk}")
    assert {n.recipient for n in notices} == {users["editor"], users["admin"]}
    assert all("導入費用の内訳は？" == n.body and region["partner"].name in n.title for n in notices)
    assert Notification.objects.count() == 2  # the viewer and the asker are not told
    # It is a question of the case's thread, as the discussion shows it.
    [entry] = discussion_selectors.thread(user=users["coordinator"], target=case).entries
    assert (entry.comment, entry.author) == (question, f"{users['partner']} ({region['partner'].name})")


def test_a_question_to_a_prefecture_goes_to_its_coordinators(catalog, region, users):
    case = write_case(region["home"]["prefecture"], users["coordinator"], publish=True)
    services.case_question_ask(case=case, body="体制は？", by=users["other_editor"])
    assert list(Notification.objects.values_list("recipient", flat=True)) == [users["coordinator"].pk]


def test_an_editor_asking_about_their_own_case_tells_the_others_only(catalog, town, users):
    case = write_case(town, users["editor"], publish=True)
    services.case_question_ask(case=case, body="内部の確認です", by=users["editor"])
    assert list(Notification.objects.values_list("recipient", flat=True)) == [users["admin"].pk]


def test_an_empty_or_overlong_question_is_refused(catalog, town, users):
    case = write_case(town, users["editor"], publish=True)
    for body in ("   ", "あ" * 5001):
        with pytest.raises(ValidationError):
            services.case_question_ask(case=case, body=body, by=users["other_editor"])
    assert not Comment.objects.exists()
    assert not Notification.objects.exists()


def test_the_author_body_answers_in_the_thread_and_the_asker_does_not_learn_who_it_is(catalog, town, users):
    case = write_case(town, users["editor"], publish=True, anonymous=True)
    asker = users["other_editor"]
    question = services.case_question_ask(case=case, body="何か月かかりましたか", by=asker)
    assert not Notification.objects.filter(recipient=asker).exists()
    answer = discussion.comment_post(target=case, body="6か月です", by=users["admin"], parent=question)
    assert (answer.parent, answer.organization, answer.target) == (question, town, case)
    notice = Notification.objects.get(recipient=asker)
    assert (notice.body, notice.url) == ("6か月です", f"/community/cases/{case.pk}/#comment-{answer.pk}")
    # The asker of an anonymised case learns the author neither from the notice nor from the thread.
    for text in (notice.title, notice.body):
        assert town.name not in text and str(users["admin"]) not in text
    with translation.override("en"):
        [entry] = discussion_selectors.thread(user=asker, target=case).entries
    assert [(reply.comment.body, reply.author) for reply in entry.replies] == [("6か月です", "The case's author")]
    # The author's own people see who answered.
    [own] = discussion_selectors.thread(user=users["viewer"], target=case).entries
    assert own.replies[0].author == f"{users['admin']} ({town.name})"
