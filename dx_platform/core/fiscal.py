"""Japanese fiscal years (年度): FY N runs from 1 April N to 31 March N+1.

Shown both in the Western calendar and in the era calendar (和暦): 2023年度（令和5年度）,
or in English FY2023 (Reiwa 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dx_platform.core.i18n import english

# A fiscal year takes the name of the era in force when it ends; FY2019 (from April 2019,
# Reiwa began on 1 May) is 令和元年度 in government usage.
_ERAS = ((2019, "令和", "Reiwa"), (1989, "平成", "Heisei"))


@dataclass(frozen=True, order=True)
class FiscalYear:
    year: int

    @classmethod
    def of(cls, day: dt.date) -> FiscalYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @classmethod
    def current(cls) -> FiscalYear:
        return cls.of(timezone.localdate())

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, 3, 31)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def era_label(self) -> str:
        for first_year, name_ja, name_en in _ERAS:
            if self.year >= first_year:
                number = self.year - first_year + 1
                if english():
                    return f"{name_en} {number}"
                return f"{name_ja}{'元' if number == 1 else number}年度"
        raise ValueError(f"No era is defined for fiscal year {self.year}")

    @property
    def label(self) -> str:
        return f"FY{self.year}" if english() else f"{self.year}年度"

    def __str__(self) -> str:
        if english():
            return f"{self.label} ({self.era_label})"
        return f"{self.label}（{self.era_label}）"


# The years the platform takes assessments and plans for: from FY2000 (before any national DX survey)
# to next year — nobody starts a year's self-assessment further ahead.
FIRST_YEAR = 2000


def fiscal_year_allowed(year: int) -> bool:
    return FIRST_YEAR <= year <= FiscalYear.current().year + 1


def fiscal_year_check(year: int) -> None:
    """Refuse a fiscal year outside the platform's range, on the field `fiscal_year`."""
    if not fiscal_year_allowed(year):
        raise ValidationError(
            {
                "fiscal_year": _("Give a fiscal year from %(first)d to %(last)d.")
                % {"first": FIRST_YEAR, "last": FiscalYear.current().year + 1}
            }
        )
