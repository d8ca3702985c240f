"""The form of the community's search (its front page and the search API)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area
from dx_platform.core.i18n import localized
from dx_platform.organizations.models import Municipality, Prefecture

from ..models import PracticeCase, SearchEntry
from ..selectors.cases import newest_indicators
from ..selectors.search import Filters


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("What"), choices=[("", _("Everything")), *SearchEntry.Kind.choices], required=False
    )
    area = forms.ChoiceField(label=_("Area"), choices=[("", _("Any area")), *Area.choices], required=False)
    indicator = forms.ChoiceField(label=_("Survey item"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"), choices=[("", _("Any size")), *Municipality.SizeClass.choices], required=False
    )
    prefecture = forms.ModelChoiceField(
        label=_("Prefecture"), queryset=Prefecture.objects.all(), required=False, to_field_name="pref_code"
    )
    outcome = forms.ChoiceField(
        label=_("Outcome of a case"), choices=[("", _("Any outcome")), *PracticeCase.Outcome.choices], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = [("", _("Any item")), *((i.code, localized(i, "name")) for i in newest_indicators())]
        cast(forms.ChoiceField, self.fields["indicator"]).choices = items

    def filters(self) -> Filters:
        data = self.cleaned_data
        prefecture = data.get("prefecture")
        return Filters(
            kind=data.get("kind", ""),
            area=data.get("area", ""),
            indicator=data.get("indicator", ""),
            size_class=data.get("size_class", ""),
            prefecture_id=prefecture.pk if prefecture else None,
            outcome=data.get("outcome", ""),
        )
