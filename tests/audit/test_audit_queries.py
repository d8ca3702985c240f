"""The audit log page costs the same number of queries however many entries it shows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dx_platform.organizations.models import Role
from dx_platform.organizations.services import membership_change_role
from tests.factories import MembershipFactory


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/audit/").status_code == 200
    return len(captured)


def test_audit_page_has_no_query_per_entry(region, people, client):
    town = region["home"]["town"]
    client.force_login(people["admin"])
    for _ in range(2):
        membership = MembershipFactory(organization=town, role=Role.VIEWER)
        membership_change_role(membership=membership, role=Role.EDITOR, by=people["admin"])
    few = _queries(client)
    for _ in range(10):
        membership = MembershipFactory(organization=town, role=Role.VIEWER)
        membership_change_role(membership=membership, role=Role.EDITOR, by=people["admin"])
    assert _queries(client) == few
