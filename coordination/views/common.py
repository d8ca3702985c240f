"""What every page of a prefecture's workspace starts with."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.organizations.models import Prefecture

from .. import selectors


def coordinated(request: AuthenticatedRequest, pref_code: str) -> Prefecture:
    """The prefecture, if the user coordinates it (else 404: others do not learn what is there)."""
    prefecture = selectors.coordinated_prefecture(user=request.user, pref_code=pref_code)
    if prefecture is None:
        raise Http404(_("Only the prefecture's coordinators open its workspace."))
    return prefecture
