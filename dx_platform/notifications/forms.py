from __future__ import annotations

from django import forms


class MarkReadForm(forms.Form):
    """Which notice to mark read (none: all of them), and where to go next."""

    id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    next = forms.CharField(required=False)
