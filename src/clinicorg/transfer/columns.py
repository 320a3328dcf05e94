"""The columns of the staff and locations spreadsheets: headers, keys, examples, help.

A column that holds a readable field takes its key and header from the model's field list
(staff.fields, directory.fields), which the export writes too, so that an exported file
imports back; this module adds what only the import and the template need.
"""

import re
from dataclasses import dataclass

from clinicorg.directory.fields import LOCATION_FIELD_LIST
from clinicorg.staff.fields import STAFF_FIELD_LIST

# The first cell of a template's example row starts with this, so that the example is never
# imported: a file that still holds it is refused with a message to replace it.
EXAMPLE_MARK = "(example)"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    example: str = ""
    help: str = ""
    # Name of the dropdown list the XLSX template attaches (see transfer.templates).
    choices: str = ""
    # Several values separated by ";" or ",".
    multiple: bool = False


def _of(fields):
    def column(key, required=False, example="", help="", choices="", multiple=False) -> Column:
        return Column(key, fields[key].header, required, example, help, choices, multiple)

    return column


_staff, _location = _of(STAFF_FIELD_LIST), _of(LOCATION_FIELD_LIST)

STAFF_COLUMNS = (
    _staff("email", True, "jordan.lee@example.org", "Sign-in address; unique."),
    _staff("first_name", True, "Jordan"),
    _staff("last_name", True, "Lee"),
    _staff("display_name", False, "Dr. Jordan Lee, MD", "As on clinical notes."),
    _staff(
        "primary_location",
        True,
        "MAIN",
        "Code of an active location.",
        choices="locations",
    ),
    _staff("role", True, "Provider", "Name of a role.", choices="roles"),
    _staff(
        "extra_locations",
        False,
        "",
        "Location codes separated by semicolons.",
        multiple=True,
    ),
    _staff("department", False, "", "Name of an active department.", "departments"),
    _staff("position", False, "", "Name of an active position.", "positions"),
    _staff("category", False, "", "Name of an Active category.", "categories"),
    _staff("supervisor", False, "", "Email of an appointed supervisor."),
    _staff("employee_id", False, "000123", "Unique in the organization."),
    _staff("phone", False, "555-010-2000"),
    _staff("hire_date", False, "2024-03-01", "YYYY-MM-DD or MM/DD/YYYY."),
    _staff("npi", False, "1234567893", "Individual NPI, 10 digits."),
    _staff(
        "taxonomies",
        False,
        "207Q00000X",
        "NUCC codes separated by semicolons; the first is primary.",
        multiple=True,
    ),
    _staff("capacity", False, "1", "Appointments at once, 1–20."),
    _staff("scheduling_step", False, "15", "Minutes.", choices="steps"),
    Column(
        "send_invitation",
        "Send invitation",
        False,
        "yes",
        "yes to email the invitation after the import; new members only.",
        choices="yesno",
    ),
    _staff(
        "status",
        False,
        "pending",
        "Shown in exports. New members are pending; status changes need a reason and are made "
        "on the member's profile, so a different status here is an error.",
        choices="statuses",
    ),
)

LOCATION_COLUMNS = (
    _location("code", True, "NORTH", "Short unique code; the key of updates."),
    _location("name", True, "North Clinic", "Unique in the organization."),
    _location("address_line1", False, "100 Main Street"),
    _location("address_line2", False, "Suite 200"),
    _location("city", False, "Springfield"),
    _location("state", False, "MA"),
    _location("postal_code", False, "01103", "Kept as text: leading zeros stay."),
    _location("phone", False, "555-010-1000"),
    _location("timezone", False, "America/New_York", "IANA name.", "timezones"),
    _location("status", False, "active", "active or inactive.", "location_statuses"),
    _location("npi", False, "", "Type 2 NPI, 10 digits."),
    _location("place_of_service", False, "11", "Two-digit CMS code.", "pos"),
    _location(
        "credentialing_enabled",
        False,
        "no",
        "yes or no.",
        choices="yesno",
    ),
    _location(
        "managers",
        False,
        "",
        "Emails of current staff separated by semicolons; they replace the location's managers.",
        multiple=True,
    ),
)

COLUMNS = {"staff": STAFF_COLUMNS, "locations": LOCATION_COLUMNS}


def normalize_header(text) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text or "").replace("\ufeff", "").lower()).strip()


def header_index(kind: str) -> dict[str, Column]:
    """Accepted spellings of each header (the label or the key, any case or punctuation)."""
    out = {}
    for col in COLUMNS[kind]:
        out[normalize_header(col.label)] = col
        out[normalize_header(col.key)] = col
    if kind == "staff":
        out[normalize_header("Primary location")] = COLUMNS[kind][4]
        out[normalize_header("Additional locations")] = COLUMNS[kind][6]
    return out


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
