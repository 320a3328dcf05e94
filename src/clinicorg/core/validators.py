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


# The regions of the IANA zone names people choose from, in the order a picker shows them.
TIMEZONE_REGIONS = (
    "America",
    "Pacific",
    "Atlantic",
    "Europe",
    "Africa",
    "Asia",
    "Indian",
    "Australia",
    "Antarctica",
    "Arctic",
)


def _tabled_zones() -> set[str]:
    """The zones the tz database lists by country (zone.tab, one or more per country, so every
    country's own city is there) and its canonical zones (zone1970.tab): no aliases
    ("US/Central") and nothing like "localtime" or "Factory"."""
    names: set[str] = set()
    for folder in zoneinfo.TZPATH:
        for table in ("zone.tab", "zone1970.tab"):
            try:
                with open(f"{folder}/{table}", encoding="utf-8") as tab:
                    names.update(
                        line.split("\t")[2].strip()
                        for line in tab
                        if line.strip() and not line.startswith("#")
                    )
            except (OSError, IndexError):
                continue
        if names:
            return names
    return names


@cache
def canonical_timezones() -> tuple[str, ...]:
    """The time zones offered wherever a zone is picked: canonical zones of the named regions,
    and UTC. Without the tz database's tables, every name under those regions."""
    names = _tabled_zones() or {
        n for n in timezone_names() if n.split("/", 1)[0] in TIMEZONE_REGIONS and "/" in n
    }
    available = set(timezone_names())
    names = {n for n in names if n in available and n.split("/", 1)[0] in TIMEZONE_REGIONS}
    return ("UTC", *sorted(names))


def timezone_groups() -> list[tuple[str, list[str]]]:
    """[(region, [zone, ...])] in TIMEZONE_REGIONS order, then UTC on its own."""
    groups: dict[str, list[str]] = {region: [] for region in TIMEZONE_REGIONS}
    for name in canonical_timezones():
        region = name.split("/", 1)[0]
        if region in groups:
            groups[region].append(name)
    return [(r, zones) for r, zones in groups.items() if zones] + [("Universal", ["UTC"])]


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
