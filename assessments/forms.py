"""The assessment form: one field per catalog item (and its evidence), built from the year's catalog."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area, CatalogYear, Indicator
from dx_platform.accounts.models import User
from dx_platform.organizations.models import Municipality

from .models import Answer, Kpi
from .services import AnswerInput, KpiInput

YES_NO = [("", _("Not answered")), ("1", _("Yes")), ("0", _("No"))]
PROCEDURE = [("", _("Not answered")), *Answer.Status.choices]


def _value_field(indicator: Indicator) -> forms.Field:
    label = indicator.name_ja
    if indicator.kind == Indicator.Kind.BOOLEAN:
        return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=float, empty_value=None, required=False)
    if indicator.kind == Indicator.Kind.PROCEDURE:
        return forms.ChoiceField(label=label, choices=PROCEDURE, required=False)
    return forms.FloatField(label=label, min_value=0, max_value=100, required=False)


class AssessmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, answers: list[Answer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers = answers
        for answer in answers:
            indicator, key = answer.indicator, answer.indicator.code
            self.fields[f"v:{key}"] = _value_field(indicator)
            self.fields[f"note:{key}"] = forms.CharField(label=_("Evidence note"), required=False, max_length=2000)
            self.fields[f"link:{key}"] = forms.URLField(
                label=_("Evidence link"), required=False, max_length=200, assume_scheme="https"
            )
            self.fields[f"confirm:{key}"] = forms.BooleanField(label=_("Confirm the prefilled answer"), required=False)
            if not self.is_bound:
                initial = answer.status if indicator.kind == Indicator.Kind.PROCEDURE else answer.value
                if indicator.kind == Indicator.Kind.BOOLEAN and initial is not None:
                    initial = str(int(initial))
                self.initial.update({f"v:{key}": initial, f"note:{key}": answer.note, f"link:{key}": answer.link})

    def rows(self) -> list[dict[str, Any]]:
        """Per answer, its bound fields, for the template: area by area, in catalog order within each.

        The template regroups consecutive rows, and a catalog lists some reference items of an area at its end.
        """
        areas = list(Area.values)
        answers = sorted(self.answers, key=lambda answer: areas.index(answer.indicator.area))
        return [
            {
                "answer": answer,
                "value": self[f"v:{answer.indicator.code}"],
                "note": self[f"note:{answer.indicator.code}"],
                "link": self[f"link:{answer.indicator.code}"],
                "confirm": self[f"confirm:{answer.indicator.code}"],
            }
            for answer in answers
        ]

    def inputs(self) -> dict[int, AnswerInput]:
        data = self.cleaned_data
        result = {}
        for answer in self.answers:
            key, procedure = answer.indicator.code, answer.indicator.kind == Indicator.Kind.PROCEDURE
            result[answer.indicator_id] = AnswerInput(
                value=None if procedure else data[f"v:{key}"],
                status=data[f"v:{key}"] if procedure else "",
                note=data[f"note:{key}"],
                link=data[f"link:{key}"],
                confirm_prefill=data[f"confirm:{key}"],
            )
        return result


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("confirm", _("Confirm")), ("return", _("Return"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class KpiForm(forms.ModelForm):
    class Meta:
        model = Kpi
        fields = (
            "name",
            "unit",
            "direction",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
            "area",
            "indicator",
            "owner",
            "interval",
        )
        widgets = {
            "baseline_date": forms.DateInput(attrs={"type": "date"}),
            "target_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalog = CatalogYear.objects.order_by("-fiscal_year").first()
        self.fields["indicator"].queryset = (
            catalog.indicators.order_by("position") if catalog else Indicator.objects.none()
        )
        self.fields["indicator"].label_from_instance = lambda indicator: indicator.name_ja
        self.fields["owner"].queryset = User.objects.filter(memberships__organization__municipality=municipality)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        baseline, target = cleaned.get("baseline_date"), cleaned.get("target_date")
        # Said here, on the field: otherwise the model's check constraint refuses it in its own words.
        if baseline and target and target <= baseline:
            self.add_error("target_date", _("The target date must come after the baseline date."))
        return cleaned

    def given(self) -> KpiInput:
        return KpiInput(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.FloatField(label=_("Value"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class MeasurementUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file (date,value,note)"))
