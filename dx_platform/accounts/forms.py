"""Account forms: invitation sign-up and the user's preferences."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from .invitations import pending_invitation
from .models import User


class InvitationSignupForm(SignupForm):
    """Sign-up through an invitation: the address must be the invited one."""

    name = forms.CharField(label=_("Name"), max_length=150, required=False)

    def clean_email(self) -> Any:
        email = super().clean_email()
        invitation = pending_invitation(context.request)
        if invitation is None:
            raise forms.ValidationError(
                _("Sign-up needs a valid invitation. Open the link in your invitation email again.")
            )
        if email.lower() != invitation.email.lower():
            raise forms.ValidationError(
                _("This invitation is for %(email)s; sign up with that address."),
                params={"email": invitation.email},
            )
        return email


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("name", "notification_delivery", "language")
        widgets = {"notification_delivery": forms.RadioSelect}
