from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Area, CatalogYear, Dataset

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class SurveyUploadForm(forms.Form):
    file = forms.FileField(
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
    origin = forms.ChoiceField(label=_("Origin"), choices=Dataset.Origin.choices, initial=Dataset.Origin.REAL)
    supersedes = forms.ModelChoiceField(
        label=_("Corrected re-issue of"),
        queryset=Dataset.objects.filter(status=Dataset.Status.READY, superseded_by__isnull=True),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class ScoreNoteForm(forms.Form):
    fiscal_year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    area = forms.ChoiceField(label=_("About"), choices=[("", _("The whole score")), *Area.choices], required=False)
    text = forms.CharField(label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
