"""Joint procurement pages: who sees and does what against another prefecture's procurement, and the
pages' refusals, forms, diff, calculator, Q&A and export."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from community.models import Participant, Procurement, ProcurementQuestion, SpecificationVersion
from community.models.procurement import Stage
from community.services import procurement as services
from dx_platform.organizations.models import Role
from tests.assessments import EVERYONE
from tests.community.test_procurement_support import (
    COMMITTERS,
    JOINERS,
    LEADS,
    PUBLISHED_ONLY,
    RFI,
    SPEC,
    TENDER,
    WORKSPACE,
    commitment,
    in_days,
    move_to,
    open_procurement,
    seat,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(region, everyone, populations):
    """The other prefecture's procurement at its interest survey: nothing of it is published yet."""
    return open_procurement(region["other"]["prefecture"], everyone["other_coordinator"])


@pytest.fixture
def committing(theirs, region, everyone):
    """At its commitments: the other city has joined, a draft of the tender exists, the RFI is published."""
    city_editor = MembershipFactory(organization=region["other"]["city"], role=Role.EDITOR).user
    services.participant_join(
        procurement=theirs,
        organization=region["other"]["city"],
        given=seat(constraints="夜間の停止は不可"),
        by=city_editor,
    )
    return move_to(theirs, Stage.COMMITMENT, everyone["other_coordinator"])


def url(procurement: Procurement, action: str = "") -> str:
    return f"/community/procurements/{procurement.pk}/{action}"


def page_text(response) -> str:
    return response.content.decode()


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_an_unpublished_procurement_is_seen_by_public_sector_staff_only(client, everyone, theirs, who):
    client.force_login(everyone[who])
    listed = client.get("/community/procurements/")
    assert listed.status_code == 200
    assert (theirs.title in page_text(listed)) == (who in WORKSPACE)
    assert client.get(url(theirs)).status_code == (200 if who in WORKSPACE else 404)


@pytest.mark.parametrize("who", EVERYONE)
def test_a_partner_sees_only_the_published_rfi_never_participants_shares_or_drafts(
    client, everyone, committing, region, who
):
    client.force_login(everyone[who])
    response = client.get(url(committing))
    assert response.status_code == 200
    text = page_text(response)
    assert RFI in text
    workspace = who in WORKSPACE
    for private in (
        region["other"]["city"].name,
        "夜間の停止は不可",
        "9,000,000円",
        TENDER,
        "参加団体",
        "仕様書 第1版",
    ):
        assert (private in text) == workspace, private
    for action in (
        "specifications/",
        "specifications/1/",
        "specifications/diff/?old=1&new=1",
        "cost-sharing/",
        "edit/",
    ):
        expected = 200 if workspace else 404
        if action == "edit/" and workspace:
            expected = 200 if who in LEADS else 403
        assert client.get(url(committing, action)).status_code == expected, action
    assert client.get(url(committing, "questions/")).status_code == 200


def test_anonymous_people_are_sent_to_sign_in(client, theirs):
    for address in ("/community/procurements/", url(theirs), url(theirs, "questions/"), url(theirs, "join/")):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- who does what -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_joining_from_another_prefecture(client, everyone, theirs, region, who):
    client.force_login(everyone[who])
    side = JOINERS.get(who)
    body = region[side]["town"] if side else region["home"]["town"]
    response = client.post(url(theirs, "join/"), {"organization": body.pk, "expected_volume": "12", "staff": "3"})
    expected = 302 if who in JOINERS else 404 if who in PUBLISHED_ONLY else 403
    assert response.status_code == expected
    assert Participant.objects.filter(organization=body).exists() == (who in JOINERS)


@pytest.mark.parametrize("who", EVERYONE)
def test_committing(client, everyone, committing, region, who):
    seated = {}
    for side in ("home", "other"):
        editor = MembershipFactory(organization=region[side]["town"], role=Role.EDITOR).user
        services.participant_join(procurement=committing, organization=region[side]["town"], given=seat(), by=editor)
        seated[side] = region[side]["town"]
    client.force_login(everyone[who])
    side = COMMITTERS.get(who, "home")
    data = {
        "organization": seated[side].pk,
        "department_approval": "approved",
        "mayor_approval": "approved",
        "council_approval": "not_needed",
        "budget": "supplementary",
        "budget_fiscal_year": str(commitment().budget_fiscal_year),
    }
    response = client.post(url(committing, "commit/"), data)
    expected = 302 if who in COMMITTERS else 404 if who in PUBLISHED_ONLY else 403
    assert response.status_code == expected
    committed = Participant.objects.filter(status="committed")
    assert list(committed.values_list("organization", "budget")) == (
        [(seated[side].pk, "supplementary")] if who in COMMITTERS else []
    )


@pytest.mark.parametrize("who", EVERYONE)
def test_moving_the_stage(client, everyone, theirs, who):
    client.force_login(everyone[who])
    response = client.post(url(theirs, "stage/"), {"to_stage": "rfi", "note": ""})
    expected = 302 if who in LEADS else 404 if who in PUBLISHED_ONLY else 403
    assert response.status_code == expected
    assert Procurement.objects.get().stage == (Stage.RFI if who in LEADS else Stage.INTEREST)


@pytest.mark.parametrize("who", EVERYONE)
def test_opening_one(client, everyone, region, who):
    client.force_login(everyone[who])
    response = client.get("/community/procurements/new/")
    may_open = who in {"editor", "admin", "coordinator", "other_coordinator", "other_admin", "other_editor"}
    assert response.status_code == (200 if may_open else 403)
    if may_open:
        leads = {choice[1] for choice in response.context["form"].fields["lead"].choices}
        mine = {"coordinator": "home", "other_coordinator": "other"}
        expected = region[mine[who]]["prefecture"] if who in mine else region[JOINERS[who]]["town"]
        assert leads == {expected.name}


# --- stage page ----------------------------------------------------------------------------------


def test_a_skipped_stage_is_refused_on_the_page_naming_the_next_ones(client, everyone, theirs):
    client.force_login(everyone["other_coordinator"])
    page = client.get(url(theirs, "stage/"))
    assert [value for value, _label in page.context["form"].fields["to_stage"].widget.choices] == ["rfi", "cancelled"]

    response = client.post(url(theirs, "stage/"), {"to_stage": "tender"})
    assert response.status_code == 400
    assert (
        "「入札・公告」には進めません。「意向調査」から進めるのは「情報提供依頼（RFI）」または「中止」だけです。"
        in page_text(response)
    )
    assert Procurement.objects.get().stage == Stage.INTEREST


def test_the_award_is_given_on_the_stage_page(client, everyone, committing, region):
    town_admin = everyone["other_admin"]
    services.participant_join(procurement=committing, organization=region["other"]["town"], given=seat(), by=town_admin)
    services.participant_commit(
        procurement=committing, organization=region["other"]["town"], given=commitment(), by=town_admin
    )
    move_to(committing, Stage.TENDER, everyone["other_coordinator"])
    client.force_login(everyone["other_coordinator"])
    missing = client.post(url(committing, "stage/"), {"to_stage": "awarded", "awarded_to": "デモ窓口株式会社"})
    assert missing.status_code == 400 and "落札者、契約金額、契約日を入力してください。" in page_text(missing)
    data = {
        "to_stage": "awarded",
        "awarded_to": "デモ窓口株式会社",
        "awarded_partner": region["partner"].pk,
        "contract_amount_yen": "7000000",
        "contract_on": "2026-04-01",
    }
    assert client.post(url(committing, "stage/"), data).status_code == 302
    awarded = Procurement.objects.get()
    assert (awarded.stage, awarded.awarded_partner, awarded.contract_amount_yen) == (
        "awarded",
        region["partner"],
        7_000_000,
    )


# --- opening, editing ----------------------------------------------------------------------------


def creation(**changes: str) -> dict[str, str]:
    data = {
        "title": "電子契約の共同調達",
        "summary": "電子契約サービスを共同で調達します。",
        "category": "e_approval",
        "model": "one_saas",
        "join_until": in_days(20).isoformat(),
        "commit_until": in_days(40).isoformat(),
        "total_cost_yen": "1200000",
        "sharing_rule": "mixed",
        "flat_weight": "50",
        "population_weight": "50",
        "usage_weight": "0",
    }
    return data | changes


def test_opening_with_a_mix_and_bad_input_reshown(client, people, region):
    client.force_login(people["coordinator"])
    lead = region["home"]["prefecture"].pk
    refused = client.post("/community/procurements/new/", creation(lead=str(lead), usage_weight="10"))
    assert refused.status_code == 400
    text = page_text(refused)
    assert "組み合わせの比率は合計100％にしてください（現在110％）。" in text and "電子契約の共同調達" in text
    past = client.post("/community/procurements/new/", creation(lead=str(lead), join_until="2020-01-01"))
    assert past.status_code == 400 and "参加表明期限を過去の日付にはできません。" in page_text(past)
    assert not Procurement.objects.exists()

    response = client.post("/community/procurements/new/", creation(lead=str(lead)))
    procurement = Procurement.objects.get()
    assert response["Location"] == url(procurement)
    assert (procurement.model, procurement.flat_weight, procurement.population_weight) == ("one_saas", 50, 50)


def test_a_coordinator_cannot_open_one_for_another_prefecture(client, people, region):
    client.force_login(people["coordinator"])
    response = client.post("/community/procurements/new/", creation(lead=str(region["other"]["prefecture"].pk)))
    assert response.status_code == 400 and not Procurement.objects.exists()


def test_editing_keeps_a_published_rfi(client, everyone, committing):
    client.force_login(everyone["other_coordinator"])
    form = client.get(url(committing, "edit/")).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["indicators"] = []
    data["specification_shareable"] = "on"
    response = client.post(url(committing, "edit/"), data | {"rfi_text": "書き換えたRFI"})
    assert response.status_code == 400 and "RFIは公開済みのため変更できません。" in page_text(response)
    assert client.post(url(committing, "edit/"), data | {"subsidy": "なし"}).status_code == 302
    assert Procurement.objects.get().subsidy == "なし"


# --- joining and committing ----------------------------------------------------------------------


def test_one_saas_asks_each_body_for_its_configuration_note(client, people, region, populations):
    saas = open_procurement(region["home"]["prefecture"], people["coordinator"], model="one_saas")
    client.force_login(people["editor"])
    assert "自団体の設定メモ" in page_text(client.get(url(saas, "join/")))
    client.post(
        url(saas, "join/"), {"organization": region["home"]["town"].pk, "constraints": "決裁ルートは町の規程で設定"}
    )
    detail = page_text(client.get(url(saas)))
    assert "設定メモ" in detail and "決裁ルートは町の規程で設定" in detail
    assert "共通SaaSの設定ルール" in detail


def test_withdrawing_on_the_page(client, people, theirs, region):
    client.force_login(people["editor"])
    client.post(url(theirs, "join/"), {"organization": region["home"]["town"].pk})
    response = client.post(url(theirs, "withdraw/"), {"organization": region["home"]["town"].pk}, follow=True)
    assert "辞退しました。" in page_text(response)
    assert Participant.objects.get().status == Participant.Status.WITHDRAWN


def test_a_commitment_after_the_deadline_or_by_a_non_participant_is_refused_on_the_page(
    client, everyone, committing, region
):
    data = {
        "department_approval": "approved",
        "mayor_approval": "pending",
        "council_approval": "pending",
        "budget": "initial",
        "budget_fiscal_year": str(commitment().budget_fiscal_year),
    }
    client.force_login(everyone["admin"])  # the home town has not joined
    response = client.post(url(committing, "commit/"), data | {"organization": region["home"]["town"].pk})
    assert response.status_code == 400
    assert f"{region['home']['town'].name}はこの共同調達に参加していません。" in page_text(response)

    city_admin = MembershipFactory(organization=region["other"]["city"], role=Role.ADMIN).user
    Procurement.objects.update(commit_until=in_days(-1))
    client.force_login(city_admin)
    response = client.post(url(committing, "commit/"), data | {"organization": region["other"]["city"].pk})
    assert response.status_code == 400
    deadline = Procurement.objects.get().commit_until.isoformat()
    assert f"参加確定期限は{deadline}でした。" in page_text(response)
    assert not Participant.objects.filter(status="committed").exists()


# --- specification drafts and the diff -----------------------------------------------------------


def test_the_lead_saves_versions_and_everyone_in_the_workspace_compares_them(client, everyone, theirs):
    client.force_login(everyone["other_coordinator"])

    def draft(**data: str):
        """Post the draft form as the page shows it, with the version it was opened at."""
        version = client.get(url(theirs, "specifications/")).context["form"]["version"].value()
        return client.post(url(theirs, "specifications/"), data | {"version": version})

    assert draft(text=SPEC, note="初版").status_code == 302
    unchanged = draft(text=SPEC, note="")
    assert unchanged.status_code == 400 and "第1版から変更がありません。" in page_text(unchanged)
    changed = SPEC.replace("LGWAN-ASP", "ISMAP登録のクラウド") + "\n4. <b>研修</b>を行うこと"
    draft(text=changed, note="クラウド要件")
    assert list(SpecificationVersion.objects.values_list("number", flat=True)) == [2, 1]

    client.force_login(everyone["viewer"])  # a viewer of another prefecture's municipality reads the drafts
    assert client.post(url(theirs, "specifications/"), {"text": "x"}).status_code == 403
    side = page_text(client.get(url(theirs, "specifications/diff/?old=1&new=2&view=side")))
    assert '<del><span class="visually-hidden">削除： </span>2. LGWAN-ASPで提供すること</del>' in side
    assert '<ins><span class="visually-hidden">追加： </span>2. ISMAP登録のクラウドで提供すること</ins>' in side
    assert "&lt;b&gt;研修&lt;/b&gt;" in side and "<b>研修</b>" not in side
    unified = page_text(client.get(url(theirs, "specifications/diff/?old=1&new=2&view=unified")))
    assert (
        "<del>-2. LGWAN-ASPで提供すること</del>" in unified
        and "<ins>+2. ISMAP登録のクラウドで提供すること</ins>" in unified
    )
    assert "第1版から第2版へ：2行の変更" in unified
    assert client.get(url(theirs, "specifications/diff/?old=1&new=9")).status_code == 400


# --- the cost sharing calculator -----------------------------------------------------------------


def test_the_calculator_tries_rules_and_the_lead_saves_one(client, everyone, committing, region):
    city = Participant.objects.get()
    services.participant_join(
        procurement=committing, organization=region["other"]["town"], given=seat(), by=everyone["other_editor"]
    )
    trial = {"total_cost_yen": "1000000", "sharing_rule": "flat", "action": "try"}
    client.force_login(everyone["editor"])
    response = client.post(url(committing, "cost-sharing/"), trial)
    assert response.status_code == 200 and response.context["trying"]
    assert response.context["shares"].yen == {
        city.pk: 500_000,
        Participant.objects.exclude(pk=city.pk).get().pk: 500_000,
    }
    assert "500,000円" in page_text(response)
    assert client.post(url(committing, "cost-sharing/"), trial | {"action": "save"}).status_code == 403

    client.force_login(everyone["other_coordinator"])
    trial["version"] = str(Procurement.objects.get().version)  # as the page showed it
    wrong = client.post(
        url(committing, "cost-sharing/"), trial | {"sharing_rule": "mixed", "flat_weight": "30", "action": "save"}
    )
    assert wrong.status_code == 400 and "現在30％" in page_text(wrong)
    assert client.post(url(committing, "cost-sharing/"), trial | {"action": "save"}).status_code == 302
    assert (Procurement.objects.get().sharing_rule, Procurement.objects.get().total_cost_yen) == ("flat", 1_000_000)


# --- the public Q&A ------------------------------------------------------------------------------


def test_a_partners_question_is_public_without_its_asker(client, everyone, committing, region):
    Procurement.objects.update(stage=Stage.RFI)
    client.force_login(everyone["partner"])
    asked = client.post(url(committing, "questions/"), {"question": "<script>alert(1)</script>仕様は公開されますか"})
    assert asked.status_code == 302
    client.force_login(everyone["other_coordinator"])
    page = page_text(client.get(url(committing, "questions/")))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;仕様は公開されますか" in page and "<script>alert(1)" not in page
    assert region["partner"].name not in page and everyone["partner"].name not in page
    question = ProcurementQuestion.objects.get()
    client.force_login(everyone["partner"])
    assert client.post(url(committing, f"questions/{question.pk}/answer/"), {"answer": "はい"}).status_code == 403
    client.force_login(everyone["other_coordinator"])
    client.post(url(committing, f"questions/{question.pk}/answer/"), {"answer": "公開します。"})
    for who in ("partner", "outsider", "viewer", "other_admin"):
        client.force_login(everyone[who])
        assert "公開します。" in page_text(client.get(url(committing, "questions/")))


def test_no_question_outside_the_rfi_and_tender(client, everyone, committing):
    client.force_login(everyone["partner"])
    assert client.get(url(committing, "questions/")).context["form"] is None
    response = client.post(url(committing, "questions/"), {"question": "質問です"})
    assert response.status_code == 400
    refusal = "質問はRFIまたは入札・公告の段階で受け付けます。この共同調達は「参加確定」の段階です。"
    assert refusal in page_text(response)
    assert not ProcurementQuestion.objects.exists()


# --- the export ----------------------------------------------------------------------------------


@pytest.fixture
def awarded(committing, everyone, region):
    city_admin = MembershipFactory(organization=region["other"]["city"], role=Role.ADMIN).user
    services.participant_commit(
        procurement=committing, organization=region["other"]["city"], given=commitment(), by=city_admin
    )
    return move_to(committing, Stage.AWARDED, everyone["other_coordinator"])


def test_the_export_in_csv_shift_jis_and_xlsx(client, everyone, awarded, region):
    client.force_login(everyone["viewer"])
    city = region["other"]["city"]
    expected = [
        awarded.title,
        "window",
        "shared_spec",
        region["other"]["prefecture"].name,
        city.name,
        city.municipality.code,
        city.prefecture.name,
        "60000",
        "5",
        "5m_10m",  # the whole 8,400,000 yen contract
        "1",
        "デジタル田園都市国家構想交付金",
        "デモ窓口株式会社",
        "2026-04-01",
    ]
    utf8 = client.get(url(awarded, "export/?format=csv"))
    assert utf8["Content-Type"] == "text/csv; charset=utf-8" and utf8.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(utf8.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["procurement", "category", "model"] and "cost_band" in rows[0] and "subsidy" in rows[0]
    assert rows[1:] == [expected]
    sjis = client.get(url(awarded, "export/?format=csv-sjis"))
    assert list(csv.reader(io.StringIO(sjis.content.decode("cp932"))))[1:] == [expected]
    workbook = load_workbook(io.BytesIO(client.get(url(awarded, "export/?format=xlsx")).content))
    sheet = list(workbook.active.values)
    assert sheet[1][4:10] == (city.name, city.municipality.code, city.prefecture.name, 60000, 5, "5m_10m")


@pytest.mark.parametrize("who", EVERYONE)
def test_who_exports(client, everyone, awarded, who):
    client.force_login(everyone[who])
    response = client.get(url(awarded, "export/?format=csv"))
    assert response.status_code == (200 if who in WORKSPACE else 404)


def test_nothing_to_export_before_the_award(client, everyone, committing):
    client.force_login(everyone["viewer"])
    response = client.get(url(committing, "export/?format=csv"), follow=True)
    assert "出力できるのは落札・契約の後です。" in page_text(response)


def test_the_search_links_to_the_procurement(client, everyone, theirs):
    client.force_login(everyone["viewer"])
    response = client.get("/community/", {"q": "書かない窓口", "kind": "procurement"})
    assert f'href="{url(theirs)}"' in page_text(response)


def test_platform_staff_read_it_in_the_admin_but_do_not_change_it_there(client, everyone, committing, region):
    superuser = everyone["staff"]
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    page = client.get(f"/admin/community/procurement/{committing.pk}/change/")
    assert page.status_code == 200 and region["other"]["city"].name in page_text(page)
    # A stage or a share changed there would skip the rules, the record and the notices.
    assert client.post(f"/admin/community/procurement/{committing.pk}/change/", {"stage": "awarded"}).status_code == 403
    assert client.get("/admin/community/procurement/add/").status_code == 403
    assert Procurement.objects.get().stage == Stage.COMMITMENT
