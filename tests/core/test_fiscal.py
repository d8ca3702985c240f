"""Japanese fiscal years (年度) and how they are shown."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.template import Context, Template
from django.utils import translation

from dx_platform.core.fiscal import FiscalYear


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2023, 4, 1), 2023),
        (dt.date(2023, 12, 31), 2023),
        (dt.date(2024, 1, 1), 2023),
        (dt.date(2024, 3, 31), 2023),
        (dt.date(2024, 4, 1), 2024),
        (dt.date(2023, 3, 31), 2022),
    ],
)
def test_of(day, year):
    assert FiscalYear.of(day) == FiscalYear(year)
    assert day in FiscalYear(year)
    assert day not in FiscalYear(year + 1)


def test_start_and_end():
    fy = FiscalYear(2023)
    assert (fy.start, fy.end) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))


def test_ordering():
    assert FiscalYear(2021) < FiscalYear(2023)
    assert max(FiscalYear(2023), FiscalYear(2021)) == FiscalYear(2023)


@pytest.mark.parametrize(
    ("utc", "year"),
    [
        # 2024-03-31 23:30 in Tokyo is still FY2023 …
        (dt.datetime(2024, 3, 31, 14, 30, tzinfo=dt.UTC), 2023),
        # … and 2024-04-01 00:30 in Tokyo (still 31 March in UTC) is FY2024.
        (dt.datetime(2024, 3, 31, 15, 30, tzinfo=dt.UTC), 2024),
    ],
)
def test_current_follows_japanese_time(utc, year):
    with mock.patch("django.utils.timezone.now", return_value=utc):
        assert FiscalYear.current() == FiscalYear(year)


@pytest.mark.parametrize(
    ("year", "japanese", "english"),
    [
        (2023, "2023年度（令和5年度）", "FY2023 (Reiwa 5)"),
        (2020, "2020年度（令和2年度）", "FY2020 (Reiwa 2)"),
        # Reiwa began on 1 May 2019; government usage names all of FY2019 after it.
        (2019, "2019年度（令和元年度）", "FY2019 (Reiwa 1)"),
        (2018, "2018年度（平成30年度）", "FY2018 (Heisei 30)"),
        (1989, "1989年度（平成元年度）", "FY1989 (Heisei 1)"),
    ],
)
def test_str_in_both_languages(year, japanese, english):
    with translation.override("ja"):
        assert str(FiscalYear(year)) == japanese
    with translation.override("en"):
        assert str(FiscalYear(year)) == english


def test_no_era_before_heisei():
    with pytest.raises(ValueError, match="1988"):
        str(FiscalYear(1988))


@pytest.mark.parametrize("value", [2023, "2023"])
def test_fiscal_year_template_filter(value):
    template = Template("{% load dx %}{{ year|fiscal_year }}")
    with translation.override("ja"):
        assert template.render(Context({"year": value})) == "2023年度（令和5年度）"
    with translation.override("en"):
        assert template.render(Context({"year": value})) == "FY2023 (Reiwa 5)"
