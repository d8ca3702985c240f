"""What a first visit of a page transfers, static files served as in production.

`collect(root)` runs collectstatic with the production storage (whitenoise's CompressedManifestStaticFilesStorage:
hashed names, .gz and .br beside each file) into `root`; `first_visit(url, root=root)` then renders the page with
DEBUG off and fetches every script, stylesheet and GeoJSON it names through the same WhiteNoise middleware, asking
for brotli or gzip as a browser does, and returns what each response put on the wire. `make perf` prints it; a test
holds the JavaScript to its budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import Client, override_settings

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Static files no page of the site loads in a browser (the report's PDF font, the admin, the API docs): collecting
# and compressing them only makes the measurement slower. The Docker image collects everything.
NOT_LOADED_BY_PAGES = ["fonts", "admin", "drf_spectacular_sidecar", "rest_framework"]
JS_BUDGET = 1_500_000  # bytes on the wire of a first visit's JavaScript (issue 14)

SCRIPT = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')
LINK = re.compile(r"<link\b[^>]*>")
HREF = re.compile(r'\bhref="([^"]+)"')
FIGURE = re.compile(r'<script id="[^"]+" type="application/json">(.*?)</script>', re.S)


@dataclass(frozen=True)
class Transfer:
    url: str
    kind: str  # "html", "js", "css" or "geojson"
    size: int  # bytes of the body as sent (compressed when Content-Encoding says so)
    encoding: str  # Content-Encoding: "br", "gzip" or ""
    cache_control: str


def collect(root: Path, *, ignore: tuple[str, ...] = ()) -> None:
    """Pages name only hashed files, so only those are kept (whitenoise then compresses each file once)."""
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES, WHITENOISE_KEEP_ONLY_HASHED_FILES=True):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=[*NOT_LOADED_BY_PAGES, *ignore])


@contextmanager
def served_as_in_production(root: Path) -> Iterator[None]:
    """Hashed URLs in the pages, files from `root` only, with their compressed variants and long cache headers."""
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        STORAGES=PRODUCTION_STORAGES,
        WHITENOISE_AUTOREFRESH=False,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_MAX_AGE=60,
    ):
        yield


def _body_size(response: Any) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _geojson_urls(html: str) -> list[str]:
    """GeoJSON the page's map figures make plotly fetch (a choroplethmap's `geojson` is a URL)."""
    urls = []
    for blob in FIGURE.findall(html):
        try:
            figure = json.loads(blob)
        except ValueError:
            continue
        for trace in figure.get("data", []) if isinstance(figure, dict) else []:
            if isinstance(trace.get("geojson"), str):
                urls.append(trace["geojson"])
    return urls


def first_visit(url: str, *, root: Path, user: Any = None) -> list[Transfer]:
    """Every response a first visit of `url` transfers: the page, then its scripts, stylesheets and GeoJSON."""
    with served_as_in_production(root):
        client = Client(headers={"accept-encoding": "br, gzip"})  # a new handler reads the settings above
        if user is not None:
            client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        html = page.content.decode()
        wanted = [("js", u) for u in SCRIPT.findall(html)]
        wanted += [
            ("css", href.group(1))
            for tag in LINK.findall(html)
            if 'rel="stylesheet"' in tag and (href := HREF.search(tag))
        ]
        wanted += [("geojson", u) for u in _geojson_urls(html)]
        transfers = [Transfer(url, "html", len(page.content), page.get("Content-Encoding", ""), "")]
        for kind, asset in wanted:
            response = client.get(asset)
            assert response.status_code == 200, (asset, response.status_code)
            transfers.append(
                Transfer(
                    asset,
                    kind,
                    _body_size(response),
                    response.get("Content-Encoding", ""),
                    response.get("Cache-Control", ""),
                )
            )
        return transfers


def js_bytes(transfers: list[Transfer]) -> int:
    return sum(t.size for t in transfers if t.kind == "js")
