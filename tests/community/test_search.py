"""The community search: Japanese words inside sentences, folding, every word, filters, ranking, pages and
visibility — through the selector, the community page and the API.

On SQLite, words of three characters or more go through the FTS5 trigram table and shorter ones through
LIKE; the tests use both lengths (on PostgreSQL both are LIKE served by pg_trgm).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from community.models import Need, SearchEntry
from community.selectors.search import Filters, search
from community.services.search import search_entry_save
from dx_platform.organizations.models import Role
from tests.assessments import load_catalog
from tests.community.test_cases_support import write_case
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SENTENCE = "書かない窓口の導入で、住民が申請書を書く時間をなくした。"


@pytest.fixture
def users(everyone, region):
    load_catalog()
    return {
        **everyone,
        "city_editor": MembershipFactory(organization=region["other"]["city"], role=Role.EDITOR).user,
    }


def add_case(organization, by, title: str, *, publish: bool = True, **changes):
    """A case whose only searchable words are its title and `changes` (the defaults say something else)."""
    texts = {"problem": "課題の説明", "what_was_done": "取り組みの説明", **changes}
    return write_case(organization, by, title=title, publish=publish, **texts)


def found(user, query: str = "", **filters) -> list[str]:
    return [entry.title for entry in search(user=user, query=query, filters=Filters(**filters)).entries]


def test_a_japanese_word_is_found_inside_a_longer_sentence(region, users):
    add_case(region["home"]["town"], users["editor"], "窓口改革", what_was_done=SENTENCE)
    add_case(region["home"]["town"], users["editor"], "別の事例", what_was_done="電子決裁を広げた。")
    reader = users["other_editor"]
    assert found(reader, "窓口") == ["窓口改革"]  # two characters: LIKE
    assert found(reader, "申請書") == ["窓口改革"]  # three: the trigram index
    assert found(reader, "住民が申請書を書く") == ["窓口改革"]
    assert found(reader, "決裁") == ["別の事例"]
    assert found(reader, "窓口業務") == []  # the whole word must occur, not its parts


@pytest.mark.parametrize(
    ("text", "queries"),
    [
        ("自治体ＤＸ推進計画", ["DX", "ｄｘ", "dx推進"]),
        ("ＤＸ推進計画", ["ＤＸ", "dx"]),
        ("ｶﾞｲﾄﾞﾌﾞｯｸを作った", ["ガイド", "がいど", "ｶﾞｲﾄﾞ"]),
        ("がいどぶっくを作った", ["ガイドブック", "ｶﾞｲﾄﾞ"]),
        ("マイナンバーカードの交付", ["まいなんばー", "ﾏｲﾅﾝﾊﾞｰ"]),
        ("3ヶ所の窓口", ["3か所", "３ヵ所", "3ヶ所"]),
        ("3か月かかった", ["3ヶ月", "3ヵ月"]),
    ],
)
def test_full_and_half_width_and_katakana_and_hiragana_fold_together(region, users, text, queries):
    add_case(region["home"]["town"], users["editor"], "表記の事例", lessons=text)
    for query in queries:
        assert found(users["other_editor"], query) == ["表記の事例"], query


def test_every_word_must_occur(region, users):
    town = region["home"]["town"]
    add_case(town, users["editor"], "窓口とRPA", what_was_done="書かない窓口とRPAを組み合わせた。")
    add_case(town, users["editor"], "窓口だけ", what_was_done="書かない窓口を入れた。")
    reader = users["other_editor"]
    assert found(reader, "窓口 RPA") == ["窓口とRPA"]
    assert found(reader, "窓口　ｒｐａ") == ["窓口とRPA"]  # a full-width space separates words too
    assert sorted(found(reader, "窓口")) == ["窓口だけ", "窓口とRPA"]
    assert found(reader, "窓口 電子決裁") == []


def test_filters_by_kind_area_indicator_size_prefecture_and_outcome(region, users):
    from benchmarks.models import Indicator

    rpa = Indicator.objects.filter(code="service.rpa").order_by("-catalog__fiscal_year").first()
    add_case(
        region["home"]["town"],
        users["editor"],
        "町のRPA",
        area="service",
        indicators=[rpa],
        outcome="failure",
        what_did_not_work="シナリオの保守が続かなかった。",
    )
    add_case(region["other"]["city"], users["city_editor"], "市の窓口", area="system")
    need = Need.objects.create(
        organization=region["home"]["town"],
        title="窓口のニーズ",
        problem="窓口の待ち時間が長い",
        category="window",
        deadline=dt.date(2099, 1, 1),
    )
    search_entry_save(
        kind="need", object_id=need.pk, title=need.title, parts=[need.problem], organization=need.organization
    )
    reader = users["national"]
    assert sorted(found(reader)) == ["市の窓口", "町のRPA", "窓口のニーズ"]
    assert found(reader, kind="need") == ["窓口のニーズ"]
    assert sorted(found(reader, kind="case")) == ["市の窓口", "町のRPA"]
    assert found(reader, area="service") == ["町のRPA"]
    assert found(reader, indicator="service.rpa") == ["町のRPA"]
    assert found(reader, indicator="service.ai") == []
    assert found(reader, size_class="small") == ["市の窓口"]
    assert found(reader, prefecture_id=region["other"]["prefecture"].prefecture_id) == ["市の窓口"]
    assert found(reader, outcome="failure") == ["町のRPA"]
    assert found(reader, "窓口", kind="case") == ["市の窓口"]


def test_title_matches_rank_first_then_bodies_of_the_users_size(region, users):
    # Written in the reverse of the expected order: the newest would otherwise come first.
    add_case(region["home"]["town"], users["editor"], "町の窓口")
    add_case(region["other"]["city"], users["city_editor"], "市の窓口")
    add_case(region["other"]["town"], users["other_editor"], "事例A", lessons="窓口")
    # A town's editor: titles first, the towns among them first; the body-only match last.
    assert found(users["other_editor"], "窓口") == ["町の窓口", "市の窓口", "事例A"]
    # A city's editor: the city first among the title matches.
    assert found(users["city_editor"], "窓口") == ["市の窓口", "町の窓口", "事例A"]


def test_visibility_drafts_embargoed_and_staff_only_cases_of_other_bodies_are_never_found(region, users):
    town = region["home"]["town"]
    add_case(town, users["editor"], "下書きの窓口", publish=False)
    add_case(town, users["editor"], "公開前の窓口", embargo_until=dt.date(2099, 1, 1))
    add_case(town, users["editor"], "職員限定の窓口")
    add_case(town, users["editor"], "全員向けの窓口", audience="everyone")
    everything = ["下書きの窓口", "公開前の窓口", "職員限定の窓口", "全員向けの窓口"]
    for who in ("viewer", "editor", "staff"):
        assert sorted(found(users[who], "窓口")) == sorted(everything), who
    for who in ("coordinator", "national", "other_editor", "other_coordinator"):
        assert sorted(found(users[who], "窓口")) == ["全員向けの窓口", "職員限定の窓口"], who
    # Partners (and anyone else signed in outside the public sector) find only what is for everyone.
    for who in ("partner", "outsider"):
        assert found(users[who], "窓口") == ["全員向けの窓口"], who


def test_the_community_page_finds_links_filters_and_paginates(region, users):
    town = region["home"]["town"]
    for i in range(23):
        add_case(town, users["editor"], f"窓口の事例{i:02d}")
    client = Client()
    client.force_login(users["other_editor"])
    first = client.get("/community/", {"q": "窓口", "kind": "case"})
    assert first.status_code == 200
    page = first.context["page"]
    assert (page.paginator.count, len(page.object_list)) == (23, 20)
    html = first.content.decode()
    case = page.object_list[0]
    assert f'href="/community/cases/{case.object_id}/"' in html
    assert town.name in html
    second = client.get("/community/", {"q": "窓口", "kind": "case", "page": "2"})
    assert len(second.context["page"].object_list) == 3
    assert {e.title for e in page.object_list}.isdisjoint({e.title for e in second.context["page"].object_list})
    assert client.get("/community/", {"kind": "nothing"}).status_code == 400


def test_an_anonymised_case_is_found_without_its_author(region, users):
    town = region["home"]["town"]
    add_case(town, users["editor"], "匿名の窓口", anonymous=True)
    client = Client()
    client.force_login(users["other_editor"])
    html = client.get("/community/", {"q": "窓口"}).content.decode()
    assert "匿名の窓口" in html
    assert town.name not in html
    # Nor is it found by the author's name.
    assert found(users["other_editor"], town.name) == []


def test_the_search_api_finds_filters_and_pages(region, users):
    town = region["home"]["town"]
    for i in range(12):
        add_case(town, users["editor"], f"申請書の事例{i:02d}", what_was_done=SENTENCE)
    add_case(town, users["editor"], "下書き", what_was_done=SENTENCE, publish=False)
    api = APIClient()
    api.force_authenticate(users["other_editor"])
    body = api.get("/api/v1/community/search/", {"q": "申請書を書く", "limit": 5, "offset": 10}).json()
    assert body["count"] == 12
    assert len(body["results"]) == 2
    result = body["results"][0]
    assert (result["kind"], result["organization"], result["url"]) == (
        "case",
        town.name,
        f"/community/cases/{result['object_id']}/",
    )
    assert api.get("/api/v1/community/search/", {"q": "申請書", "outcome": "failure"}).json()["count"] == 0
    assert api.get("/api/v1/community/search/", {"outcome": "splendid"}).status_code == 400
    partner = APIClient()
    partner.force_authenticate(users["partner"])
    assert partner.get("/api/v1/community/search/", {"q": "申請書"}).json()["count"] == 0


def test_every_save_reindexes_and_a_deleted_case_leaves_the_index(region, users):
    from community.services import cases as services
    from tests.community.test_cases_support import case_input

    town = region["home"]["town"]
    case = add_case(town, users["editor"], "旧題")
    services.practice_case_save(
        organization=town, given=case_input(title="新しい題名", problem="課題"), by=users["editor"], case=case
    )
    assert found(users["other_editor"], "新しい題名") == ["新しい題名"]
    assert found(users["other_editor"], "旧題") == []
    services.practice_case_delete(case=case, by=users["editor"])
    assert not SearchEntry.objects.exists()


def ranked_independently(reader_town, term: str, entries) -> list[int]:
    """The order the page promises, by plain Python over the entries: more words in the title first, then the
    reader's size class, then the nearest population (none last), then the newest, then the first written."""
    home = SearchEntry.objects.filter(organization=reader_town).values_list("size_class", "population").first()
    size_class, population = home

    def key(entry):
        distance = abs(entry.population - population) if entry.population is not None else float("inf")
        return (
            -(term in entry.heading),
            -(entry.size_class == size_class),
            distance,
            -entry.updated_at.timestamp(),
            entry.pk,
        )

    return [e.pk for e in sorted((e for e in entries if term in e.text), key=key)]


@pytest.fixture
def corpus(region, users, populations):
    """30 published cases of three bodies: 窓口 in some titles, in some bodies only, in neither."""
    writers = (
        (region["home"]["town"], users["editor"]),
        (region["other"]["city"], users["city_editor"]),
        (region["other"]["town"], users["other_editor"]),
    )
    for i in range(30):
        organization, by = writers[i % 3]
        title = f"窓口の事例{i:02d}" if i % 4 == 0 else f"事例{i:02d}"
        add_case(organization, by, title, lessons="書かない窓口" if i % 2 else "電子決裁")
    return region


@pytest.mark.parametrize("term", ["窓口", ""])
def test_the_first_page_is_the_promised_ranking_of_a_fixed_corpus(corpus, users, term):
    client = Client()
    client.force_login(users["other_editor"])
    page = client.get("/community/", {"q": term} if term else {}).context["page"]
    expected = ranked_independently(corpus["other"]["town"], term, SearchEntry.objects.all())
    assert page.paginator.count == len(expected)
    assert [e.pk for e in page.object_list] == expected[:20]
    assert len(expected) > 20  # a second page to follow
    assert page.has_next()


def test_past_the_cap_only_the_newest_matches_are_ranked_and_the_page_says_so(corpus, users, monkeypatch):
    from community.selectors import search as selector
    from community.views import search as view

    monkeypatch.setattr(selector, "CANDIDATES", 5)
    monkeypatch.setattr(view, "CANDIDATES", 5)
    client = Client()
    client.force_login(users["other_editor"])
    response = client.get("/community/", {"q": "窓口"})
    newest = SearchEntry.objects.filter(text__contains="窓口").order_by("-updated_at", "-pk")[:5]
    expected = ranked_independently(corpus["other"]["town"], "窓口", newest)
    page = response.context["page"]
    assert [e.pk for e in page.object_list] == expected
    assert not page.has_next()
    assert "「窓口」の検索結果は5件以上：新しい5件を並べて表示しています" in response.content.decode()
    assert "5件以上" in client.get("/community/", {"q": "窓口の事例"}).content.decode()  # 8 titles, above 5 too
    assert "件以上" not in client.get("/community/", {"q": "窓口の事例00"}).content.decode()
    api = APIClient()
    api.force_authenticate(users["other_editor"])
    body = api.get("/api/v1/community/search/", {"q": "窓口"}).json()
    assert (body["count"], body["capped"]) == (5, True)
    assert api.get("/api/v1/community/search/", {"q": "窓口の事例00"}).json()["capped"] is False
