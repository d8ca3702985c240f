"""Community API: cases (being built)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this area's viewsets to the community API router."""
