"""Validators shared by every front end: NPI, taxonomy code format, timezones, POS codes."""

import re
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

NPI_PREFIX = "80840"
_NPI_RE = re.compile(r"[0-9]{10}")
_TAXONOMY_RE = re.compile(r"[0-9A-Z]{9}X")


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit for a string of digits (the digit to append)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    """True for a 10-digit NPI whose last digit is the Luhn check over 80840 + first nine."""
    if not isinstance(value, str) or not _NPI_RE.fullmatch(value):
        return False
    return luhn_check_digit(NPI_PREFIX + value[:9]) == int(value[9])


def validate_npi(value: str) -> None:
    if not _NPI_RE.fullmatch(value or ""):
        raise ValidationError("An NPI is exactly 10 digits.", code="npi_format")
    if not is_valid_npi(value):
        raise ValidationError(
            "This NPI fails its check digit; check it for a typing error.", code="npi_checksum"
        )


def validate_taxonomy_format(value: str) -> None:
    if not _TAXONOMY_RE.fullmatch(value or ""):
        raise ValidationError(
            "A taxonomy code is 10 characters: nine digits or capital letters and a final X "
            "(for example 207Q00000X).",
            code="taxonomy_format",
        )


@cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def validate_timezone(value: str) -> None:
    if value not in set(timezone_names()):
        raise ValidationError(
            "Unknown time zone; use an IANA name such as America/New_York.", code="timezone"
        )


# CMS place-of-service codes most used by outpatient practices.
PLACE_OF_SERVICE = {
    "02": "Telehealth provided other than in patient's home",
    "03": "School",
    "10": "Telehealth provided in patient's home",
    "11": "Office",
    "12": "Home",
    "17": "Walk-in retail health clinic",
    "19": "Off campus-outpatient hospital",
    "20": "Urgent care facility",
    "21": "Inpatient hospital",
    "22": "On campus-outpatient hospital",
    "23": "Emergency room - hospital",
    "24": "Ambulatory surgical center",
    "31": "Skilled nursing facility",
    "32": "Nursing facility",
    "49": "Independent clinic",
    "50": "Federally qualified health center",
    "53": "Community mental health center",
    "57": "Non-residential substance abuse treatment facility",
    "71": "Public health clinic",
    "72": "Rural health clinic",
    "81": "Independent laboratory",
    "99": "Other place of service",
}
_POS_RE = re.compile(r"[0-9]{2}")


def validate_place_of_service(value: str) -> None:
    if not _POS_RE.fullmatch(value or "") or value == "00":
        raise ValidationError(
            "A place-of-service code is two digits from 01 to 99 (for example 11 for Office).",
            code="place_of_service",
        )
