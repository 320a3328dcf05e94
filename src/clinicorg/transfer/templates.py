"""Blank import templates (XLSX with dropdowns and instructions, or CSV) for an organization."""

import csv
import io

import xlsxwriter

from clinicorg.access import policy
from clinicorg.access.models import Role
from clinicorg.core.validators import PLACE_OF_SERVICE, canonical_timezones
from clinicorg.directory.models import (
    ActiveStatus,
    Department,
    EmployeeCategory,
    Location,
    Position,
)
from clinicorg.staff.models import SCHEDULING_STEPS, Status

from .cells import neutralize
from .columns import COLUMNS, EXAMPLE_MARK, column_letter

TEMPLATE_ROWS = 100_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

INSTRUCTIONS = {
    "staff": [
        f"One row per staff member, under the header row. Replace the example row (marked "
        f"“{EXAMPLE_MARK}”) or delete it: a file that still holds it is refused.",
        "Keep the header row as it is; columns may be left out unless marked required.",
        "Create only: every row must be a new member; an email already in use is an error.",
        "Create and update: rows whose email belongs to a member of this organization update "
        "that member; an empty cell leaves the current value as it is.",
        "New members are Pending until they accept their invitation. Send invitation = yes "
        "emails the invitation once the whole file is imported.",
        "Nothing is imported until every row is valid: the preview lists every error as "
        "“row N, column C: message”, and a copy of the file with an Errors column can be "
        "downloaded to fix them in place.",
        "Dates as YYYY-MM-DD (or MM/DD/YYYY, or Excel dates). Ids and codes are text: leading "
        "zeros are kept.",
    ],
    "locations": [
        f"One row per location, under the header row. Replace the example row (marked "
        f"“{EXAMPLE_MARK}”) or delete it: a file that still holds it is refused.",
        "Locations are identified by their code. Create only: every code must be new. Create "
        "and update: rows with an existing code update that location; an empty cell leaves "
        "the current value as it is.",
        "Nothing is imported until every row is valid: the preview lists every error as "
        "“row N, column C: message”.",
        "Postal codes are text: leading zeros are kept.",
    ],
}


def choice_lists(actor) -> dict[str, list[str]]:
    """The dropdown values the actor may use, from the organization's data (one query each).

    Only what an import by this actor accepts: the active locations in their scope and the
    roles they may grant (policy.explain_grant), so no list names what is not theirs.
    """
    org = actor.organization_id
    return {
        "locations": list(
            Location.objects.visible_to(actor)
            .filter(status=ActiveStatus.ACTIVE)
            .order_by("code")
            .values_list("code", flat=True)
        ),
        "roles": [
            role.name
            for role in Role.objects.visible_to(actor).order_by("name")
            if policy.explain_grant(actor, permissions=role.permission_set).allowed
        ],
        "categories": list(
            EmployeeCategory.objects.filter(organization=org, status="active")
            .order_by("name")
            .values_list("name", flat=True)
        ),
        "departments": list(
            Department.objects.filter(organization=org, is_active=True)
            .order_by("name")
            .values_list("name", flat=True)
        ),
        "positions": list(
            Position.objects.filter(organization=org, is_active=True)
            .order_by("name")
            .values_list("name", flat=True)
        ),
        # New members are imported as pending; any other status is refused (it changes on the
        # member's profile, with a reason), so the template offers only that one.
        "statuses": [Status.PENDING.value],
        "location_statuses": list(ActiveStatus.values),
        "yesno": ["yes", "no"],
        "steps": [str(s) for s in SCHEDULING_STEPS],
        "timezones": list(canonical_timezones()),
        "pos": sorted(PLACE_OF_SERVICE),
    }


def example_row(kind: str, lists: dict) -> list[str]:
    row = []
    for col in COLUMNS[kind]:
        value = col.example
        if col.key == "primary_location" and lists["locations"]:
            value = lists["locations"][0]
        elif col.key == "role" and lists["roles"]:
            value = "Provider" if "Provider" in lists["roles"] else lists["roles"][0]
        row.append(value)
    # Marked, so that a template uploaded unchanged is refused rather than imported.
    row[0] = f"{EXAMPLE_MARK} {row[0]}"
    return row


def template_csv(kind: str, actor) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in COLUMNS[kind]])
    writer.writerow([neutralize(v) for v in example_row(kind, choice_lists(actor))])
    return out.getvalue().encode("utf-8")


def template_xlsx(kind: str, actor) -> bytes:
    lists = choice_lists(actor)
    columns = COLUMNS[kind]
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    required = book.add_format({"bold": True, "bg_color": "#FBE3C2", "border": 1})
    text = book.add_format({"num_format": "@"})
    example = book.add_format({"num_format": "@", "italic": True, "font_color": "#666666"})
    sheet = book.add_worksheet("Staff" if kind == "staff" else "Locations")
    sheet.freeze_panes(1, 0)
    for i, col in enumerate(columns):
        sheet.set_column(i, i, max(14, len(col.label) + 4), text)
        sheet.write_string(0, i, col.label, required if col.required else head)
        if col.help:
            sheet.write_comment(0, i, col.help)
    for i, value in enumerate(example_row(kind, lists)):
        sheet.write_string(1, i, neutralize(value), example)

    lists_sheet = book.add_worksheet("Lists")
    used = [c.choices for c in columns if c.choices]
    for j, name in enumerate(dict.fromkeys(used)):
        values = lists[name]
        lists_sheet.write_string(0, j, name)
        for r, value in enumerate(values, start=1):
            lists_sheet.write_string(r, j, value)
        letter = column_letter(j)
        ref = f"=Lists!${letter}$2:${letter}${max(len(values), 1) + 1}"
        for i, col in enumerate(columns):
            if col.choices != name:
                continue
            sheet.data_validation(
                1,
                i,
                TEMPLATE_ROWS,
                i,
                {
                    "validate": "list",
                    "source": ref,
                    "ignore_blank": True,
                    "error_title": col.label,
                    "error_message": f"Choose a value from the list ({col.help or col.label}).",
                },
            )
    lists_sheet.hide()

    info = book.add_worksheet("Instructions")
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    info.set_column(0, 0, 28)
    info.set_column(1, 1, 12)
    info.set_column(2, 2, 90)
    r = 0
    info.write_string(r, 0, f"How to fill in the {kind} template", bold)
    r += 2
    for line in INSTRUCTIONS[kind]:
        info.write_string(r, 0, "•")
        info.merge_range(r, 1, r, 2, line, wrap)
        r += 1
    r += 1
    info.write_row(r, 0, ["Column", "Required", "What to enter"], bold)
    r += 1
    for col in columns:
        info.write_string(r, 0, col.label)
        info.write_string(r, 1, "required" if col.required else "")
        hint = col.help
        if col.choices:
            hint = f"{hint} Choose from the dropdown.".strip()
        info.write_string(r, 2, hint, wrap)
        r += 1
    book.close()
    return buf.getvalue()


def build_template(kind: str, fmt: str, actor) -> bytes:
    """An import template for `actor`, whose dropdowns hold only what they may use."""
    return template_xlsx(kind, actor) if fmt == "xlsx" else template_csv(kind, actor)
