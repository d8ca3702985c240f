"""Who may read, edit, submit and review a municipality's self-assessment: pages, services, selectors."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from assessments import selectors, services
from assessments.models import Assessment
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Role
from tests.assessments import (
    EDITORS,
    EVERYONE,
    READERS,
    REVIEWERS,
    SUBMITTERS,
    answer,
    form_data,
    inputs,
    load_catalog,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
# Neither of the town nor of its prefecture: the assessment does not exist for them (404).
STRANGERS = sorted(set(EVERYONE) - READERS)


@pytest.fixture
def draft(db, town, people) -> Assessment:
    load_catalog()
    return services.assessment_start(municipality=town.municipality, fiscal_year=YEAR, by=people["editor"])


def url(assessment: Assessment, action: str = "", year: int | None = None) -> str:
    return f"/assessments/{assessment.municipality.code}/{year or assessment.fiscal_year}/{action}"


# --- the rules themselves ------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_permission_functions_for_the_home_town(everyone, town, who):
    user = everyone[who]
    assert permissions.can_view_assessment(user, town) == (who in READERS)
    assert permissions.can_edit_assessment(user, town) == (who in EDITORS)
    assert permissions.can_submit_assessment(user, town) == (who in SUBMITTERS)
    assert permissions.can_review_assessment(user, town) == (who in REVIEWERS)


@pytest.mark.parametrize("who", EVERYONE)
def test_a_prefecture_has_no_assessment_to_review(everyone, region, who):
    assert not permissions.can_review_assessment(everyone[who], region["home"]["prefecture"])


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_reading_the_assessment_page(client, everyone, draft, who):
    client.force_login(everyone[who])
    assert client.get(url(draft)).status_code == (200 if who in READERS else 404)
    assert client.get(url(draft, year=2025)).status_code == (200 if who in READERS else 404)


def test_anonymous_people_are_sent_to_sign_in(client, draft):
    for response in (client.get(url(draft)), client.post(url(draft, "submit/")), client.get("/assessments/review/20/")):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", EVERYONE)
def test_saving_the_assessment_page(client, everyone, draft, who):
    client.force_login(everyone["editor"])
    data = form_data(client.get(url(draft)), {"v:system.cio": "1", "note:system.cio": f"by {who}"})
    client.force_login(everyone[who])

    response = client.post(url(draft), data)

    expected = 302 if who in EDITORS else 403 if who in READERS else 404
    assert response.status_code == expected
    cio = answer(draft, "system.cio")
    assert (cio.value, cio.note) == ((1.0, f"by {who}") if who in EDITORS else (None, ""))


@pytest.mark.parametrize("who", EVERYONE)
def test_starting_an_assessment(client, everyone, draft, who):
    client.force_login(everyone[who])

    response = client.post(url(draft, year=2025))

    expected = 302 if who in EDITORS else 403 if who in READERS else 404
    assert response.status_code == expected
    assert Assessment.objects.filter(fiscal_year=2025).exists() == (who in EDITORS)


@pytest.mark.parametrize("who", EVERYONE)
def test_submitting(client, everyone, draft, who):
    client.force_login(everyone[who])

    response = client.post(url(draft, "submit/"), {"accept_missing": "1"})

    expected = 302 if who in SUBMITTERS else 403 if who in READERS else 404
    assert response.status_code == expected
    status = Assessment.objects.get(pk=draft.pk).status
    assert status == (Assessment.Status.SUBMITTED if who in SUBMITTERS else Assessment.Status.DRAFT)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("decision", ["confirm", "return"])
def test_reviewing(client, everyone, draft, who, decision):
    services.assessment_submit(assessment=draft, by=everyone["admin"], accept_missing=True)
    client.force_login(everyone[who])

    response = client.post(url(draft, "review/"), {"decision": decision, "comment": "根拠を添付してください"})

    expected = 302 if who in REVIEWERS else 403 if who in READERS else 404
    assert response.status_code == expected
    status = Assessment.objects.get(pk=draft.pk).status
    reviewed = Assessment.Status.CONFIRMED if decision == "confirm" else Assessment.Status.RETURNED
    assert status == (reviewed if who in REVIEWERS else Assessment.Status.SUBMITTED)


@pytest.mark.parametrize("who", EVERYONE)
def test_the_review_lists(client, everyone, draft, who):
    client.force_login(everyone[who])
    assert client.get("/assessments/review/20/").status_code == (200 if who in ("coordinator", "staff") else 403)
    assert client.get("/assessments/review/29/").status_code == (200 if who in ("other_coordinator", "staff") else 403)
    assert client.post("/assessments/review/20/", {"assessment": [draft.pk], "decision": "confirm"}).status_code == (
        302 if who in ("coordinator", "staff") else 403
    )


def test_the_review_list_of_an_unknown_prefecture_is_404(client, everyone):
    client.force_login(everyone["staff"])
    assert client.get("/assessments/review/99/").status_code == 404


def test_the_list_page_shows_only_ones_own_municipalities(client, everyone, draft, region):
    client.force_login(everyone["other_admin"])
    response = client.get("/assessments/")
    assert response.status_code == 200
    assert region["home"]["town"].name not in response.content.decode()
    assert region["other"]["town"].name in response.content.decode()


# --- services ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - EDITORS))
def test_services_refuse_to_start_and_save_for_anyone_but_the_editors(everyone, draft, town, who):
    user = everyone[who]
    with pytest.raises(PermissionDenied):
        services.assessment_start(municipality=town.municipality, fiscal_year=2025, by=user)
    with pytest.raises(PermissionDenied):
        services.assessment_save(
            assessment=draft, answers=inputs(draft, {"system.cio": {"value": 1.0}}), version=draft.version, by=user
        )
    assert not Assessment.objects.filter(fiscal_year=2025).exists()
    assert answer(draft, "system.cio").value is None


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - SUBMITTERS))
def test_services_refuse_to_submit_for_anyone_but_the_admins(everyone, draft, who):
    with pytest.raises(PermissionDenied):
        services.assessment_submit(assessment=draft, by=everyone[who], accept_missing=True)


@pytest.mark.parametrize("who", sorted(set(EVERYONE) - REVIEWERS))
def test_services_refuse_to_review_for_anyone_but_the_coordinators(everyone, draft, who):
    services.assessment_submit(assessment=draft, by=everyone["admin"], accept_missing=True)
    with pytest.raises(PermissionDenied):
        services.assessment_review(assessment=draft, by=everyone[who], confirm=True)
    with pytest.raises(PermissionDenied):
        services.assessments_review_bulk(assessments=[draft], by=everyone[who], confirm=False, comment="x")
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.SUBMITTED


@pytest.mark.parametrize("who", EVERYONE)
def test_nobody_reads_another_prefectures_assessments(everyone, region, draft, who):
    other_town = region["other"]["town"].municipality
    theirs = services.assessment_start(municipality=other_town, fiscal_year=YEAR, by=everyone["other_editor"])
    city_editor = MembershipFactory(organization=region["home"]["city"], role=Role.EDITOR).user
    home_city = services.assessment_start(
        municipality=region["home"]["city"].municipality, fiscal_year=YEAR, by=city_editor
    )

    listed = set(selectors.assessment_list(user=everyone[who]).values_list("pk", flat=True))

    expected = {
        "viewer": {draft.pk},
        "editor": {draft.pk},
        "admin": {draft.pk},
        "coordinator": {draft.pk, home_city.pk},
        "staff": {draft.pk, home_city.pk, theirs.pk},
        "other_coordinator": {theirs.pk},
        "other_admin": {theirs.pk},
        "other_editor": {theirs.pk},
    }.get(who, set())
    assert listed == expected


@pytest.mark.parametrize("who", ["coordinator", "other_coordinator"])
def test_review_rows_only_of_a_coordinated_prefecture(everyone, region, draft, who):
    home = region["home"]["prefecture"].prefecture
    rows = selectors.review_rows(user=everyone[who], prefecture_id=home.pk, fiscal_year=YEAR)
    if who == "coordinator":
        assert [r["organization"] for r in rows] == sorted(
            [region["home"]["town"], region["home"]["city"]], key=lambda o: o.municipality.code
        )
        assert next(r for r in rows if r["assessment"])["assessment"] == draft
    else:
        assert rows == []
