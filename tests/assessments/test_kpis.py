"""KPIs: the planned line and status rules, saving and measuring, CSV imports, reminders, and the pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments import kpis as rules
from assessments import services, tasks
from assessments.models import Kpi, Measurement
from assessments.services import KpiInput
from dx_platform.notifications.models import Notification

# A year of 365 days: 146 days in, the planned change is exactly 40 % (120 of 300).
BASE = dt.date(2025, 1, 1)
TARGET = dt.date(2026, 1, 1)
ON = BASE + dt.timedelta(days=146)  # 2025-05-27
FIRST_DUE = dt.date(2025, 4, 1)  # a quarter after the baseline

UTF8_CSV = "date,value,note\n2025-04-01,150,窓口で集計\n2025-07-01,210\n2025-10-01,260.5,オンライン申請を含む\n"


def line(baseline: float, target: float, on: dt.date) -> float:
    return rules.planned_value(
        baseline_value=baseline, baseline_date=BASE, target_value=target, target_date=TARGET, on=on
    )


def status(direction: str, latest: tuple[dt.date, float] | None) -> rules.Status:
    baseline, target = (100.0, 400.0) if direction == "up" else (400.0, 100.0)
    return rules.status(
        baseline_value=baseline, baseline_date=BASE, target_value=target, target_date=TARGET, latest=latest
    )


# --- the pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "up", "down"),
    [
        (dt.date(2024, 6, 1), 100.0, 400.0),  # before the baseline: flat
        (BASE, 100.0, 400.0),
        (ON, 220.0, 280.0),  # on the straight line
        (TARGET, 400.0, 100.0),
        (dt.date(2027, 3, 1), 400.0, 100.0),  # after the target: flat
    ],
)
def test_planned_value_is_the_straight_line_flat_outside_it(on, up, down):
    assert line(100.0, 400.0, on) == pytest.approx(up)
    assert line(400.0, 100.0, on) == pytest.approx(down)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (220.0, "on_track"),  # on the line
        (500.0, "on_track"),  # ahead of it
        (208.0, "on_track"),  # exactly 90 % of the planned progress
        (207.9, "at_risk"),
        (203.2, "at_risk"),  # 86 %
        (172.0, "at_risk"),  # exactly 60 %
        (171.9, "off_track"),
        (160.0, "off_track"),  # 50 %
        (100.0, "off_track"),  # no progress
        (90.0, "off_track"),  # the wrong way
    ],
)
def test_status_of_a_higher_is_better_kpi(value, code):
    result = status("up", (ON, value))
    assert result.code == code
    assert result.expected == pytest.approx(220.0)
    assert result.progress == pytest.approx((value - 100.0) / 120.0)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (280.0, "on_track"),
        (50.0, "on_track"),
        (292.0, "on_track"),  # exactly 90 %
        (292.1, "at_risk"),
        (296.8, "at_risk"),  # 86 %
        (328.0, "at_risk"),  # exactly 60 %
        (328.1, "off_track"),
        (340.0, "off_track"),  # 50 %
        (410.0, "off_track"),  # the wrong way
    ],
)
def test_status_of_a_lower_is_better_kpi(value, code):
    result = status("down", (ON, value))
    assert result.code == code
    assert result.expected == pytest.approx(280.0)


@pytest.mark.parametrize(
    ("direction", "value", "code"),
    [
        ("up", 100.0, "on_track"),
        ("up", 120.0, "on_track"),
        ("up", 99.0, "off_track"),
        ("down", 400.0, "on_track"),
        ("down", 380.0, "on_track"),
        ("down", 401.0, "off_track"),
    ],
)
def test_a_measurement_on_the_baseline_date_is_on_track_unless_worse(direction, value, code):
    assert status(direction, (BASE, value)).code == code


def test_after_the_target_date_the_target_itself_is_planned():
    result = status("up", (dt.date(2026, 3, 1), 380.0))
    assert (result.code, result.expected) == ("on_track", 400.0)
    assert status("up", (dt.date(2026, 3, 1), 300.0)).code == "at_risk"
    assert status("up", (dt.date(2026, 3, 1), 250.0)).code == "off_track"


def test_without_measurements_there_is_no_status():
    assert status("up", None) == rules.Status("no_data", None, None)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2025, 3, 31), 1, dt.date(2025, 4, 30)),
        (dt.date(2025, 8, 31), 1, dt.date(2025, 9, 30)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
        (dt.date(2025, 12, 31), 1, dt.date(2026, 1, 31)),  # year wrap
        (dt.date(2025, 11, 15), 2, dt.date(2026, 1, 15)),
        (dt.date(2025, 5, 10), 12, dt.date(2026, 5, 10)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 1, 15), 25, dt.date(2027, 2, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("last", "interval", "expected"),
    [
        (None, "monthly", dt.date(2025, 2, 28)),
        (None, "quarterly", dt.date(2025, 4, 30)),
        (None, "yearly", dt.date(2026, 1, 31)),
        (dt.date(2025, 5, 27), "monthly", dt.date(2025, 6, 27)),
        (dt.date(2025, 5, 27), "quarterly", dt.date(2025, 8, 27)),
        (dt.date(2025, 11, 30), "quarterly", dt.date(2026, 2, 28)),
        (dt.date(2025, 5, 27), "yearly", dt.date(2026, 5, 27)),
    ],
)
def test_next_due_counts_from_the_last_measurement_or_the_baseline(last, interval, expected):
    assert rules.next_due(last_measured=last, baseline_date=dt.date(2025, 1, 31), interval=interval) == expected


# --- saving a KPI --------------------------------------------------------------------------------


def kpi_input(**changes: Any) -> KpiInput:
    given = KpiInput(
        name="オンライン申請件数",
        unit="件",
        direction=Kpi.Direction.UP,
        baseline_value=100.0,
        baseline_date=BASE,
        target_value=400.0,
        target_date=TARGET,
        area="",
        indicator=None,
        owner=None,
        interval=Kpi.Interval.QUARTERLY,
    )
    return replace(given, **changes)


@pytest.fixture
def town(region):
    return region["home"]["town"].municipality


@pytest.fixture
def kpi(town, people) -> Kpi:
    return services.kpi_save(municipality=town, given=kpi_input(owner=people["editor"]), by=people["editor"])


def measure(kpi: Kpi, on: dt.date, value: float, by) -> Measurement:
    return services.measurement_add(kpi=kpi, measured_on=on, value=value, note="", by=by)


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_create_a_kpi(town, people, role):
    kpi = services.kpi_save(municipality=town, given=kpi_input(owner=people["viewer"]), by=people[role])
    kpi.refresh_from_db()
    assert (kpi.municipality, kpi.name, kpi.owner, kpi.baseline_value, kpi.target_date) == (
        town,
        "オンライン申請件数",
        people["viewer"],
        100.0,
        TARGET,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target_date": BASE}, "target_date"),
        ({"target_date": dt.date(2024, 12, 1)}, "target_date"),
        ({"target_value": 50.0}, "target_value"),
        ({"target_value": 100.0}, "target_value"),
        ({"direction": Kpi.Direction.DOWN}, "target_value"),
        ({"direction": Kpi.Direction.DOWN, "target_value": 100.0}, "target_value"),
    ],
)
def test_kpi_save_refuses_dates_out_of_order_and_a_target_the_wrong_way(town, people, changes, field):
    with pytest.raises(ValidationError) as caught:
        services.kpi_save(municipality=town, given=kpi_input(**changes), by=people["editor"])
    assert field in caught.value.error_dict
    assert not Kpi.objects.exists()


@pytest.mark.parametrize("owner", ["outsider", "partner", "coordinator", "other_editor"])
def test_kpi_save_refuses_an_owner_who_is_not_a_member(town, everyone, owner):
    with pytest.raises(ValidationError) as caught:
        services.kpi_save(municipality=town, given=kpi_input(owner=everyone[owner]), by=everyone["editor"])
    assert list(caught.value.error_dict) == ["owner"]
    assert not Kpi.objects.exists()


NOT_EDITORS = ["viewer", "coordinator", "partner", "national", "staff", "outsider", "other_editor", "other_admin"]


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_the_municipalitys_editors_create_kpis(town, everyone, role):
    with pytest.raises(PermissionDenied):
        services.kpi_save(municipality=town, given=kpi_input(), by=everyone[role])
    assert not Kpi.objects.exists()


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_the_municipalitys_editors_change_kpis_or_measure(kpi, everyone, role):
    with pytest.raises(PermissionDenied):
        services.kpi_save(municipality=kpi.municipality, given=kpi_input(name="変更"), by=everyone[role], kpi=kpi)
    with pytest.raises(PermissionDenied):
        measure(kpi, FIRST_DUE, 150.0, everyone[role])
    with pytest.raises(PermissionDenied):
        services.measurements_import(kpi=kpi, data=UTF8_CSV.encode(), file_name="m.csv", by=everyone[role])
    kpi.refresh_from_db()
    assert kpi.name == "オンライン申請件数"
    assert not Measurement.objects.exists()


def test_an_editor_of_another_town_cannot_change_a_kpi_by_naming_their_own(kpi, region, everyone):
    with pytest.raises(PermissionDenied):
        services.kpi_save(
            municipality=region["other"]["town"].municipality,
            given=kpi_input(name="乗っ取り"),
            by=everyone["other_editor"],
            kpi=kpi,
        )
    kpi.refresh_from_db()
    assert (kpi.name, kpi.municipality) == ("オンライン申請件数", region["home"]["town"].municipality)


def test_editing_updates_the_kpi(kpi, people):
    changed = kpi_input(name="電子申請件数", target_value=500.0, owner=people["admin"], interval=Kpi.Interval.MONTHLY)
    services.kpi_save(municipality=kpi.municipality, given=changed, by=people["admin"], kpi=kpi)
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target_value, kpi.owner, kpi.interval) == ("電子申請件数", 500.0, people["admin"], "monthly")
    assert Kpi.objects.count() == 1


def test_a_refused_edit_changes_nothing(kpi, people):
    with pytest.raises(ValidationError):
        services.kpi_save(
            municipality=kpi.municipality, given=kpi_input(name="変更", target_value=50.0), by=people["editor"], kpi=kpi
        )
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target_value) == ("オンライン申請件数", 400.0)


# --- measurements --------------------------------------------------------------------------------


def test_a_measurement_before_the_baseline_is_refused(kpi, people):
    with pytest.raises(ValidationError) as caught:
        measure(kpi, BASE - dt.timedelta(days=1), 150.0, people["editor"])
    assert list(caught.value.error_dict) == ["measured_on"]
    assert not Measurement.objects.exists()
    assert measure(kpi, BASE, 100.0, people["editor"]).measured_on == BASE


def test_a_second_measurement_on_the_same_day_replaces_the_first(kpi, people):
    measure(kpi, FIRST_DUE, 150.0, people["editor"])
    services.measurement_add(kpi=kpi, measured_on=FIRST_DUE, value=175.0, note="訂正", by=people["admin"])
    assert list(Measurement.objects.values_list("measured_on", "value", "note", "recorded_by")) == [
        (FIRST_DUE, 175.0, "訂正", people["admin"].pk)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "shift_jis"])
def test_a_csv_file_imports_every_row(kpi, people, encoding):
    count = services.measurements_import(
        kpi=kpi, data=UTF8_CSV.encode(encoding), file_name="measurements.csv", by=people["editor"]
    )
    assert count == 3
    assert list(Measurement.objects.values_list("measured_on", "value", "note")) == [
        (dt.date(2025, 4, 1), 150.0, "窓口で集計"),
        (dt.date(2025, 7, 1), 210.0, ""),
        (dt.date(2025, 10, 1), 260.5, "オンライン申請を含む"),
    ]


def test_a_csv_file_replaces_measurements_of_the_same_day(kpi, people):
    measure(kpi, dt.date(2025, 4, 1), 999.0, people["editor"])
    services.measurements_import(kpi=kpi, data=UTF8_CSV.encode(), file_name="m.csv", by=people["editor"])
    assert Measurement.objects.get(measured_on=dt.date(2025, 4, 1)).value == 150.0
    assert Measurement.objects.count() == 3


BAD_ROWS = [
    "2025/04/01,150",  # not an ISO date
    "2025-02-30,150",  # no such day
    "2025-04-01,たくさん",  # not a number
    "2025-04-01,",  # no value
    "2025-04-01",  # no value at all
    "2025-04-01,NaN",  # not a finite number
    "2025-04-01,inf",
    "2024-12-31,150",  # before the baseline
]


def import_errors(kpi: Kpi, text: str, by, encoding: str = "utf-8") -> list[str]:
    with pytest.raises(ValidationError) as caught:
        services.measurements_import(kpi=kpi, data=text.encode(encoding), file_name="m.csv", by=by)
    return caught.value.messages


@pytest.mark.parametrize("bad", BAD_ROWS)
def test_one_bad_row_imports_nothing(kpi, people, bad):
    measure(kpi, dt.date(2025, 3, 1), 120.0, people["editor"])
    errors = import_errors(kpi, f"date,value,note\n2025-04-01,150\n{bad}\n2025-07-01,210\n", people["editor"])
    assert len(errors) == 1
    assert errors[0].startswith("3行目")
    assert list(Measurement.objects.values_list("measured_on", "value")) == [(dt.date(2025, 3, 1), 120.0)]


@pytest.mark.parametrize("encoding", ["utf-8", "shift_jis"])
def test_every_bad_line_is_listed(kpi, people, encoding):
    rows = "\n".join(["date,value,note", "2025-04-01,150,正しい行", *BAD_ROWS, "2025-07-01,210"])
    errors = import_errors(kpi, rows, people["editor"], encoding)
    assert [error.split("行目")[0] for error in errors] == [str(n) for n in range(3, 3 + len(BAD_ROWS))]
    assert "2024-12-31は基準日より前です" in errors[-1]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-04-01,150\n2025-07-01,210\n",  # no header
        "day,value\n2025-04-01,150\n",
        "value,date\n150,2025-04-01\n",
        "日付,値\n2025-04-01,150\n",
    ],
)
def test_a_file_without_the_header_imports_nothing(kpi, people, text):
    assert import_errors(kpi, text, people["editor"]) == ["1行目は見出し date,value[,note] にしてください。"]
    assert not Measurement.objects.exists()


def test_the_header_may_be_in_capitals_with_spaces(kpi, people):
    data = "Date , VALUE,Note\n2025-04-01, 150 ,メモ\n".encode()
    assert services.measurements_import(kpi=kpi, data=data, file_name="m.csv", by=people["editor"]) == 1
    assert Measurement.objects.get().value == 150.0


# --- reminders -----------------------------------------------------------------------------------


def notices(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


def test_a_due_missing_measurement_reminds_the_owner_once(kpi, people, django_capture_on_commit_callbacks):
    owner = people["editor"]
    assert services.kpi_reminders_send(today=FIRST_DUE - dt.timedelta(days=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.kpi_reminders_send(today=FIRST_DUE) == 1
    assert notices(owner) == ["「オンライン申請件数」の測定が2025-04-01に期限を迎えています"]
    assert Notification.objects.get().url == reverse("assessments:kpi", args=[kpi.pk])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "オンライン申請件数" in mail.outbox[0].subject
    # The same due date is not reminded again, on that day or later.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.kpi_reminders_send(today=FIRST_DUE) == 0
        assert services.kpi_reminders_send(today=FIRST_DUE + dt.timedelta(days=10)) == 0
    assert len(notices(owner)) == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_an_owner_with_the_daily_digest_gets_the_notice_but_no_email_now(
    kpi, people, django_capture_on_commit_callbacks
):
    owner = people["editor"]
    owner.notification_delivery = owner.Delivery.DIGEST
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.kpi_reminders_send(today=FIRST_DUE) == 1
    assert len(notices(owner)) == 1
    assert mail.outbox == []


def test_the_reminder_task_run_twice_sends_each_reminder_once(
    kpi, town, people, monkeypatch, django_capture_on_commit_callbacks
):
    monthly = services.kpi_save(
        municipality=town,
        given=kpi_input(name="窓口来庁者数", owner=people["admin"], interval=Kpi.Interval.MONTHLY),
        by=people["admin"],
    )
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: FIRST_DUE)
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.send_kpi_reminders.delay().get()
    state = (sorted(Notification.objects.values_list("recipient", "title")), [m.to for m in mail.outbox])
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.send_kpi_reminders.delay().get()
    assert (first, second) == (2, 0)
    assert (sorted(Notification.objects.values_list("recipient", "title")), [m.to for m in mail.outbox]) == state
    assert notices(people["editor"]) == ["「オンライン申請件数」の測定が2025-04-01に期限を迎えています"]
    assert notices(people["admin"]) == ["「窓口来庁者数」の測定が2025-02-01に期限を迎えています"]
    assert len(mail.outbox) == 2
    assert Kpi.objects.get(pk=monthly.pk).reminded_for == dt.date(2025, 2, 1)


def test_a_new_measurement_moves_the_due_date_so_the_next_one_reminds_again(kpi, people):
    assert services.kpi_reminders_send(today=FIRST_DUE) == 1
    measure(kpi, dt.date(2025, 4, 10), 170.0, people["editor"])
    for day in (dt.date(2025, 4, 10), dt.date(2025, 5, 1), dt.date(2025, 7, 9)):
        assert services.kpi_reminders_send(today=day) == 0
    assert services.kpi_reminders_send(today=dt.date(2025, 7, 10)) == 1
    assert services.kpi_reminders_send(today=dt.date(2025, 7, 10)) == 0
    assert notices(people["editor"]) == [
        "「オンライン申請件数」の測定が2025-04-01に期限を迎えています",
        "「オンライン申請件数」の測定が2025-07-10に期限を迎えています",
    ]


def test_kpis_past_their_target_or_without_owner_are_not_reminded(kpi, town, people):
    ended = services.kpi_save(
        municipality=town,
        given=kpi_input(
            name="終了したKPI",
            baseline_date=dt.date(2023, 1, 1),
            target_date=dt.date(2025, 3, 31),
            owner=people["admin"],
        ),
        by=people["editor"],
    )
    services.kpi_save(municipality=town, given=kpi_input(name="担当者なし"), by=people["editor"])
    # The owner leaves: the KPI keeps going without one.
    orphan = services.kpi_save(
        municipality=town, given=kpi_input(name="退職者", owner=people["viewer"]), by=people["editor"]
    )
    people["viewer"].delete()
    assert services.kpi_reminders_send(today=FIRST_DUE) == 1  # only `kpi`, whose owner is the editor
    assert Notification.objects.get().recipient == people["editor"]
    assert Kpi.objects.filter(reminded_for__isnull=False).get() == kpi
    assert Kpi.objects.get(pk=orphan.pk).owner is None
    assert Kpi.objects.get(pk=ended.pk).reminded_for is None


# --- pages ---------------------------------------------------------------------------------------

STATUS_LABELS = {"on_track": "順調", "at_risk": "要注意", "off_track": "遅れ", "no_data": "測定値なし"}


def text(response) -> str:
    return response.content.decode()


def row_status(html: str, name: str) -> str:
    """The status label in the list's row of the KPI."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL):
        if f">{name}</a>" in row:
            match = re.search(r'<span class="kpi-status ([a-z_]+)">([^<]*)</span>', row)
            assert match, row
            return f"{match[1]}:{match[2]}"
    raise AssertionError(f"{name} not listed")


def errors_in(html: str) -> list[str]:
    """Every error the page shows: the form's summary and each field's."""
    return [
        re.sub(r"<[^>]+>", "", error).strip()
        for groups in re.findall(
            r'<p class="error">(.*?)</p>|<div class="error-summary" role="alert"><ul>(.*?)</ul>', html
        )
        for error in groups
        if error
    ]


def trend(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="trend-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match, "no trend-data"
    data: dict[str, Any] = json.loads(match[1])
    return data


@pytest.fixture
def four(town, people) -> dict[str, Kpi]:
    """A KPI in each status (measured on ON, where the plan is 220)."""
    result = {}
    for code, value in (("on_track", 221.0), ("at_risk", 190.0), ("off_track", 150.0), ("no_data", None)):
        kpi = services.kpi_save(municipality=town, given=kpi_input(name=f"KPI {code}"), by=people["editor"])
        if value is not None:
            measure(kpi, FIRST_DUE, 130.0, people["editor"])
            measure(kpi, ON, value, people["editor"])
        result[code] = kpi
    return result


@pytest.mark.parametrize("role", ["viewer", "editor", "coordinator", "staff"])
def test_the_list_shows_each_kpis_status(client, four, town, everyone, role):
    client.force_login(everyone[role])
    response = client.get(f"/assessments/{town.code}/kpis/")
    assert response.status_code == 200
    for code, label in STATUS_LABELS.items():
        assert row_status(text(response), f"KPI {code}") == f"{code}:{label}"


@pytest.mark.parametrize("code", list(STATUS_LABELS))
def test_the_detail_shows_the_status_and_the_trend_chart(client, four, people, code):
    client.force_login(people["viewer"])
    response = client.get(f"/assessments/kpis/{four[code].pk}/")
    assert response.status_code == 200
    heading = re.search(r"<h1>(.*?)</h1>", text(response), re.DOTALL)
    assert heading
    assert f'<span class="kpi-status {code}">{STATUS_LABELS[code]}</span>' in heading[1]
    if code == "no_data":
        # No plan line over empty axes: the page says in words why there is no chart yet.
        assert "trend-data" not in text(response)
        assert "まだ測定値がありません。最初の測定値が入ると、計画に対する推移がここに表示されます。" in text(response)
    else:
        plan, measured = trend(text(response))["data"]
        assert (plan["name"], plan["x"], plan["y"]) == ("計画", ["2025-01-01", "2026-01-01"], [100.0, 400.0])
        assert measured["name"] == "実績"
        assert measured["x"] == ["2025-04-01", "2025-05-27"]
        assert measured["y"] == [130.0, {"on_track": 221.0, "at_risk": 190.0, "off_track": 150.0}[code]]


def test_the_detail_shows_the_planned_value_and_progress(client, four, people):
    client.force_login(people["viewer"])
    html = text(client.get(f"/assessments/kpis/{four['at_risk'].pk}/"))
    assert "220 件" in html
    assert "75%" in html  # (190 - 100) / 120


def kpi_form(owner, /, **changes: str) -> dict[str, str]:
    """What the KPI form sends (an owner is required)."""
    data = {
        "name": "オンライン申請件数",
        "unit": "件",
        "direction": "up",
        "baseline_value": "100",
        "baseline_date": "2025-01-01",
        "target_value": "400",
        "target_date": "2026-01-01",
        "area": "",
        "indicator": "",
        "owner": str(owner.pk),
        "interval": "quarterly",
        "version": "1",  # the version the edit form was opened at (the create form has none)
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_an_editor_creates_a_kpi_on_the_list_page(client, town, people, role):
    client.force_login(people[role])
    response = client.post(f"/assessments/{town.code}/kpis/", kpi_form(people["viewer"]))
    kpi = Kpi.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/kpis/{kpi.pk}/"
    assert (kpi.municipality, kpi.owner, kpi.target_date) == (town, people["viewer"], TARGET)
    page = client.get(response["Location"])
    assert "KPIを作成しました。" in text(page)
    assert '<span class="kpi-status no_data">測定値なし</span>' in text(page)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_date": "2024-12-01"}, "目標日は基準日より後にしてください。"),
        ({"target_date": "2025-01-01"}, "目標日は基準日より後にしてください。"),
        ({"target_value": "50"}, "「高いほどよい」の場合、目標値は基準値より大きくしてください。"),
        ({"direction": "down"}, "「低いほどよい」の場合、目標値は基準値より小さくしてください。"),
        ({"baseline_value": "たくさん"}, "数値を入力してください。"),
        ({"unit": ""}, "この項目は必須です。"),
        ({"owner": ""}, "この項目は必須です。"),
    ],
)
def test_a_bad_kpi_is_shown_again_with_the_reason(client, town, people, changes, message):
    client.force_login(people["editor"])
    response = client.post(
        f"/assessments/{town.code}/kpis/", kpi_form(people["admin"], name="再表示される名前", **changes)
    )
    html = text(response)
    assert response.status_code == 400
    assert message in errors_in(html)
    assert 'value="再表示される名前"' in html
    assert "kpi_target_after_baseline" not in html
    assert not Kpi.objects.exists()


def test_an_owner_from_elsewhere_cannot_be_chosen(client, town, everyone):
    client.force_login(everyone["editor"])
    response = client.post(f"/assessments/{town.code}/kpis/", kpi_form(everyone["other_editor"]))
    assert response.status_code == 400
    assert not Kpi.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "coordinator", "staff"])
def test_readers_see_no_forms_and_posting_is_403(client, kpi, town, everyone, role):
    client.force_login(everyone[role])
    listing = client.get(f"/assessments/{town.code}/kpis/")
    detail = client.get(f"/assessments/kpis/{kpi.pk}/")
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "新しいKPI" not in text(listing)
    assert "測定値を記録" not in text(detail)
    assert client.post(f"/assessments/{town.code}/kpis/", kpi_form(everyone["editor"], name="新規")).status_code == 403
    url = f"/assessments/kpis/{kpi.pk}/"
    assert client.post(url, {"action": "measure", "measured_on": "2025-04-01", "value": "150"}).status_code == 403
    upload = SimpleUploadedFile("m.csv", UTF8_CSV.encode())
    assert client.post(url, {"action": "upload", "file": upload}).status_code == 403
    assert client.post(url, {"action": "edit", **kpi_form(everyone["editor"], name="変更")}).status_code == 403
    kpi.refresh_from_db()
    assert (Kpi.objects.count(), kpi.name, Measurement.objects.count()) == (1, "オンライン申請件数", 0)


@pytest.mark.parametrize(
    "role", ["partner", "outsider", "national", "other_editor", "other_admin", "other_coordinator"]
)
def test_others_get_404(client, kpi, town, everyone, role):
    client.force_login(everyone[role])
    assert client.get(f"/assessments/{town.code}/kpis/").status_code == 404
    assert client.get(f"/assessments/kpis/{kpi.pk}/").status_code == 404
    assert client.post(f"/assessments/{town.code}/kpis/", kpi_form(everyone[role])).status_code == 404
    assert client.post(f"/assessments/kpis/{kpi.pk}/", {"action": "measure"}).status_code == 404
    assert Kpi.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, kpi, town):
    for url in (f"/assessments/{town.code}/kpis/", f"/assessments/kpis/{kpi.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_kpi_or_municipality_is_404(client, kpi, people):
    client.force_login(people["editor"])
    assert client.get(f"/assessments/kpis/{kpi.pk + 1}/").status_code == 404
    assert client.get("/assessments/999999/kpis/").status_code == 404


def test_recording_a_measurement_on_the_page(client, kpi, people):
    client.force_login(people["editor"])
    url = f"/assessments/kpis/{kpi.pk}/"
    response = client.post(url, {"action": "measure", "measured_on": "2025-05-27", "value": "220", "note": "集計"})
    assert response.status_code == 302
    assert list(Measurement.objects.values_list("measured_on", "value", "note", "recorded_by")) == [
        (ON, 220.0, "集計", people["editor"].pk)
    ]
    page = text(client.get(url))
    assert "測定値を記録しました。" in page
    assert '<span class="kpi-status on_track">順調</span>' in page
    assert trend(page)["data"][1]["y"] == [220.0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"measured_on": "2024-12-31", "value": "150"}, "測定日は基準日より前にできません。"),
        ({"measured_on": "2025-04-01", "value": "たくさん"}, "数値を入力してください。"),
        ({"measured_on": "", "value": "150"}, "この項目は必須です。"),
    ],
)
def test_a_bad_measurement_is_refused_on_the_page(client, kpi, people, data, message):
    client.force_login(people["editor"])
    response = client.post(f"/assessments/kpis/{kpi.pk}/", {"action": "measure", **data})
    assert response.status_code == 400
    assert message in errors_in(text(response))
    assert not Measurement.objects.exists()


def test_uploading_a_shift_jis_csv_on_the_page(client, kpi, people):
    client.force_login(people["editor"])
    url = f"/assessments/kpis/{kpi.pk}/"
    upload = SimpleUploadedFile("測定値.csv", UTF8_CSV.encode("shift_jis"), content_type="text/csv")
    response = client.post(url, {"action": "upload", "file": upload})
    assert response.status_code == 302
    assert Measurement.objects.count() == 3
    page = text(client.get(url))
    assert "3件の測定値を取り込みました。" in page
    assert "オンライン申請を含む" in page
    assert trend(page)["data"][1]["x"] == ["2025-04-01", "2025-07-01", "2025-10-01"]


def test_a_bad_upload_lists_every_bad_line_and_imports_nothing(client, kpi, people):
    client.force_login(people["editor"])
    data = b"date,value\n2025-04-01,150\n2025-04-31,160\n2024-06-01,170\n2025-07-01,abc\n"
    response = client.post(
        f"/assessments/kpis/{kpi.pk}/", {"action": "upload", "file": SimpleUploadedFile("m.csv", data)}
    )
    html = text(response)
    assert response.status_code == 400
    alert = re.search(r'<div class="error-summary" role="alert">(.*?)</div>', html, re.DOTALL)
    assert alert
    assert [int(n) for n in re.findall(r"<li>(\d+)行目", alert[1])] == [3, 4, 5]
    assert not Measurement.objects.exists()


def test_editing_the_kpi_on_the_page(client, kpi, people):
    client.force_login(people["admin"])
    url = f"/assessments/kpis/{kpi.pk}/"
    changed = kpi_form(people["admin"], name="電子申請件数", target_value="500")
    response = client.post(url, {"action": "edit", **changed})
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target_value, kpi.owner) == ("電子申請件数", 500.0, people["admin"])
    assert "KPIを保存しました。" in text(client.get(url))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_date": "2024-06-01"}, "目標日は基準日より後にしてください。"),
        ({"target_value": "90"}, "「高いほどよい」の場合、目標値は基準値より大きくしてください。"),
    ],
)
def test_a_bad_edit_is_refused_on_the_page_and_changes_nothing(client, kpi, people, changes, message):
    client.force_login(people["editor"])
    url = f"/assessments/kpis/{kpi.pk}/"
    response = client.post(url, {"action": "edit", **kpi_form(people["editor"], name="変更", **changes)})
    html = text(response)
    assert response.status_code == 400
    assert message in errors_in(html)
    assert "kpi_target_after_baseline" not in html
    # The page shows the KPI as saved, not as typed.
    assert "<h1>オンライン申請件数 <span" in html
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target_date, kpi.target_value) == ("オンライン申請件数", TARGET, 400.0)


def test_an_owner_who_left_the_municipality_or_was_deactivated_is_not_reminded(kpi, people):
    owner = people["editor"]
    owner.memberships.all().delete()
    assert services.kpi_reminders_send(today=FIRST_DUE) == 0
    assert notices(owner) == []

    kpi.owner = people["admin"]
    kpi.save()
    people["admin"].is_active = False
    people["admin"].save()
    assert services.kpi_reminders_send(today=FIRST_DUE) == 0
    people["admin"].is_active = True
    people["admin"].save()
    assert services.kpi_reminders_send(today=FIRST_DUE) == 1
