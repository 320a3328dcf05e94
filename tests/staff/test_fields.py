"""One staff field list (staff.fields.STAFF_FIELD_LIST) behind the Employee Center's columns,
the API's staff answers, the export (web and command line) and the import's columns: each
front end shows the fields the list gives it, under its labels, with the same values."""

from datetime import date

import pytest

from clinicorg.core.fields import API, DETAIL, EXPORT, PAGE
from clinicorg.staff import actions
from clinicorg.staff.fields import STAFF_FIELD_LIST
from clinicorg.staff.models import Status
from clinicorg.transfer.columns import COLUMNS
from tests.conftest import signed_in
from tests.lists import (
    api_properties,
    as_exported,
    cell_labels,
    cells_by_key,
    export_table,
    export_table_by_command,
    page_headers,
)

FIELDS = STAFF_FIELD_LIST
# The export writes these related records by the key an import reads back; the API answers
# {id, name}. The test follows the id through the API to that key.
FOLLOW = {
    "primary_location": ("/api/v1/locations/{id}", "code"),
    "extra_locations": ("/api/v1/locations/{id}", "code"),
    "supervisor": ("/api/v1/staff/{id}", "email"),
}


@pytest.fixture
def full_record(acme, admin):
    """A member with every field filled in, some text starting like a formula."""
    boss = acme.member("boss@acme.test", first_name="Bea", last_name="Boss")
    actions.appoint_supervisor(boss, actor=admin)
    member = acme.member(
        "rae@acme.test",
        role="provider",
        first_name="Rae",
        last_name="O'Neil",
        display_name="=Dr. Rae O'Neil, MD",
        department=acme.org.departments.create(name="Cardiology"),
        position=acme.org.positions.create(name="Physician"),
        category=acme.org.employee_categories.create(name="Full-time"),
        supervisor=boss,
        employee_id="000123",
        phone="+1 555 010 2000",
        hire_date=date(2024, 3, 1),
        extra_locations=[acme.branch],
    )
    actions.update_credentials(
        member,
        {"npi": "1234567893", "taxonomy_codes": ["207Q00000X"], "capacity": 2},
        actor=admin,
    )
    actions.change_staff_status(member, Status.ON_LEAVE, "Parental leave", actor=admin)
    return member


def test_the_export_writes_the_exported_fields_in_the_import_columns(admin):
    header = export_table(signed_in(admin), "staff", {})[0]
    assert header == [f.header for f in FIELDS.shown_in(EXPORT)]
    # An exported file imports back: every column but the import's own instructions.
    importable = [c.label for c in COLUMNS["staff"] if c.key != "send_invitation"]
    assert header == importable


def test_the_api_publishes_exactly_the_fields_the_list_gives_it():
    assert api_properties("StaffOut") == FIELDS.keys(API)
    assert api_properties("StaffDetailOut") == FIELDS.keys(API | DETAIL)


def test_the_employee_center_shows_its_fields_under_their_labels(admin):
    client = signed_in(admin)
    labels = [f.label for f in FIELDS.shown_in(PAGE)]
    assert sorted(page_headers(client, "/staff/")) == sorted(labels)
    # On a phone each member is a card whose cells name their field.
    assert cell_labels(client, "/staff/") == set(labels) - {"Name", "Email", "Status"}


def test_an_exported_row_holds_what_the_api_answers_for_the_same_member(
    full_record, admin, api, tmp_path
):
    params = {"q": "rae@acme.test", "status": "all"}
    header, row = export_table(signed_in(admin), "staff", params)
    assert export_table_by_command("staff", params, tmp_path) == [header, row]
    cells = cells_by_key(FIELDS, header, row)
    # The formula guard is still on: the file holds the text, not a formula.
    assert row[header.index("Display name")] == "'=Dr. Rae O'Neil, MD"
    assert row[header.index("Phone")] == "'+1 555 010 2000"

    detail = api.get(f"/api/v1/staff/{full_record.pk}").json()
    listed = api.get("/api/v1/staff", params).json()["items"]
    assert listed == [{k: v for k, v in detail.items() if k in FIELDS.keys(API)}]

    shared = FIELDS.keys(EXPORT) & FIELDS.keys(API | DETAIL)
    assert shared >= {"email", "display_name", "primary_location", "supervisor", "hire_date"}
    for key in shared:
        assert cells[key] == as_exported(api, detail[key], FOLLOW.get(key)), key
    # Every field of the member was filled in: no comparison above was of two empty cells.
    assert all(cells.values()), cells
