"""全国地方公共団体コード: check digit, and the validator's messages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dx_platform.core.lgcode import is_valid_lg_code, lg_check_digit, validate_lg_code
from dx_platform.organizations.models import Municipality

REAL_CODES = [
    "011002",  # 札幌市
    "131016",  # 千代田区
    "472018",  # 那覇市
    "012131",  # 苫小牧市: weighted sum ≡ 0 (mod 11), check digit 1
    "012050",  # 室蘭市: weighted sum ≡ 1 (mod 11), check digit 0
    "281000",  # 神戸市: ≡ 1, check digit 0
    "010006",  # 北海道
    "130001",  # 東京都
    "200000",  # 長野県: ≡ 1, check digit 0
    "470007",  # 沖縄県
]


def en_messages(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    with translation.override("en"):
        return " ".join(excinfo.value.messages)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert lg_check_digit(code[:5]) == int(code[5])
    assert is_valid_lg_code(code)
    validate_lg_code(code)  # does not raise


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_other_check_digit_is_wrong(code):
    wrong = [f"{code[:5]}{digit}" for digit in "0123456789" if digit != code[5]]
    assert [c for c in wrong if is_valid_lg_code(c)] == []


@pytest.mark.parametrize(("wrong", "meant"), [("011003", "011002"), ("131010", "131016"), ("472011", "472018")])
def test_wrong_check_digit_names_the_expected_code(wrong, meant):
    with pytest.raises(ValidationError) as excinfo:
        validate_lg_code(wrong)

    assert excinfo.value.code == "lg_code_check_digit"
    assert en_messages(excinfo) == f"{wrong} has a wrong check digit (expected {meant})."


@pytest.mark.parametrize(
    "value",
    [
        "",
        "01100",  # five digits: the code without its check digit
        "0110020",
        "01100a",
        "011 02",
        "０１１００２",  # full-width digits
        "٠١١٠٠٢",  # Arabic-Indic digits pass str.isdigit()
        11002,
        None,
    ],
)
def test_malformed_codes_are_rejected_as_format(value):
    assert not is_valid_lg_code(value)
    with pytest.raises(ValidationError) as excinfo:
        validate_lg_code(value)
    assert excinfo.value.code == "lg_code_format"
    assert en_messages(excinfo) == "A local government code has six digits (e.g. 011002)."


def test_check_digit_needs_five_digits():
    with pytest.raises(ValueError):
        lg_check_digit("0110")


def test_model_field_uses_the_validator():
    municipality = Municipality(code="011003", name="札幌市", kind="designated_city")
    with pytest.raises(ValidationError) as excinfo:
        municipality.clean_fields(exclude={"prefecture", "name_kana", "name_hiragana", "size_class", "lat", "lng"})
    assert [error.code for error in excinfo.value.error_dict["code"]] == ["lg_code_check_digit"]
