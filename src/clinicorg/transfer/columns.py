"""The columns of the staff and locations spreadsheets: headers, keys, examples, help."""

import re
from dataclasses import dataclass

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


STAFF_COLUMNS = (
    Column("email", "Email", True, "jordan.lee@example.org", "Sign-in address; unique."),
    Column("first_name", "First name", True, "Jordan"),
    Column("last_name", "Last name", True, "Lee"),
    Column("display_name", "Display name", False, "Dr. Jordan Lee, MD", "As on clinical notes."),
    Column(
        "primary_location",
        "Primary location code",
        True,
        "MAIN",
        "Code of an active location.",
        choices="locations",
    ),
    Column("role", "Role", True, "Provider", "Name of a role.", choices="roles"),
    Column(
        "extra_locations",
        "Additional location codes",
        False,
        "",
        "Location codes separated by semicolons.",
        multiple=True,
    ),
    Column("department", "Department", False, "", "Name of an active department.", "departments"),
    Column("position", "Position", False, "", "Name of an active position.", "positions"),
    Column("category", "Category", False, "", "Name of an Active category.", "categories"),
    Column("supervisor", "Supervisor email", False, "", "Email of an appointed supervisor."),
    Column("employee_id", "Employee id", False, "000123", "Unique in the organization."),
    Column("phone", "Phone", False, "555-010-2000"),
    Column("hire_date", "Hire date", False, "2024-03-01", "YYYY-MM-DD or MM/DD/YYYY."),
    Column("npi", "NPI", False, "1234567893", "Individual NPI, 10 digits."),
    Column(
        "taxonomies",
        "Taxonomy codes",
        False,
        "207Q00000X",
        "NUCC codes separated by semicolons; the first is primary.",
        multiple=True,
    ),
    Column("capacity", "Capacity", False, "1", "Appointments at once, 1–20."),
    Column("scheduling_step", "Scheduling step", False, "15", "Minutes.", choices="steps"),
    Column(
        "send_invitation",
        "Send invitation",
        False,
        "yes",
        "yes to email the invitation after the import; new members only.",
        choices="yesno",
    ),
    Column(
        "status",
        "Status",
        False,
        "pending",
        "Shown in exports. New members are pending; status changes need a reason and are made "
        "on the member's profile, so a different status here is an error.",
        choices="statuses",
    ),
)

LOCATION_COLUMNS = (
    Column("code", "Code", True, "NORTH", "Short unique code; the key of updates."),
    Column("name", "Name", True, "North Clinic", "Unique in the organization."),
    Column("address_line1", "Address", False, "100 Main Street"),
    Column("address_line2", "Address line 2", False, "Suite 200"),
    Column("city", "City", False, "Springfield"),
    Column("state", "State", False, "MA"),
    Column("postal_code", "Postal code", False, "01103", "Kept as text: leading zeros stay."),
    Column("phone", "Phone", False, "555-010-1000"),
    Column("timezone", "Time zone", False, "America/New_York", "IANA name.", "timezones"),
    Column("status", "Status", False, "active", "active or inactive.", "location_statuses"),
    Column("npi", "Location NPI", False, "", "Type 2 NPI, 10 digits."),
    Column("place_of_service", "Place of service", False, "11", "Two-digit CMS code.", "pos"),
    Column(
        "credentialing_enabled",
        "Credentialing enabled",
        False,
        "no",
        "yes or no.",
        choices="yesno",
    ),
    Column(
        "managers",
        "Manager emails",
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
