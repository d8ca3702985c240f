"""Forms of the coordinator's workspace."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessments.models import Initiative, Kpi
from benchmarks.models import Area, Indicator
from dx_platform.accounts.models import User
from dx_platform.core.forms import ModelIdsField
from dx_platform.core.i18n import localized
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Prefecture

from . import selectors
from .models import SKILLS, Specialist, SupportActivity, SupportCase
from .services import ActivityInput, GoalInput, SpecialistInput, SupportRequest

DATE = forms.DateInput(attrs={"type": "date"})


class ItemField(forms.ModelChoiceField):
    """A survey item, by its Japanese name."""

    def label_from_instance(self, obj: Indicator) -> str:
        return localized(obj, "name")


class ItemsField(ModelIdsField):
    """Survey items (checkboxes), by their Japanese names."""

    def label_from_instance(self, obj: Indicator) -> str:
        return localized(obj, "name")


class MunicipalitiesField(ModelIdsField):
    """Municipalities of one prefecture (checkboxes), by their names."""

    def label_from_instance(self, obj: Municipality) -> str:
        return obj.name


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    """A field of model choices (django-stubs types `form.fields` as plain fields)."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


class DashboardFilterForm(forms.Form):
    towns = forms.BooleanField(label=_("Towns and villages only"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"), choices=[("", _("Any size")), *Municipality.SizeClass.choices], required=False
    )
    area = forms.ChoiceField(label=_("Area"), choices=[("", _("Composite")), *Area.choices], required=False)


class SurveyWindowForm(forms.Form):
    """When the prefecture's municipalities answer a fiscal year's survey (the service checks the dates)."""

    fiscal_year = forms.IntegerField(label=_("Fiscal year"), widget=forms.HiddenInput)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE)
    closes_on = forms.DateField(label=_("Answer deadline"), widget=DATE)


class SupportRequestForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    skill = forms.ChoiceField(label=_("About"), choices=[("", "—"), *SKILLS], required=False)
    indicator = ItemField(label=_("Survey item"), queryset=Indicator.objects.none(), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=SupportCase.Urgency.choices, initial=SupportCase.Urgency.NORMAL
    )
    description = forms.CharField(label=_("What do you need?"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "indicator").queryset = selectors.newest_items()

    def given(self) -> SupportRequest:
        return SupportRequest(**{name: self.cleaned_data[name] for name in SupportRequest.__dataclass_fields__})


class AssignForm(forms.Form):
    specialist = forms.ModelChoiceField(label=_("Specialist"), queryset=Specialist.objects.none(), required=False)

    def __init__(self, *args: Any, prefecture: Prefecture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "specialist").queryset = Specialist.objects.filter(prefecture=prefecture, active=True)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = SupportActivity
        fields = ("kind", "held_on", "attendees", "hours", "notes", "next_action", "next_action_due")
        widgets = {
            "held_on": DATE,
            "next_action_due": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def given(self) -> ActivityInput:
        return ActivityInput(**{name: self.cleaned_data[name] for name in self.Meta.fields})


class DispatchForm(forms.Form):
    worked_on = forms.DateField(label=_("Date"), widget=DATE)
    days = forms.DecimalField(label=_("Days"), min_value=0.5, max_digits=4, decimal_places=1)


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class LinksForm(forms.Form):
    kpis = ModelIdsField(
        label=_("KPIs"), queryset=Kpi.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    initiatives = ModelIdsField(
        label=_("Roadmap initiatives"),
        queryset=Initiative.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, case: SupportCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "kpis").queryset = Kpi.objects.filter(municipality=case.municipality)
        _choices(self, "initiatives").queryset = Initiative.objects.filter(roadmap__municipality=case.municipality)


class SpecialistForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Specialist.Kind.choices)
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200, required=False)
    user = forms.ModelChoiceField(
        label=_("Platform account (optional)"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="email",
        widget=forms.EmailInput,
        help_text=_(
            "The specialist's email address on the platform (a partner engineer's or the prefecture's own staff's "
            "account): they then see the cases assigned to them."
        ),
    )
    skills = forms.MultipleChoiceField(label=_("Skills"), choices=SKILLS, widget=forms.CheckboxSelectMultiple)
    days_per_month = forms.DecimalField(
        label=_("Days available per month"), min_value=0, max_digits=4, decimal_places=1
    )
    municipalities = ModelIdsField(
        label=_("Municipalities served"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, prefecture: Prefecture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each label names the prefecture too: read with the municipalities, not once per checkbox.
        _choices(self, "municipalities").queryset = (
            Municipality.objects.filter(prefecture=prefecture).select_related("prefecture").order_by("code")
        )
        _choices(self, "user").queryset = User.objects.filter(permissions.pool_accounts(prefecture.pk)).distinct()

    @staticmethod
    def initial_of(specialist: Specialist | None) -> dict[str, Any]:
        """The form's start: the specialist's own data, or a new active one."""
        if specialist is None:
            return {"active": True}
        return {
            "name": specialist.name,
            "kind": specialist.kind,
            "affiliation": specialist.affiliation,
            "user": specialist.user.email if specialist.user else "",
            "skills": specialist.skills,
            "days_per_month": specialist.days_per_month,
            "municipalities": specialist.municipalities.all(),
            "active": specialist.active,
        }

    def given(self) -> SpecialistInput:
        data = self.cleaned_data
        return SpecialistInput(
            name=data["name"],
            kind=data["kind"],
            affiliation=data["affiliation"],
            user=data["user"],
            skills=list(data["skills"]),
            days_per_month=data["days_per_month"],
            municipalities=list(data["municipalities"]),
            active=data["active"],
        )


class GoalForm(forms.Form):
    title = forms.CharField(label=_("Goal"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    indicators = ItemsField(
        label=_("Survey items"), queryset=Indicator.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    target_date = forms.DateField(label=pgettext_lazy("goal date", "By"), widget=DATE)
    municipalities = MunicipalitiesField(
        label=_("Municipalities on board"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, prefecture: Prefecture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "indicators").queryset = selectors.goal_items()
        _choices(self, "municipalities").queryset = Municipality.objects.filter(prefecture=prefecture).order_by("code")

    def given(self) -> GoalInput:
        data = self.cleaned_data
        return GoalInput(
            data["title"],
            data["description"],
            list(data["indicators"]),
            data["target_date"],
            list(data["municipalities"]),
        )


class MilestoneForm(forms.Form):
    due_on = forms.DateField(label=_("Our date"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
