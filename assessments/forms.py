"""The assessment form: one field per catalog item (and its evidence), built from the year's catalog."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area, Indicator
from benchmarks.selectors import catalog_for
from dx_platform.accounts.models import User
from dx_platform.core.concurrency import version_field
from dx_platform.core.forms import ModelIdsField, TableFileField
from dx_platform.core.i18n import localized
from dx_platform.core.uploads import document_check, document_limit_mb
from dx_platform.organizations.models import Municipality

from .models import Answer, Initiative, Kpi, Roadmap
from .roadmap_data import TEMPLATES
from .services import AnswerInput, InitiativeInput, KpiInput, RoadmapInput

# Compact controls: はい／いいえ／未回答 side by side, not a full-width select.
YES_NO = [("1", _("Yes")), ("0", _("No")), ("", _("Not answered"))]
PROCEDURE = [*Answer.Status.choices, ("", _("Not answered"))]


class SurveyItemField(forms.ModelChoiceField):
    """A survey item, shown by its name in the page's language."""

    def label_from_instance(self, obj: Indicator) -> str:
        return localized(obj, "name")


class SurveyItemsField(ModelIdsField):
    """Survey items by id, shown by their names in the page's language."""

    def label_from_instance(self, obj: Indicator) -> str:
        return localized(obj, "name")


class SegmentedRadio(forms.RadioSelect):
    """Radio buttons drawn as one segmented control (the template lays them out)."""


def _value_field(indicator: Indicator) -> forms.Field:
    label = localized(indicator, "name")
    if indicator.kind == Indicator.Kind.BOOLEAN:
        return forms.TypedChoiceField(
            label=label, choices=YES_NO, coerce=float, empty_value=None, required=False, widget=SegmentedRadio
        )
    if indicator.kind == Indicator.Kind.PROCEDURE:
        return forms.ChoiceField(label=label, choices=PROCEDURE, required=False, widget=SegmentedRadio)
    return forms.FloatField(
        label=label,
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "class": "rate-input"}),
    )


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
            self.fields[f"file:{key}"] = forms.FileField(
                label=_("Evidence file"),
                required=False,
                help_text=_("PDF, image or office document, up to %(mb)s MB.") % {"mb": document_limit_mb()},
            )
            if answer.evidence_file:
                self.fields[f"remove:{key}"] = forms.BooleanField(label=_("Remove the file"), required=False)
            if not self.is_bound:
                initial = answer.status if indicator.kind == Indicator.Kind.PROCEDURE else answer.value
                if indicator.kind == Indicator.Kind.BOOLEAN and initial is not None:
                    initial = str(int(initial))
                self.initial.update({f"v:{key}": initial, f"note:{key}": answer.note, f"link:{key}": answer.link})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for answer in self.answers:
            name = f"file:{answer.indicator.code}"
            if cleaned.get(name):
                try:
                    document_check(cleaned[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned

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
                "file": self[f"file:{answer.indicator.code}"],
                "remove": self[f"remove:{answer.indicator.code}"] if answer.evidence_file else None,
                "evidence_errors": any(
                    self.has_error(f"{part}:{answer.indicator.code}") for part in ("note", "link", "file")
                ),
            }
            for answer in answers
        ]

    def anchor(self, name: str) -> str:
        """The id of the control a link to field `name` leads to (a radio group's first button)."""
        field = self[name]
        return f"{field.auto_id}_0" if isinstance(field.field.widget, forms.RadioSelect) else field.id_for_label

    def error_links(self) -> list[dict[str, str]]:
        """Every field error as the summary above the form lists it: the item, the field, the message, the anchor."""
        names = {answer.indicator.code: localized(answer.indicator, "name") for answer in self.answers}
        links = []
        for name, errors in self.errors.items():
            if name not in self.fields:
                continue
            part, _sep, code = name.partition(":")
            field_label = "" if part == "v" else str(self.fields[name].label)
            for error in errors:
                links.append(
                    {
                        "anchor": self.anchor(name),
                        "item": names.get(code, ""),
                        "field": field_label,
                        "error": str(error),
                    }
                )
        return links

    def inputs(self) -> dict[int, AnswerInput]:
        """What to save. A field with an error keeps the answer's stored value (and a refused file is not
        taken), so every other field of the same save is saved: nothing typed elsewhere is lost."""
        data = self.cleaned_data
        result = {}
        for answer in self.answers:
            key, procedure = answer.indicator.code, answer.indicator.kind == Indicator.Kind.PROCEDURE

            def given(name: str, stored: Any, key: str = key) -> Any:
                field = f"{name}:{key}"
                return stored if self.has_error(field) else data.get(field, stored)

            value = given("v", answer.status if procedure else answer.value)
            result[answer.indicator_id] = AnswerInput(
                value=None if procedure else value,
                status=value if procedure else "",
                note=given("note", answer.note),
                link=given("link", answer.link),
                # A changed value that was refused is not a confirmation of the prefilled one either.
                confirm_prefill=bool(given("confirm", False)) and not self.has_error(f"v:{key}"),
                file=given("file", None),
                remove_file=bool(given("remove", False)),
            )
        return result


class AssessmentImportForm(forms.Form):
    file = TableFileField(
        kind="assessment_import",
        label=_("File in the national survey's shape"),
        help_text=_(
            "CSV (UTF-8 or Shift_JIS) or XLSX with lg_code,fiscal_year,indicator,value, as the download writes it."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


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
            "initiative",
            "owner",
            "interval",
        )
        field_classes = {"indicator": SurveyItemField}
        widgets = {
            "baseline_date": forms.DateInput(attrs={"type": "date"}),
            "target_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalog = catalog_for()
        indicator = cast(SurveyItemField, self.fields["indicator"])
        indicator.queryset = catalog.indicators.order_by("position") if catalog else Indicator.objects.none()
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = User.objects.filter(memberships__organization__municipality=municipality)
        initiative = cast(forms.ModelChoiceField, self.fields["initiative"])
        initiative.queryset = Initiative.objects.filter(roadmap__municipality=municipality)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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
    file = TableFileField(
        kind="kpi_measurements",
        label=_("CSV file (date,value,note)"),
        help_text=_("CSV (UTF-8 or Shift_JIS) or XLSX with the header date,value[,note]."),
    )


class RoadmapForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    vision = forms.CharField(label=_("Vision"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"}))
    adopted_on = forms.DateField(label=_("Adopted on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    template = forms.ChoiceField(
        label=_("Start from"),
        required=False,
        choices=[("", _("An empty roadmap")), *((key, label) for key, (label, _items) in TEMPLATES.items())],
    )

    def __init__(self, *args: Any, changing: Roadmap | None = None, **kwargs: Any) -> None:
        """`changing`: the roadmap this form changes (no template then, and the version it is made against)."""
        if changing is not None:
            kwargs.setdefault("prefix", "roadmap")  # beside the initiative form on the roadmap's page
            kwargs.setdefault("initial", {name: getattr(changing, name) for name in RoadmapInput.__dataclass_fields__})
        super().__init__(*args, **kwargs)
        if changing is not None:
            del self.fields["template"]
            version_field(self, changing)

    def given(self) -> RoadmapInput:
        return RoadmapInput(**{name: self.cleaned_data[name] for name in RoadmapInput.__dataclass_fields__})


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.ChoiceField(label=_("Area"), choices=[("", "—"), *Area.choices], required=False)
    indicators = SurveyItemsField(
        label=_("Survey items"), queryset=Indicator.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    starts_on = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=Initiative.Status.choices, initial=Initiative.Status.PLANNED)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        catalog = catalog_for()
        indicators = cast(SurveyItemsField, self.fields["indicators"])
        indicators.queryset = (
            catalog.indicators.filter(kind=Indicator.Kind.BOOLEAN, scored=True) if catalog else Indicator.objects.none()
        )
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = User.objects.filter(
            memberships__organization__municipality=municipality
        )

    def given(self) -> InitiativeInput:
        data = self.cleaned_data
        return InitiativeInput(
            title=data["title"],
            area=data["area"],
            indicators=list(data["indicators"]),
            owner=data["owner"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            status=data["status"],
        )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    done_on = forms.DateField(label=_("Done on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
