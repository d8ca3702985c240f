"""Forms of the practice cases: the case with its outcome metrics, the list's filters, the kit, adopting, asking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benchmarks.models import Area
from dx_platform.core.uploads import document_check, document_limit_mb
from dx_platform.organizations.models import Municipality, Organization

from ..models import CaseAttachment, PracticeCase
from ..selectors.cases import CaseFilters, newest_indicators
from ..services.cases import CASE_FIELDS, CaseInput, MetricInput, attachment_types
from .fields import SurveyItemsField

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 4})
# The form in parts, each a fieldset of the page (the metrics sit with the outcome).
SECTIONS = (
    (_("The case"), ("organization", "title", "problem", "context", "area", "indicators")),
    (
        _("What was done"),
        ("what_was_done", "tools", "cost_yen", "cost_note", "people", "started_on", "finished_on"),
    ),
    (_("What came of it"), ("outcome", "outcomes", "what_did_not_work", "lessons", "would_do_again")),
    (_("Who sees it, and from when"), ("audience", "anonymous", "embargo_until")),
)


class CaseForm(forms.ModelForm):
    organization = forms.ModelChoiceField(label=_("Written by"), queryset=Organization.objects.none())

    class Meta:
        model = PracticeCase
        fields = (*CASE_FIELDS, "indicators")
        field_classes = {"indicators": SurveyItemsField}
        widgets = {
            "problem": TEXT,
            "context": TEXT,
            "what_was_done": TEXT,
            "tools": forms.Textarea(attrs={"rows": 2}),
            "outcomes": TEXT,
            "what_did_not_work": TEXT,
            "lessons": TEXT,
            "started_on": DATE,
            "finished_on": DATE,
            "embargo_until": DATE,
            "outcome": forms.RadioSelect,
            "audience": forms.RadioSelect,
            "indicators": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, authors: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        """`authors`: the bodies a new case may be written for; an existing case keeps its own."""
        super().__init__(*args, **kwargs)
        if authors is None:
            del self.fields["organization"]
        else:
            organization = cast(forms.ModelChoiceField, self.fields["organization"])
            organization.queryset = authors
            if authors.count() == 1:
                organization.initial = authors.first()
        cast(SurveyItemsField, self.fields["indicators"]).queryset = newest_indicators()
        cast(forms.ChoiceField, self.fields["outcome"]).choices = PracticeCase.Outcome.choices
        again = cast(forms.ChoiceField, self.fields["would_do_again"])
        again.choices = [("", _("Not said")), *PracticeCase.Again.choices]
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", "—"), *Area.choices]
        self.fields["anonymous"].help_text = _(
            "Others see the size class and a rounded population, not the body's name; leave names out of the text too."
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        started, finished = cleaned.get("started_on"), cleaned.get("finished_on")
        # Said here, on the field: otherwise the model's check constraint refuses it in its own words.
        if started and finished and finished < started:
            self.add_error("finished_on", _("The end cannot be before the start."))
        return cleaned

    def sections(self) -> list[tuple[StrOrPromise, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in SECTIONS]

    def given(self, metrics: list[MetricInput]) -> CaseInput:
        data = self.cleaned_data
        return CaseInput(
            **{name: data[name] for name in CASE_FIELDS}, indicators=list(data["indicators"]), metrics=metrics
        )


class MetricForm(forms.Form):
    label = forms.CharField(label=_("Measure"), max_length=200, required=False)
    before = forms.FloatField(label=pgettext_lazy("metric", "Before"), required=False)
    after = forms.FloatField(label=pgettext_lazy("metric", "After"), required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("label") and any(
            cleaned.get(name) not in (None, "") for name in ("before", "after", "unit")
        ):
            self.add_error("label", _("Name the measure, e.g. “minutes per application”."))
        return cleaned


# Blank rows are left out, so a row is removed by clearing it; three blank rows to add new ones.
MetricFormSet = forms.formset_factory(MetricForm, extra=3, max_num=20, validate_max=True)


def metric_inputs(formset: Any) -> list[MetricInput]:
    return [
        MetricInput(label=row["label"], before=row["before"], after=row["after"], unit=row["unit"])
        for row in formset.cleaned_data
        if row.get("label")
    ]


def metric_initial(case: PracticeCase) -> list[dict[str, Any]]:
    return [{"label": m.label, "before": m.before, "after": m.after, "unit": m.unit} for m in case.metrics.all()]


class CaseListForm(forms.Form):
    """The filters of the case list (GET)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *PracticeCase.Outcome.choices], required=False
    )
    area = forms.ChoiceField(label=_("Area"), choices=[("", _("Any area")), *Area.choices], required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"), choices=[("", _("Any size")), *Municipality.SizeClass.choices], required=False
    )
    ours = forms.BooleanField(label=_("Written by us"), required=False)
    adopted = forms.BooleanField(label=_("Adopted by us"), required=False)
    sort = forms.ChoiceField(
        label=pgettext_lazy("sort", "Order"),
        choices=[("", _("Newest first")), ("adoptions", _("Most adopted first"))],
        required=False,
    )

    def filters(self) -> CaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CaseFilters(
            outcome=data.get("outcome", ""),
            area=data.get("area", ""),
            size_class=data.get("size_class", ""),
            ours=data.get("ours", False),
            adopted_by_us=data.get("adopted", False),
            sort=data.get("sort", ""),
        )


class AttachmentForm(forms.Form):
    """A file for the kit; prefixed, as the case page also holds the thread's form with a `kind` of its own."""

    prefix = "kit"
    kind = forms.ChoiceField(label=_("What it is"), choices=CaseAttachment.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        # Lazy: the limit as the settings have it when the form is shown.
        help_text=lazy(
            lambda: (
                _("PDF, image or office document (an RPA scenario also as a zip archive), up to %(mb)s MB.")
                % {"mb": document_limit_mb()}
            ),
            str,
        )(),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("file") and cleaned.get("kind"):
            try:
                document_check(cleaned["file"], types=attachment_types(cleaned["kind"]))
            except forms.ValidationError as exc:
                self.add_error("file", exc)
        return cleaned


class AdoptForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Adopted by"), queryset=Organization.objects.none())
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=500,
        required=False,
        help_text=_("What you took over or changed, for the author and others."),
    )

    def __init__(self, *args: Any, adopters: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = cast(forms.ModelChoiceField, self.fields["organization"])
        organization.queryset = Organization.objects.filter(pk__in=[o.pk for o in adopters])
        if len(adopters) == 1:
            organization.initial = adopters[0]


class QuestionForm(forms.Form):
    """Asking the author; prefixed, as the case page also holds the thread's form with a `body` of its own."""

    prefix = "question"
    body = forms.CharField(label=_("Your question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
