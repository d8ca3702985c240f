"""Forms of the discussion: a comment or question (or an answer), and the reason of a report or a moderation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Comment
from ..selectors.discussion import TARGETS


class CommentForm(forms.Form):
    target = forms.ChoiceField(choices=[(kind, kind) for kind in TARGETS], widget=forms.HiddenInput)
    target_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    parent = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("This is"), choices=Comment.Kind.choices, initial=Comment.Kind.COMMENT, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Your comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReasonForm(forms.Form):
    """Why: a report asks the moderators to look; hiding and restoring are kept in the audit trail."""

    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
