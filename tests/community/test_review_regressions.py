"""Regressions of the community's authorization and bad-input review: every API endpoint and every POST page
answers junk with a 4xx (never a 500), and the holes the review found stay closed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from benchmarks.models import CatalogYear, Dataset, Indicator
from benchmarks.services.imports import dataset_import
from community.models import Comment, Need, PracticeCase, Procurement, SearchEntry, Solution
from community.models.procurement import Stage
from community.selectors import discussion as discussion_selectors
from community.services import cases as case_services
from community.services import discussion as discussion_services
from community.services import market as market_services
from community.services import procurement as procurement_services
from dx_platform.notifications.models import Notification
from dx_platform.organizations.models import Municipality, Organization, Role
from tests.assessments import load_catalog
from tests.benchmarks.support import long_csv
from tests.community.test_cases_support import pdf, write_case
from tests.community.test_market_support import list_solution, post_need, propose
from tests.community.test_procurement_support import (
    commitment,
    move_to,
    open_procurement,
    seat,
    set_population,
    set_populations,
)
from tests.factories import MembershipFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/community/"
PAGES = "/community/"
BIG = 10**30  # beyond any integer column
# JSON junk for one field: wrong types, out-of-range numbers, malformed dates, markup, oversize text.
JSON_JUNK: tuple[Any, ...] = (
    "abc",
    -1,
    BIG,
    "9" * 40,
    None,
    [],
    {},
    ["a"],
    True,
    1.5,
    "2024-13-45",
    "<b>x</b>",
    "x" * 10_001,
)
# Whole bodies that are not a JSON object.
JSON_BODIES: tuple[Any, ...] = ([], "text", 5, None)
# Form junk for one field (forms send text, or a field several times).
FORM_JUNK: tuple[Any, ...] = ("abc", "-1", "9" * 40, "", "x" * 10_001, "2024-13-45", "\x00", ["1", "2"], "1e400")


@pytest.fixture
def world(region, everyone):
    """One of everything, as its owners wrote it through the services; the procurement at its RFI."""
    load_catalog()
    set_populations(region)
    users = everyone
    town = region["home"]["town"]
    case = write_case(town, users["editor"], publish=True)
    case_services.case_attachment_add(case=case, kind="form", upload=pdf(), by=users["editor"])
    need = post_need(town, users["editor"])
    solution = list_solution(region["partner"], users["partner"])
    procurement = open_procurement(region["home"]["prefecture"], users["coordinator"])
    procurement_services.participant_join(procurement=procurement, organization=town, given=seat(), by=users["editor"])
    procurement = move_to(procurement, Stage.RFI, users["coordinator"])
    procurement_services.specification_add(procurement=procurement, text="1. 要件", note="", by=users["coordinator"])
    return {
        "users": users,
        "region": region,
        "town": town,
        "case": case,
        "need": need,
        "solution": solution,
        "proposal": propose(need, region["partner"], users["partner"]),
        "reference": market_services.reference_request(solution=solution, organization=town, by=users["partner"]),
        "comment": discussion_services.comment_post(target=case, body="質問です", by=users["editor"]),
        "procurement": procurement,
        "question": procurement_services.question_ask(procurement=procurement, question="質問", by=users["partner"]),
    }


def api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def pages(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _crash(response) -> str:
    exc = getattr(response, "exc_info", None)
    return f"{type(exc[1]).__name__}: {exc[1]}"[:200] if exc else str(response.status_code)


def _crashes(bodies: list[Any], send: Callable[[Any], Any], describe: Callable[[Any], str]) -> list[str]:
    """Each body `send` answered with a 5xx, described. Each request runs on its own (rolled back), so one
    that is taken does not change what the next one meets."""
    crashes = []
    for body in bodies:
        savepoint = transaction.savepoint()
        response = send(body)
        transaction.savepoint_rollback(savepoint)
        if response.status_code >= 500:
            crashes.append(f"{describe(body)} → {_crash(response)}")
    return crashes


# --- junk never answers 500 ----------------------------------------------------------------------


def api_endpoints(w: dict[str, Any]) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """Each writing endpoint: who calls it, the method, the path and a valid body to spoil field by field."""
    town, region, p = w["town"], w["region"], w["procurement"].pk
    return {
        "case create": (
            "editor",
            "post",
            "cases/",
            {
                "organization": town.pk,
                "title": "t",
                "problem": "p",
                "what_was_done": "w",
                "outcome": "success",
                "cost_yen": 5,
                "started_on": "2024-01-01",
                "indicators": ["service.rpa"],
                "metrics": [{"label": "a", "before": 1, "after": 2}],
            },
        ),
        "case change": (
            "editor",
            "patch",
            f"cases/{w['case'].pk}/",
            {"title": "t", "cost_yen": 5, "embargo_until": "2024-01-01", "audience": "everyone"},
        ),
        "case ask": ("other_editor", "post", f"cases/{w['case'].pk}/ask/", {"body": "q"}),
        "adoption": (
            "other_editor",
            "post",
            "adoptions/",
            {"case": w["case"].pk, "organization": region["other"]["town"].pk, "note": "n"},
        ),
        "need create": (
            "editor",
            "post",
            "needs/",
            {"organization": town.pk, "title": "t", "problem": "p", "category": "window", "deadline": "2099-01-01"},
        ),
        "need change": ("editor", "patch", f"needs/{w['need'].pk}/", {"title": "t", "deadline": "2099-01-01"}),
        "solution create": (
            "partner",
            "post",
            "solutions/",
            {
                "organization": region["partner"].pk,
                "title": "t",
                "description": "d",
                "category": "window",
                "pricing": "free",
                "deployment": "saas",
                "indicators": ["service.rpa"],
            },
        ),
        "solution change": ("partner", "patch", f"solutions/{w['solution'].pk}/", {"title": "t", "ismap": True}),
        "proposal": (
            "partner",
            "post",
            "proposals/",
            {"need": w["need"].pk, "organization": region["partner"].pk, "summary": "s", "solution": w["solution"].pk},
        ),
        "proposal decide": ("editor", "post", f"proposals/{w['proposal'].pk}/decide/", {"decision": "shortlist"}),
        "reference": (
            "partner",
            "post",
            "references/",
            {"solution": w["solution"].pk, "municipality": region["other"]["city"].municipality.code},
        ),
        "reference decide": ("editor", "post", f"references/{w['reference'].pk}/decide/", {"decision": "confirm"}),
        "procurement create": (
            "coordinator",
            "post",
            "procurements/",
            {
                "lead": region["home"]["prefecture"].pk,
                "title": "t",
                "summary": "s",
                "category": "window",
                "join_until": "2099-01-01",
                "commit_until": "2099-02-01",
                "indicators": ["system.cio"],
                "sharing_rule": "mixed",
                "flat_weight": 50,
                "population_weight": 50,
                "total_cost_yen": 100,
            },
        ),
        "procurement change": (
            "coordinator",
            "patch",
            f"procurements/{p}/",
            {"title": "t", "indicators": ["system.cio"], "join_until": "2099-01-01"},
        ),
        "procurement sharing": (
            "coordinator",
            "post",
            f"procurements/{p}/sharing/",
            {"sharing_rule": "flat", "total_cost_yen": 100},
        ),
        "procurement move": ("coordinator", "post", f"procurements/{p}/move/", {"to_stage": "specification"}),
        "procurement join": (
            "editor",
            "post",
            f"procurements/{p}/join/",
            {"municipality": town.municipality.code, "expected_volume": 1.0, "staff": 3, "constraints": "c"},
        ),
        "procurement withdraw": ("editor", "post", f"procurements/{p}/withdraw/", {"municipality": "200000"}),
        "specification": (
            "coordinator",
            "post",
            "procurement-specifications/",
            {"procurement": p, "text": "zz", "note": "n"},
        ),
        "question": ("partner", "post", "procurement-questions/", {"procurement": p, "question": "q"}),
        "answer": ("coordinator", "post", f"procurement-questions/{w['question'].pk}/answer/", {"answer": "a"}),
        "comment": (
            "editor",
            "post",
            "comments/",
            {"target": "case", "target_id": w["case"].pk, "kind": "comment", "body": "b"},
        ),
        "comment answer": ("other_editor", "post", f"comments/{w['comment'].pk}/answer/", {"body": "b"}),
        "report": ("viewer", "post", "reports/", {"comment": w["comment"].pk, "reason": "r"}),
        "moderation": (
            "coordinator",
            "post",
            "moderation/",
            {"comment": w["comment"].pk, "action": "hide", "reason": "r"},
        ),
    }


API_ENDPOINTS = (
    "case create",
    "case change",
    "case ask",
    "adoption",
    "need create",
    "need change",
    "solution create",
    "solution change",
    "proposal",
    "proposal decide",
    "reference",
    "reference decide",
    "procurement create",
    "procurement change",
    "procurement sharing",
    "procurement move",
    "procurement join",
    "procurement withdraw",
    "specification",
    "question",
    "answer",
    "comment",
    "comment answer",
    "report",
    "moderation",
)


def _spoiled(valid: dict[str, Any], junk: tuple[Any, ...]) -> list[Any]:
    return [{}, *({**valid, name: value} for name in valid for value in junk)]


@pytest.mark.parametrize("name", API_ENDPOINTS)
def test_api_junk_is_a_4xx_never_a_500(world, name):
    who, method, path, valid = api_endpoints(world)[name]
    client = api(world["users"][who])
    crashes = _crashes(
        [*JSON_BODIES, [valid], *_spoiled(valid, JSON_JUNK)],
        lambda body: getattr(client, method)(f"{API}{path}", body, format="json"),
        lambda body: str(body)[:120],
    )
    assert not crashes, "\n".join(crashes)


API_READS = (
    "cases/?outcome=zz&sort=zz&ours=maybe&limit=abc&offset=-5",
    f"needs/?limit={BIG}&offset={BIG}",
    *(
        f"{path}?limit={BIG}"
        for path in (
            "cases/",
            "adoptions/",
            "case-attachments/",
            "needs/",
            "solutions/",
            "proposals/",
            "references/",
            "procurements/",
            "procurement-participants/",
            "procurement-specifications/",
            "procurement-questions/",
            "reports/",
            "moderation/",
            "search/",
        )
    ),
    "comments/?target=case&target_id=1&limit=" + str(BIG),
    f"cases/{BIG}/",
    "cases/abc/",
    f"adoptions/?case=abc&organization={BIG}",
    f"case-attachments/?case={BIG}&kind=zz",
    f"case-attachments/{BIG}/",
    "needs/?category=zz&area=q&status=x",
    f"needs/{BIG}/",
    "solutions/?qualifications=zz&deployment=x",
    "proposals/?need=abc&status=zz",
    f"proposals/?need={BIG}",
    "references/?solution=-1&status=zz",
    "procurements/?stage=zz&category=q&model=z",
    f"procurements/{BIG}/",
    f"procurement-participants/?procurement={BIG}&status=zz",
    "procurement-specifications/?procurement=abc",
    f"procurement-questions/?procurement={BIG}",
    f"comments/?target=case&target_id={BIG}",
    "comments/?target=zz&target_id=abc",
    "comments/?target=case",
    f"comments/{BIG}/",
    "reports/?limit=-1",
    "moderation/?offset=abc",
    "search/?q=" + "x" * 500,
    "search/?q=%22%22%22+NEAR(a+b)+*%5E+-col:x+%27%27",  # FTS5's own syntax is only text here
    "search/?kind=zz&prefecture=abc&indicator=zz&size_class=zz",
    f"search/?prefecture={BIG}",
)


@pytest.mark.parametrize("who", ["editor", "partner", "coordinator", "staff"])
def test_api_reads_with_junk_filters_and_ids_are_a_4xx_never_a_500(world, who):
    client = api(world["users"][who])
    version = world["procurement"].specifications.first().pk
    reads = (*API_READS, f"procurement-specifications/{version}/diff/?against={BIG}")
    crashes = [f"{path} → {_crash(r)}" for path in reads if (r := client.get(f"{API}{path}")).status_code >= 500]
    assert not crashes, "\n".join(crashes)


def page_endpoints(w: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each POST page: who posts it, the path and a valid form to spoil field by field."""
    town, region, p, c = w["town"], w["region"], w["procurement"].pk, w["case"].pk
    case_form = {
        "title": "t",
        "problem": "p",
        "what_was_done": "w",
        "outcome": "success",
        "audience": "public_sector",
        "cost_yen": "5",
        "started_on": "2024-01-01",
        "indicators": CatalogYear.objects.order_by("-fiscal_year").first().indicators.first().pk,
        "metrics-TOTAL_FORMS": "1",
        "metrics-INITIAL_FORMS": "0",
        "metrics-0-label": "l",
        "metrics-0-before": "1",
    }
    need_form = {
        "title": "t",
        "problem": "p",
        "category": "window",
        "deadline": "2099-01-01",
        "budget_band": "undecided",
    }
    solution_form = {
        "organization": region["partner"].pk,
        "title": "t",
        "description": "d",
        "category": "window",
        "pricing": "free",
        "deployment": "saas",
        "status": "draft",
    }
    procurement_form = {
        "title": "t",
        "summary": "s",
        "category": "window",
        "model": "shared_spec",
        "join_until": "2099-01-01",
        "commit_until": "2099-02-01",
        "sharing_rule": "flat",
        "total_cost_yen": "100",
    }
    return {
        "case create": ("editor", "cases/new/", {"organization": town.pk, **case_form}),
        "case edit": ("editor", f"cases/{c}/edit/", case_form),
        "kit": ("editor", f"cases/{c}/kit/", {"kit-kind": "form", "kit-file": "not a file"}),
        "adopt": ("other_editor", f"cases/{c}/adopt/", {"organization": region["other"]["town"].pk, "note": "n"}),
        "ask": ("other_editor", f"cases/{c}/ask/", {"question-body": "q"}),
        "need create": ("editor", "needs/new/", {"organization": town.pk, **need_form}),
        "need edit": ("editor", f"needs/{w['need'].pk}/edit/", need_form),
        "propose": (
            "partner",
            f"needs/{w['need'].pk}/propose/",
            {"organization": region["partner"].pk, "summary": "s", "solution": w["solution"].pk},
        ),
        "proposal decide": ("editor", f"proposals/{w['proposal'].pk}/decide/", {"decision": "shortlist"}),
        "solution create": ("partner", "solutions/new/", solution_form),
        "solution edit": ("partner", f"solutions/{w['solution'].pk}/edit/", solution_form),
        "reference": ("partner", f"solutions/{w['solution'].pk}/", {"municipality": "200000"}),
        "reference decide": ("editor", f"references/{w['reference'].pk}/", {"decision": "confirm"}),
        "procurement create": (
            "coordinator",
            "procurements/new/",
            {"lead": region["home"]["prefecture"].pk, "invite": town.pk, **procurement_form},
        ),
        "procurement edit": ("coordinator", f"procurements/{p}/edit/", procurement_form),
        "stage": ("coordinator", f"procurements/{p}/stage/", {"to_stage": "specification", "note": "n"}),
        "join": (
            "editor",
            f"procurements/{p}/join/",
            {"organization": town.pk, "expected_volume": "1", "staff": "2", "constraints": ""},
        ),
        "withdraw": ("editor", f"procurements/{p}/withdraw/", {"organization": town.pk}),
        "commit": (
            "admin",
            f"procurements/{p}/commit/",
            {
                "organization": town.pk,
                "department_approval": "approved",
                "mayor_approval": "approved",
                "council_approval": "approved",
                "budget": "initial",
                "budget_fiscal_year": "2026",
            },
        ),
        "specification": ("coordinator", f"procurements/{p}/specifications/", {"text": "t", "note": "n"}),
        "sharing save": (
            "coordinator",
            f"procurements/{p}/cost-sharing/",
            {"action": "save", "sharing_rule": "flat", "total_cost_yen": "100"},
        ),
        "sharing try": (
            "editor",
            f"procurements/{p}/cost-sharing/",
            {"sharing_rule": "mixed", "total_cost_yen": "100", "flat_weight": "50", "population_weight": "50"},
        ),
        "question": ("partner", f"procurements/{p}/questions/", {"question": "q"}),
        "answer": ("coordinator", f"procurements/{p}/questions/{w['question'].pk}/answer/", {"answer": "a"}),
        "comment": (
            "editor",
            "comments/",
            {
                "target": "case",
                "target_id": c,
                "parent": w["comment"].pk,
                "next": "/community/",
                "kind": "comment",
                "body": "b",
            },
        ),
        "report": ("viewer", f"comments/{w['comment'].pk}/report/", {"reason": "r"}),
        "hide": ("coordinator", f"comments/{w['comment'].pk}/hide/", {"reason": "r"}),
    }


PAGE_ENDPOINTS = (
    "case create",
    "case edit",
    "kit",
    "adopt",
    "ask",
    "need create",
    "need edit",
    "propose",
    "proposal decide",
    "solution create",
    "solution edit",
    "reference",
    "reference decide",
    "procurement create",
    "procurement edit",
    "stage",
    "join",
    "withdraw",
    "commit",
    "specification",
    "sharing save",
    "sharing try",
    "question",
    "answer",
    "comment",
    "report",
    "hide",
)


@pytest.mark.parametrize("name", PAGE_ENDPOINTS)
def test_page_junk_is_a_4xx_never_a_500(world, name):
    who, path, valid = page_endpoints(world)[name]
    client = pages(world["users"][who])
    crashes = _crashes(
        _spoiled(valid, FORM_JUNK),
        lambda body: client.post(f"{PAGES}{path}", body),
        lambda body: str({k: str(v)[:30] for k, v in body.items()})[:300],
    )
    assert not crashes, "\n".join(crashes)


PAGE_READS = (
    "?q=x&kind=zz&area=zz&indicator=zz&size_class=zz&prefecture=zz&outcome=zz&page=abc",
    f"?prefecture={BIG}&page={BIG}",
    "?q=%22%22%22+NEAR(a+b)+*%5E+-col:x+%27%27",
    "cases/?outcome=zz&sort=zz&ours=zz&page=-1",
    f"cases/{BIG}/",
    "needs/?category=zz&status=zz",
    "solutions/?qualifications=zz&deployment=zz",
    "procurements/?stage=zz",
    f"procurements/new/?indicator=zz&municipalities=abc,1,{BIG}",
    f"references/{BIG}/",
    f"comments/{BIG}/report/",
    "moderation/",
)


@pytest.mark.parametrize("who", ["editor", "partner", "coordinator", "staff"])
def test_page_reads_with_junk_are_a_4xx_never_a_500(world, who):
    client = pages(world["users"][who])
    p, c = world["procurement"].pk, world["case"].pk
    reads = (
        *PAGE_READS,
        f"cases/{c}/kit/{BIG}/",
        f"procurements/{p}/specifications/{BIG}/",
        f"procurements/{p}/specifications/diff/?old=abc&new={BIG}&view=zz",
        f"procurements/{p}/export/?format=zz",
    )
    crashes = [f"{path} → {_crash(r)}" for path in reads if (r := client.get(f"{PAGES}{path}")).status_code >= 500]
    assert not crashes, "\n".join(crashes)


# --- what the review found -----------------------------------------------------------------------


@pytest.mark.parametrize("body", JSON_BODIES)
@pytest.mark.parametrize("what", ["proposal", "reference"])
def test_a_decision_that_is_not_a_json_object_is_a_400(world, what, body):
    path = f"proposals/{world['proposal'].pk}/" if what == "proposal" else f"references/{world['reference'].pk}/"
    response = api(world["users"]["editor"]).post(f"{API}{path}decide/", body, format="json")
    assert response.status_code == 400
    assert "decision" in response.json()


def test_a_procurement_is_tagged_through_the_api_with_the_newest_catalogs_scored_items(world):
    """Every fiscal year's catalog has a system.cio: the API took the code from any year, and two were a 500."""
    region = world["region"]
    client = api(world["users"]["coordinator"])
    body = {
        "lead": region["home"]["prefecture"].pk,
        "title": "CIO補佐官の共同確保",
        "summary": "県内で共同で確保します。",
        "category": "training",
        "join_until": "2099-01-01",
        "sharing_rule": "flat",
        "indicators": ["system.cio"],
    }
    created = client.post(f"{API}procurements/", body, format="json")
    assert created.status_code == 201, created.json()
    procurement = Procurement.objects.get(pk=created.json()["id"])
    newest = CatalogYear.objects.order_by("-fiscal_year").first()
    assert [(i.code, i.catalog_id) for i in procurement.indicators.all()] == [("system.cio", newest.pk)]
    changed = client.patch(f"{API}procurements/{procurement.pk}/", {"indicators": ["system.cio"]}, format="json")
    assert changed.status_code == 200, changed.json()
    # As on the page: the newest catalog's scored yes/no items only (system.all_staff_training is not scored).
    for code in ("system.all_staff_training", "no.such.item"):
        refused = client.patch(f"{API}procurements/{procurement.pk}/", {"indicators": [code]}, format="json")
        assert refused.status_code == 400
        assert "indicators" in refused.json()


@pytest.fixture
def tendering(world):
    users, town = world["users"], world["town"]
    procurement = move_to(world["procurement"], Stage.COMMITMENT, users["coordinator"])
    procurement_services.participant_commit(
        procurement=procurement, organization=town, given=commitment(), by=users["admin"]
    )
    return move_to(procurement, Stage.TENDER, users["coordinator"])


@pytest.mark.parametrize(
    ("who", "action", "body", "field"),
    [
        ("coordinator", "sharing", {"sharing_rule": "flat", "total_cost_yen": BIG}, "total_cost_yen"),
        ("coordinator", "sharing", {"sharing_rule": "flat", "total_cost_yen": 10**12 + 1}, "total_cost_yen"),
        ("editor", "join", {"municipality": "town", "staff": BIG}, "staff"),
        ("editor", "join", {"municipality": "town", "staff": 1_000_001}, "staff"),
    ],
)
def test_numbers_beyond_a_procurement_are_a_400_by_field(world, who, action, body, field):
    if body.get("municipality") == "town":
        body = {**body, "municipality": world["town"].municipality.code}
    response = api(world["users"][who]).post(
        f"{API}procurements/{world['procurement'].pk}/{action}/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_a_contract_amount_beyond_a_procurement_is_a_400(world, tendering):
    body = {
        "to_stage": "awarded",
        "awarded_to": "デモ株式会社",
        "contract_amount_yen": BIG,
        "contract_on": "2026-04-01",
    }
    response = api(world["users"]["coordinator"]).post(f"{API}procurements/{tendering.pk}/move/", body, format="json")
    assert response.status_code == 400
    assert "contract_amount_yen" in response.json()
    tendering.refresh_from_db()
    assert tendering.stage == Stage.TENDER


def test_an_opened_procurement_with_a_total_beyond_any_is_a_400(world):
    body = {
        "lead": world["region"]["home"]["prefecture"].pk,
        "title": "t",
        "summary": "s",
        "category": "window",
        "join_until": "2099-01-01",
        "sharing_rule": "flat",
        "total_cost_yen": BIG,
    }
    response = api(world["users"]["coordinator"]).post(f"{API}procurements/", body, format="json")
    assert response.status_code == 400
    assert "total_cost_yen" in response.json()


@pytest.mark.parametrize(
    ("who", "path", "field", "model"),
    [
        ("editor", "cases/new/", "indicators", PracticeCase),
        ("editor", "needs/new/", "indicators", Need),
        ("partner", "solutions/new/", "indicators", Solution),
        ("coordinator", "procurements/new/", "indicators", Procurement),
        ("coordinator", "procurements/new/", "invite", Procurement),
    ],
)
def test_an_id_beyond_the_database_among_several_choices_is_a_400(world, who, path, field, model):
    """A checkbox list's value is an id; one the database cannot hold was sent to it (a 500)."""
    who_for = {
        "cases/new/": world["town"],
        "needs/new/": world["town"],
        "solutions/new/": world["region"]["partner"],
    }
    form = {
        "organization": getattr(who_for.get(path), "pk", ""),
        "lead": world["region"]["home"]["prefecture"].pk,
        "title": "t",
        field: str(BIG),
    }
    before = model.objects.count()
    response = pages(world["users"][who]).post(f"{PAGES}{path}", form)
    assert response.status_code == 400
    forms = [response.context[name] for name in ("form", "invite_form") if name in response.context]
    assert any(field in form.errors for form in forms)
    assert model.objects.count() == before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("abc", None),  # not a path: was a NoReverseMatch (500)
        ("comment-form", None),
        ("//evil.example/page", None),
        ("https://evil.example/", None),
        ("/community/cases/?page=2#old", "/community/cases/?page=2"),
    ],
)
def test_a_comments_next_page_is_a_path_of_this_site_or_the_items_page(world, given, expected):
    form = {
        "target": "case",
        "target_id": world["case"].pk,
        "kind": "comment",
        "body": "ありがとうございます",
        "next": given,
    }
    response = pages(world["users"]["other_editor"]).post(f"{PAGES}comments/", form)
    assert response.status_code == 302
    comment = Comment.objects.latest("pk")
    assert response["Location"] == (
        f"{expected}#comment-{comment.pk}" if expected else discussion_selectors.comment_url(comment)
    )


@pytest.fixture
def anonymised(world):
    """An anonymised case of the home town, for everyone signed in, with a comment by its author and one
    by the other prefecture's editor."""
    users = world["users"]
    case = write_case(world["town"], users["editor"], publish=True, anonymous=True, audience="everyone")
    by_author = discussion_services.comment_post(target=case, body="作者の回答です", by=users["editor"])
    by_other = discussion_services.comment_post(target=case, body="他県の意見です", by=users["other_editor"])
    return case, by_author, by_other


def test_moderation_does_not_tell_a_coordinator_that_an_anonymised_case_is_from_their_prefecture(world, anonymised):
    """Being offered to moderate a comment, or told of its report, because the case's author body is of one's
    prefecture would name the prefecture that the anonymised case leaves out (and, in a small one, the town)."""
    users = world["users"]
    case, by_author, by_other = anonymised
    coordinator = users["coordinator"]
    assert not discussion_selectors.can_moderate_comment(coordinator, by_author)
    assert not discussion_selectors.can_moderate_comment(coordinator, by_other)
    entries = discussion_selectors.thread(user=coordinator, target=case).entries
    assert [entry.may_moderate for entry in entries] == [False, False]
    refused = api(coordinator).post(
        f"{API}moderation/", {"comment": by_author.pk, "action": "hide", "reason": "理由"}, format="json"
    )
    assert refused.status_code == 403
    discussion_services.comment_report(comment=by_author, reason="確認してください", by=users["other_editor"])
    assert not Notification.objects.filter(recipient=coordinator, title__contains=case.title).exists()
    # The commenter's own prefecture still moderates its people's comments, and platform staff every one.
    assert discussion_selectors.can_moderate_comment(users["other_coordinator"], by_other)
    assert not discussion_selectors.can_moderate_comment(users["other_coordinator"], by_author)
    assert all(discussion_selectors.can_moderate_comment(users["staff"], c) for c in (by_author, by_other))
    assert Notification.objects.filter(recipient=users["staff"], title__contains=case.title).exists()


def test_the_author_bodys_prefecture_moderates_a_case_that_is_not_anonymised(world):
    comment = world["comment"]  # on the home town's named case
    assert discussion_selectors.can_moderate_comment(world["users"]["coordinator"], comment)


def test_a_line_break_in_a_title_does_not_fail_the_notice_email(world, django_capture_on_commit_callbacks):
    """A title reaches the email subject of every notice about it; a header cannot hold a line break."""
    body = {
        "organization": world["town"].pk,
        "title": "申請書の\r\n削減",
        "problem": "p",
        "category": "window",
        "deadline": "2099-01-01",
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world["users"]["editor"]).post(f"{API}needs/", body, format="json")
    assert response.status_code == 201, _crash(response)
    url = reverse("community:need_detail", args=[response.json()["id"]])
    notice = Notification.objects.get(recipient=world["users"]["partner"], url=url)
    assert "\n" not in notice.title and "\r" not in notice.title
    assert "申請書の 削減" in notice.title
    assert [message.to for message in mail.outbox] == [[world["users"]["partner"].email]]


def test_partners_do_not_see_a_procurements_joining_date_in_the_list(world, en_client):
    procurement = world["procurement"]
    shown = procurement.join_until.strftime("%Y-%m-%d")
    for who, sees in (("partner", False), ("editor", True)):
        en_client.force_login(world["users"][who])
        page = en_client.get(f"{PAGES}procurements/").content.decode()
        assert procurement.title in page
        assert (shown in page, "Join until" in page) == (sees, sees)


def test_an_anonymised_cases_search_entry_never_falls_back_to_the_exact_population(world):
    """A case written before its town had a reference population keeps none. Changed once the figure arrived,
    its index entry took the town's exact figure (public reference data, which names the town) for want of one."""
    home = world["town"].prefecture
    town = Organization.objects.create(
        kind=Organization.Kind.MUNICIPALITY,
        prefecture=home,
        municipality=MunicipalityFactory(prefecture=home, kind="town", size_class="town"),
        name="人口未登録町",
    )
    editor = MembershipFactory(organization=town, role=Role.EDITOR).user
    case = write_case(town, editor, publish=True, anonymous=True, audience="everyone")
    assert case.population is None
    set_population(town, 12_345)
    changed = replace(case_services.CaseInput.of(case), title="住民票の郵送請求をオンライン化")
    case_services.practice_case_save(organization=town, given=changed, by=editor, case=case)
    entry = SearchEntry.objects.get(kind="case", object_id=case.pk)
    assert (entry.organization, entry.prefecture, entry.population) == (None, None, None)
    results = api(world["users"]["partner"]).get(f"{API}search/", {"q": "郵送請求"}).json()["results"]
    assert [(r["object_id"], r["population"], r["organization"]) for r in results] == [(case.pk, None, None)]


ROUTED_CODES = ("system.cio", "online_volume.01")


def test_a_question_the_author_asks_on_its_anonymised_case_is_not_routed_near_the_author(
    world, django_capture_on_commit_callbacks
):
    """Questions go to municipalities near the asker first; the routed bodies are shown in the thread, so
    when the asker is the anonymised case's own author body they would point at its prefecture."""
    region, users = world["region"], world["users"]
    author = region["other"]["town"]
    done = []
    for side in ("home", "other"):
        prefecture = region[side]["town"].municipality.prefecture
        for n in range(5):
            municipality = MunicipalityFactory(prefecture=prefecture, kind="town", size_class="town")
            body = Organization.objects.create(
                kind=Organization.Kind.MUNICIPALITY,
                prefecture=region[side]["prefecture"].prefecture,
                municipality=municipality,
                name=f"{side}{n}町",
            )
            MembershipFactory(organization=body, role=Role.EDITOR)
            done.append(body)
    # A national dataset has a row for every municipality: these did both items, the region's own neither.
    did = {body.municipality.code for body in done}
    rows = [
        (code, item, raw if code in did else none)
        for code in Municipality.objects.values_list("code", flat=True)
        for item, raw, none in zip(ROUTED_CODES, ("1", "online"), ("0", "offline"), strict=True)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        dataset_import(
            data=long_csv(rows), file_name="n.csv", name="全国", source="テスト", origin=Dataset.Origin.REAL, by=None
        )
    indicators = list(Indicator.objects.filter(code__in=ROUTED_CODES, catalog__fiscal_year=2023))
    case = write_case(author, users["other_editor"], publish=True, anonymous=True, indicators=indicators)
    with django_capture_on_commit_callbacks(execute=True):
        question = discussion_services.comment_post(
            target=case, body="他に実施した団体はありますか？", by=users["other_editor"], kind=Comment.Kind.QUESTION
        )
    routed = set(question.routed_to.all())
    assert len(routed) == discussion_services.ROUTE_TO
    # As if nobody in particular had asked: not the author's prefecture first.
    assert routed == set(discussion_services.routing_candidates(codes=set(ROUTED_CODES), asker=None, skip=[author]))
    assert {body.prefecture_id for body in routed} != {author.prefecture_id}


def test_the_audit_log_keeps_drafts_and_anonymised_authors_from_the_prefecture(client, region, people):
    """Coordinators read their towns' audit log: not a draft's text, nor whose an anonymised case is."""
    load_catalog()
    town = region["home"]["town"]
    write_case(town, people["editor"], title="まだ下書きの事例", problem="下書きの本文")
    write_case(town, people["editor"], title="匿名の事例", anonymous=True, publish=True)
    client.force_login(people["coordinator"])
    page = client.get("/audit/").content.decode()
    assert "下書きの本文" not in page
    assert "匿名の事例" not in page
    client.force_login(people["staff"])
    assert "匿名の事例" in client.get("/audit/").content.decode()
