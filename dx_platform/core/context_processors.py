"""Values every page needs: the user's organisations for the navigation and unread notices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dx_platform.notifications.selectors import unread_count
from dx_platform.organizations import permissions


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    access = permissions.access_of(user)
    is_staff = permissions.is_platform_staff(user)
    return {
        "nav_is_staff": is_staff,
        "nav_has_orgs": bool(access.roles),
        "nav_public_sector": access.public_sector,
        "nav_can_audit": is_staff or permissions.manages_any(user),
        "nav_unread": unread_count(user=user),
    }
