"""A service's refusal reaches the API's one exception handler, whatever the endpoint: every 400 then has
the shape {"<field>": [reasons], "non_field_errors": [reasons]} (see dx_platform/core/api.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.assessments import load_catalog

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2026


def _api_modules() -> list[Path]:
    return sorted(
        path
        for app in ("dx_platform", "assessments", "benchmarks", "community", "coordination")
        for path in (ROOT / app).rglob("*.py")
        if ("api" in path.parts[:-1] or path.name == "api.py")
        and "serializers" not in path.parts
        and path.name != "serializers.py"
        and path.relative_to(ROOT).as_posix() != "dx_platform/core/api.py"
    )


def _catches_validation_errors(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.ExceptHandler)
            and node.type is not None
            and "ValidationError" in ast.unparse(node.type)
        ):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", _api_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_api_view_turns_a_refusal_into_a_body_of_its_own(path):
    """Refusals go to the handler, so no endpoint can give a 400 of another shape."""
    assert _catches_validation_errors(path.read_text()) == []


def test_the_check_sees_a_caught_refusal():
    source = "try:\n    x()\nexcept DjangoValidationError as exc:\n    raise bad(exc)\n"
    assert _catches_validation_errors(source) == [3]


def _is_refusal(body: object) -> bool:
    return (
        isinstance(body, dict)
        and bool(body)
        and all(isinstance(reasons, list) and all(isinstance(r, str) for r in reasons) for reasons in body.values())
    )


@pytest.fixture
def api_for(db):
    def make(user) -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make


@pytest.fixture
def started(region, people, api_for):
    load_catalog()
    code = region["home"]["town"].municipality.code
    response = api_for(people["editor"]).post(
        "/api/v1/assessments/", {"municipality": code, "fiscal_year": YEAR}, format="json"
    )
    assert response.status_code == 201
    return response.json()


def test_a_refusal_about_a_field_is_under_its_name(region, people, api_for):
    load_catalog()
    code = region["home"]["town"].municipality.code
    response = api_for(people["editor"]).post(
        "/api/v1/assessments/", {"municipality": code, "fiscal_year": 1999}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["fiscal_year"] and _is_refusal(response.json())


def test_a_refusal_about_no_field_is_under_non_field_errors(started, people, api_for):
    response = api_for(people["admin"]).post(f"/api/v1/assessments/{started['id']}/submit/", {}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"] and _is_refusal(response.json())
    assert "未回答・未確認の項目" in response.json()["non_field_errors"][0]


def test_a_review_refused_by_the_service_has_the_same_shape(started, people, api_for):
    api_for(people["admin"]).post(f"/api/v1/assessments/{started['id']}/submit/", {"accept_missing": True})
    response = api_for(people["coordinator"]).post(
        f"/api/v1/assessments/{started['id']}/review/", {"decision": "return", "comment": ""}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"] and _is_refusal(response.json())


def test_a_serializer_refusal_has_the_same_shape(started, people, api_for):
    response = api_for(people["coordinator"]).post(
        f"/api/v1/assessments/{started['id']}/review/", {"decision": "maybe"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["decision"] and _is_refusal(response.json())
