"""The audit log: who changed what (old → new), read only by those who manage the organisation."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assessments.models import Kpi
from community.models import PracticeCase
from dx_platform.audit.selectors import log_entry_list
from dx_platform.organizations.models import Membership, Role
from tests.community.test_cases_support import write_case
from tests.coordination.conftest import make_kpi
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def marked(region):
    """One new membership (so one log entry) per organisation, its user's name a unique marker."""
    where = {
        "home-town-marker": (region["home"]["town"], Role.VIEWER),
        "home-city-marker": (region["home"]["city"], Role.EDITOR),
        "home-pref-marker": (region["home"]["prefecture"], Role.COORDINATOR),
        "other-town-marker": (region["other"]["town"], Role.VIEWER),
        "other-city-marker": (region["other"]["city"], Role.ADMIN),
        "other-pref-marker": (region["other"]["prefecture"], Role.COORDINATOR),
        "partner-marker": (region["partner"], Role.PARTNER),
    }
    return {
        marker: MembershipFactory(user=UserFactory(name=marker), organization=org, role=role)
        for marker, (org, role) in where.items()
    }


def _membership_entries(membership: Membership):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Membership), object_pk=str(membership.pk)
    )


def _listed_org_ids(response) -> set[int | None]:
    """Organisation ids of every entry the page's list holds (all pages)."""
    return {
        (entry.additional_data or {}).get("organization_id") for entry in response.context["page"].paginator.object_list
    }


def test_role_change_through_the_view_is_logged_with_actor_old_and_new(client, people, region):
    town = region["home"]["town"]
    membership = Membership.objects.get(user=people["viewer"], organization=town)
    client.force_login(people["admin"])

    response = client.post(f"/members/{membership.pk}/role/", {"role": Role.EDITOR})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.EDITOR
    entry = _membership_entries(membership).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == people["admin"]
    assert entry.changes_dict == {"role": [Role.VIEWER, Role.EDITOR]}
    assert entry.additional_data == {"organization_id": town.pk}


def test_removing_a_member_is_logged(client, people, region):
    town = region["home"]["town"]
    membership = Membership.objects.get(user=people["editor"], organization=town)
    client.force_login(people["admin"])

    response = client.post(f"/members/{membership.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    entry = _membership_entries(membership).get(action=LogEntry.Action.DELETE)
    assert entry.actor == people["admin"]
    assert entry.additional_data == {"organization_id": town.pk}
    assert people["editor"].name in entry.object_repr

    # …and the admin finds it in their audit log.
    listed = client.get("/audit/").context["page"].paginator.object_list
    assert entry in listed


def test_audit_page_shows_old_and_new_values(en_client, people, region):
    membership = Membership.objects.get(user=people["viewer"], organization=region["home"]["town"])
    en_client.force_login(people["admin"])
    en_client.post(f"/members/{membership.pk}/role/", {"role": Role.EDITOR})

    response = en_client.get("/audit/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Viewer → Editor" in content
    assert people["admin"].name in content  # who


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("admin", {"home-town-marker"}),
        ("coordinator", {"home-town-marker", "home-city-marker", "home-pref-marker"}),
    ],
    ids=["town admin: their organisation only", "coordinator: their prefecture and its municipalities only"],
)
def test_an_admin_or_a_coordinator_sees_only_their_organisations_entries(client, people, marked, who, shown):
    client.force_login(people[who])

    response = client.get("/audit/")

    assert response.status_code == 200
    content = response.content.decode()
    for marker in marked:
        assert (marker in content) == (marker in shown), marker
    assert _listed_org_ids(response) == {marked[marker].organization_id for marker in shown}


def test_coordinator_can_narrow_to_one_of_their_municipalities(client, people, region, marked):
    client.force_login(people["coordinator"])
    response = client.get(f"/audit/?organization={region['home']['city'].pk}")
    assert response.status_code == 200
    content = response.content.decode()
    assert "home-city-marker" in content
    assert "home-town-marker" not in content
    assert _listed_org_ids(response) == {region["home"]["city"].pk}


def test_staff_sees_everything_and_can_pick_any_organisation(client, people, region, marked):
    client.force_login(people["staff"])

    response = client.get("/audit/")
    assert response.status_code == 200
    listed = response.context["page"].paginator.object_list
    for membership in marked.values():
        assert _membership_entries(membership).get() in listed
    assert listed.count() == LogEntry.objects.count()

    other_town = region["other"]["town"]
    response = client.get(f"/audit/?organization={other_town.pk}")
    assert response.status_code == 200
    content = response.content.decode()
    assert "other-town-marker" in content
    assert "home-town-marker" not in content
    assert _listed_org_ids(response) == {other_town.pk}


@pytest.mark.parametrize("role", ["viewer", "editor", "partner", "national", "outsider"])
def test_people_who_manage_nobody_get_403(client, people, role):
    client.force_login(people[role])
    response = client.get("/audit/")
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["viewer", "editor", "partner", "national", "outsider"])
def test_audit_link_is_not_offered_to_people_who_manage_nobody(client, people, role):
    client.force_login(people[role])
    response = client.get("/notifications/")
    assert 'href="/audit/"' not in response.content.decode()


@pytest.mark.parametrize("role", ["admin", "coordinator", "staff"])
def test_audit_link_is_offered_to_admins_coordinators_and_staff(client, people, role):
    client.force_login(people[role])
    response = client.get("/notifications/")
    assert 'href="/audit/"' in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/audit/")


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("admin", ("other", "town")),
        ("admin", ("home", "city")),
        ("admin", ("home", "prefecture")),
        ("coordinator", ("other", "town")),
        ("coordinator", ("other", "prefecture")),
    ],
)
def test_asking_for_an_organisation_one_does_not_manage_is_404(client, people, region, marked, role, org):
    client.force_login(people[role])
    response = client.get(f"/audit/?organization={region[org[0]][org[1]].pk}")
    assert response.status_code == 404
    assert "marker" not in response.content.decode()


def test_admin_asking_for_a_partner_org_is_404(client, people, region, marked):
    client.force_login(people["admin"])
    response = client.get(f"/audit/?organization={region['partner'].pk}")
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "²", "99999999", "99999999999999999999999"])
def test_malformed_or_unknown_organisation_filter_is_404(client, people, value):
    client.force_login(people["admin"])
    response = client.get(f"/audit/?organization={value}")
    assert response.status_code == 404


@pytest.mark.parametrize("token", ["valid", "none", "unknown"])
def test_a_write_made_with_an_api_token_is_logged_as_the_tokens_user(client, people, region, token):
    kpi = make_kpi(region["home"]["town"].municipality)
    etag = client.get(
        f"/api/v1/kpis/{kpi.pk}/", HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people['editor']).key}"
    )["ETag"]
    header = {
        "valid": {"HTTP_AUTHORIZATION": f"Token {Token.objects.get().key}"},
        "none": {},
        "unknown": {"HTTP_AUTHORIZATION": "Token nope"},
    }[token]
    response = client.patch(
        f"/api/v1/kpis/{kpi.pk}/", {"target_value": 60}, content_type="application/json", HTTP_IF_MATCH=etag, **header
    )
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Kpi), object_pk=str(kpi.pk))
    if token == "valid":
        assert response.status_code == 200
        (change,) = entries.filter(action=LogEntry.Action.UPDATE)
        assert (change.actor, change.changes_dict["target_value"]) == (people["editor"], ["50.0", "60.0"])
    else:
        assert response.status_code in (401, 403)
        assert not entries.filter(action=LogEntry.Action.UPDATE).exists()


def test_a_coordinator_reads_no_entry_of_a_towns_draft_or_embargoed_case_until_it_is_out(people, region):
    town = region["home"]["town"]
    draft = write_case(town, people["editor"], title="下書きの事例")
    embargoed = write_case(
        town, people["editor"], publish=True, embargo_until=timezone.localdate() + dt.timedelta(days=30)
    )
    released = write_case(town, people["editor"], publish=True, title="公開済みの事例")
    case_type = ContentType.objects.get_for_model(PracticeCase)

    def cases_in_log(user, **scope) -> set[int]:
        return {e.object_id for e in log_entry_list(user=user, **scope).filter(content_type=case_type)}

    for scope in ({}, {"organization": town}):
        assert cases_in_log(people["coordinator"], **scope) == {released.pk}
        assert cases_in_log(people["admin"], **scope) == {draft.pk, embargoed.pk, released.pk}  # the author body's
    assert cases_in_log(people["staff"]) == {draft.pk, embargoed.pk, released.pk}
