"""The v1 API: authentication, the municipality directory, scoped organisations, schema and docs."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from dx_platform.organizations.models import Municipality, Organization, PopulationRecord
from tests.factories import MunicipalityFactory, UserFactory, _lg_code

MUNICIPALITIES = "/api/v1/municipalities/"


@pytest.fixture
def api() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def viewer_api(api, people) -> APIClient:
    api.force_authenticate(people["viewer"])
    return api


@pytest.fixture
def village(region) -> Municipality:
    prefecture = region["other"]["town"].prefecture
    return MunicipalityFactory(prefecture=prefecture, kind="village", size_class="village")


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def municipal_code(region, side: str, kind: str) -> str:
    return region[side][kind].municipality.code


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/me/"])
def test_anonymous_is_refused(api, region, url):
    response = api.get(url)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


@pytest.mark.parametrize("url", [MUNICIPALITIES, "/api/v1/prefectures/"])
def test_reference_data_is_public(api, region, url):
    response = api.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == (2 if url == "/api/v1/prefectures/" else 4)


def test_token_authentication(api, people, region):
    token = Token.objects.create(user=people["viewer"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == people["viewer"].email
    assert len(codes(api.get(MUNICIPALITIES))) == 4


def test_wrong_token_is_refused(api, people, region):
    Token.objects.create(user=people["viewer"])
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert api.get(MUNICIPALITIES).status_code in (401, 403)


def test_token_of_a_deactivated_user_is_refused(api, people, region):
    user = people["viewer"]
    token = Token.objects.create(user=user)
    user.is_active = False
    user.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(MUNICIPALITIES).status_code in (401, 403)


# --- the municipality directory ----------------------------------------------------------------


def test_list_has_every_municipality(viewer_api, region, village):
    response = viewer_api.get(MUNICIPALITIES)
    assert response.json()["count"] == 5
    assert codes(response) == {
        municipal_code(region, side, kind) for side in ("home", "other") for kind in ("town", "city")
    } | {village.code}


def test_filter_by_prefecture(viewer_api, region, village):
    assert codes(viewer_api.get(MUNICIPALITIES, {"prefecture": "20"})) == {
        municipal_code(region, "home", "town"),
        municipal_code(region, "home", "city"),
    }


def test_filter_by_kind(viewer_api, region, village):
    assert codes(viewer_api.get(MUNICIPALITIES, {"kind": "town"})) == {
        municipal_code(region, "home", "town"),
        municipal_code(region, "other", "town"),
    }


def test_filter_by_several_kinds(viewer_api, region, village):
    assert codes(viewer_api.get(f"{MUNICIPALITIES}?kind=town&kind=village")) == {
        municipal_code(region, "home", "town"),
        municipal_code(region, "other", "town"),
        village.code,
    }


def test_filter_by_size_class(viewer_api, region, village):
    assert codes(viewer_api.get(MUNICIPALITIES, {"size_class": "village"})) == {village.code}


def test_filters_combine(viewer_api, region, village):
    assert codes(viewer_api.get(MUNICIPALITIES, {"prefecture": "29", "kind": "city"})) == {
        municipal_code(region, "other", "city")
    }


def test_unknown_kind_is_a_400(viewer_api, region):
    response = viewer_api.get(MUNICIPALITIES, {"kind": "metropolis"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_lookup_by_code_with_latest_population(viewer_api, region):
    town = region["home"]["town"].municipality
    for as_of, population in ((dt.date(2020, 1, 1), 5000), (dt.date(2022, 1, 1), 4800)):
        PopulationRecord.objects.create(municipality=town, as_of=as_of, population=population, source="test")

    response = viewer_api.get(f"{MUNICIPALITIES}{town.code}/")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == town.code
    assert body["name"] == town.name
    assert body["pref_code"] == "20"
    assert body["kind"] == "town"
    assert body["population"] == 4800
    assert body["population_as_of"] == "2022-01-01"


def test_lookup_without_population(viewer_api, region):
    body = viewer_api.get(f"{MUNICIPALITIES}{municipal_code(region, 'home', 'city')}/").json()
    assert body["population"] is None
    assert body["population_as_of"] is None


def test_lookup_with_a_wrong_check_digit_is_a_400(viewer_api, region):
    code = municipal_code(region, "home", "town")
    wrong = f"{code[:5]}{(int(code[5]) + 1) % 10}"

    response = viewer_api.get(f"{MUNICIPALITIES}{wrong}/")

    assert response.status_code == 400
    message = " ".join(response.json()["code"])
    assert "check digit" in message
    assert code in message  # it names the code that was probably meant


@pytest.mark.parametrize("bad", ["12345", "1234567", "01100a"])
def test_lookup_of_a_malformed_code_is_a_400(viewer_api, region, bad):
    response = viewer_api.get(f"{MUNICIPALITIES}{bad}/")
    assert response.status_code == 400
    assert "six digits" in " ".join(response.json()["code"])


def test_lookup_of_an_unknown_valid_code_is_a_404(viewer_api, region):
    assert viewer_api.get(f"{MUNICIPALITIES}{_lg_code('20999')}/").status_code == 404


def test_prefecture_by_number(viewer_api, region):
    response = viewer_api.get("/api/v1/prefectures/20/")
    assert response.status_code == 200
    body = response.json()
    assert body["pref_code"] == "20"
    assert body["code"] == region["home"]["prefecture"].prefecture.code
    assert viewer_api.get("/api/v1/prefectures/48/").status_code == 404


# --- the real reference data -------------------------------------------------------------------


@pytest.fixture
def reference_api(api, db) -> APIClient:
    """The real reference data and a signed-in user who belongs nowhere (no test organisations)."""
    call_command("load_reference_data", stdout=StringIO())
    api.force_authenticate(UserFactory())
    return api


def test_real_sapporo(reference_api):
    body = reference_api.get(f"{MUNICIPALITIES}011002/").json()
    assert (body["name"], body["kind"], body["size_class"]) == ("札幌市", "designated_city", "designated")
    assert (body["population"], body["population_as_of"]) == (1_960_668, "2022-01-01")
    assert reference_api.get(f"{MUNICIPALITIES}011003/").status_code == 400


def test_real_filters_count(reference_api):
    def count(**params: str) -> int:
        response = reference_api.get(MUNICIPALITIES, {**params, "limit": 1})
        assert response.status_code == 200
        return response.json()["count"]

    assert count() == 1741
    assert count(kind="designated_city") == 20
    assert count(size_class="village") == 183
    assert count(prefecture="13", kind="special_ward") == 23
    assert count(prefecture="01") == 179
    assert reference_api.get("/api/v1/prefectures/", {"limit": 1}).json()["count"] == 47


# --- organisations and me ----------------------------------------------------------------------


def org_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_coordinator_sees_own_prefecture_and_its_municipalities(api, people, region):
    api.force_authenticate(people["coordinator"])
    home = region["home"]
    assert org_ids(api.get("/api/v1/organizations/")) == {
        home["prefecture"].pk,
        home["town"].pk,
        home["city"].pk,
    }
    other = region["other"]["prefecture"]
    assert api.get(f"/api/v1/organizations/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", lambda r: {r["home"]["town"].pk}),
        ("partner", lambda r: {r["partner"].pk}),
        ("outsider", lambda r: set()),
        ("staff", lambda r: set(Organization.objects.values_list("pk", flat=True))),
    ],
)
def test_organizations_are_scoped_per_user(api, people, region, role, expected):
    api.force_authenticate(people[role])
    assert org_ids(api.get("/api/v1/organizations/")) == expected(region)


def test_organizations_filter_by_kind(api, people, region):
    api.force_authenticate(people["national"])
    municipal = {region[side][kind].pk for side in ("home", "other") for kind in ("town", "city")}
    assert org_ids(api.get("/api/v1/organizations/", {"kind": "municipality"})) == municipal


def test_me_lists_memberships(api, people, region):
    user = people["admin"]
    api.force_authenticate(user)

    body = api.get("/api/v1/me/").json()

    assert body["email"] == user.email
    assert body["is_staff"] is False
    assert [(m["organization"]["id"], m["role"]) for m in body["memberships"]] == [(region["home"]["town"].pk, "admin")]
    assert body["memberships"][0]["organization"]["municipality_code"] == municipal_code(region, "home", "town")


def test_me_without_memberships(api, people, region):
    api.force_authenticate(people["outsider"])
    assert api.get("/api/v1/me/").json()["memberships"] == []


# --- schema and docs ---------------------------------------------------------------------------


def test_openapi_schema_lists_the_endpoints(api, people):
    api.force_authenticate(people["viewer"])
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/municipalities/",
        "/api/v1/municipalities/{code}/",
        "/api/v1/prefectures/{pref_code}/",
        "/api/v1/organizations/",
        "/api/v1/me/",
    } <= set(schema["paths"])


def test_docs_page_loads_nothing_from_a_cdn(api, people):
    api.force_authenticate(people["viewer"])
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page
    assert "unpkg" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    # Our static files, and the docs' own settings script (so that no inline script is needed).
    assert [url for url in assets if not url.startswith(("/static/", "/api/docs/?script"))] == []


def test_api_is_throttled_with_a_reason(region, people, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min"})
    api = APIClient()
    api.force_authenticate(people["viewer"])
    responses = [api.get("/api/v1/prefectures/") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert int(responses[-1]["Retry-After"]) > 0
    assert responses[-1].json()["detail"]
