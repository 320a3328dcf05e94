"""Dates typed in spreadsheet cells: which forms are accepted, and when a date is ambiguous.

ISO dates (2024-03-01), Excel date serials (45352) and slashed or dotted dates with a four-digit
year are accepted. A slashed date whose two first numbers could each be the month
(01/03/2024: January 3 or March 1) is read by the organization's date order; when the
organization has not set one, it is refused rather than guessed.
"""

import re
from datetime import date, timedelta

from clinicorg.core.models import DateOrder

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4})$")
_SERIAL = re.compile(r"^\d{5}(\.0+)?$")

MONTH_FIRST = DateOrder.MONTH_FIRST
DAY_FIRST = DateOrder.DAY_FIRST


def accepted_formats(order: str = "") -> str:
    """The forms a date may take, for messages and help texts."""
    if order == MONTH_FIRST:
        slashed = "MM/DD/YYYY"
    elif order == DAY_FIRST:
        slashed = "DD/MM/YYYY"
    else:
        slashed = "MM/DD/YYYY or DD/MM/YYYY when the day is over 12"
    return f"YYYY-MM-DD, {slashed}, or an Excel date"


def parse_date_text(value: str, order: str = "") -> tuple[str, str | None]:
    """(ISO date text, None), or (value, message) when the date is not accepted as it is.

    `order` is the organization's date order (MONTH_FIRST, DAY_FIRST, or "" when unset).
    Text that is neither slashed nor a serial is returned as it is, for the field's own check.
    """
    m = _SLASHED.match(value)
    if m:
        a, _sep, b, year = m.groups()
        a, b, year = int(a), int(b), int(year)
        if a > 12 or (order == DAY_FIRST and b <= 12):
            day, month = a, b
        elif b > 12 or order == MONTH_FIRST or a == b:
            month, day = a, b
        else:
            return value, (
                f"“{value}” could be {_name(year, a, b)} or {_name(year, b, a)}. Write it as "
                "YYYY-MM-DD, or set the date order in the organization settings. Accepted: "
                f"{accepted_formats(order)}."
            )
        try:
            return date(year, month, day).isoformat(), None
        except ValueError:
            return value, f"“{value}” is not a date. Accepted: {accepted_formats(order)}."
    if _SERIAL.match(value):
        return (date(1899, 12, 30) + timedelta(days=int(float(value)))).isoformat(), None
    if len(value) > 10 and value[4:5] == "-" and value[10:11] in (" ", "T"):
        value = value[:10]
    if not _ISO.match(value):
        return value, f"“{value}” is not a date. Accepted: {accepted_formats(order)}."
    return value, None


def _name(year: int, month: int, day: int) -> str:
    try:
        return f"{date(year, month, day):%B} {day}"
    except ValueError:
        return f"month {month}, day {day}"
