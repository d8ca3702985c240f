"""Schemathesis over the whole API (the published schema) with every role's token: whatever a request holds,
or leaves out, the answer is never a server error."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import TestPhase

from dx_platform.wsgi import application

ROLES = ("viewer", "editor", "admin", "coordinator", "partner", "national", "staff", "outsider")

# Random requests, valid and invalid (fuzzing), and, from the systematic coverage phase, each body with only
# its required fields: a field the schema calls optional must be one the endpoint does without. The rest of
# the coverage phase is some 11,000 requests per role, hours on this machine.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    application,
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"generation": {"mode": "positive"}}}}),
)


def required_fields(method: str, path: str) -> set[str]:
    """The fields the schema requires in the operation's JSON body."""
    content = schema.raw_schema["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = schema.raw_schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return set(body.get("required", []))


@schema.hook
def filter_case(context, case) -> bool:
    if case.meta.phase.name != TestPhase.COVERAGE:
        return True
    return isinstance(case.body, dict) and set(case.body) <= required_fields(case.method, case.operation.path)


@pytest.fixture(autouse=True)
def _connection_kept():
    """The app is called as a WSGI server would; closing the connection after each request, as Django then
    does, would end the test's transaction on PostgreSQL (Django's own test client holds it open too)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(people):
    return [Token.objects.create(user=people[role]).key for role in ROLES]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_of_any_role_gets_a_server_error(case, tokens):
    for token in tokens:
        response = case.call(headers={"Authorization": f"Token {token}"})
        case.validate_response(response, checks=[not_a_server_error])
