"""Reads of shared goals (共同目標): the goals of a prefecture, each municipality's progress and own date,
and whose date a user may set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from benchmarks.models import Indicator
from benchmarks.selectors import catalog_for
from dx_platform.core.params import municipality_codes
from dx_platform.organizations import permissions
from dx_platform.organizations.models import Municipality, Organization, Prefecture

from ..models import GoalMilestone, SharedGoal
from .scores import confirmed_answers, latest_scores

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dx_platform.accounts.models import User


def newest_items(**filters: Any) -> QuerySet[Indicator]:
    """The newest catalog's survey items (those matching `filters`), in its order."""
    catalog = catalog_for()
    return catalog.indicators.filter(**filters).order_by("position") if catalog else Indicator.objects.none()


def goal_items() -> QuerySet[Indicator]:
    """The items a goal is tied to: the newest catalog's scored yes/no and procedure items."""
    return newest_items(kind__in=[Indicator.Kind.BOOLEAN, Indicator.Kind.PROCEDURE], scored=True)


def goal_initial(*, prefecture: Prefecture, query: Mapping[str, str]) -> dict[str, Any]:
    """A new goal's form, started from the gap matrix (?indicator=<code>&municipalities=<codes>) with that
    item and exactly those municipalities ticked (as a joint procurement started there invites them), else
    with all the prefecture's municipalities ticked."""
    initial: dict[str, Any] = {}
    if indicator := query.get("indicator", ""):
        initial["indicators"] = list(goal_items().filter(code=indicator))
    municipalities = Municipality.objects.filter(prefecture=prefecture)
    if "municipalities" in query:
        municipalities = municipalities.filter(code__in=municipality_codes(query["municipalities"]))
    initial["municipalities"] = list(municipalities)
    return initial


def shared_goals_prefecture(*, user: User | AnonymousUser, pref_code: str) -> Prefecture | None:
    """The prefecture, if the user may see its shared goals."""
    prefecture = Prefecture.objects.filter(pref_code=pref_code).first()
    return prefecture if prefecture is not None and permissions.can_view_shared_goals(user, prefecture.pk) else None


def shared_goal_list(*, user: User | AnonymousUser, prefecture: Prefecture) -> QuerySet[SharedGoal]:
    """The prefecture's goals, for its coordinators and for its municipalities' members."""
    if not permissions.can_view_shared_goals(user, prefecture.pk):
        return SharedGoal.objects.none()
    return SharedGoal.objects.filter(prefecture=prefecture).prefetch_related("indicators")


def shared_goal_for(*, user: User | AnonymousUser, pk: int) -> SharedGoal | None:
    """One goal, with its prefecture, if the user may see the prefecture's goals."""
    goal = SharedGoal.objects.select_related("prefecture").filter(pk=pk).first()
    return goal if goal is not None and permissions.can_view_shared_goals(user, goal.prefecture_id) else None


def goal_values(*, goal: SharedGoal) -> dict[str, Any]:
    """The goal as services.GoalInput's fields: what a partial change leaves as it is."""
    return {
        "title": goal.title,
        "description": goal.description,
        "indicators": list(goal.indicators.all()),
        "target_date": goal.target_date,
        "municipalities": list(goal.municipalities.all()),
    }


def municipalities_by_code(*, codes: Sequence[str]) -> list[Municipality]:
    """The municipalities with these codes (reference data: the service asks whether a goal may board them)."""
    return list(Municipality.objects.filter(code__in=list(codes)).order_by("code"))


def own_goal_municipalities(*, user: User | AnonymousUser, goal: SharedGoal) -> list[Municipality]:
    """The user's own municipalities on the goal that they speak for: each sets its own date on the goal's
    page."""
    return [
        organization.municipality
        for organization in Organization.objects.filter(
            pk__in=permissions.own_organization_ids(user), municipality__in=goal.municipalities.all()
        ).select_related("municipality")
        if organization.municipality is not None and permissions.can_write_for(user, organization)
    ]


def goal_date_municipality(*, user: User | AnonymousUser, goal: SharedGoal, code: str) -> Municipality | None:
    """The municipality of the goal's prefecture with this code, if the user may set its date for the goal
    (its own editors and administrators, the prefecture's coordinators)."""
    organization = (
        Organization.objects.select_related("municipality")
        .filter(municipality__code=code, municipality__prefecture_id=goal.prefecture_id)
        .first()
    )
    if organization is None or not permissions.can_set_goal_date(user, goal, organization):
        return None
    return organization.municipality


def goal_milestone(*, goal: SharedGoal, municipality: Municipality) -> GoalMilestone:
    """The municipality's own date for the goal as stored, or a new one. Callers have checked that the user
    may set it (goal_date_municipality)."""
    return GoalMilestone.objects.filter(goal=goal, municipality=municipality).first() or GoalMilestone(
        goal=goal, municipality=municipality
    )


@dataclass(frozen=True)
class GoalLine:
    municipality: Municipality
    done: int
    total: int
    due_on: dt.date | None

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass(frozen=True)
class GoalProgress:
    rows: list[GoalLine]

    @property
    def complete(self) -> int:
        return sum(line.complete for line in self.rows)


def _achieved(value: float | None, status: str) -> bool:
    return value == 1.0 or status == "online"


def goals_progress(*, goals: Sequence[SharedGoal]) -> list[tuple[SharedGoal, GoalProgress]]:
    """Per goal (all of one prefecture) and municipality it boards, how many of the goal's items it
    has done: its newest confirmed self-assessment where it has one, else the latest national data. The same
    few queries however many goals."""
    if not goals:
        return []
    prefecture_id = goals[0].prefecture_id
    codes_of = {goal.pk: [indicator.code for indicator in goal.indicators.all()] for goal in goals}
    codes = set().union(*codes_of.values())
    municipalities = list(Municipality.objects.filter(prefecture_id=prefecture_id).order_by("code"))
    boarded: dict[int, set[int]] = {goal.pk: set() for goal in goals}
    for goal_id, municipality_id in SharedGoal.municipalities.through.objects.filter(sharedgoal__in=goals).values_list(
        "sharedgoal_id", "municipality_id"
    ):
        boarded[goal_id].add(municipality_id)
    done: dict[int, dict[str, bool]] = {m.pk: {} for m in municipalities}
    scores = latest_scores()
    if scores is not None:
        for municipality_id, code, value, status in scores.dataset.values.filter(
            municipality__prefecture_id=prefecture_id, indicator__code__in=codes, missing=""
        ).values_list("municipality_id", "indicator__code", "value", "status"):
            done[municipality_id][code] = _achieved(value, status)
    for municipality_id, code, value, status in confirmed_answers(prefecture_id=prefecture_id, codes=codes):
        done[municipality_id][code] = _achieved(value, status)
    dates = {
        (goal_id, municipality_id): due_on
        for goal_id, municipality_id, due_on in GoalMilestone.objects.filter(goal__in=goals).values_list(
            "goal_id", "municipality_id", "due_on"
        )
    }
    return [
        (
            goal,
            GoalProgress(
                [
                    GoalLine(
                        m,
                        sum(done[m.pk].get(code, False) for code in codes_of[goal.pk]),
                        len(codes_of[goal.pk]),
                        dates.get((goal.pk, m.pk)),
                    )
                    for m in municipalities
                    if m.pk in boarded[goal.pk]
                ]
            ),
        )
        for goal in goals
    ]


def goal_progress(*, goal: SharedGoal) -> GoalProgress:
    return goals_progress(goals=[goal])[0][1]
