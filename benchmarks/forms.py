from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dx_platform.core.forms import TableFileField
from dx_platform.organizations.models import Prefecture

from .models import Area, CatalogYear, Dataset
from .selectors import SIMILAR_DEFAULT, SIMILAR_MAX, SIMILAR_MIN


class SurveyUploadForm(forms.Form):
    file = TableFileField(
        kind="national_survey",
        label=_("National survey file"),
        help_text=_("CSV (UTF-8 or Shift_JIS) or XLSX; long shape lg_code,fiscal_year,indicator,value or wide shape."),
    )
    fiscal_year = forms.ModelChoiceField(
        label=_("Fiscal year"), queryset=CatalogYear.objects.all(), to_field_name="fiscal_year"
    )
    name = forms.CharField(label=_("Dataset name"), max_length=200)
    source = forms.CharField(
        label=_("Source"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Document, publisher, date, URL.")
    )
    name_en = forms.CharField(
        label=_("Dataset name in English"),
        max_length=200,
        required=False,
        help_text=_("Shown on English pages; without it they show the name above."),
    )
    source_en = forms.CharField(
        label=_("Source in English"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Shown on English pages; say if the publisher has no English title."),
    )
    origin = forms.ChoiceField(label=_("Origin"), choices=Dataset.Origin.choices, initial=Dataset.Origin.REAL)
    supersedes = forms.ModelChoiceField(
        label=_("Corrected re-issue of"),
        queryset=Dataset.objects.filter(status=Dataset.Status.READY, superseded_by__isnull=True),
        required=False,
    )


class ScoreNoteForm(forms.Form):
    fiscal_year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    area = forms.ChoiceField(label=_("About"), choices=[("", _("The whole score")), *Area.choices], required=False)
    text = forms.CharField(label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class SimilarForm(forms.Form):
    """The similar-municipality list's choices (GET): where to look for peers and how many.

    Within the prefecture by default: municipalities of a prefecture share its support, its joint
    systems and procurements, so that is how they are usually compared in Japan.
    """

    PREFECTURE, NATION = "prefecture", "nation"

    similar = forms.ChoiceField(label=_("Look for similar municipalities"), widget=forms.RadioSelect)
    similar_size = forms.IntegerField(
        label=_("How many"),
        min_value=SIMILAR_MIN,
        max_value=SIMILAR_MAX,
        help_text=_("Similar municipalities besides this one; a group of fewer than 20 is not ranked."),
    )

    def __init__(self, *args: Any, prefecture: Prefecture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["similar"].choices = [  # type: ignore[attr-defined]
            (self.PREFECTURE, _("within %(name)s") % {"name": prefecture.name}),
            (self.NATION, _("nationwide")),
        ]

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, prefecture: Prefecture) -> SimilarForm:
        """Bound to the page's query, with the default for a choice the query does not make."""
        data = {"similar": cls.PREFECTURE, "similar_size": str(SIMILAR_DEFAULT)}
        data.update({name: query[name] for name in data if name in query})
        return cls(data, prefecture=prefecture)
