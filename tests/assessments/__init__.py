"""Shared helpers of the self-assessment tests: the catalog, a small national dataset, form-like inputs.

The national dataset is a real import (benchmarks' own importer and scoring run) of a handful of
municipalities, so a test gets prefills and a published distribution in well under a second.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from django.core.management import call_command

from assessments.models import Answer, Assessment
from assessments.services import AnswerInput
from benchmarks.models import Dataset, Indicator
from benchmarks.services.imports import dataset_import
from dx_platform.organizations.models import Municipality, Role
from tests.benchmarks.support import long_csv
from tests.factories import MembershipFactory, MunicipalityFactory

# The home town's assessment: who reads it, edits it, submits it, reviews it.
READERS = {"viewer", "editor", "admin", "coordinator", "staff"}
EDITORS = {"editor", "admin"}
SUBMITTERS = {"admin"}
REVIEWERS = {"coordinator", "staff"}
# Every role of the shared `everyone` fixture: `people` and other_prefecture_people.
EVERYONE = (
    "viewer",
    "editor",
    "admin",
    "coordinator",
    "partner",
    "national",
    "staff",
    "outsider",
    "other_coordinator",
    "other_admin",
    "other_editor",
)

# The home town's answers in the small FY2023 national dataset (raw text as in a survey file).
HOME_TOWN_NATIONAL = {
    "system.cio": "1",
    "system.policy": "0",
    "system.dedicated_unit": "not_reported",
    "service.ai": "1",
    "online_volume.01": "online",
    "online_volume.common_32_rate": "42.5",
    "mynumber.holding_rate": "not_applicable",
}
# The scored yes/no items of the "system" area in the FY2023 catalog (system.all_staff_training is unscored).
SYSTEM_SCORED = (
    "system.cio",
    "system.cio_deputy",
    "system.crossdept",
    "system.dedicated_unit",
    "system.external_talent",
    "system.staff_training",
    "system.policy",
)


def load_catalog() -> None:
    call_command("load_catalog", stdout=io.StringIO())


def national_dataset(region: dict[str, Any], capture_on_commit: Callable[..., Any]) -> Dataset:
    """A real FY2023 dataset of every municipality in the database, scored (the recompute runs on commit).

    Six more towns in the other prefecture give the national distribution some spread.
    """
    other = region["other"]["town"].municipality.prefecture
    for _ in range(6):
        MunicipalityFactory(prefecture=other, kind="town", size_class="town")
    home_code = region["home"]["town"].municipality.code
    answers = []
    for i, code in enumerate(Municipality.objects.order_by("code").values_list("code", flat=True)):
        if code == home_code:
            answers += [(code, indicator, raw) for indicator, raw in HOME_TOWN_NATIONAL.items()]
            continue
        answers += [
            (code, "system.cio", str(i % 2)),
            (code, "system.policy", str(i // 2 % 2)),
            (code, "system.dedicated_unit", str(int(i % 3 == 0))),
            (code, "service.ai", str(int(i % 4 == 0))),
            (code, "online_volume.01", ("online", "offline", "na")[i % 3]),
            (code, "online_volume.common_32_rate", f"{(17 * i) % 100}"),
            (code, "mynumber.holding_rate", f"{40 + 5 * i}"),
        ]
    with capture_on_commit(execute=True):
        outcome = dataset_import(
            data=long_csv(answers),
            file_name="national.csv",
            name="全国調査（テスト）",
            source="テスト",
            name_en="National survey (test)",
            source_en="Test",
            origin=Dataset.Origin.REAL,
            by=None,
        )
    assert outcome.dataset is not None
    return outcome.dataset


def other_prefecture_people(region: dict[str, Any]) -> dict[str, Any]:
    """The other prefecture's coordinator, and an admin and an editor of its town."""
    other = region["other"]
    return {
        "other_coordinator": MembershipFactory(organization=other["prefecture"], role=Role.COORDINATOR).user,
        "other_admin": MembershipFactory(organization=other["town"], role=Role.ADMIN).user,
        "other_editor": MembershipFactory(organization=other["town"], role=Role.EDITOR).user,
    }


def answer(assessment: Assessment, code: str) -> Answer:
    return Answer.objects.select_related("indicator", "updated_by").get(assessment=assessment, indicator__code=code)


def inputs(assessment: Assessment, changes: Mapping[str, Mapping[str, Any]] | None = None) -> dict[int, AnswerInput]:
    """What the form sends: every answer as it stands, with `changes` ({item code: {field: new}}) applied."""
    changes = dict(changes or {})
    result = {}
    for row in assessment.answers.select_related("indicator"):
        given = AnswerInput(value=row.value, status=row.status, note=row.note, link=row.link, confirm_prefill=False)
        result[row.indicator_id] = replace(given, **changes.pop(row.indicator.code, {}))
    assert not changes, f"not items of the assessment: {sorted(changes)}"
    return result


def answer_everything(assessment: Assessment) -> dict[int, AnswerInput]:
    """Inputs that answer every item (yes, online, 50 %) and confirm every prefill."""
    result = {}
    for row in assessment.answers.select_related("indicator"):
        kind = row.indicator.kind
        result[row.indicator_id] = AnswerInput(
            value=None if kind == Indicator.Kind.PROCEDURE else (1.0 if kind == Indicator.Kind.BOOLEAN else 50.0),
            status="online" if kind == Indicator.Kind.PROCEDURE else "",
            note="",
            link="",
            confirm_prefill=True,
        )
    return result


def form_data(response: Any, changes: Mapping[str, str] | None = None) -> dict[str, str]:
    """The POST a browser makes from the page's assessment form as rendered, with `changes` by field name."""
    form = response.context["form"]
    data: dict[str, str] = {}
    for name in form.fields:
        value = form[name].value()
        if name.startswith("confirm:"):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else str(value)
    data.update(changes or {})
    return data
