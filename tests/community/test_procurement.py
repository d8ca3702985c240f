"""Joint procurement services: opening, the stages one step at a time, joining and committing, the
specification drafts and their diff, the public Q&A, the cost sharing, the search index and the export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from community.models import Participant, Procurement, SearchEntry, StageChange
from community.models.market import BudgetBand
from community.models.procurement import STAGE_ORDER, Stage
from community.selectors import procurement as selectors
from community.selectors.search import Filters, search
from community.services import procurement as services
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Role
from tests.community.test_procurement_support import (
    SPEC,
    commitment,
    details,
    in_days,
    move_to,
    open_procurement,
    seat,
    sharing,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(region):
    return region["home"]["prefecture"]


@pytest.fixture
def procurement(lead, people, populations):
    return open_procurement(lead, people["coordinator"])


@pytest.fixture
def home_city_admin(region):
    return MembershipFactory(organization=region["home"]["city"], role=Role.ADMIN).user


def english(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    with translation.override("en"):
        return " ".join(exc.value.messages)


def join(procurement, organization, by, **given):
    return services.participant_join(procurement=procurement, organization=organization, given=seat(**given), by=by)


def commit(procurement, organization, by, **kwargs):
    return services.participant_commit(
        procurement=procurement, organization=organization, given=commitment(), by=by, **kwargs
    )


def town_committed(procurement, people, region):
    """The home town joins (by its admin) and commits at the commitments stage."""
    join(procurement, region["home"]["town"], people["admin"])
    move_to(procurement, Stage.COMMITMENT, people["coordinator"])
    return commit(procurement, region["home"]["town"], people["admin"])


def titles(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --- opening and changing ------------------------------------------------------------------------


def test_a_coordinator_opens_one_for_the_prefecture_at_its_interest_survey(procurement, lead, people):
    assert (procurement.lead, procurement.stage, procurement.created_by) == (
        lead,
        Stage.INTEREST,
        people["coordinator"],
    )
    assert (procurement.total_cost_yen, procurement.sharing_rule) == (9_000_000, "population")
    assert procurement.rfi_published_at is None


@pytest.mark.parametrize("who", ["editor", "admin", "viewer", "partner", "national", "outsider"])
def test_only_those_who_speak_for_the_lead_open_one(region, people, lead, who):
    with pytest.raises(PermissionDenied):
        open_procurement(lead, people[who])
    assert not Procurement.objects.exists()


def test_a_town_editor_opens_one_for_the_town_but_a_partner_not_for_itself(region, people):
    assert open_procurement(region["home"]["town"], people["editor"]).lead == region["home"]["town"]
    with pytest.raises(PermissionDenied):
        open_procurement(region["partner"], people["partner"])


def test_dates_and_weights_are_checked(lead, people):
    with pytest.raises(ValidationError) as exc:
        open_procurement(lead, people["coordinator"], join_until=in_days(-1))
    assert "join_until" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        open_procurement(lead, people["coordinator"], commit_until=in_days(10))
    assert "commit_until" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        open_procurement(
            lead, people["coordinator"], share=sharing(sharing_rule="mixed", flat_weight=50, usage_weight=40)
        )
    assert "add up to 100 (now 90)" in english(exc)
    assert not Procurement.objects.exists()


def test_a_single_rule_keeps_no_weights_and_a_mix_keeps_its_own(lead, people):
    single = open_procurement(lead, people["coordinator"], share=sharing(flat_weight=70, usage_weight=30))
    assert (single.flat_weight, single.population_weight, single.usage_weight) == (0, 0, 0)
    mixed = open_procurement(
        lead,
        people["coordinator"],
        share=sharing(sharing_rule="mixed", flat_weight=20, population_weight=50, usage_weight=30),
    )
    assert (mixed.flat_weight, mixed.population_weight, mixed.usage_weight) == (20, 50, 30)


def test_only_the_lead_changes_it_and_a_published_rfi_stays_as_published(procurement, people, everyone):
    for who in ("editor", "admin", "other_coordinator", "partner"):
        with pytest.raises(PermissionDenied):
            services.procurement_update(procurement=procurement, given=details(title="x"), by=everyone[who])
    services.procurement_update(
        procurement=procurement, given=details(rfi_text="改めたRFI\r\n二行目"), by=people["coordinator"]
    )
    procurement.refresh_from_db()
    assert procurement.rfi_text == "改めたRFI\n二行目"

    move_to(procurement, Stage.RFI, people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.procurement_update(
            procurement=procurement, given=details(rfi_text="別のRFI"), by=people["coordinator"]
        )
    assert "rfi_text" in exc.value.message_dict
    # The same text again (as the edit form posts it, with CRLF) changes nothing and is fine.
    services.procurement_update(
        procurement=procurement, given=details(rfi_text="改めたRFI\r\n二行目", subsidy=""), by=people["coordinator"]
    )
    procurement.refresh_from_db()
    assert procurement.subsidy == ""


# --- stages --------------------------------------------------------------------------------------


def test_next_stages():
    assert services.next_stages(Stage.INTEREST) == [Stage.RFI, Stage.CANCELLED]
    assert services.next_stages(Stage.TENDER) == [Stage.AWARDED, Stage.CANCELLED]
    assert services.next_stages(Stage.AWARDED) == [Stage.USER_GROUP]
    assert services.next_stages(Stage.USER_GROUP) == []
    assert services.next_stages(Stage.CANCELLED) == []


def test_one_step_on_is_recorded_and_publishes_the_rfi(procurement, people):
    moved = services.procurement_move(
        procurement=procurement, to_stage=Stage.RFI, by=people["coordinator"], note="公開"
    )
    assert moved.stage == Stage.RFI and moved.rfi_published_at is not None and moved.tender_published_at is None
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.by, change.note) == (
        "interest",
        "rfi",
        people["coordinator"],
        "公開",
    )


@pytest.mark.parametrize("to_stage", [Stage.SPECIFICATION, Stage.AWARDED, "nonsense"])
def test_a_skipped_stage_is_refused_naming_the_next_ones(procurement, people, to_stage):
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=to_stage, by=people["coordinator"])
    assert "moves only to “Request for information (RFI)” or “Cancelled”" in english(exc)
    procurement.refresh_from_db()
    assert procurement.stage == Stage.INTEREST and not StageChange.objects.exists()


def test_going_back_is_refused_naming_the_next_ones(procurement, people):
    move_to(procurement, Stage.SPECIFICATION, people["coordinator"])
    for back in (Stage.RFI, Stage.INTEREST, Stage.SPECIFICATION):
        with pytest.raises(ValidationError) as exc:
            services.procurement_move(procurement=procurement, to_stage=back, by=people["coordinator"])
        message = english(exc)
        assert "From “Specification drafts” the procurement moves only to “Cost sharing” or “Cancelled”." in message
    assert Procurement.objects.get().stage == Stage.SPECIFICATION


def test_in_japanese_the_refusal_names_the_stages_too(procurement, people):
    with translation.override("ja"), pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=Stage.TENDER, by=people["coordinator"])
    with translation.override("ja"):
        message = " ".join(exc.value.messages)
    assert "「情報提供依頼（RFI）」" in message or "“情報提供依頼（RFI）”" in message
    assert "中止" in message


def test_cancelling_before_the_award_but_not_after(procurement, people, region, populations):
    other = open_procurement(procurement.lead, people["coordinator"])
    cancelled = services.procurement_move(procurement=other, to_stage=Stage.CANCELLED, by=people["coordinator"])
    assert cancelled.stage == Stage.CANCELLED
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=cancelled, to_stage=Stage.RFI, by=people["coordinator"])
    assert "“Cancelled” is final" in english(exc)

    town_committed(procurement, people, region)
    move_to(procurement, Stage.AWARDED, people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=Stage.CANCELLED, by=people["coordinator"])
    assert "moves only to “User group”" in english(exc)
    assert move_to(procurement, Stage.USER_GROUP, people["coordinator"]).stage == Stage.USER_GROUP
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=Stage.CANCELLED, by=people["coordinator"])
    assert "“User group” is final" in english(exc)


@pytest.mark.parametrize("who", ["editor", "admin", "partner", "national", "outsider"])
def test_only_the_lead_moves_the_stages(procurement, people, who):
    with pytest.raises(PermissionDenied):
        services.procurement_move(procurement=procurement, to_stage=Stage.RFI, by=people[who])
    assert Procurement.objects.get().stage == Stage.INTEREST


def test_platform_staff_may_move_it(procurement, people):
    assert services.procurement_move(procurement=procurement, to_stage=Stage.RFI, by=people["staff"]).stage == "rfi"


def test_each_stage_asks_for_what_it_needs(lead, people, region):
    bare = open_procurement(
        lead, people["coordinator"], rfi_text="", tender_text="", customisation_rules="", commit_until=None
    )
    coordinator = people["coordinator"]

    def refused(to_stage: str, expected: str) -> None:
        with pytest.raises(ValidationError) as exc:
            services.procurement_move(procurement=bare, to_stage=to_stage, by=coordinator)
        assert expected in english(exc)

    refused(Stage.RFI, "Write the RFI before publishing it.")
    services.procurement_update(
        procurement=bare, given=details(customisation_rules="", commit_until=None, tender_text=""), by=coordinator
    )
    services.procurement_move(procurement=bare, to_stage=Stage.RFI, by=coordinator)
    services.procurement_move(procurement=bare, to_stage=Stage.SPECIFICATION, by=coordinator)
    refused(Stage.COST_SHARING, "State the rules limiting customisation")
    refused(Stage.COST_SHARING, "Add a draft of the shared specification first.")
    services.procurement_update(procurement=bare, given=details(commit_until=None, tender_text=""), by=coordinator)
    services.specification_add(procurement=bare, text=SPEC, note="", by=coordinator)
    services.procurement_move(procurement=bare, to_stage=Stage.COST_SHARING, by=coordinator)
    refused(Stage.COMMITMENT, "Set a deadline for commitments that has not passed.")
    refused(Stage.COMMITMENT, "No body takes part yet.")


def test_commitments_need_shares_that_can_be_computed(procurement, people, region):
    join(procurement, region["home"]["town"], people["admin"], volume=None)
    services.cost_sharing_save(procurement=procurement, sharing=sharing(sharing_rule="usage"), by=people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        move_to(procurement, Stage.COMMITMENT, people["coordinator"])
    assert "A share by usage needs the participants' expected usage." in english(exc)
    services.cost_sharing_save(procurement=procurement, sharing=sharing(total_cost_yen=None), by=people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=Stage.COMMITMENT, by=people["coordinator"])
    assert "Set the estimated total cost" in english(exc)


def test_the_tender_needs_a_commitment_and_withdraws_those_who_did_not_commit(
    procurement, people, region, home_city_admin
):
    join(procurement, region["home"]["town"], people["admin"])
    join(procurement, region["home"]["city"], home_city_admin)
    move_to(procurement, Stage.COMMITMENT, people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=Stage.TENDER, by=people["coordinator"])
    assert "No body has committed yet." in english(exc)
    commit(procurement, region["home"]["town"], people["admin"])
    tendered = services.procurement_move(procurement=procurement, to_stage=Stage.TENDER, by=people["coordinator"])
    assert tendered.tender_published_at is not None
    statuses = dict(Participant.objects.values_list("organization__name", "status"))
    assert statuses == {region["home"]["town"].name: "committed", region["home"]["city"].name: "withdrawn"}
    assert Participant.objects.get(organization=region["home"]["city"]).withdrawn_at is not None


def test_the_award_names_the_vendor_and_the_contract(procurement, people, region):
    town_committed(procurement, people, region)
    move_to(procurement, Stage.TENDER, people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(procurement=procurement, to_stage=Stage.AWARDED, by=people["coordinator"])
    assert "Name the vendor, the contract amount and the contract date." in english(exc)
    award = services.Award(
        awarded_to="  デモ窓口株式会社 ",
        awarded_partner=region["home"]["town"],
        contract_amount_yen=1,
        contract_on=dt.date(2026, 4, 1),
    )
    with pytest.raises(ValidationError) as exc:
        services.procurement_move(
            procurement=procurement, to_stage=Stage.AWARDED, by=people["coordinator"], award=award
        )
    assert "must be a partner" in english(exc)
    award = services.Award(
        awarded_to="  デモ窓口株式会社 ",
        awarded_partner=region["partner"],
        contract_amount_yen=8_000_000,
        contract_on=dt.date(2026, 4, 1),
    )
    awarded = services.procurement_move(
        procurement=procurement, to_stage=Stage.AWARDED, by=people["coordinator"], award=award
    )
    assert (awarded.awarded_to, awarded.awarded_partner, awarded.contract_amount_yen, awarded.contract_on) == (
        "デモ窓口株式会社",
        region["partner"],
        8_000_000,
        dt.date(2026, 4, 1),
    )
    # Once awarded, the shares split the contract amount.
    assert selectors.cost_shares(procurement=awarded).yen == {Participant.objects.get().pk: 8_000_000}


def test_stage_changes_tell_the_participants_editors_and_admins(procurement, people, region, everyone):
    join(procurement, region["home"]["town"], people["editor"])
    join(procurement, region["other"]["town"], everyone["other_admin"])
    services.participant_withdraw(
        procurement=procurement, organization=region["other"]["town"], by=everyone["other_admin"]
    )
    services.procurement_move(
        procurement=procurement, to_stage=Stage.RFI, by=people["coordinator"], note="RFIを公開しました"
    )

    for who in ("editor", "admin"):
        speaks_english(people[who])
    services.procurement_move(
        procurement=procurement, to_stage=Stage.SPECIFICATION, by=people["coordinator"], note="次へ"
    )
    expected = f"“{procurement.title}” moved to “Specification drafts”"
    for who in ("editor", "admin"):
        notice = Notification.objects.filter(recipient=people[who]).order_by("-pk").first()
        assert (notice.title, notice.body, notice.url) == (
            expected,
            "次へ",
            f"/community/procurements/{procurement.pk}/",
        )
    for who in ("viewer", "coordinator", "partner", "other_admin", "other_editor"):
        assert titles(everyone[who]) == []


def test_the_interest_survey_closing_makes_the_interested_join(procurement, people, region):
    interested = join(procurement, region["home"]["town"], people["editor"])
    assert interested.status == Participant.Status.INTERESTED
    services.procurement_move(procurement=procurement, to_stage=Stage.RFI, by=people["coordinator"])
    interested.refresh_from_db()
    assert interested.status == Participant.Status.JOINED


# --- joining, withdrawing ------------------------------------------------------------------------


def test_joining_takes_the_latest_reference_population(procurement, people, region, populations):
    joined = join(
        procurement, region["home"]["town"], people["editor"], volume=120.5, staff=8, constraints="LGWAN接続のみ"
    )
    assert (joined.population, joined.expected_volume, joined.staff, joined.constraints) == (
        populations["home town"],
        120.5,
        8,
        "LGWAN接続のみ",
    )


def test_a_municipality_of_another_prefecture_joins(procurement, everyone, region, populations):
    joined = join(procurement, region["other"]["town"], everyone["other_editor"])
    assert (joined.organization, joined.population) == (region["other"]["town"], populations["other town"])


@pytest.mark.parametrize("who", ["viewer", "coordinator", "partner", "national", "staff", "outsider", "other_admin"])
def test_only_the_municipalitys_editors_and_admins_join_for_it(procurement, people, everyone, region, who):
    with pytest.raises(PermissionDenied):
        join(procurement, region["home"]["town"], everyone[who])
    assert not Participant.objects.exists()


def test_restating_and_rejoining_until_joining_closes(procurement, people, region):
    first = join(procurement, region["home"]["town"], people["editor"], volume=10)
    again = join(procurement, region["home"]["town"], people["admin"], volume=20, constraints="夜間停止不可")
    assert again.pk == first.pk and (again.expected_volume, again.constraints) == (20, "夜間停止不可")
    left = services.participant_withdraw(
        procurement=procurement, organization=region["home"]["town"], by=people["editor"]
    )
    assert left.status == Participant.Status.WITHDRAWN and left.withdrawn_at is not None
    with pytest.raises(ValidationError) as exc:
        services.participant_withdraw(procurement=procurement, organization=region["home"]["town"], by=people["editor"])
    assert "does not take part" in english(exc)
    back = join(procurement, region["home"]["town"], people["editor"])
    assert back.pk == first.pk and back.status == Participant.Status.INTERESTED and back.withdrawn_at is None

    with pytest.raises(ValidationError) as exc:
        services.participant_join(
            procurement=procurement,
            organization=region["home"]["city"],
            given=seat(),
            by=MembershipFactory(organization=region["home"]["city"], role=Role.EDITOR).user,
            today=procurement.join_until + dt.timedelta(days=1),
        )
    assert f"Joining closed on {procurement.join_until.isoformat()}." in english(exc)


def test_no_joining_from_the_tender_on_or_without_a_population(procurement, people, region):
    city_editor = MembershipFactory(organization=region["home"]["city"], role=Role.EDITOR).user
    region["home"]["city"].municipality.populations.all().delete()
    with pytest.raises(ValidationError) as exc:
        join(procurement, region["home"]["city"], city_editor)
    assert "has no reference population yet" in english(exc)

    town_committed(procurement, people, region)
    with pytest.raises(ValidationError) as exc:
        join(procurement, region["home"]["town"], people["admin"])
    assert "has committed" in english(exc)
    move_to(procurement, Stage.TENDER, people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        join(
            procurement,
            region["other"]["town"],
            MembershipFactory(organization=region["other"]["town"], role=Role.EDITOR).user,
        )
    assert "Bodies join before the tender; this procurement is at “Tender”." in english(exc)


def test_negative_usage_or_staff_is_refused(procurement, people, region):
    for given, field in (
        (seat(volume=-1), "expected_volume"),
        (seat(volume=float("nan")), "expected_volume"),
        (seat(staff=-2), "staff"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.participant_join(
                procurement=procurement, organization=region["home"]["town"], given=given, by=people["editor"]
            )
        assert field in exc.value.message_dict


# --- commitments ---------------------------------------------------------------------------------


@pytest.fixture
def committing(procurement, people, region, everyone):
    join(procurement, region["home"]["town"], people["editor"])
    join(procurement, region["other"]["town"], everyone["other_editor"])
    return move_to(procurement, Stage.COMMITMENT, people["coordinator"])


def speaks_english(user) -> None:
    """Notices are written in the recipient's language: these tests read them in English."""
    user.language = "en"
    user.save()


def test_an_admin_commits_with_approvals_and_budget_and_the_lead_is_told(committing, people, region):
    speaks_english(people["coordinator"])
    committed = commit(committing, region["home"]["town"], people["admin"])
    assert committed.status == Participant.Status.COMMITTED and committed.committed_at is not None
    assert (committed.department_approval, committed.mayor_approval, committed.council_approval) == (
        "approved",
        "approved",
        "pending",
    )
    assert (committed.budget, committed.budget_fiscal_year) == ("initial", commitment().budget_fiscal_year)
    assert titles(people["coordinator"]) == [f"{region['home']['town'].name} committed to “{committing.title}”"]
    # Correcting the approvals later keeps the time of the commitment.
    again = services.participant_commit(
        procurement=committing,
        organization=region["home"]["town"],
        given=commitment(council_approval="approved", budget="supplementary"),
        by=people["admin"],
    )
    assert (again.council_approval, again.budget, again.committed_at) == (
        "approved",
        "supplementary",
        committed.committed_at,
    )
    with pytest.raises(ValidationError) as exc:
        services.participant_withdraw(procurement=committing, organization=region["home"]["town"], by=people["admin"])
    assert "has committed and cannot withdraw" in english(exc)


@pytest.mark.parametrize("who", ["editor", "viewer", "coordinator", "partner", "national", "staff", "other_admin"])
def test_only_the_municipalitys_admins_commit(committing, everyone, region, who):
    with pytest.raises(PermissionDenied):
        commit(committing, region["home"]["town"], everyone[who])
    assert not Participant.objects.filter(status="committed").exists()


def test_a_commitment_after_the_deadline_is_refused(committing, people, region):
    late = committing.commit_until + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        commit(committing, region["home"]["town"], people["admin"], today=late)
    assert english(exc) == f"The deadline for commitments was {committing.commit_until.isoformat()}."
    assert (
        commit(committing, region["home"]["town"], people["admin"], today=committing.commit_until).status == "committed"
    )


def test_a_commitment_by_a_non_participant_is_refused(committing, region, home_city_admin):
    with pytest.raises(ValidationError) as exc:
        commit(committing, region["home"]["city"], home_city_admin)
    assert english(exc) == f"{region['home']['city'].name} does not take part in this procurement."
    assert not Participant.objects.filter(organization=region["home"]["city"]).exists()


def test_no_commitment_outside_the_commitments_stage(procurement, people, region):
    join(procurement, region["home"]["town"], people["admin"])
    with pytest.raises(ValidationError) as exc:
        commit(procurement, region["home"]["town"], people["admin"])
    assert "Commitments are made in the stage “Commitments”; this procurement is at “Interest survey”." in english(exc)


def test_commitment_choices_and_budget_year_are_checked(committing, people, region):
    with pytest.raises(ValidationError) as exc:
        services.participant_commit(
            procurement=committing,
            organization=region["home"]["town"],
            given=commitment(mayor_approval="maybe", budget="", budget_fiscal_year=1999),
            by=people["admin"],
        )
    assert set(exc.value.message_dict) == {"mayor_approval", "budget", "budget_fiscal_year"}


# --- the cost sharing ----------------------------------------------------------------------------


def test_shares_by_population_in_whole_yen(procurement, people, region, everyone):
    town = join(procurement, region["home"]["town"], people["editor"])  # 10,000 people
    other = join(procurement, region["other"]["town"], everyone["other_editor"])  # 20,000 people
    assert selectors.cost_shares(procurement=procurement).yen == {town.pk: 3_000_000, other.pk: 6_000_000}


def test_withdrawn_participants_pay_nothing_and_a_mix_is_weighted(procurement, people, region, everyone):
    town = join(procurement, region["home"]["town"], people["editor"], volume=30)
    other = join(procurement, region["other"]["town"], everyone["other_editor"], volume=10)
    trial = sharing(
        total_cost_yen=1_000_000, sharing_rule="mixed", flat_weight=50, population_weight=25, usage_weight=25
    )
    # Equal 250,000 each; population 1/3 and 2/3 of 250,000; usage 3/4 and 1/4 of 250,000.
    assert selectors.cost_shares(procurement=procurement, sharing=trial).yen == {town.pk: 520_833, other.pk: 479_167}
    services.participant_withdraw(
        procurement=procurement, organization=region["other"]["town"], by=everyone["other_editor"]
    )
    assert selectors.cost_shares(procurement=procurement, sharing=trial).yen == {town.pk: 1_000_000}


def test_the_cost_sharing_is_fixed_once_someone_committed(committing, people, region):
    services.cost_sharing_save(procurement=committing, sharing=sharing(sharing_rule="flat"), by=people["coordinator"])
    assert Procurement.objects.get().sharing_rule == "flat"
    commit(committing, region["home"]["town"], people["admin"])
    with pytest.raises(ValidationError) as exc:
        services.cost_sharing_save(procurement=committing, sharing=sharing(), by=people["coordinator"])
    assert "The cost sharing is fixed" in english(exc)
    with pytest.raises(PermissionDenied):
        services.cost_sharing_save(procurement=committing, sharing=sharing(), by=people["admin"])


@pytest.mark.parametrize(
    ("yen", "band"),
    [
        (None, BudgetBand.UNDECIDED),
        (0, BudgetBand.UNDER_1M),
        (999_999, BudgetBand.UNDER_1M),
        (1_000_000, BudgetBand.FROM_1M),
        (9_999_999, BudgetBand.FROM_5M),
        (10_000_000, BudgetBand.FROM_10M),
        (50_000_000, BudgetBand.OVER_50M),
    ],
)
def test_cost_bands(yen, band):
    assert selectors.cost_band(yen) == band


# --- specification drafts ------------------------------------------------------------------------


def test_versions_are_numbered_and_an_unchanged_one_is_refused(procurement, people):
    first = services.specification_add(
        procurement=procurement, text=SPEC + "\r\n", note="初版", by=people["coordinator"]
    )
    assert (first.number, first.text) == (1, SPEC)
    with pytest.raises(ValidationError) as exc:
        services.specification_add(procurement=procurement, text=SPEC, note="", by=people["coordinator"])
    assert "Nothing changed since version 1." in english(exc)
    second = services.specification_add(
        procurement=procurement,
        text=SPEC.replace("LGWAN-ASP", "ISMAP登録のクラウド"),
        note="",
        by=people["coordinator"],
    )
    assert second.number == 2
    with pytest.raises(ValidationError):
        services.specification_add(procurement=procurement, text="  \n ", note="", by=people["coordinator"])
    with pytest.raises(PermissionDenied):
        services.specification_add(procurement=procurement, text="別案", note="", by=people["editor"])


def test_the_specification_is_fixed_by_the_tender(procurement, people, region):
    join(procurement, region["home"]["town"], people["admin"])
    move_to(procurement, Stage.COMMITMENT, people["coordinator"])
    commit(procurement, region["home"]["town"], people["admin"])
    move_to(procurement, Stage.TENDER, people["coordinator"])
    with pytest.raises(ValidationError) as exc:
        services.specification_add(procurement=procurement, text="新しい仕様", note="", by=people["coordinator"])
    assert "fixed once the tender is published" in english(exc)


def test_the_diff_side_by_side_and_unified(procurement, people):
    old = services.specification_add(procurement=procurement, text="a\nb\nc\nd", note="", by=people["coordinator"])
    new = services.specification_add(procurement=procurement, text="a\nB\nc\ne\nf", note="", by=people["coordinator"])
    diff = selectors.specification_diff(old, new)
    rows = [(r.kind, r.old_number, r.old_line, r.new_number, r.new_line) for r in diff.rows]
    assert rows == [
        ("equal", 1, "a", 1, "a"),
        ("replace", 2, "b", 2, "B"),
        ("equal", 3, "c", 3, "c"),
        ("replace", 4, "d", 4, "e"),
        ("insert", None, "", 5, "f"),
    ]
    assert diff.changed == 3
    assert diff.unified[:2] == [("header", "--- v1"), ("header", "+++ v2")]
    assert [item for item in diff.unified[2:] if item[0] != "hunk"] == [
        ("equal", " a"),
        ("delete", "-b"),
        ("insert", "+B"),
        ("equal", " c"),
        ("delete", "-d"),
        ("insert", "+e"),
        ("insert", "+f"),
    ]


def test_a_removed_block_shows_on_the_left_only(procurement, people):
    old = services.specification_add(procurement=procurement, text="a\nx\ny\nb", note="", by=people["coordinator"])
    new = services.specification_add(procurement=procurement, text="a\nb", note="", by=people["coordinator"])
    rows = [(r.kind, r.old_number, r.new_number) for r in selectors.specification_diff(old, new).rows]
    assert rows == [("equal", 1, 1), ("delete", 2, None), ("delete", 3, None), ("equal", 4, 2)]


# --- the public Q&A ------------------------------------------------------------------------------


def test_a_partner_asks_on_the_published_rfi_and_the_lead_answers(procurement, people):
    speaks_english(people["partner"])
    with pytest.raises(PermissionDenied):  # not published yet: the partner cannot see it
        services.question_ask(procurement=procurement, question="質問", by=people["partner"])
    move_to(procurement, Stage.RFI, people["coordinator"])
    asked = services.question_ask(
        procurement=procurement, question="  LGWAN-ASPでの提供は必須ですか。 ", by=people["partner"]
    )
    assert (asked.stage, asked.question, asked.asked_by) == (
        "rfi",
        "LGWAN-ASPでの提供は必須ですか。",
        people["partner"],
    )
    # The lead hears of the question, not of who asked it.
    (notice,) = Notification.objects.filter(recipient=people["coordinator"])
    assert "GovTech" not in notice.title + notice.body and procurement.title in notice.title

    with pytest.raises(PermissionDenied):
        services.question_answer(question=asked, answer="はい", by=people["partner"])
    with pytest.raises(ValidationError):
        services.question_answer(question=asked, answer=" ", by=people["coordinator"])
    answered = services.question_answer(question=asked, answer="必須です。", by=people["coordinator"])
    assert (answered.answer, answered.answered_by) == ("必須です。", people["coordinator"]) and answered.answered_at
    assert titles(people["partner"]) == [f"Your question on “{procurement.title}” was answered"]


def test_questions_only_while_the_rfi_or_tender_is_open(procurement, people):
    with pytest.raises(ValidationError) as exc:
        services.question_ask(procurement=procurement, question="質問", by=people["editor"])
    assert "while the RFI or the tender is open" in english(exc)
    move_to(procurement, Stage.SPECIFICATION, people["coordinator"])
    with pytest.raises(ValidationError):
        services.question_ask(procurement=procurement, question="質問", by=people["partner"])
    with pytest.raises(ValidationError):
        services.question_ask(procurement=procurement, question="  ", by=people["editor"])


# --- search and export ---------------------------------------------------------------------------


def test_the_search_finds_only_what_is_published_of_it(procurement, people):
    def found(who: str, words: str) -> list[int]:
        return [e.object_id for e in search(user=people[who], query=words, filters=Filters(kind="procurement")).entries]

    assert found("editor", "書かない窓口") == [procurement.pk]
    assert found("editor", "情報提供") == []  # the RFI is not published yet
    assert found("partner", "書かない窓口") == []  # nor is anything of it for partners
    move_to(procurement, Stage.RFI, people["coordinator"])
    assert found("partner", "情報提供") == [procurement.pk]
    assert found("partner", "一般競争入札") == []
    entry = SearchEntry.objects.get(kind="procurement")
    assert (entry.organization, entry.title) == (procurement.lead, procurement.title)
    services.procurement_update(
        procurement=procurement, given=details(title="共同調達：書かない窓口"), by=people["coordinator"]
    )
    assert SearchEntry.objects.get(kind="procurement").title == "共同調達：書かない窓口"


def test_the_export_has_the_dashboard_fields_per_committed_participant(procurement, people, region, everyone):
    join(procurement, region["home"]["town"], people["admin"], staff=12)
    join(procurement, region["other"]["town"], everyone["other_admin"], staff=None)
    join(
        procurement,
        region["other"]["city"],
        MembershipFactory(organization=region["other"]["city"], role=Role.ADMIN).user,
    )
    move_to(procurement, Stage.COMMITMENT, people["coordinator"])
    commit(procurement, region["home"]["town"], people["admin"])
    commit(procurement, region["other"]["town"], everyone["other_admin"])
    awarded = move_to(procurement, Stage.AWARDED, people["coordinator"])

    header, rows = selectors.dashboard_table(awarded)
    assert header == selectors.DASHBOARD_HEADER
    table = [dict(zip(header, row, strict=True)) for row in rows]
    # 8,400,000 yen by population 10,000 : 20,000 — 2,800,000 (1–5 million) and 5,600,000 (5–10 million).
    assert table == [
        {
            "procurement": awarded.title,
            "category": "window",
            "model": "shared_spec",
            "lead": region["home"]["prefecture"].name,
            "body": body.name,
            "lg_code": body.municipality.code,
            "prefecture": body.prefecture.name,
            "population": population,
            "staff": staff,
            "cost_band": band,
            "specification_shareable": 1,
            "subsidy": "デジタル田園都市国家構想交付金",
            "vendor": "デモ窓口株式会社",
            "contract_on": dt.date(2026, 4, 1),
        }
        for body, population, staff, band in (
            (region["home"]["town"], 10_000, 12, "1m_5m"),
            (region["other"]["town"], 20_000, None, "5m_10m"),
        )
    ]


def test_stage_steps_show_where_it_stands_and_where_it_stopped(procurement, people):
    states = [s.state for s in selectors.stage_steps(procurement)]
    assert states == ["current"] + ["upcoming"] * (len(STAGE_ORDER) - 1)
    move_to(procurement, Stage.SPECIFICATION, people["coordinator"])
    cancelled = services.procurement_move(procurement=procurement, to_stage=Stage.CANCELLED, by=people["coordinator"])
    assert [s.state for s in selectors.stage_steps(cancelled)] == ["done", "done", "stopped"] + ["upcoming"] * 5


def test_one_saas_needs_no_shared_specification_draft(lead, people, populations):
    saas = open_procurement(lead, people["coordinator"], model=Procurement.Model.ONE_SAAS)
    for stage in (Stage.RFI, Stage.SPECIFICATION, Stage.COST_SHARING):
        saas = services.procurement_move(procurement=saas, to_stage=stage, by=people["coordinator"])
    assert saas.stage == Stage.COST_SHARING and not saas.specifications.exists()
