"""English pages say everything in English: no Japanese character outside proper names and user content.

Each role signs in with English chosen and walks the site from its home page, following every link
(one page of each kind), as a user would. What a user reads is checked: the text, the attributes shown
or read aloud (title, alt, aria-label, placeholder, a button's value, the cards' data-label) and the JSON
a page hands its charts (titles, axes, labels, hover texts). Allowed are only the names of places,
bodies and people and the user content this test made, read from the database (ALLOWED_FIELDS), and the
language switch's 「日本語」; any other Japanese character fails with the page and the text around it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from pypdf import PdfReader

from assessments import services as assessment_services
from assessments.models import Assessment
from coordination import report
from dx_platform.accounts.models import User
from dx_platform.core.fiscal import FiscalYear
from tests.community.test_market_support import post_need
from tests.coordination.conftest import make_kpi, raise_case

# Japanese script and typography: hiragana, katakana, CJK ideographs, the CJK and full-width punctuation.
JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Proper names and user content: model label → fields. Nothing of the catalog, datasets or the UI.
ALLOWED_FIELDS = {
    "organizations.Prefecture": ("name", "name_kana", "name_hiragana"),
    "organizations.Municipality": ("name", "name_kana", "name_hiragana"),
    "organizations.Organization": ("name",),
    "accounts.User": ("name",),
    "assessments.Kpi": ("name",),
    "assessments.Roadmap": ("title", "vision"),
    "assessments.Initiative": ("title",),
    "community.Need": ("title", "problem"),
    "coordination.SupportCase": ("topic", "description"),
    # The audit log names each object as it was named when written, in the writer's language.
    "auditlog.LogEntry": ("object_repr",),
}
# The language switch names each language in itself.
ALLOWED_UI = ("日本語",)
# Attributes a user sees or hears read aloud.
SHOWN_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "data-label"}
SKIPPED_PATHS = ("/accounts/logout/", "/i18n/", "/admin/", "/api/", "/static/", "/media/")
PAGES_PER_ROLE = 120
ROLES = ("viewer", "editor", "admin", "coordinator", "partner", "national", "staff")


class _Text(HTMLParser):
    """The texts of a page a user reads, and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden: list[str] = []  # open <script>/<style> elements; json_script's JSON is kept apart
        self._json: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("script", "style"):
            self._hidden.append(tag)
            if attributes.get("type") == "application/json":
                self._json = []
            return
        self.texts += [value for name, value in attributes.items() if name in SHOWN_ATTRIBUTES]
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value", ""))
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()
            if self._json is not None:
                self.texts += list(_strings(json.loads("".join(self._json))))
                self._json = None

    def handle_data(self, data: str) -> None:
        if self._json is not None:
            self._json.append(data)
        elif not self._hidden:
            self.texts.append(data)


def _strings(value: Any) -> Iterator[str]:
    """Every string value inside a JSON document (chart titles, labels, hover texts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def allowed_names() -> list[str]:
    """The proper names and user content in the database, longest first (so a name inside a longer one
    is not taken first)."""
    names = set(ALLOWED_UI)
    for label, fields in ALLOWED_FIELDS.items():
        for row in apps.get_model(label).objects.values_list(*fields):
            names.update(value.strip() for value in row if value and value.strip())
    # The audit log's changes are the values as they were written (a dataset's Japanese name, say).
    for changes in apps.get_model("auditlog.LogEntry").objects.values_list("changes", flat=True):
        names.update(value.strip() for value in _strings(changes or {}) if value.strip())
    return sorted(names, key=len, reverse=True)


def japanese_in(texts: Iterable[str], allowed: list[str]) -> list[str]:
    """Each text that still has a Japanese character once the allowed names are taken out."""
    found = []
    for text in texts:
        text = " ".join(text.split())
        if not JAPANESE.search(text):
            continue
        rest = text
        for name in allowed:
            if name in rest:
                rest = rest.replace(name, " ")
        if JAPANESE.search(rest):
            found.append(text)
    return found


def _kind(url: str) -> tuple[str, tuple[str, ...]] | None:
    """Which page a link leads to (its view and the names of its parameters), or None if not one to read."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIPPED_PATHS):
        return None
    query = dict(parse_qsl(parts.query))
    if "format" in query or "download" in parts.path:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return match.view_name, tuple(sorted(query))


def walk(client: Any, start: Iterable[str], limit: int = PAGES_PER_ROLE) -> dict[str, list[str]]:
    """Every HTML page reached from `start` by links, one of each kind: url → its texts."""
    queue, seen, pages = list(start), set(), {}
    while queue and len(pages) < limit:
        url = queue.pop(0).split("#")[0]
        kind = _kind(url)
        if kind is None or kind in seen:
            continue
        seen.add(kind)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        pages[url] = parser.texts
        queue += parser.links
    return pages


@pytest.fixture
def content(region, everyone, national, django_capture_on_commit_callbacks):
    """User content in Japanese, as a town would write it: a KPI, a roadmap from each template, a need, a
    support case, and a started self-assessment — made by people who chose English, as on English pages
    (so the notices they get are English, and a template's initiatives take their English titles)."""
    User.objects.update(language="en")
    town = region["home"]["town"]
    editor = everyone["editor"]
    make_kpi(town.municipality, name="窓口のオンライン申請率", owner=editor)
    today = timezone.localdate()
    with translation.override("en"):
        for template in ("plan", "steps"):
            assessment_services.roadmap_save(
                municipality=town.municipality,
                given=assessment_services.RoadmapInput(
                    title=f"小布施町DX推進計画（{template}）",
                    vision="誰一人取り残さないデジタル化",
                    period_start=today.replace(month=4, day=1) - dt.timedelta(days=365),
                    period_end=today.replace(month=3, day=31) + dt.timedelta(days=3 * 365),
                    adopted_on=None,
                ),
                by=editor,
                template=template,
            )
        post_need(town, editor)
        raise_case(town, editor)
        assessment_services.assessment_start(
            municipality=town.municipality, fiscal_year=FiscalYear.current().year, by=editor
        )
    assert Assessment.objects.exists()


def test_english_pages_contain_no_japanese_outside_names(client, everyone, content):
    # One test over every role: the data takes far longer to make than one role's walk.
    allowed, found = allowed_names(), {}  # "role url" → its texts with Japanese
    for role in ROLES:
        client.force_login(everyone[role])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        pages = walk(client, ["/", "/benchmarks/", "/assessments/", "/community/", "/coordination/"])
        # The walk reached the pages of every app this role may read, not only its home page.
        apps_seen = {resolve(urlsplit(url).path).app_name for url in pages}
        assert {"benchmarks", "community"} <= apps_seen, (role, apps_seen)
        if role in ("viewer", "editor", "admin", "coordinator"):
            assert "assessments" in apps_seen, (role, apps_seen)
        for url, texts in pages.items():
            if japanese := japanese_in(texts, allowed):
                found[f"{role} {url}"] = japanese
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_council_report_pdf_in_english_contains_no_japanese_outside_names(region, everyone, content):
    prefecture = region["home"]["prefecture"].prefecture
    with translation.override("en"):
        data = report.report_data(prefecture=prefecture, user=everyone["coordinator"])
        pdf = PdfReader(io.BytesIO(report.render_pdf(data)))
    lines = [line for page in pdf.pages for line in page.extract_text().splitlines()]
    assert japanese_in(lines, allowed_names()) == []
