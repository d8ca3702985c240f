"""Forms of joint procurement: the procurement and its cost sharing, stage moves, seats and commitments,
specification drafts and their diff, the public Q&A."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benchmarks.models import Area, Indicator
from dx_platform.core.fiscal import FiscalYear
from dx_platform.core.forms import ModelIdsField
from dx_platform.organizations.models import Organization

from ..models import Participant, Procurement
from ..models.market import Category
from ..models.procurement import Stage
from ..selectors.procurement import Sharing, procurement_items
from ..services.procurement import Award, CommitmentInput, ProcurementInput, SeatInput, sharing_check
from .fields import SurveyItemsField

DATE = forms.DateInput(attrs={"type": "date"})
# Enough for any joint procurement; int() of a longer string of digits is refused before it is slow.
MAX_YEN = 10**12
MAX_STAFF = 1_000_000


class ProcurementForm(forms.Form):
    """The details of a procurement; the lead body is chosen when it is opened, and the RFI and tender
    texts are drafts until the stage that publishes them."""

    lead = forms.ModelChoiceField(label=_("Lead body"), queryset=Organization.objects.none(), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    area = forms.ChoiceField(label=_("Area"), choices=[("", "—"), *Area.choices], required=False)
    indicators = SurveyItemsField(
        label=_("Survey items"), queryset=Indicator.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    model = forms.ChoiceField(
        label=_("Procurement model"),
        choices=Procurement.Model.choices,
        initial=Procurement.Model.SHARED_SPECIFICATION,
        widget=forms.RadioSelect,
    )
    customisation_rules = forms.CharField(
        label=_("Rules limiting customisation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What participants may and may not ask to change; shared specifications stay shared."),
    )
    join_until = forms.DateField(label=_("Join until"), widget=DATE)
    commit_until = forms.DateField(label=_("Commit until"), required=False, widget=DATE)
    specification_shareable = forms.BooleanField(
        label=_("The specification may be shared with other bodies"), required=False, initial=True
    )
    subsidy = forms.CharField(label=_("Subsidy used"), max_length=200, required=False)
    rfi_text = forms.CharField(
        label=_("RFI"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published to partners when the procurement moves to the RFI."),
    )
    tender_text = forms.CharField(
        label=_("Tender notice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published to partners when the procurement moves to the tender."),
    )

    def __init__(
        self,
        *args: Any,
        leads: QuerySet[Organization] | None = None,
        procurement: Procurement | None = None,
        **kwargs: Any,
    ) -> None:
        if procurement is not None:
            kwargs["initial"] = vars(ProcurementInput.of(procurement))
        super().__init__(*args, **kwargs)
        if procurement is None:
            cast(forms.ModelChoiceField, self.fields["lead"]).queryset = leads
        else:
            del self.fields["lead"]
            for name, published in (
                ("rfi_text", procurement.rfi_published_at),
                ("tender_text", procurement.tender_published_at),
            ):
                if published:
                    self.fields[name].widget.attrs["readonly"] = True
                    self.fields[name].help_text = _("Published: it no longer changes.")
        cast(SurveyItemsField, self.fields["indicators"]).queryset = procurement_items()

    def given(self) -> ProcurementInput:
        data = self.cleaned_data
        return ProcurementInput(
            **{name: data.get(name, "") for name in ProcurementInput.__dataclass_fields__ if name != "indicators"},
            indicators=list(data["indicators"]),
        )


class InviteForm(forms.Form):
    """Municipalities asked to answer the interest survey when the procurement is opened."""

    invite = ModelIdsField(
        label=_("Invite to the interest survey"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their editors and administrators are told; anyone may still join."),
    )

    def __init__(self, *args: Any, leads: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ModelIdsField, self.fields["invite"]).queryset = Organization.objects.filter(
            kind=Organization.Kind.MUNICIPALITY, prefecture__in=leads.values("prefecture")
        ).order_by("municipality__code")


class SharingForm(forms.Form):
    """The cost sharing calculator: the total and the rule; a mix takes percent weights adding up to 100."""

    total_cost_yen = forms.IntegerField(
        label=_("Estimated total cost (yen)"), min_value=0, max_value=MAX_YEN, required=False
    )
    sharing_rule = forms.ChoiceField(
        label=_("Cost sharing"),
        choices=Procurement.SharingRule.choices,
        initial=Procurement.SharingRule.FLAT,
        widget=forms.RadioSelect,
    )
    flat_weight = forms.IntegerField(label=_("Equal part (%)"), min_value=0, max_value=100, required=False)
    population_weight = forms.IntegerField(label=_("Population part (%)"), min_value=0, max_value=100, required=False)
    usage_weight = forms.IntegerField(label=_("Usage part (%)"), min_value=0, max_value=100, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors:
            try:
                sharing_check(self.sharing())
            except forms.ValidationError as exc:
                self.add_error(None, exc)
        return self.cleaned_data

    def sharing(self) -> Sharing:
        data = self.cleaned_data
        return Sharing(
            total_cost_yen=data.get("total_cost_yen"),
            sharing_rule=data.get("sharing_rule", ""),
            flat_weight=data.get("flat_weight") or 0,
            population_weight=data.get("population_weight") or 0,
            usage_weight=data.get("usage_weight") or 0,
        )


class StageForm(forms.Form):
    # Any text is taken: the service refuses a stage that is not next and names the ones that are.
    to_stage = forms.CharField(label=_("Move to"), widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note to the participants"), max_length=500, required=False)
    awarded_to = forms.CharField(label=_("Vendor awarded the contract"), max_length=200, required=False)
    awarded_partner = forms.ModelChoiceField(
        label=_("Partner organisation on the platform (optional)"),
        queryset=Organization.objects.filter(kind=Organization.Kind.PARTNER),
        required=False,
    )
    contract_amount_yen = forms.IntegerField(
        label=_("Contract amount (yen)"), min_value=0, max_value=MAX_YEN, required=False
    )
    contract_on = forms.DateField(label=_("Contract date"), required=False, widget=DATE)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].widget.choices = [(stage, Stage(stage).label) for stage in allowed]
        if Stage.AWARDED not in allowed:
            for name in ("awarded_to", "awarded_partner", "contract_amount_yen", "contract_on"):
                del self.fields[name]

    def award(self) -> Award | None:
        """The award, when every part of it is given (the service names what is missing)."""
        data = self.cleaned_data
        if data.get("contract_amount_yen") is None or data.get("contract_on") is None:
            return None
        return Award(
            awarded_to=data.get("awarded_to", ""),
            awarded_partner=data.get("awarded_partner"),
            contract_amount_yen=data["contract_amount_yen"],
            contract_on=data["contract_on"],
        )


class BodyForm(forms.Form):
    """Which of the user's bodies acts (most people have one)."""

    organization = forms.ModelChoiceField(label=_("Body"), queryset=Organization.objects.none(), empty_label=None)

    def __init__(self, *args: Any, bodies: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organization"]).queryset = bodies

    @classmethod
    def initial_of(cls, seat: Participant | None) -> dict[str, Any]:
        """The form as the seat stands (what it has stated, its approvals), to change it."""
        if seat is None:
            return {}
        stated = {name: getattr(seat, name) for name in cls.base_fields if name != "organization"}
        return {"organization": seat.organization} | {k: v for k, v in stated.items() if v not in (None, "")}


class SeatForm(BodyForm):
    expected_volume = forms.FloatField(
        label=_("Expected usage"),
        min_value=0,
        required=False,
        help_text=_("In the unit the lead asks for, such as applications a year or accounts."),
    )
    staff = forms.IntegerField(label=_("Staff"), min_value=0, max_value=MAX_STAFF, required=False)
    constraints = forms.CharField(label=_("Constraints"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, one_saas: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if one_saas:
            self.fields["constraints"].label = _("Configuration note for our body")
            self.fields["constraints"].help_text = _("How your body will configure the shared SaaS.")

    def given(self) -> SeatInput:
        data = self.cleaned_data
        return SeatInput(expected_volume=data["expected_volume"], staff=data["staff"], constraints=data["constraints"])


class CommitForm(BodyForm):
    department_approval = forms.ChoiceField(
        label=_("Department approval"), choices=Participant.Approval.choices, widget=forms.RadioSelect
    )
    mayor_approval = forms.ChoiceField(
        label=_("Mayor's approval"), choices=Participant.Approval.choices, widget=forms.RadioSelect
    )
    council_approval = forms.ChoiceField(
        label=_("Council approval"), choices=Participant.Approval.choices, widget=forms.RadioSelect
    )
    budget = forms.ChoiceField(label=_("Budget"), choices=Participant.Budget.choices, widget=forms.RadioSelect)
    budget_fiscal_year = forms.IntegerField(label=_("Budget year"), min_value=1989, max_value=2200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_fiscal_year"].initial = FiscalYear.current().year

    def given(self) -> CommitmentInput:
        return CommitmentInput(**{name: self.cleaned_data[name] for name in CommitmentInput.__dataclass_fields__})


class SpecificationForm(forms.Form):
    text = forms.CharField(label=_("Specification"), widget=forms.Textarea(attrs={"rows": 16}))
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)


class DiffForm(forms.Form):
    VIEWS = (("side", _("Side by side")), ("unified", _("Unified")))

    old = forms.TypedChoiceField(label=_("From version"), coerce=int)
    new = forms.TypedChoiceField(label=_("To version"), coerce=int)
    view = forms.ChoiceField(label=_("Show"), choices=VIEWS, initial="side", required=False)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(n, f"v{n}") for n in numbers]
        for name in ("old", "new"):
            cast(forms.TypedChoiceField, self.fields[name]).choices = choices


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Everyone who can see this procurement reads the question and its answer; nobody sees who asked."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=pgettext_lazy("noun", "Answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StageFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", _("Any stage")), *Stage.choices], required=False)
