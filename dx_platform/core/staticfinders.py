"""Serve plotly.js from the installed plotly package: the same version as the Python side, no CDN,
and no 4.6 MB copy in the repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
STATIC_PATH = "js/plotly.min.js"


class PlotlyJsFinder(BaseFinder):
    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path == STATIC_PATH:
            return [str(PLOTLY_JS)] if find_all else str(PLOTLY_JS)
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        storage = FileSystemStorage(location=PLOTLY_JS.parent)
        storage.prefix = "js"  # type: ignore[attr-defined]  # collectstatic reads it, as for STATICFILES_DIRS
        yield PLOTLY_JS.name, storage
