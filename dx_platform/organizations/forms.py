"""Forms for inviting people, changing roles and the two-factor policy."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from .models import ROLES_BY_KIND, Organization, Role


def _set_role_choices(form: forms.Form, roles: tuple[str, ...]) -> None:
    choices: list[tuple[str, StrOrPromise]] = [(role, Role(role).label) for role in roles]
    cast("forms.ChoiceField", form.fields["role"]).choices = choices


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_role_choices(self, roles)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_role_choices(self, ROLES_BY_KIND[organization.kind])


class MfaPolicyForm(forms.Form):
    mfa_required = forms.BooleanField(
        label=_("Require two-factor authentication (TOTP) of this prefecture's and its municipalities' members"),
        required=False,
    )
