"""Absolute links for emails, which are read outside the site."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path_or_url: str) -> str:
    """SITE_URL + path for a site path; anything else (already absolute, or empty) unchanged."""
    if path_or_url.startswith("/"):
        return f"{settings.SITE_URL.rstrip('/')}{path_or_url}"
    return path_or_url
