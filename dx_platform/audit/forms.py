from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from dx_platform.organizations.models import Organization


class AuditFilterForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), required=False)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Organization]", self.fields["organization"]).queryset = organizations
