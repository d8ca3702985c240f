"""What the home page shows a signed-in user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.mfa.utils import is_mfa_enabled
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dx_platform.notifications.selectors import unread_count
from dx_platform.organizations import permissions
from dx_platform.organizations.selectors import pending_invitations_managed

if TYPE_CHECKING:
    from dx_platform.accounts.models import User


@dataclass(frozen=True)
class AttentionItem:
    text: str
    url: str
    level: str = "info"


def attention_items(*, user: User) -> list[AttentionItem]:
    """Things waiting for this user, most urgent first."""
    items = []
    if permissions.mfa_required_for(user) and not is_mfa_enabled(user):
        items.append(
            AttentionItem(
                _("Your prefecture requires two-factor authentication: set it up."),
                reverse("mfa_activate_totp"),
                "warning",
            )
        )
    unread = unread_count(user=user)
    if unread:
        items.append(
            AttentionItem(
                ngettext("%(n)d unread notice", "%(n)d unread notices", unread) % {"n": unread},
                reverse("notifications:list"),
            )
        )
    soon = timezone.now() + dt.timedelta(days=2)
    for invitation in pending_invitations_managed(user=user)[:10]:
        expiring = invitation.expires_at <= soon
        items.append(
            AttentionItem(
                (
                    _("Invitation to %(email)s (%(org)s) expires soon")
                    if expiring
                    else _("Invitation to %(email)s (%(org)s) is not yet accepted")
                )
                % {"email": invitation.email, "org": invitation.organization.name},
                reverse("organizations:detail", args=[invitation.organization_id]),
                "warning" if expiring else "info",
            )
        )
    return items
