"""The shared validators: NPI (Luhn over 80840 + nine digits), taxonomy format, time zones."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from clinicorg.core.validators import (
    is_valid_npi,
    luhn_check_digit,
    validate_npi,
    validate_place_of_service,
    validate_taxonomy_format,
    validate_timezone,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@st.composite
def valid_npis(draw):
    body = draw(nine_digits)
    return body + str(luhn_check_digit("80840" + body))


def luhn_valid(number: str) -> bool:
    """Independent Luhn check of a whole number (check digit last), for cross-checking."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_the_published_example_npi_is_valid():
    assert is_valid_npi("1234567893")
    validate_npi("1234567893")


@given(valid_npis())
def test_every_generated_valid_npi_passes(npi):
    assert is_valid_npi(npi)
    validate_npi(npi)


@given(valid_npis())
def test_the_check_digit_agrees_with_an_independent_luhn_check(npi):
    assert luhn_valid("80840" + npi)


@given(valid_npis(), st.integers(0, 9), st.integers(1, 9))
@example("1234567893", 9, 1)
def test_every_single_digit_change_fails(npi, position, shift):
    changed_digit = str((int(npi[position]) + shift) % 10)
    changed = npi[:position] + changed_digit + npi[position + 1 :]
    assert changed != npi
    assert not is_valid_npi(changed)
    with pytest.raises(ValidationError) as exc:
        validate_npi(changed)
    assert exc.value.code == "npi_checksum"


def test_every_single_digit_change_of_the_example_fails_exhaustively():
    npi = "1234567893"
    for position in range(10):
        for digit in "0123456789":
            if digit != npi[position]:
                assert not is_valid_npi(npi[:position] + digit + npi[position + 1 :])


@given(st.text(alphabet="0123456789", max_size=30).filter(lambda s: len(s) != 10))
def test_digit_strings_of_any_other_length_fail(value):
    assert not is_valid_npi(value)
    with pytest.raises(ValidationError) as exc:
        validate_npi(value)
    assert exc.value.code == "npi_format"


@given(st.text(min_size=10, max_size=10).filter(lambda s: not s.isdigit()))
def test_ten_characters_that_are_not_all_digits_fail(value):
    assert not is_valid_npi(value)
    with pytest.raises(ValidationError):
        validate_npi(value)


@pytest.mark.parametrize("value", ["", "123456789 ", " 1234567893", None, 1234567893])
def test_blank_padded_and_non_string_npis_fail(value):
    assert not is_valid_npi(value)


# `$` matches before a final newline and `\d` matches any Unicode digit: both must fail.
@pytest.mark.parametrize(
    "value",
    ["1234567893\n", "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0663"],
)
def test_an_npi_with_a_trailing_newline_or_non_ascii_digits_fails(value):
    assert not is_valid_npi(value)


def test_a_taxonomy_code_with_a_trailing_newline_fails():
    with pytest.raises(ValidationError):
        validate_taxonomy_format("207Q00000X\n")


def test_a_bad_npi_says_what_is_wrong():
    with pytest.raises(ValidationError, match="exactly 10 digits"):
        validate_npi("12345")
    with pytest.raises(ValidationError, match="check digit"):
        validate_npi("1234567890")


# Taxonomy codes: nine digits or capital letters, then X.


@pytest.mark.parametrize("code", ["207Q00000X", "363L00000X", "2084P0800X", "122300000X"])
def test_real_taxonomy_codes_have_the_right_format(code):
    validate_taxonomy_format(code)


@pytest.mark.parametrize(
    "code",
    ["", "207Q00000", "207q00000X", "207Q00000Y", "207Q000000X", "207Q-0000X", " 207Q00000X"],
)
def test_malformed_taxonomy_codes_fail_with_an_example(code):
    with pytest.raises(ValidationError, match="207Q00000X") as exc:
        validate_taxonomy_format(code)
    assert exc.value.code == "taxonomy_format"


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=9, max_size=9))
def test_any_nine_digits_or_capitals_then_x_is_well_formed(body):
    validate_taxonomy_format(body + "X")


# Time zones: IANA names only.


@pytest.mark.parametrize("name", ["America/New_York", "America/Denver", "Pacific/Honolulu", "UTC"])
def test_iana_time_zones_are_accepted(name):
    validate_timezone(name)


@pytest.mark.parametrize("name", ["", "EST5", "america/new_york", "Mars/Olympus", "GMT+25", None])
def test_unknown_time_zones_are_refused(name):
    with pytest.raises(ValidationError, match="IANA") as exc:
        validate_timezone(name)
    assert exc.value.code == "timezone"


# Place-of-service codes: two digits, 01-99.


@pytest.mark.parametrize("code", ["11", "02", "99"])
def test_place_of_service_codes_are_two_digits(code):
    validate_place_of_service(code)


@pytest.mark.parametrize("code", ["", "00", "1", "111", "1a"])
def test_bad_place_of_service_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_place_of_service(code)
