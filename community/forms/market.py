"""Forms of the market pages: needs, solutions, proposals, references and the list filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Area
from dx_platform.organizations.models import Organization

from ..models import Need, Solution
from ..models.market import Category
from ..selectors.cases import newest_indicators
from ..selectors.market import QUALIFICATIONS, NeedFilters, SolutionFilters
from ..services.market import NeedInput, ProposalInput, SolutionInput
from .fields import SurveyItemsField


class _Tagged(forms.ModelForm):
    """A need or a solution: tagged with survey items, written for one of the user's organisations."""

    organization = forms.ModelChoiceField(label=_("For"), queryset=Organization.objects.none(), empty_label=None)

    def __init__(self, *args: Any, organizations: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            # Changing an item: it stays with its organisation.
            del self.fields["organization"]
        else:
            cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        indicators = cast(SurveyItemsField, self.fields["indicators"])
        indicators.queryset = newest_indicators()
        indicators.required = False

    def values(self) -> dict[str, Any]:
        names = cast("tuple[str, ...]", self._meta.fields)  # the Meta.fields of NeedForm or SolutionForm
        return {name: self.cleaned_data[name] for name in names if name != "indicators"} | {
            "indicators": list(self.cleaned_data["indicators"])
        }


class NeedForm(_Tagged):
    class Meta:
        model = Need
        fields = ("title", "problem", "category", "area", "indicators", "constraints", "budget_band", "deadline")
        field_classes = {"indicators": SurveyItemsField}
        widgets = {
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "indicators": forms.CheckboxSelectMultiple,
            "problem": forms.Textarea(attrs={"rows": 5}),
            "constraints": forms.Textarea(attrs={"rows": 3}),
        }

    def given(self) -> NeedInput:
        return NeedInput(**self.values())


class SolutionForm(_Tagged):
    class Meta:
        model = Solution
        fields = (
            "title",
            "description",
            "category",
            "indicators",
            "pricing",
            "price_note",
            "deployment",
            "ismap",
            "lgwan_asp",
            "unified_qualification",
            "status",
        )
        field_classes = {"indicators": SurveyItemsField}
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "indicators": forms.CheckboxSelectMultiple}

    def given(self) -> SolutionInput:
        return SolutionInput(**self.values())


class ProposalForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("For"), queryset=Organization.objects.none(), empty_label=None)
    summary = forms.CharField(label=_("Your proposal"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000)
    price_note = forms.CharField(label=_("Price"), required=False, max_length=300)
    solution = forms.ModelChoiceField(
        label=_("One of your solutions"), queryset=Solution.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = organizations
        cast(forms.ModelChoiceField, self.fields["solution"]).queryset = Solution.objects.filter(
            organization__in=organizations, status=Solution.Status.PUBLISHED
        )

    def given(self) -> ProposalInput:
        data = self.cleaned_data
        return ProposalInput(summary=data["summary"], price_note=data["price_note"], solution=data["solution"])


class ReferenceForm(forms.Form):
    municipality = forms.CharField(
        label=_("Municipality"),
        max_length=40,
    )

    def clean_municipality(self) -> Organization:
        given = self.cleaned_data["municipality"].strip()
        bodies = Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY)
        if given.isascii() and given.isdigit():
            found = list(bodies.filter(municipality__code=given))
        else:
            found = list(bodies.filter(name=given)) or list(bodies.filter(municipality__name=given)[:2])
        if not found:
            raise forms.ValidationError(_("No municipality has this code or name."))
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several municipalities have this name: give the prefecture too, or the code.")
            )
        return found[0]


class NeedFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any category")), *Category.choices], required=False
    )
    area = forms.ChoiceField(label=_("Area"), choices=[("", _("Any area")), *Area.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Open and closed")), *Need.Status.choices], required=False
    )

    def filters(self) -> NeedFilters:
        return NeedFilters(**self.cleaned_data)


class SolutionFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any category")), *Category.choices], required=False
    )
    deployment = forms.ChoiceField(
        label=_("Deployment"), choices=[("", _("Any deployment")), *Solution.Deployment.choices], required=False
    )
    qualifications = forms.MultipleChoiceField(
        label=_("Qualifications"),
        choices=[
            (name, cast(models.BooleanField, Solution._meta.get_field(name)).verbose_name) for name in QUALIFICATIONS
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def filters(self) -> SolutionFilters:
        data = self.cleaned_data
        return SolutionFilters(
            category=data["category"], deployment=data["deployment"], qualifications=tuple(data["qualifications"])
        )
