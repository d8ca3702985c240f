"""Forms for inviting people, changing roles and the two-factor policy."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ROLES_BY_KIND, Organization, Role


def _role_choices(roles: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(role, Role(role).label) for role in roles]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(roles)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(ROLES_BY_KIND[organization.kind])


class MfaPolicyForm(forms.Form):
    mfa_required = forms.BooleanField(
        label=_("Require two-factor authentication (TOTP) of this prefecture's and its municipalities' members"),
        required=False,
    )
