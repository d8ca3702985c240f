"""The invitation a visitor is signing up through, kept in their session between pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from dx_platform.organizations.models import Invitation
from dx_platform.organizations.selectors import invitation_from_token
from dx_platform.organizations.services import check_invitation_open

SESSION_KEY = "invitation_token"


def remember_invitation(request: HttpRequest, token: str) -> None:
    request.session[SESSION_KEY] = token


def forget_invitation(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def pending_invitation(request: HttpRequest) -> Invitation | None:
    """The invitation remembered in this session, if it can still be used."""
    token = request.session.get(SESSION_KEY)
    invitation = invitation_from_token(token) if token else None
    if invitation is None:
        return None
    try:
        check_invitation_open(invitation)
    except ValidationError:
        return None
    return invitation
