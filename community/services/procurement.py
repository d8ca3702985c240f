"""Writes of joint procurement (共同調達): the lead body runs the stages one step at a time,
municipalities join, restate their needs, withdraw or commit, the lead keeps versions of the
specification and answers the public Q&A. Every change re-indexes the procurement for search."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from dx_platform.core.concurrency import claim
from dx_platform.core.fiscal import FiscalYear
from dx_platform.notifications.services import notification_create
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization
from dx_platform.organizations.selectors import latest_population, writers_of

from ..models import Participant, Procurement, ProcurementQuestion, SearchEntry, SpecificationVersion, StageChange
from ..models.procurement import OPEN_STAGES, STAGE_ORDER, Stage
from ..selectors.procurement import ACTIVE, FINISHED, Sharing, commitments_open, cost_shares, sharing_fixed
from .search import search_entry_save

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

QUESTION_STAGES = (Stage.RFI, Stage.TENDER)
# A commitment binds a budget of this fiscal year or one of the next few.
BUDGET_YEARS_AHEAD = 5


def next_stages(stage: str) -> list[str]:
    """Where a procurement may go from `stage`: one step on, or cancelled before the award."""
    if stage not in STAGE_ORDER:
        return []
    index = STAGE_ORDER.index(stage)
    following = list(STAGE_ORDER[index + 1 : index + 2])
    if stage not in FINISHED:
        following.append(Stage.CANCELLED)
    return following


def _label(stage: str) -> str | Promise:
    return Stage(stage).label if stage in Stage.values else stage


def _either(stages: list[str]) -> Promise:
    """The allowed stages in words, “A” or “A” or “B”: one step on, and cancelling while that is possible."""
    if len(stages) == 1:
        return format_lazy("“{}”", _label(stages[0]))
    return format_lazy(_("“{first}” or “{second}”"), first=_label(stages[0]), second=_label(stages[1]))


def _check_lead(by: User, procurement: Procurement) -> None:
    if not permissions.can_run_procurement(by, procurement.lead):
        raise PermissionDenied(_("Only the lead body runs this joint procurement."))


def _locked(procurement: Procurement) -> Procurement:
    """The procurement re-read and locked: concurrent moves, joins and drafts queue behind each other."""
    return Procurement.objects.select_for_update(of=("self",)).select_related("lead").get(pk=procurement.pk)


def _index(procurement: Procurement) -> None:
    """Only what partners may read goes in, since they find procurements through the search too."""
    parts = [procurement.summary]
    if procurement.rfi_published_at:
        parts.append(procurement.rfi_text)
    if procurement.tender_published_at:
        parts.append(procurement.tender_text)
    search_entry_save(
        kind=SearchEntry.Kind.PROCUREMENT,
        object_id=procurement.pk,
        title=procurement.title,
        parts=parts,
        organization=procurement.lead,
        area=procurement.area,
        indicator_codes=procurement.indicators.values_list("code", flat=True),
    )


def _url(procurement: Procurement) -> str:
    return reverse("community:procurement_detail", args=[procurement.pk])


def _notify(people: Iterable[User], by: User, title: Promise, procurement: Procurement, body: str = "") -> None:
    for user in people:
        if user.pk != by.pk:
            notification_create(recipient=user, title=title, body=body, url=_url(procurement))


def _participant_people(procurement: Procurement) -> QuerySet[User]:
    """Those who take part for the active participants: their editors and administrators."""
    return writers_of(
        Organization.objects.filter(procurement_seats__procurement=procurement, procurement_seats__status__in=ACTIVE)
    )


# --- the procurement -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcurementInput:
    title: str
    summary: str
    category: str
    area: str
    indicators: list[Indicator]
    model: str
    customisation_rules: str
    join_until: dt.date
    commit_until: dt.date | None
    specification_shareable: bool
    subsidy: str
    rfi_text: str = ""
    tender_text: str = ""

    @classmethod
    def of(cls, procurement: Procurement) -> ProcurementInput:
        """The procurement's details as they stand, to change some of them."""
        names = [name for name in cls.__dataclass_fields__ if name != "indicators"]
        return cls(
            indicators=list(procurement.indicators.all()), **{name: getattr(procurement, name) for name in names}
        )


def _check_details(given: ProcurementInput) -> None:
    if given.commit_until is not None and given.commit_until < given.join_until:
        raise ValidationError({"commit_until": [_("Commitments close on or after the day joining closes.")]})


def sharing_check(sharing: Sharing) -> None:
    """A known rule; for the mixed rule percent weights that add up to 100; a total that is not negative."""
    if sharing.sharing_rule not in Procurement.SharingRule.values:
        raise ValidationError({"sharing_rule": [_("Choose how the cost is shared.")]})
    if sharing.total_cost_yen is not None and sharing.total_cost_yen < 0:
        raise ValidationError({"total_cost_yen": [_("The total cost cannot be negative.")]})
    weights = (sharing.flat_weight, sharing.population_weight, sharing.usage_weight)
    if sharing.sharing_rule == Procurement.SharingRule.MIXED and (min(weights) < 0 or sum(weights) != 100):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    ValidationError(
                        _("The weights of a mix are percentages that add up to 100 (now %(sum)s)."),
                        params={"sum": sum(weights)},
                    )
                ]
            }
        )


def _set_sharing(procurement: Procurement, sharing: Sharing) -> None:
    mixed = sharing.sharing_rule == Procurement.SharingRule.MIXED
    procurement.total_cost_yen, procurement.sharing_rule = sharing.total_cost_yen, sharing.sharing_rule
    # A single rule keeps no weights, so the stored ones never contradict it.
    procurement.flat_weight = sharing.flat_weight if mixed else 0
    procurement.population_weight = sharing.population_weight if mixed else 0
    procurement.usage_weight = sharing.usage_weight if mixed else 0


def _text(text: str) -> str:
    """Line ends as one newline, whatever the browser or client sent, so versions compare by content."""
    return text.replace("\r\n", "\n").strip()


def _set_details(procurement: Procurement, given: ProcurementInput) -> None:
    for field in ProcurementInput.__dataclass_fields__:
        if field != "indicators":
            value = getattr(given, field)
            setattr(procurement, field, _text(value) if isinstance(value, str) else value)


def procurement_create(
    *,
    lead: Organization,
    given: ProcurementInput,
    sharing: Sharing,
    by: User,
    today: dt.date | None = None,
    invite: Iterable[Organization] = (),
) -> Procurement:
    """Open a joint procurement at its interest survey; the `invite`d municipalities are asked to answer it
    (a coordinator starts one for the towns that lack an item, from the gap matrix)."""
    if not permissions.can_run_procurement(by, lead):
        raise PermissionDenied(_("Only those who speak for a prefecture or municipality open a joint procurement."))
    if given.join_until < (today or timezone.localdate()):
        raise ValidationError({"join_until": [_("Joining cannot close in the past.")]})
    _check_details(given)
    sharing_check(sharing)
    with transaction.atomic():
        procurement = Procurement(lead=lead, created_by=by)
        _set_details(procurement, given)
        _set_sharing(procurement, sharing)
        procurement.save()
        procurement.indicators.set(given.indicators)
        _index(procurement)
        invited = [o for o in invite if o.kind == Organization.Kind.MUNICIPALITY]
        _notify(
            writers_of(invited),
            by,
            format_lazy(
                _("{lead} invites you to the interest survey of “{title}”"), lead=lead, title=procurement.title
            ),
            procurement,
        )
    return procurement


def procurement_update(
    *, procurement: Procurement, given: ProcurementInput, by: User, version: int | None = None
) -> Procurement:
    """Change the details of `version` (Stale if someone saved since); a published RFI or tender stays as
    it was published."""
    _check_lead(by, procurement)
    _check_details(given)
    with transaction.atomic():
        claim(procurement, version=version, by=by)
        current = _locked(procurement)
        if current.stage == Stage.CANCELLED:
            raise ValidationError(_("A cancelled procurement is closed."))
        errors = {}
        if current.rfi_published_at and _text(given.rfi_text) != current.rfi_text:
            errors["rfi_text"] = [_("The RFI is published and no longer changes; answer in the Q&A instead.")]
        if current.tender_published_at and _text(given.tender_text) != current.tender_text:
            errors["tender_text"] = [_("The tender notice is published and no longer changes.")]
        if errors:
            raise ValidationError(errors)
        _set_details(current, given)
        current.save()
        current.indicators.set(given.indicators)
        _index(current)
    return current


def cost_sharing_save(
    *, procurement: Procurement, sharing: Sharing, by: User, version: int | None = None
) -> Procurement:
    """Set the total and the rule of `version` (as procurement_update); fixed once a participant has
    committed to its share."""
    _check_lead(by, procurement)
    sharing_check(sharing)
    with transaction.atomic():
        claim(procurement, version=version, by=by)
        current = _locked(procurement)
        if sharing_fixed(current):
            raise ValidationError(
                _("The cost sharing is fixed once a participant has committed or the procurement is cancelled.")
            )
        _set_sharing(current, sharing)
        current.save()
        _index(current)
    return current


@dataclass(frozen=True)
class Award:
    awarded_to: str
    awarded_partner: Organization | None
    contract_amount_yen: int
    contract_on: dt.date


def _gate(current: Procurement, to_stage: str, award: Award | None, today: dt.date) -> list[str | Promise]:
    """What must be in place before the procurement enters `to_stage`."""
    problems: list[str | Promise] = []
    active = current.participants.filter(status__in=ACTIVE)
    if to_stage == Stage.RFI and not current.rfi_text.strip():
        problems.append(_("Write the RFI before publishing it."))
    if to_stage == Stage.COST_SHARING:
        if not current.customisation_rules.strip():
            problems.append(_("State the rules limiting customisation before the cost sharing."))
        if current.model == Procurement.Model.SHARED_SPECIFICATION and not current.specifications.exists():
            problems.append(_("Add a draft of the shared specification first."))
    if to_stage == Stage.COMMITMENT:
        if current.commit_until is None or current.commit_until < today:
            problems.append(_("Set a deadline for commitments that has not passed."))
        if not active.exists():
            problems.append(_("No body takes part yet."))
        elif (shares := cost_shares(procurement=current)).problem:
            problems.append(shares.problem)
    if to_stage == Stage.TENDER:
        if not current.tender_text.strip():
            problems.append(_("Write the tender notice before publishing it."))
        if not active.filter(status=Participant.Status.COMMITTED).exists():
            problems.append(_("No body has committed yet."))
    if to_stage == Stage.AWARDED:
        if award is None or not award.awarded_to.strip() or award.contract_amount_yen < 0:
            problems.append(_("Name the vendor, the contract amount and the contract date."))
        elif award.awarded_partner is not None and award.awarded_partner.kind != Organization.Kind.PARTNER:
            problems.append(_("The partner organisation must be a partner."))
    return problems


def procurement_move(
    *,
    procurement: Procurement,
    to_stage: str,
    by: User,
    note: str = "",
    award: Award | None = None,
    today: dt.date | None = None,
) -> Procurement:
    """Move one stage on (or cancel before the award), record it and tell the participants.

    Entering the RFI or the tender publishes it; entering the tender withdraws the bodies that did
    not commit, since the tender is for those who did.
    """
    _check_lead(by, procurement)
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(procurement)
        allowed = next_stages(current.stage)
        if to_stage not in allowed:
            if not allowed:
                raise ValidationError(
                    _("“%(stage)s” is final: the procurement does not move any more."),
                    code="stage",
                    params={"stage": _label(current.stage)},
                )
            raise ValidationError(
                _("“%(to)s” is not a next stage. From “%(stage)s” the procurement moves only to %(allowed)s."),
                code="stage",
                params={
                    "to": _label(to_stage),
                    "stage": _label(current.stage),
                    "allowed": _either(allowed),
                },
            )
        problems = _gate(current, to_stage, award, today)
        if problems:
            raise ValidationError(problems, code="gate")
        people = list(_participant_people(current))
        now = timezone.now()
        active = current.participants.filter(status__in=ACTIVE)
        if to_stage == Stage.RFI:
            current.rfi_published_at = now
            # The interest survey closes: who answered it forms the group.
            active.filter(status=Participant.Status.INTERESTED).update(status=Participant.Status.JOINED)
        elif to_stage == Stage.TENDER:
            current.tender_published_at = now
            active.exclude(status=Participant.Status.COMMITTED).update(
                status=Participant.Status.WITHDRAWN, withdrawn_at=now
            )
        elif to_stage == Stage.AWARDED and award is not None:
            current.awarded_to, current.awarded_partner = award.awarded_to.strip(), award.awarded_partner
            current.contract_amount_yen, current.contract_on = award.contract_amount_yen, award.contract_on
        StageChange.objects.create(procurement=current, from_stage=current.stage, to_stage=to_stage, by=by, note=note)
        current.stage = to_stage
        current.save()
        _index(current)
        _notify(
            people,
            by,
            format_lazy(_("“{title}” moved to “{stage}”"), title=current.title, stage=_label(to_stage)),
            current,
            body=note,
        )
    return current


# --- participants --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatInput:
    expected_volume: float | None
    staff: int | None
    constraints: str  # for the one-SaaS model, the body's configuration note


def participant_join(
    *, procurement: Procurement, organization: Organization, given: SeatInput, by: User, today: dt.date | None = None
) -> Participant:
    """Join (again after withdrawing), or restate the expected usage, staff and constraints, until joining closes.

    The population is the latest reference figure at joining, so the shares do not move under it later.
    """
    if not permissions.can_take_part(by, organization):
        raise PermissionDenied(_("Only a municipality's editors and administrators take part for it."))
    if given.expected_volume is not None and not (math.isfinite(given.expected_volume) and given.expected_volume >= 0):
        raise ValidationError({"expected_volume": [_("The expected usage is a number of zero or more.")]})
    if given.staff is not None and given.staff < 0:
        raise ValidationError({"staff": [_("The staff count cannot be negative.")]})
    today = today or timezone.localdate()
    with transaction.atomic():
        current = _locked(procurement)
        if current.stage not in OPEN_STAGES:
            raise ValidationError(
                _("Bodies join before the tender; this procurement is at “%(stage)s”."),
                params={"stage": _label(current.stage)},
            )
        if today > current.join_until:
            raise ValidationError(_("Joining closed on %(date)s."), params={"date": current.join_until.isoformat()})
        seat = Participant.objects.filter(procurement=current, organization=organization).first()
        if seat is not None and seat.status == Participant.Status.COMMITTED:
            raise ValidationError(
                _("%(body)s has committed; what it stated no longer changes."), params={"body": organization.name}
            )
        if seat is None or seat.status == Participant.Status.WITHDRAWN:
            population = latest_population(organization)
            if population is None:
                raise ValidationError(
                    _("%(body)s has no reference population yet, which the cost sharing needs."),
                    params={"body": organization.name},
                )
            seat = seat or Participant(procurement=current, organization=organization)
            seat.population, seat.withdrawn_at = population, None
            seat.status = (
                Participant.Status.INTERESTED if current.stage == Stage.INTEREST else Participant.Status.JOINED
            )
        seat.expected_volume, seat.staff, seat.constraints = given.expected_volume, given.staff, given.constraints
        seat.save()
    return seat


def _active_seat(procurement: Procurement, organization: Organization) -> Participant:
    seat = Participant.objects.filter(procurement=procurement, organization=organization, status__in=ACTIVE).first()
    if seat is None:
        raise ValidationError(
            _("%(body)s does not take part in this procurement."),
            code="not_participant",
            params={"body": organization.name},
        )
    return seat


def participant_withdraw(*, procurement: Procurement, organization: Organization, by: User) -> Participant:
    """Leave before committing; a commitment binds a budget and is undone with the lead, not here."""
    if not permissions.can_take_part(by, organization):
        raise PermissionDenied(_("Only a municipality's editors and administrators take part for it."))
    with transaction.atomic():
        current = _locked(procurement)
        seat = _active_seat(current, organization)
        if seat.status == Participant.Status.COMMITTED:
            raise ValidationError(
                _("%(body)s has committed and cannot withdraw here; talk to the lead body."),
                params={"body": organization.name},
            )
        seat.status, seat.withdrawn_at = Participant.Status.WITHDRAWN, timezone.now()
        seat.save()
    return seat


@dataclass(frozen=True)
class CommitmentInput:
    department_approval: str
    mayor_approval: str
    council_approval: str
    budget: str
    budget_fiscal_year: int


def participant_commit(
    *,
    procurement: Procurement,
    organization: Organization,
    given: CommitmentInput,
    by: User,
    today: dt.date | None = None,
) -> Participant:
    """Commit to the share (or correct the approvals and budget of a commitment) in the commitments
    stage, until its deadline: only a participant, by its administrators."""
    if not permissions.can_commit(by, organization):
        raise PermissionDenied(_("Only the municipality's administrators commit it: a commitment binds its budget."))
    today = today or timezone.localdate()
    errors: dict[str, list[str | Promise | ValidationError]] = {}
    approvals = ("department_approval", "mayor_approval", "council_approval")
    for field in approvals:
        if getattr(given, field) not in Participant.Approval.values:
            errors[field] = [_("Choose the state of this approval.")]
    if given.budget not in Participant.Budget.values:
        errors["budget"] = [_("Choose the budget the share is paid from.")]
    first_year = FiscalYear.of(today).year
    if not first_year <= given.budget_fiscal_year <= first_year + BUDGET_YEARS_AHEAD:
        errors["budget_fiscal_year"] = [
            ValidationError(
                _("A budget year from %(first)s to %(last)s."),
                params={"first": first_year, "last": first_year + BUDGET_YEARS_AHEAD},
            )
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(procurement)
        if current.stage != Stage.COMMITMENT:
            raise ValidationError(
                _("Commitments are made in the stage “%(commitment)s”; this procurement is at “%(stage)s”."),
                params={"commitment": Stage.COMMITMENT.label, "stage": _label(current.stage)},
            )
        if not commitments_open(current, today):
            raise ValidationError(
                _("The deadline for commitments was %(date)s."),
                code="deadline",
                params={"date": current.commit_until.isoformat() if current.commit_until else ""},
            )
        seat = _active_seat(current, organization)
        for field in ("department_approval", "mayor_approval", "council_approval", "budget", "budget_fiscal_year"):
            setattr(seat, field, getattr(given, field))
        if seat.status != Participant.Status.COMMITTED:
            seat.status, seat.committed_at = Participant.Status.COMMITTED, timezone.now()
            _notify(
                writers_of(current.lead),
                by,
                format_lazy(_("{body} committed to “{title}”"), body=organization.name, title=current.title),
                current,
            )
        seat.save()
    return seat


# --- specification drafts ------------------------------------------------------------------------


def specification_add(
    *, procurement: Procurement, text: str, note: str, by: User, version: int | None = None
) -> SpecificationVersion:
    """A new version of the specification draft, until the tender fixes it, written from the procurement's
    `version` (as procurement_update: Stale if someone saved since, a newer draft included)."""
    _check_lead(by, procurement)
    text = _text(text)
    if not text:
        raise ValidationError({"text": [_("Write the specification.")]})
    with transaction.atomic():
        claim(procurement, version=version, by=by)
        current = _locked(procurement)
        if current.stage not in OPEN_STAGES:
            raise ValidationError(_("The specification is fixed once the tender is published."))
        last = current.specifications.order_by("-number").first()
        if last is not None and last.text == text:
            raise ValidationError(
                {"text": [ValidationError(_("Nothing changed since version %(n)s."), params={"n": last.number})]}
            )
        draft = SpecificationVersion.objects.create(
            procurement=current, number=(last.number + 1) if last else 1, text=text, note=note, by=by
        )
    return draft


# --- the public Q&A ------------------------------------------------------------------------------


def question_ask(*, procurement: Procurement, question: str, by: User) -> ProcurementQuestion:
    """Ask on the published RFI or tender; the lead is told of a question, never of who asked it."""
    if not Procurement.objects.filter(permissions.procurement_visibility(by), pk=procurement.pk).exists():
        raise PermissionDenied(_("You cannot see this procurement."))
    if not question.strip():
        raise ValidationError({"question": [_("Write your question.")]})
    with transaction.atomic():
        current = _locked(procurement)
        if current.stage not in QUESTION_STAGES:
            raise ValidationError(
                _("Questions are asked while the RFI or the tender is open; this procurement is at “%(stage)s”."),
                params={"stage": _label(current.stage)},
            )
        asked = ProcurementQuestion.objects.create(
            procurement=current, stage=current.stage, asked_by=by, question=question.strip()
        )
        _notify(
            writers_of(current.lead), by, format_lazy(_("A new question on “{title}”"), title=current.title), current
        )
    return asked


def question_answer(*, question: ProcurementQuestion, answer: str, by: User) -> ProcurementQuestion:
    """The lead answers (or corrects its answer) for everyone to read."""
    _check_lead(by, question.procurement)
    if not answer.strip():
        raise ValidationError({"answer": [_("Write the answer.")]})
    question.answer, question.answered_by, question.answered_at = answer.strip(), by, timezone.now()
    with transaction.atomic():
        question.save()
        if question.asked_by is not None and question.asked_by != by:
            notification_create(
                recipient=question.asked_by,
                title=format_lazy(_("Your question on “{title}” was answered"), title=question.procurement.title),
                url=_url(question.procurement),
            )
    return question
