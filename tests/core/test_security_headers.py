"""Every page carries a Content Security Policy that runs no script but our own files.

The browser tests (tests/e2e) fail on any resource the policy refuses, so the policy and the pages stay
in step."""

import re

import pytest

from tests.factories import UserFactory


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "signed_in"), [("/accounts/login/", False), ("/", True), ("/api/docs/", True), ("/benchmarks/", True)]
)
def test_pages_run_only_scripts_of_our_own_origin(client, path, signed_in):
    if signed_in:
        client.force_login(UserFactory(is_staff=True))
    response = client.get(path)
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    # No inline script for the policy to refuse: every executable <script> names its file.
    scripts = re.findall(r"<script\b([^>]*)>", response.content.decode())
    assert all("src=" in attributes or "application/json" in attributes for attributes in scripts)


@pytest.mark.django_db
def test_the_api_docs_load_their_settings_from_a_file(client):
    client.force_login(UserFactory(is_staff=True))
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
