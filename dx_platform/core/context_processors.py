"""Values every page needs: which sections the navigation offers the user, and their unread notices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dx_platform.notifications.selectors import unread_count
from dx_platform.organizations import permissions


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_administer": permissions.can_administer_platform(user),
        "nav_organizations": permissions.can_list_organizations(user),
        "nav_public_sector": permissions.is_public_sector(user),
        "nav_can_audit": permissions.can_read_audit_logs(user),
        "nav_unread": unread_count(user=user),
    }
