"""On the real FY2023 dashboard: the similar-municipality list says why each peer is one, looks in the
prefecture unless asked nationwide, and refuses a choice that makes no sense; the all / none counts
(the report's 図表4/8/12) rest on the items the dataset has and say which."""

from __future__ import annotations

import io
import math

import pytest
from auditlog.context import disable_auditlog
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from benchmarks import selectors
from benchmarks.models import Dataset, Indicator, ScoreRun
from benchmarks.scoring import SMALL_GROUP
from benchmarks.templatetags.benchmarks import signed
from dx_platform.organizations.models import Municipality

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_national")]

OBUSE = "205419"  # 小布施町, 長野県: 23 towns in the prefecture
KURAYOSHI = "312037"  # 倉吉市, 鳥取県: one of three cities besides the core city


@pytest.fixture(scope="module")
def run(_national, django_db_blocker) -> ScoreRun:
    """The dashboard loaded once; outside a test transaction its recompute runs at once."""
    with django_db_blocker.unblock():
        call_command("load_dashboard_dataset", stdout=io.StringIO())
        published = selectors.published_scores(fiscal_year=2023)
    assert published is not None
    try:
        yield published.run
    finally:
        with django_db_blocker.unblock(), disable_auditlog():
            Dataset.objects.all().delete()


def page(client, code: str, language: str = "en", **params):
    return client.get(f"/benchmarks/municipalities/{code}/", params, HTTP_ACCEPT_LANGUAGE=language)


# --- similar municipalities -------------------------------------------------------------------------


def test_peers_are_looked_for_in_the_prefecture_by_default(run, client):
    obuse = Municipality.objects.get(code=OBUSE)
    group = page(client, OBUSE).context["similar"]
    assert not group.nationwide
    assert len(group.members) == selectors.SIMILAR_DEFAULT + 1
    assert group.members[0].score.municipality == obuse
    assert {m.score.municipality.prefecture_id for m in group.members} == {obuse.prefecture_id}
    assert {m.score.municipality.kind for m in group.members} == {"town"}
    assert all(m.same_prefecture for m in group.members)
    assert group.rankable
    assert sorted(m.rank_within for m in group.members)[0] == 1


def spread(group) -> float:
    """How far in population the group reaches from the municipality (a ratio, as it is chosen)."""
    own = group.members[0].population
    return max(abs(math.log(m.population / own)) for m in group.members)


def test_each_peer_says_why_it_is_similar(run, client):
    response = page(client, OBUSE)
    group = response.context["similar"]
    own = group.members[0].population
    for member in group.members:
        assert member.difference == pytest.approx(100 * (member.population / own - 1))
    # Nearest in population first, by ratio.
    distances = [abs(math.log(m.population / own)) for m in group.members]
    assert distances == sorted(distances) and distances[0] == 0
    assert group.smallest.population == min(m.population for m in group.members)
    assert group.largest.population == max(m.population for m in group.members)
    body = response.content.decode()
    assert "Why similar" in body
    peer = group.members[1]
    assert f"same kind (Town), population {signed(peer.difference)} %, same prefecture" in body
    assert f"from {group.smallest.population:,} to {group.largest.population:,}" in body
    assert "Looked for in 長野県 only." in body


def test_nationwide_and_a_group_size_on_request(run, client):
    obuse = Municipality.objects.get(code=OBUSE)
    response = page(client, OBUSE, similar="nation", similar_size=30)
    group = response.context["similar"]
    assert group.nationwide
    assert len(group.members) == 31
    assert {m.score.municipality.kind for m in group.members} == {"town"}
    others = [m for m in group.members if m.score.municipality.prefecture_id != obuse.prefecture_id]
    assert others and not any(m.same_prefecture for m in others)
    assert f"in {others[0].score.municipality.prefecture.name}" in response.content.decode()
    assert "Looked for nationwide." in response.content.decode()
    # Nationwide, the 30 nearest towns are nearer in population than the prefecture's 30 nearest.
    assert spread(group) <= spread(page(client, OBUSE, similar_size=30).context["similar"])


def test_a_group_too_small_to_rank_says_so_and_is_not_ranked(run, client):
    response = page(client, KURAYOSHI)
    group = response.context["similar"]
    assert len(group.members) == 3 < SMALL_GROUP
    assert not group.rankable
    assert all(m.rank_within is None for m in group.members)
    assert all(m.composite_within is not None for m in group.members)
    assert "too few to rank" in response.content.decode()
    assert "Rank in this group" not in response.content.decode()


def test_a_small_group_by_choice_is_not_ranked_either(run, client):
    group = page(client, OBUSE, similar_size=5).context["similar"]
    assert len(group.members) == 6 and not group.rankable


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"similar": "world"}, "similar"),
        ({"similar_size": "0"}, "similar_size"),
        ({"similar_size": str(selectors.SIMILAR_MAX + 1)}, "similar_size"),
        ({"similar_size": "many"}, "similar_size"),
    ],
)
def test_a_choice_that_makes_no_sense_is_a_400_with_the_reason(run, client, params, field):
    response = page(client, OBUSE, **params)
    assert response.status_code == 400
    assert response.context["similar"] is None
    assert field in response.context["similar_form"].errors
    reason = response.context["similar_form"].errors[field][0]
    assert reason in response.content.decode()
    # The rest of the page is still there.
    assert "Next best steps" in response.content.decode()


def test_the_japanese_page_names_the_reasons(run, client):
    response = page(client, OBUSE, language="ja", similar="nation")
    body = response.content.decode()
    assert "類似団体" in body and "全国" in body


# --- all / none of an area's items ----------------------------------------------------------------


def test_the_counts_rest_on_the_items_the_dashboard_has(run):
    found = {area.area: area for area in selectors.area_achievements(run=run)}
    assert list(found) == ["system", "service", "improvement"]
    service = found["service"]
    assert [i.code for i in service.items] == ["service.ai", "service.rpa"]
    assert len(service.absent) == 6
    assert [row.size_class for row in service.rows] == [choice for choice, _ in Municipality.SizeClass.choices]
    assert service.total.n == sum(row.n for row in service.rows) > 1700
    # Every designated city has AI and RPA.
    assert service.rows[0].all == service.rows[0].n == 20
    system = {i.code for i in found["system"].items}
    assert {"system.cio", "system.policy", "system.crossdept"} <= system
    assert "system.dedicated_unit" in {i.code for i in found["system"].absent}
    assert len(system) + len(found["system"].absent) == 7
    # The Noto municipalities were not surveyed: not counted as having done none.
    assert found["system"].total.n < Municipality.objects.count()
    # The dashboard has none of the improvement area's items: no counts, said so.
    assert found["improvement"].items == [] and found["improvement"].rows == []


def test_the_page_says_which_items_and_how_many_of_the_reports(run, client):
    response = client.get("/benchmarks/achievements/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    # An English page names the items in English.
    names = " ".join(
        Indicator.objects.filter(catalog__fiscal_year=2023, code__in=["service.ai", "service.rpa"])
        .order_by("position")
        .values_list("name_en", flat=True)
    )
    missing = Indicator.objects.filter(code="service.eapproval_hr").values_list("name_en", flat=True).first()
    text = " ".join(strip_tags(body).split())
    assert f"Over 2 of the report's 8 items: {names} Not in this dataset: {missing}" in text
    # Each item names its page, in the page's year and dataset.
    query = f"?year=2023&amp;dataset={run.dataset_id}"
    for code in ("service.ai", "service.rpa", "service.open_data", "system.dedicated_unit"):
        assert f'href="{reverse("benchmarks:item", args=[code])}{query}"' in body
    assert "This dataset has none of the report's 8 items of this area." in body
    assert "Digital Agency" in body  # the dataset's source, in English


def test_the_page_in_japanese(run, client):
    response = client.get("/benchmarks/achievements/", HTTP_ACCEPT_LANGUAGE="ja")
    body = response.content.decode()
    assert "報告書の8項目のうち2項目" in body


def test_an_unknown_year_is_a_404(run, client):
    assert client.get("/benchmarks/achievements/", {"year": 2019}).status_code == 404


def test_the_run_api_lists_the_items_behind_the_counts(run, client):
    body = client.get(f"/api/v1/benchmarks/runs/{run.pk}/").json()
    items = {row["indicator"]: row["present"] for row in body["statistics"]["achievement_items"]}
    assert items["service.ai"] and not items["service.open_data"]


def test_a_population_difference_reads_with_its_sign():
    assert [signed(x) for x in (12.4, -8.2, 0.4, -0.4)] == ["+12", "\u22128", "±0", "±0"]
