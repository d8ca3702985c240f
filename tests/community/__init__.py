"""Shared helpers of the community tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def api(user: Any) -> APIClient:
    """An API client signed in as `user`."""
    client = APIClient()
    client.force_authenticate(user)
    return client
