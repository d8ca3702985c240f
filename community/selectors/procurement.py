"""Reads of joint procurement, scoped to who may see what: public-sector staff see the whole workspace,
partners only the published RFI and tender (and the public Q&A).

Also the pure parts the pages and the export share: the cost sharing, the stage steps, the
specification diff and the dashboard table.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from benchmarks.models import Indicator
from benchmarks.selectors import catalog_for
from dx_platform.core.i18n import localized
from dx_platform.core.params import municipality_codes
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Organization

from ..cost_sharing import Seat, shares
from ..models import Participant, Procurement, ProcurementQuestion, SpecificationVersion
from ..models.market import BudgetBand
from ..models.procurement import OPEN_STAGES, STAGE_ORDER, Stage, StageChange

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User

ACTIVE = (Participant.Status.INTERESTED, Participant.Status.JOINED, Participant.Status.COMMITTED)
FINISHED = (Stage.AWARDED, Stage.USER_GROUP)


def procurement_items() -> QuerySet[Indicator]:
    """The survey items a procurement is tagged with: the newest catalog's scored yes/no items (those of
    the gap matrix it may be opened from)."""
    catalog = catalog_for()
    if catalog is None:
        return Indicator.objects.none()
    return catalog.indicators.filter(kind=Indicator.Kind.BOOLEAN, scored=True)


def procurement_list(
    *, user: User | AnonymousUser, stage: str = "", with_indicators: bool = False
) -> QuerySet[Procurement]:
    """The procurements the user may see (at one stage, if given); `with_indicators`: with their survey
    items (as the API gives them)."""
    procurements = Procurement.objects.filter(permissions.procurement_visibility(user)).select_related("lead")
    if stage:
        procurements = procurements.filter(stage=stage)
    return procurements.prefetch_related("indicators") if with_indicators else procurements


def procurement_for(*, user: User | AnonymousUser, pk: int) -> Procurement | None:
    return procurement_list(user=user).filter(pk=pk).select_related("awarded_partner").first()


def joinable_procurements(*, user: User | AnonymousUser, today: dt.date | None = None) -> QuerySet[Procurement]:
    """The procurements the user sees that bodies may still join: before the tender and until joining
    closes (the rule participant_join applies)."""
    return procurement_list(user=user).filter(stage__in=OPEN_STAGES, join_until__gte=today or timezone.localdate())


def bodies_where(
    *, user: User | AnonymousUser, allowed: Callable[[User | AnonymousUser, Organization], bool]
) -> QuerySet[Organization]:
    """The user's own organisations for which a permission rule (such as can_commit) holds."""
    mine = _own_organizations(user)
    return mine.filter(pk__in=[organization.pk for organization in mine if allowed(user, organization)])


def has_bodies_where(
    *, user: User | AnonymousUser, allowed: Callable[[User | AnonymousUser, Organization], bool]
) -> bool:
    """Whether the rule holds for one of the user's own organisations at least."""
    return any(allowed(user, organization) for organization in _own_organizations(user))


def _own_organizations(user: User | AnonymousUser) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=permissions.own_organization_ids(user))


def sees_workspace(user: User | AnonymousUser) -> bool:
    """Participants, shares, drafts and commitments; a partner sees only what is published."""
    return permissions.can_see_procurement_workspace(user)


def participant_list(*, user: User | AnonymousUser, procurement: Procurement | None = None) -> QuerySet[Participant]:
    """Seats (withdrawn ones too, for the record) of one or every visible procurement; none for those
    outside the workspace."""
    if not sees_workspace(user):
        return Participant.objects.none()
    seats = Participant.objects.filter(procurement__in=procurement_list(user=user))
    if procurement is not None:
        seats = seats.filter(procurement=procurement)
    return seats.select_related("procurement", "organization__municipality", "organization__prefecture")


def active_participants(*, procurement: Procurement) -> QuerySet[Participant]:
    """The seats that count for the cost sharing (not withdrawn), with their bodies; for the workspace."""
    return procurement.participants.filter(status__in=ACTIVE).select_related("organization")


def seat_of(*, procurement: Procurement, bodies: QuerySet[Organization]) -> Participant | None:
    """The active seat one of these bodies holds, to show and change."""
    return procurement.participants.filter(organization__in=bodies, status__in=ACTIVE).first()


def stage_history(*, procurement: Procurement) -> QuerySet[StageChange]:
    """The procurement's moves from stage to stage, with who moved it; for the workspace."""
    return procurement.stage_changes.select_related("by")


def specification_list(
    *, user: User | AnonymousUser, procurement: Procurement | None = None
) -> QuerySet[SpecificationVersion]:
    """The drafts, newest first; none for those outside the workspace."""
    if not sees_workspace(user):
        return SpecificationVersion.objects.none()
    versions = SpecificationVersion.objects.filter(procurement__in=procurement_list(user=user))
    if procurement is not None:
        versions = versions.filter(procurement=procurement)
    return versions.select_related("by")


def specification_for(
    *, user: User | AnonymousUser, procurement: Procurement, number: int
) -> SpecificationVersion | None:
    """One version of the procurement's specification by its number; None outside the workspace."""
    return specification_list(user=user, procurement=procurement).filter(number=number).first()


def latest_specification(*, user: User | AnonymousUser, procurement: Procurement) -> SpecificationVersion | None:
    """The newest draft of the specification; None before the first, and outside the workspace."""
    return specification_list(user=user, procurement=procurement).first()


def question_list(
    *, user: User | AnonymousUser, procurement: Procurement | None = None
) -> QuerySet[ProcurementQuestion]:
    """The public Q&A, for everyone who may see the procurement; who asked is never part of it."""
    questions = ProcurementQuestion.objects.filter(procurement__in=procurement_list(user=user))
    if procurement is not None:
        questions = questions.filter(procurement=procurement)
    return questions


def published_rfi(procurement: Procurement) -> str:
    return procurement.rfi_text if procurement.rfi_published_at else ""


def published_tender(procurement: Procurement) -> str:
    return procurement.tender_text if procurement.tender_published_at else ""


# --- cost sharing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sharing:
    """How the total is split: a rule, and for the mixed rule its percent weights (they add up to 100)."""

    total_cost_yen: int | None
    sharing_rule: str
    flat_weight: int = 0
    population_weight: int = 0
    usage_weight: int = 0

    @classmethod
    def of(cls, procurement: Procurement) -> Sharing:
        return cls(
            total_cost_yen=procurement.total_cost_yen,
            sharing_rule=procurement.sharing_rule,
            flat_weight=procurement.flat_weight,
            population_weight=procurement.population_weight,
            usage_weight=procurement.usage_weight,
        )

    def weights(self) -> tuple[int, int, int]:
        """Equal, population and usage parts in percent."""
        single: dict[str, tuple[int, int, int]] = {
            Procurement.SharingRule.FLAT: (100, 0, 0),
            Procurement.SharingRule.POPULATION: (0, 100, 0),
            Procurement.SharingRule.USAGE: (0, 0, 100),
        }
        return single.get(self.sharing_rule, (self.flat_weight, self.population_weight, self.usage_weight))


@dataclass(frozen=True)
class Shares:
    total: int | None  # the contract amount once awarded, the estimate before
    yen: dict[int, int]  # participant pk → share
    problem: str | Promise = ""  # why there are no shares


def shares_of(*, seats: list[Seat], sharing: Sharing, total: int | None) -> Shares:
    """Each seat's share in whole yen (they add up to the total), or the reason there are none."""
    if total is None:
        return Shares(None, {}, _("Set the estimated total cost to see each participant's share."))
    if not seats:
        return Shares(total, {}, _("No participants yet."))
    flat, population, usage = sharing.weights()
    # Said here in the user's language; cost_sharing refuses the same cases in English.
    if population and not sum(seat.population for seat in seats):
        return Shares(total, {}, _("A share by population needs the participants' populations."))
    if usage and not sum(seat.usage or 0 for seat in seats):
        return Shares(total, {}, _("A share by usage needs the participants' expected usage."))
    return Shares(total, shares(total=total, seats=seats, flat=flat, population=population, usage=usage))


def cost_shares(*, procurement: Procurement, sharing: Sharing | None = None) -> Shares:
    """The active participants' shares by the procurement's rule (or a rule being tried)."""
    sharing = sharing or Sharing.of(procurement)
    seats = [
        Seat(key=p.pk, population=p.population, usage=p.expected_volume)
        for p in procurement.participants.filter(status__in=ACTIVE)
    ]
    total = procurement.contract_amount_yen if procurement.stage in FINISHED else sharing.total_cost_yen
    return shares_of(seats=seats, sharing=sharing, total=total)


def sharing_fixed(procurement: Procurement) -> bool:
    """Once a participant has committed to its share (or the procurement is cancelled) the rule stays."""
    return (
        procurement.stage == Stage.CANCELLED
        or procurement.participants.filter(status=Participant.Status.COMMITTED).exists()
    )


# Upper bounds in yen of the bands of the 共同調達 dashboard export (BudgetBand of needs).
COST_BANDS: tuple[tuple[int, str], ...] = (
    (1_000_000, BudgetBand.UNDER_1M),
    (5_000_000, BudgetBand.FROM_1M),
    (10_000_000, BudgetBand.FROM_5M),
    (50_000_000, BudgetBand.FROM_10M),
)


def cost_band(yen: int | None) -> str:
    if yen is None:
        return BudgetBand.UNDECIDED
    return next((band for limit, band in COST_BANDS if yen < limit), BudgetBand.OVER_50M)


# --- stages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    stage: str
    label: str | Promise
    state: str  # done, current, upcoming, stopped (where it was cancelled)


def stage_steps(procurement: Procurement) -> list[Step]:
    """The stages in order with where the procurement stands (for the step indicator)."""
    current = procurement.stage
    if current == Stage.CANCELLED:
        change = procurement.stage_changes.filter(to_stage=Stage.CANCELLED).last()
        current = change.from_stage if change else Stage.INTEREST
    index = STAGE_ORDER.index(current)
    steps = []
    for position, stage in enumerate(STAGE_ORDER):
        if position < index:
            state = "done"
        elif position == index:
            state = "stopped" if procurement.stage == Stage.CANCELLED else "current"
        else:
            state = "upcoming"
        steps.append(Step(stage, Stage(stage).label, state))
    return steps


def commitments_open(procurement: Procurement, today: dt.date) -> bool:
    """True in the commitments stage until its deadline."""
    return procurement.stage == Stage.COMMITMENT and (
        procurement.commit_until is None or today <= procurement.commit_until
    )


# --- specification diff --------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    kind: str  # equal, delete, insert, replace
    old_number: int | None
    old_line: str
    new_number: int | None
    new_line: str


@dataclass(frozen=True)
class Diff:
    rows: list[DiffRow]  # side by side, line against line
    unified: list[tuple[str, str]]  # (header, hunk, insert, delete or equal; the line)
    changed: int  # lines added, removed or changed


def specification_diff(old: SpecificationVersion, new: SpecificationVersion) -> Diff:
    """Line by line, as a side-by-side table and as a unified diff."""
    before, after = old.text.splitlines(), new.text.splitlines()
    rows: list[DiffRow] = []
    changed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag != "equal":
            changed += max(i2 - i1, j2 - j1)
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            left, right = i < i2, j < j2
            kind = tag if tag in ("equal", "replace") and left and right else ("delete" if left else "insert")
            rows.append(
                DiffRow(
                    kind,
                    i + 1 if left else None,
                    before[i] if left else "",
                    j + 1 if right else None,
                    after[j] if right else "",
                )
            )
    lines = difflib.unified_diff(before, after, fromfile=f"v{old.number}", tofile=f"v{new.number}", lineterm="")
    unified = [(_unified_kind(position, line), line) for position, line in enumerate(lines)]
    return Diff(rows, unified, changed)


def _unified_kind(position: int, line: str) -> str:
    if position < 2:  # the "--- v1" and "+++ v2" lines
        return "header"
    return {"@": "hunk", "+": "insert", "-": "delete"}.get(line[:1], "equal")


# --- the export of the 共同調達 dashboard -------------------------------------------------------------

DASHBOARD_HEADER = [
    "procurement",
    "category",
    "model",
    "lead",
    "body",
    "lg_code",
    "prefecture",
    "population",
    "staff",
    "cost_band",
    "specification_shareable",
    "subsidy",
    "vendor",
    "contract_on",
]


def dashboard_table(procurement: Procurement) -> tuple[list[str], list[list[Any]]]:
    """A row per committed participant with the fields of デジタル庁's 共同調達 dashboard.

    The share itself is not exported, only its cost band, as the dashboard publishes it.
    """
    yen = cost_shares(procurement=procurement).yen
    participants = procurement.participants.filter(status=Participant.Status.COMMITTED).select_related(
        "organization__municipality", "organization__prefecture"
    )
    fixed = [procurement.title, procurement.category, procurement.model, procurement.lead.name]
    rows = [
        [
            *fixed,
            p.organization.name,
            p.organization.municipality.code if p.organization.municipality else "",
            p.organization.prefecture.name if p.organization.prefecture else "",
            p.population,
            p.staff,
            cost_band(yen.get(p.pk)),
            int(procurement.specification_shareable),
            procurement.subsidy,
            procurement.awarded_to,
            procurement.contract_on,
        ]
        for p in participants
    ]
    return DASHBOARD_HEADER, rows


def prefill(query: Mapping[str, str]) -> tuple[dict[str, Any], list[Organization]]:
    """A new procurement's form started from the gap matrix (?indicator=<code>&municipalities=<codes>):
    the survey item, its area and a title, and the municipalities to invite."""
    catalog = catalog_for()
    indicator = catalog.indicators.filter(code=query.get("indicator", "")).first() if catalog else None
    initial: dict[str, Any] = {}
    if indicator is not None:
        initial = {
            "indicators": [indicator],
            "area": indicator.area,
            "title": format_lazy(_("Joint procurement: {item}"), item=localized(indicator, "name")),
        }
    codes = municipality_codes(query.get("municipalities", ""))
    invited = list(Organization.objects.filter(kind=Organization.Kind.MUNICIPALITY, municipality__code__in=codes[:200]))
    return initial, invited
