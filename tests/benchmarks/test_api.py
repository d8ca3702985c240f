"""Benchmark API: public national data, published scores with filters, clear 4xx on bad input."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

BASE = "/api/v1/benchmarks"


@pytest.fixture
def api(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for command in ("load_reference_data", "load_catalog", "load_dashboard_dataset"):
            call_command(command, stdout=io.StringIO())
    return APIClient()


def test_datasets_are_public_and_name_their_origin_and_source(api):
    (dataset,) = api.get(f"{BASE}/datasets/").json()["results"]
    assert (dataset["fiscal_year"], dataset["origin"]) == (2023, "real")
    assert "デジタル庁" in dataset["source"]


def test_prefecture_scores_of_a_year(api):
    response = api.get(f"{BASE}/prefecture-scores/", {"fiscal_year": 2023, "limit": 100})
    body = response.json()
    assert body["count"] == 47
    codes = [row["pref_code"] for row in body["results"]]
    assert codes == [f"{n:02d}" for n in range(1, 48)]
    composites = [row["composite"] for row in body["results"]]
    assert min(row["rank"] for row in body["results"]) == 1
    assert max(composites) > 50 > min(composites)
    nagano = api.get(f"{BASE}/prefecture-scores/20/", {"fiscal_year": 2023}).json()
    assert nagano["name"] == "長野県"


def test_municipality_scores_filter_by_prefecture_and_size_class(api):
    response = api.get(
        f"{BASE}/municipality-scores/", {"fiscal_year": 2023, "prefecture": "20", "size_class": "village", "limit": 100}
    )
    rows = response.json()["results"]
    assert len(rows) == 35  # 長野県 has 35 villages
    assert {row["size_class"] for row in rows} == {"village"}
    obuse = api.get(f"{BASE}/municipality-scores/205419/", {"fiscal_year": 2023}).json()
    assert obuse["name"] == "小布施町"
    assert obuse["peer_size"] == 743


@pytest.mark.parametrize(
    "params", [{}, {"fiscal_year": "abc"}, {"fiscal_year": 2023, "dataset": "x"}, {"fiscal_year": 1999}]
)
def test_bad_or_missing_year_is_a_400_with_a_reason(api, params):
    response = api.get(f"{BASE}/prefecture-scores/", params)
    assert response.status_code == 400
    assert "fiscal_year" in response.json()


def test_runs_carry_the_method_statistics(api):
    (run,) = api.get(f"{BASE}/runs/").json()["results"]
    correlations = run["statistics"]["correlations"]
    assert correlations["towns_villages_share_composite_prefecture"] < -0.5  # the report's strong negative relation


def test_the_schema_documents_the_benchmark_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("datasets/", "runs/", "prefecture-scores/", "municipality-scores/"):
        assert f"{BASE}/{path}" in schema["paths"]
    # One item, like the list, is of a fiscal year: clients are told they must name it.
    for path in ("prefecture-scores/{pref_code}/", "municipality-scores/{code}/"):
        parameters = {p["name"] for p in schema["paths"][f"{BASE}/{path}"]["get"]["parameters"]}
        assert {"fiscal_year", "dataset"} <= parameters
    # Partners' and solutions' search results belong to no prefecture.
    result = schema["components"]["schemas"]["SearchResult"]["properties"]
    assert result["prefecture"]["nullable"] and result["organization"]["nullable"]


def test_page_tables_download_as_csv_in_both_encodings_and_xlsx(api, client):
    from openpyxl import load_workbook

    utf8 = client.get("/benchmarks/prefectures/20/", {"format": "csv", "headers": "codes"})
    assert utf8["Content-Type"] == "text/csv; charset=utf-8"
    text = utf8.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("code,name,rate_system")
    assert text.splitlines()[0].endswith(",dataset,origin")
    assert len(text.splitlines()) == 1 + 77
    sjis = client.get("/benchmarks/prefectures/20/", {"format": "csv-sjis"})
    assert "小布施町" in sjis.content.decode("cp932")
    # The two encodings never overwrite each other in a downloads folder.
    assert utf8["Content-Disposition"] != sjis["Content-Disposition"]
    assert "-sjis.csv" in sjis["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(client.get("/benchmarks/", {"format": "xlsx"}).content))
    assert workbook.active.max_row == 1 + 47
    answers = client.get("/benchmarks/municipalities/205419/", {"format": "csv"}).content.decode("utf-8-sig")
    assert "system.cio" in answers
