"""Self-assessment services: start with prefills, save with optimistic concurrency, submit, review, live layer."""

from __future__ import annotations

import contextlib
import statistics
import threading

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from assessments import selectors, services
from assessments.models import Answer, Assessment
from assessments.services import self_assessment
from benchmarks.models import CatalogYear, Indicator
from benchmarks.scoring import COMPOSITE_AREAS
from benchmarks.selectors import published_run, published_scores
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Role
from tests.assessments import (
    HOME_TOWN_NATIONAL,
    SYSTEM_SCORED,
    answer,
    answer_everything,
    inputs,
    load_catalog,
    national_dataset,
    other_prefecture_people,
)
from tests.factories import MembershipFactory
from tests.services import require_service

pytestmark = pytest.mark.django_db

YEAR = 2026  # answered on the FY2023 catalog, the newest one not after it


@pytest.fixture
def catalog(db) -> None:
    load_catalog()


@pytest.fixture
def national(region, catalog, django_capture_on_commit_callbacks):
    return national_dataset(region, django_capture_on_commit_callbacks)


@pytest.fixture
def town(region):
    return region["home"]["town"].municipality


@pytest.fixture
def others(region):
    return other_prefecture_people(region)


@pytest.fixture
def draft(catalog, town, people) -> Assessment:
    return services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])


def submitted(assessment: Assessment, people) -> Assessment:
    return services.assessment_submit(assessment=assessment, by=people["admin"], accept_missing=True)


def confirmed(assessment: Assessment, people) -> Assessment:
    return services.assessment_review(assessment=submitted(assessment, people), by=people["coordinator"], confirm=True)


def save(assessment: Assessment, by, changes) -> Assessment:
    """Save as the form would: every answer as loaded, with the changes, naming the loaded version."""
    return services.assessment_save(
        assessment=assessment, answers=inputs(assessment, changes), version=assessment.version, by=by
    )


# --- start and prefill ---------------------------------------------------------------------------


def test_start_creates_one_answer_per_item_of_the_newest_catalog_not_after_the_year(draft, town, people):
    fy2023 = Indicator.objects.filter(catalog__fiscal_year=2023)
    assert set(draft.answers.values_list("indicator_id", flat=True)) == set(fy2023.values_list("pk", flat=True))
    assert draft.answers.count() == fy2023.count()
    assert (draft.fiscal_year, draft.status, draft.version) == (YEAR, Assessment.Status.DRAFT, 1)

    fy2022 = services.assessment_start(municipality=town, fiscal_year=2022, by=people["editor"])
    assert set(fy2022.answers.values_list("indicator__catalog__fiscal_year", flat=True)) == {2021}
    assert fy2022.answers.count() == Indicator.objects.filter(catalog__fiscal_year=2021).count()


def test_start_before_any_catalog_is_refused(catalog, town, people):
    assert CatalogYear.objects.order_by("fiscal_year").first().fiscal_year == 2021
    with pytest.raises(ValidationError):
        services.assessment_start(municipality=town, fiscal_year=2020, by=people["editor"])
    assert not Assessment.objects.exists()


def test_start_is_idempotent_and_keeps_what_was_entered(draft, town, people):
    save(draft, people["editor"], {"system.cio": {"value": 0.0, "note": "任命は来年度"}})
    count = draft.answers.count()

    again = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["admin"])

    assert again.pk == draft.pk
    assert Assessment.objects.count() == 1
    assert again.answers.count() == count
    assert (answer(again, "system.cio").value, answer(again, "system.cio").note) == (0.0, "任命は来年度")


def test_without_last_year_answers_are_prefilled_from_the_latest_national_data(national, town, people):
    """The newest national data is FY2023; a FY2026 assessment is still prefilled from it."""
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])

    cio, policy, ai = (answer(assessment, code) for code in ("system.cio", "system.policy", "service.ai"))
    assert (cio.value, cio.prefilled_from) == (1.0, Answer.Prefill.NATIONAL)
    assert (policy.value, policy.prefilled_from) == (0.0, Answer.Prefill.NATIONAL)
    assert (ai.value, ai.prefilled_from) == (1.0, Answer.Prefill.NATIONAL)
    procedure = answer(assessment, "online_volume.01")
    assert (procedure.value, procedure.status, procedure.prefilled_from) == (None, "online", Answer.Prefill.NATIONAL)
    rate = answer(assessment, "online_volume.common_32_rate")
    assert (rate.value, rate.prefilled_from) == (42.5, Answer.Prefill.NATIONAL)
    # Missing in the national data ("not reported", "not applicable"): nothing to prefill, no mark.
    for code in ("system.dedicated_unit", "mynumber.holding_rate"):
        missing = answer(assessment, code)
        assert (missing.value, missing.status, missing.prefilled_from) == (None, "", "")
    # Items the national data does not have at all stay empty too.
    prefilled = set(assessment.answers.exclude(prefilled_from="").values_list("indicator__code", flat=True))
    assert prefilled == {
        code for code, raw in HOME_TOWN_NATIONAL.items() if raw not in ("not_reported", "not_applicable")
    }


def test_another_municipality_gets_its_own_national_values(national, region, others):
    city = region["other"]["town"].municipality
    assessment = services.assessment_start(municipality=city, fiscal_year=YEAR, by=others["other_editor"])
    own = {v.indicator.code: v.value for v in national.values.filter(municipality=city).select_related("indicator")}
    assert answer(assessment, "online_volume.common_32_rate").value == own["online_volume.common_32_rate"]
    assert answer(assessment, "system.cio").value == own["system.cio"]


@pytest.mark.parametrize("last_year_status", [Assessment.Status.CONFIRMED, Assessment.Status.DRAFT])
def test_last_years_answers_come_first_marked_previous(national, town, people, last_year_status):
    last = services.assessment_start(municipality=town, fiscal_year=YEAR - 1, by=people["editor"])
    save(
        last,
        people["editor"],
        {
            "system.cio": {"value": 0.0},  # national says 1
            "system.dedicated_unit": {"value": 1.0},  # national has no value
            "online_volume.common_32_rate": {"value": 61.0, "note": "根拠は昨年度のもの"},
        },
    )
    if last_year_status == Assessment.Status.CONFIRMED:
        confirmed(last, people)

    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])

    for code, value in (("system.cio", 0.0), ("system.dedicated_unit", 1.0), ("online_volume.common_32_rate", 61.0)):
        prefilled = answer(assessment, code)
        assert (prefilled.value, prefilled.prefilled_from) == (value, Answer.Prefill.PREVIOUS), code
    # Last year's prefills that nobody changed are last year's answers too.
    assert (answer(assessment, "service.ai").value, answer(assessment, "service.ai").prefilled_from) == (
        1.0,
        Answer.Prefill.PREVIOUS,
    )
    # Evidence belongs to the year it was given for.
    assert answer(assessment, "online_volume.common_32_rate").note == ""
    # Unanswered last year and not in the national data: still empty.
    assert answer(assessment, "system.external_talent").prefilled_from == ""
    assert answer(assessment, "system.external_talent").value is None


def test_no_prefill_without_last_year_or_national_data(draft):
    assert not draft.answers.exclude(prefilled_from="").exists()
    assert not draft.answers.filter(value__isnull=False).exists()


# --- save ----------------------------------------------------------------------------------------


def test_save_changes_values_and_evidence_and_bumps_the_version(national, town, people):
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    version = assessment.version

    saved = save(
        assessment,
        people["editor"],
        {
            "system.cio": {"value": 0.0},  # prefilled 1 → changed
            "system.policy": {"confirm_prefill": True},  # prefilled 0 → confirmed as is
            "system.dedicated_unit": {"value": 1.0, "note": "令和8年4月設置", "link": "https://example.jp/dx"},
            "online_volume.01": {"status": "offline"},
        },
    )

    assert saved.version == version + 1
    cio = answer(saved, "system.cio")
    assert (cio.value, cio.prefilled_from, cio.updated_by, cio.revision) == (0.0, "", people["editor"], version + 1)
    policy = answer(saved, "system.policy")
    assert (policy.value, policy.prefilled_from) == (0.0, "")
    unit = answer(saved, "system.dedicated_unit")
    assert (unit.value, unit.note, unit.link) == (1.0, "令和8年4月設置", "https://example.jp/dx")
    assert answer(saved, "online_volume.01").status == "offline"
    # A prefill nobody touched keeps its mark.
    assert answer(saved, "service.ai").prefilled_from == Answer.Prefill.NATIONAL
    assert answer(saved, "service.ai").updated_by is None


def test_a_save_without_changes_keeps_the_version(draft, people):
    saved = save(draft, people["editor"], {})
    assert saved.version == draft.version == 1
    assert not Answer.objects.filter(assessment=draft, updated_by__isnull=False).exists()


@pytest.mark.parametrize(
    ("code", "change"),
    [
        ("service.rpa", {"value": 0.5}),
        ("service.rpa", {"value": 2.0}),
        ("online_volume.common_32_rate", {"value": 150.0}),
        ("online_volume.common_32_rate", {"value": -1.0}),
        ("online_volume.01", {"status": "maybe"}),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_and_nothing_is_saved(draft, people, code, change):
    # Earlier in the catalog than the bad item, so a save that wrote as it went would have written it.
    good = {"system.crossdept": {"value": 1.0, "note": "書かれてはならない"}}

    with pytest.raises(ValidationError):
        save(draft, people["editor"], {**good, code: change})

    draft.refresh_from_db()
    assert draft.version == 1
    assert answer(draft, "system.crossdept").value is None
    assert not Answer.objects.filter(assessment=draft, updated_by__isnull=False).exists()


def test_concurrency_a_stale_save_is_refused_and_names_what_the_other_person_changed(draft, people):
    """Two people load version v; the first saves; the second save is refused, nothing of it written."""
    editor, admin = people["editor"], people["admin"]
    save(draft, editor, {"system.crossdept": {"value": 1.0}})  # an earlier change, before both load the form
    loaded = Assessment.objects.get(pk=draft.pk)
    version = loaded.version
    first = inputs(loaded, {"system.cio": {"value": 1.0}, "service.ai": {"note": "庁内RPAで実施"}})
    second = inputs(loaded, {"system.cio": {"value": 0.0}, "system.policy": {"value": 1.0}})

    services.assessment_save(assessment=loaded, answers=first, version=version, by=editor)
    with pytest.raises(services.StaleAssessment) as stale:
        services.assessment_save(assessment=loaded, answers=second, version=version, by=admin)

    assert sorted(a.indicator.code for a in stale.value.changed) == ["service.ai", "system.cio"]
    assert {a.updated_by for a in stale.value.changed} == {editor}
    # No lost update: the first person's answers stand and nothing of the second was written.
    current = Assessment.objects.get(pk=draft.pk)
    assert current.version == version + 1
    assert answer(current, "system.cio").value == 1.0
    assert answer(current, "service.ai").note == "庁内RPAで実施"
    assert answer(current, "system.policy").value is None
    assert answer(current, "system.crossdept").value == 1.0
    assert not Answer.objects.filter(assessment=draft, updated_by=admin).exists()

    # Reloaded, the second person's save goes through on top of the first's.
    reloaded = Assessment.objects.get(pk=draft.pk)
    save(reloaded, admin, {"system.policy": {"value": 1.0}})
    assert answer(reloaded, "system.policy").value == 1.0
    assert answer(reloaded, "service.ai").note == "庁内RPAで実施"


@pytest.mark.django_db(transaction=True)
def test_concurrency_two_saves_at_once_on_postgresql_lose_nothing(draft, people, monkeypatch):
    """Both saves pass the version check at the same moment unless the first one locks the assessment."""
    # SQLite serialises writers itself; the row lock that prevents the race is PostgreSQL's.
    require_service("PostgreSQL", connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…")
    version = draft.version
    both_checked = threading.Barrier(2)
    check = self_assessment._check_value

    def meet_then_check(indicator, given):
        # The first save waits here for the second; with the row lock the second never comes.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=2)
        check(indicator, given)

    monkeypatch.setattr(self_assessment, "_check_value", meet_then_check)
    outcomes: dict[str, object] = {}

    def save_as(who: str, value: float) -> None:
        try:
            services.assessment_save(
                assessment=draft,
                answers=inputs(draft, {"system.cio": {"value": value}}),
                version=version,
                by=people[who],
            )
            outcomes[who] = "saved"
        except services.StaleAssessment as exc:
            outcomes[who] = [a.indicator.code for a in exc.changed]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save_as, args=args) for args in (("editor", 1.0), ("admin", 0.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(map(str, outcomes.values())) == ["['system.cio']", "saved"]
    winner = next(who for who, outcome in outcomes.items() if outcome == "saved")
    cio = answer(draft, "system.cio")
    assert (cio.value, cio.updated_by) == ({"editor": 1.0, "admin": 0.0}[winner], people[winner])
    assert Assessment.objects.get(pk=draft.pk).version == version + 1


def _answer_changes(assessment: Assessment) -> list[tuple[object, str, str, str, str]]:
    """(actor, item code, field, old, new) of every answer change the history lists, oldest first."""
    codes = dict(Answer.objects.filter(assessment=assessment).values_list("pk", "indicator__code"))
    answer_type = ContentType.objects.get_for_model(Answer)
    rows = []
    for entry in reversed(list(selectors.history(assessment=assessment))):
        if entry.content_type_id != answer_type.pk:
            continue
        assert entry.action == LogEntry.Action.UPDATE
        for field in ("value", "status", "note", "link"):
            if field in entry.changes_dict:
                old, new = entry.changes_dict[field]
                rows.append((entry.actor, codes[int(entry.object_pk)], field, old, new))
    return rows


def test_history_lists_every_change_with_who_and_old_and_new(national, region, town, people, others):
    editor, admin = people["editor"], people["admin"]
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=editor)
    elsewhere = services.assessment_start(
        municipality=region["other"]["town"].municipality, fiscal_year=YEAR, by=others["other_editor"]
    )

    # Services get their actor from the request (AuditlogMiddleware); set_actor stands in for it.
    with set_actor(editor):
        save(assessment, editor, {"system.cio": {"value": 0.0, "note": "CIO不在"}})
    with set_actor(admin):
        save(assessment, admin, {"system.cio": {"value": 1.0}, "online_volume.01": {"status": "offline"}})
    with set_actor(editor):
        save(assessment, editor, {"online_volume.common_32_rate": {"value": 55.0, "link": "https://example.jp/a"}})
    with set_actor(others["other_editor"]):
        save(elsewhere, others["other_editor"], {"system.cio": {"value": 0.0}})

    assert _answer_changes(assessment) == [
        (editor, "system.cio", "value", "1.0", "0.0"),
        (editor, "system.cio", "note", "", "CIO不在"),
        (admin, "system.cio", "value", "0.0", "1.0"),
        (admin, "online_volume.01", "status", "online", "offline"),
        (editor, "online_volume.common_32_rate", "value", "42.5", "55.0"),
        (editor, "online_volume.common_32_rate", "link", "", "https://example.jp/a"),
    ]
    # Each entry says the prefill was taken over; no entry of another municipality's assessment is listed.
    entries = list(selectors.history(assessment=assessment))
    assert all(e.additional_data["assessment_id"] == assessment.pk for e in entries)
    assert others["other_editor"] not in {e.actor for e in entries}
    assert any(e.changes_dict.get("prefilled_from") == ["national", ""] for e in entries)


def test_a_submitted_or_confirmed_assessment_cannot_be_saved(draft, people):
    submitted(draft, people)
    with pytest.raises(ValidationError):
        save(Assessment.objects.get(pk=draft.pk), people["editor"], {"system.cio": {"value": 1.0}})

    services.assessment_review(assessment=draft, by=people["coordinator"], confirm=True)
    with pytest.raises(ValidationError):
        save(Assessment.objects.get(pk=draft.pk), people["admin"], {"system.cio": {"value": 1.0}})

    assert answer(draft, "system.cio").value is None


# --- submit --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "editor", "coordinator", "staff"])
def test_only_the_municipalitys_admins_submit(draft, people, role):
    with pytest.raises(PermissionDenied):
        services.assessment_submit(assessment=draft, by=people[role], accept_missing=True)
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.DRAFT


def test_submit_with_missing_items_is_refused_listing_them(national, town, people):
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    save(assessment, people["editor"], {"system.dedicated_unit": {"value": 1.0}})
    missing = services.missing_items(assessment)

    with pytest.raises(ValidationError) as refused:
        services.assessment_submit(assessment=assessment, by=people["admin"])

    assert refused.value.code == "incomplete"
    message = " ".join(refused.value.messages)
    assert str(len(missing)) in message
    # Unanswered items and unconfirmed prefills are both named; an answered, entered one is not.
    codes = {i.code for i in missing}
    assert {"system.cio_deputy", "system.cio"} <= codes  # unanswered; prefilled, not confirmed
    assert "system.dedicated_unit" not in codes
    assert "service.online_application_system" not in codes  # unscored: for reference only
    assert Indicator.objects.get(catalog__fiscal_year=2023, code="system.cio_deputy").name_ja in message
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT
    assert not Notification.objects.exists()


def test_submit_accepting_missing_items_notifies_the_prefectures_coordinators(draft, region, people, others):
    second_coordinator = MembershipFactory(organization=region["home"]["prefecture"], role=Role.COORDINATOR).user

    result = services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)

    assert result.status == Assessment.Status.SUBMITTED
    assert result.submitted_by == people["admin"]
    assert result.submitted_at is not None
    assert result.version == draft.version + 1
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {people["coordinator"].pk, second_coordinator.pk}
    note = Notification.objects.filter(recipient=people["coordinator"]).get()
    assert region["home"]["town"].name in note.title
    assert note.url == f"/assessments/{draft.municipality.code}/{YEAR}/"


def test_a_complete_assessment_submits_without_confirmation(draft, people):
    services.assessment_save(
        assessment=draft, answers=answer_everything(draft), version=draft.version, by=people["editor"]
    )
    assert services.missing_items(draft) == []
    assert services.assessment_submit(assessment=draft, by=people["admin"]).status == Assessment.Status.SUBMITTED


def test_a_submitted_assessment_cannot_be_submitted_again(draft, people):
    submitted(draft, people)
    with pytest.raises(ValidationError):
        services.assessment_submit(assessment=draft, by=people["admin"], accept_missing=True)


# --- review --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "editor", "admin", "partner", "national", "outsider"])
def test_only_the_prefectures_coordinators_review(draft, people, role):
    submitted(draft, people)
    for confirm in (True, False):
        with pytest.raises(PermissionDenied):
            services.assessment_review(assessment=draft, by=people[role], confirm=confirm, comment="理由")
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED


def test_another_prefectures_coordinator_cannot_review(draft, people, others):
    submitted(draft, people)
    with pytest.raises(PermissionDenied):
        services.assessment_review(assessment=draft, by=others["other_coordinator"], confirm=True)
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_returning_needs_a_comment(draft, people, comment):
    submitted(draft, people)
    with pytest.raises(ValidationError):
        services.assessment_review(assessment=draft, by=people["coordinator"], confirm=False, comment=comment)
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED


def _recipients() -> set[int]:
    return set(Notification.objects.values_list("recipient", flat=True))


def test_return_notifies_the_editors_and_admins_with_the_comment_and_opens_it_again(draft, region, people):
    second_admin = MembershipFactory(organization=region["home"]["town"], role=Role.ADMIN).user
    submitted(draft, people)
    Notification.objects.all().delete()

    returned = services.assessment_review(
        assessment=draft, by=people["coordinator"], confirm=False, comment="  CIOの根拠を添付してください  "
    )

    assert returned.status == Assessment.Status.RETURNED
    assert (returned.reviewed_by, returned.review_comment) == (people["coordinator"], "CIOの根拠を添付してください")
    assert _recipients() == {people["editor"].pk, people["admin"].pk, second_admin.pk}
    assert all("CIOの根拠を添付してください" in n.title for n in Notification.objects.all())
    # Returned: editable again, and submitted again.
    save(returned, people["editor"], {"system.cio": {"value": 1.0, "link": "https://example.jp/cio"}})
    assert submitted(returned, people).status == Assessment.Status.SUBMITTED


def test_confirm_notifies_the_editors_and_admins(draft, people):
    submitted(draft, people)
    Notification.objects.all().delete()

    result = services.assessment_review(assessment=draft, by=people["coordinator"], confirm=True)

    assert result.status == Assessment.Status.CONFIRMED
    assert result.reviewed_by == people["coordinator"]
    assert _recipients() == {people["editor"].pk, people["admin"].pk}


@pytest.mark.parametrize("status", ["draft", "confirmed", "returned"])
def test_only_a_submitted_assessment_is_reviewed(draft, people, status):
    if status != "draft":
        submitted(draft, people)
        services.assessment_review(
            assessment=draft, by=people["coordinator"], confirm=status == "confirmed", comment="直してください"
        )
    Notification.objects.all().delete()
    with pytest.raises(ValidationError):
        services.assessment_review(assessment=draft, by=people["coordinator"], confirm=True)
    assert Assessment.objects.get(pk=draft.pk).status == status
    assert not Notification.objects.exists()


def _three_assessments(region, people) -> list[Assessment]:
    """The home town's and city's submitted, and the home town's FY2025 one left as a draft."""
    city_admin = MembershipFactory(organization=region["home"]["city"], role=Role.ADMIN).user
    town, city = region["home"]["town"].municipality, region["home"]["city"].municipality
    first = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    second = services.assessment_start(municipality=city, fiscal_year=YEAR, by=city_admin)
    services.assessment_submit(assessment=first, by=people["admin"], accept_missing=True)
    services.assessment_submit(assessment=second, by=city_admin, accept_missing=True)
    draft = services.assessment_start(municipality=town, fiscal_year=YEAR - 1, by=people["editor"])
    return [first, second, draft]


def test_bulk_review_is_all_or_nothing(catalog, region, people, others):
    first, second, draft = _three_assessments(region, people)
    Notification.objects.all().delete()

    with pytest.raises(ValidationError):
        services.assessments_review_bulk(assessments=[first, second, draft], by=people["coordinator"], confirm=True)

    statuses = dict(Assessment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "submitted", second.pk: "submitted", draft.pk: "draft"}
    assert not Notification.objects.exists()

    assert services.assessments_review_bulk(assessments=[first, second], by=people["coordinator"], confirm=True) == 2
    assert set(Assessment.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        "confirmed"
    }


def test_bulk_review_stops_at_an_assessment_of_another_prefecture(catalog, region, people, others):
    first, second, _ = _three_assessments(region, people)
    theirs = services.assessment_start(
        municipality=region["other"]["town"].municipality, fiscal_year=YEAR, by=others["other_editor"]
    )
    services.assessment_submit(assessment=theirs, by=others["other_admin"], accept_missing=True)

    with pytest.raises(PermissionDenied):
        services.assessments_review_bulk(
            assessments=[first, theirs, second], by=people["coordinator"], confirm=False, comment="再確認"
        )
    assert set(Assessment.objects.filter(fiscal_year=YEAR).values_list("status", flat=True)) == {"submitted"}


# --- the live layer ------------------------------------------------------------------------------


def _live_answers() -> dict[str, dict[str, object]]:
    """Five of the seven scored system items done (and the unscored one, which must not count)."""
    changes: dict[str, dict[str, object]] = {
        code: {"value": 1.0 if i < 5 else 0.0, "confirm_prefill": True} for i, code in enumerate(SYSTEM_SCORED)
    }
    changes["system.all_staff_training"] = {"value": 1.0}
    # A procedure answered outranks the area's rate item: online_volume is 0 %, not 70 %.
    changes["online_volume.common_32_rate"] = {"value": 70.0}
    changes["online_volume.01"] = {"status": "offline"}
    return changes


def test_live_result_is_none_until_an_assessment_is_confirmed(national, town, people):
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    save(assessment, people["editor"], _live_answers())
    assert selectors.live_result(municipality=town, beside=published_scores()) is None
    submitted(assessment, people)
    assert selectors.live_result(municipality=town, beside=published_scores()) is None
    services.assessment_review(assessment=assessment, by=people["coordinator"], confirm=False, comment="要修正")
    assert selectors.live_result(municipality=town, beside=published_scores()) is None

    submitted(assessment, people)
    services.assessment_review(assessment=assessment, by=people["coordinator"], confirm=True)
    assert selectors.live_result(municipality=town, beside=published_scores()) is not None


def test_live_result_scores_the_confirmed_answers_against_the_published_distribution(national, town, people):
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    save(assessment, people["editor"], _live_answers())
    confirmed(assessment, people)

    live = selectors.live_result(municipality=town, beside=published_scores())

    assert live is not None
    assert live["assessment"].pk == assessment.pk
    assert live["dataset"].pk == national.pk
    # system: 5 of the 7 scored yes/no items (the unscored one left out).
    assert live["rates"]["system"] == pytest.approx(100 * 5 / 7)
    # service: only service.ai is answered (the national prefill, 1).
    assert live["rates"]["service"] == pytest.approx(100.0)
    # online_volume: one procedure answered "offline" → 0 %, before the area's rate item.
    assert live["rates"]["online_volume"] == pytest.approx(0.0)
    assert live["rates"]["mynumber"] is None
    assert live["devs"]["mynumber"] is None

    # The deviation by hand: 50 + 10·(x − mean)/σ, σ over the published run's municipal rates (ddof=0).
    run = published_run(dataset=national)
    rates = [r for r in run.municipal_scores.values_list("rate_system", flat=True) if r is not None]
    assert len(rates) > 5
    expected = 50 + 10 * (100 * 5 / 7 - statistics.fmean(rates)) / statistics.pstdev(rates)
    assert live["devs"]["system"] == pytest.approx(expected)

    present = [live["devs"][area] for area in COMPOSITE_AREAS if live["devs"][area] is not None]
    assert live["composite"] == pytest.approx(sum(present) / len(present))
    assert live["composite_areas"] == len(present)


def test_live_result_follows_the_newest_confirmed_assessment(national, town, people):
    older = services.assessment_start(municipality=town, fiscal_year=YEAR - 1, by=people["editor"])
    save(older, people["editor"], {code: {"value": 0.0} for code in SYSTEM_SCORED})
    confirmed(older, people)
    newer = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    save(newer, people["editor"], {code: {"value": 1.0} for code in SYSTEM_SCORED})

    # The newer one is a draft.
    assert selectors.live_result(municipality=town, beside=published_scores())["rates"]["system"] == 0.0
    confirmed(newer, people)
    assert selectors.live_result(municipality=town, beside=published_scores())["rates"]["system"] == 100.0


def test_live_result_needs_published_scores(draft, town, people):
    save(draft, people["editor"], {"system.cio": {"value": 1.0}})
    confirmed(draft, people)
    assert selectors.live_result(municipality=town, beside=published_scores()) is None


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("viewer", True),
        ("coordinator", True),
        ("national", True),
        ("staff", True),
        ("partner", False),
        ("outsider", False),
        (None, False),
    ],
)
def test_the_live_result_shows_only_to_public_sector_users(national, town, people, client, role, sees):
    """Current-year self-assessment figures are not published national data."""
    assessment = services.assessment_start(municipality=town, fiscal_year=YEAR, by=people["editor"])
    save(assessment, people["editor"], _live_answers())
    confirmed(assessment, people)
    if role:
        client.force_login(people[role])
    page = client.get(f"/benchmarks/municipalities/{town.code}/")
    assert page.status_code == 200
    assert ("いま調査があったら" in page.content.decode()) is sees
