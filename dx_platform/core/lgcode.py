"""全国地方公共団体コード (JIS X 0402): six digits, the last a check digit.

Check digit: weights 6,5,4,3,2 on the first five digits, r = sum mod 11, check = (11 - r) mod 10.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (6, 5, 4, 3, 2)


def lg_check_digit(code5: str) -> int:
    """Check digit for the first five digits of a local government code."""
    total = sum(int(digit) * weight for digit, weight in zip(code5, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def _six_digits(value: object) -> bool:
    return isinstance(value, str) and len(value) == 6 and value.isascii() and value.isdigit()


def is_valid_lg_code(value: str) -> bool:
    return _six_digits(value) and lg_check_digit(value[:5]) == int(value[5])


def validate_lg_code(value: str) -> None:
    """Model and form validator: six digits with a valid JIS X 0402 check digit."""
    if not _six_digits(value):
        raise ValidationError(_("A local government code has six digits (e.g. 011002)."), code="lg_code_format")
    if not is_valid_lg_code(value):
        raise ValidationError(
            _("%(value)s has a wrong check digit (expected %(expected)s)."),
            code="lg_code_check_digit",
            params={"value": value, "expected": f"{value[:5]}{lg_check_digit(value[:5])}"},
        )
