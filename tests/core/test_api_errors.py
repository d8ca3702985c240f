"""One shape for every API refusal, and a schema that says which refusals each endpoint gives."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from rest_framework import exceptions
from rest_framework.test import APIClient

from dx_platform.core.api import exception_handler

pytestmark = pytest.mark.django_db


def _handled(exc: Exception):
    response = exception_handler(exc, {})
    return response.status_code, response.data


def test_a_service_refusal_without_a_field_is_under_non_field_errors():
    assert _handled(ValidationError("Only a draft can be submitted.")) == (
        400,
        {"non_field_errors": ["Only a draft can be submitted."]},
    )


def test_a_service_refusal_keeps_its_fields_and_renames_the_rest():
    exc = ValidationError({"fiscal_year": ["Too late."], NON_FIELD_ERRORS: ["Shares must add up to 100."]})
    assert _handled(exc) == (400, {"fiscal_year": ["Too late."], "non_field_errors": ["Shares must add up to 100."]})


def test_a_bare_list_from_a_view_is_not_a_list_body():
    assert _handled(exceptions.ValidationError("Give fiscal_year as a number.")) == (
        400,
        {"non_field_errors": ["Give fiscal_year as a number."]},
    )


def test_refusals_other_than_400_keep_their_detail():
    status, data = _handled(PermissionDenied("Only the prefecture's coordinators do this."))
    assert (status, str(data["detail"])) == (403, "Only the prefecture's coordinators do this.")


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def _ref(operation, code):
    return operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]


def test_every_write_documents_its_refusals(schema):
    writes = [(path, method, op) for path, method, op in _operations(schema) if method in ("POST", "PUT", "PATCH")]
    assert len(writes) > 30
    for path, method, operation in writes:
        assert _ref(operation, "400") == "#/components/schemas/Refusal", (method, path)
        assert _ref(operation, "403") == "#/components/schemas/Detail", (method, path)


def test_an_object_in_the_path_may_be_missing(schema):
    for path, method, operation in _operations(schema):
        assert ("404" in operation["responses"]) == ("{" in path), (method, path)


def test_if_match_and_versions_are_documented_where_they_are_required(schema):
    for path in (
        "/api/v1/kpis/{id}/",
        "/api/v1/roadmaps/{id}/",
        "/api/v1/initiatives/{id}/",
        "/api/v1/milestones/{id}/",
    ):
        for method in ("put", "patch"):
            assert {"412", "428"} <= set(schema["paths"][path][method]["responses"]), (method, path)
        assert "412" not in schema["paths"][path]["get"]["responses"]
    answers = schema["paths"]["/api/v1/assessments/{id}/answers/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409", "428"} <= set(answers)


def test_published_scores_document_their_required_year(schema):
    listed = schema["paths"]["/api/v1/benchmarks/municipality-scores/"]["get"]
    assert _ref(listed, "400") == "#/components/schemas/Refusal"
    assert "403" not in listed["responses"]  # national data is public


def test_the_refusal_shape_is_a_component(schema):
    refusal = schema["components"]["schemas"]["Refusal"]
    assert refusal["properties"]["non_field_errors"] == {"type": "array", "items": {"type": "string"}}
    assert refusal["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
