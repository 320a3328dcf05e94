"""One field list per directory model (directory.fields) behind its list page, its API answers
and, for locations, the export (web and command line) and the import's columns: each front
end shows the fields the list gives it, under its labels, with the same values."""

import pytest

from clinicorg.core.fields import API, DETAIL, EXPORT, PAGE
from clinicorg.directory import actions
from clinicorg.directory.fields import CATEGORY_FIELD_LIST, LOCATION_FIELD_LIST, NAMED_FIELD_LIST
from clinicorg.staff import actions as staff_actions
from clinicorg.transfer.columns import COLUMNS
from tests.conftest import signed_in
from tests.lists import (
    api_properties,
    as_exported,
    cells_by_key,
    export_table,
    export_table_by_command,
    page_headers,
)

pytestmark = pytest.mark.django_db

FIELDS = LOCATION_FIELD_LIST
# The export writes the managers by email, the key an import reads back.
FOLLOW = {"managers": "email"}


@pytest.fixture
def full_location(acme, admin):
    """A location with every field filled in, some text starting like a formula."""
    location = actions.create_location(
        {
            "name": "North Clinic",
            "code": "NORTH",
            "address_line1": "100 Main Street",
            "address_line2": "=Suite 200",
            "city": "Springfield",
            "state": "MA",
            "postal_code": "01103",
            "phone": "+1 555 010 1000",
            "timezone": "America/New_York",
            "npi": "1234567893",
            "place_of_service": "11",
            "credentialing_enabled": True,
        },
        actor=acme.system,
    )
    actions.add_payer_enrollment(
        location, {"payer_name": "Aetna", "payer_id": "60054"}, actor=acme.system
    )
    managers = [admin, acme.member("mo@acme.test", location=location)]
    staff_actions.set_location_managers(location, [m.pk for m in managers], actor=admin)
    actions.set_location_status(location, "inactive", actor=admin)
    return location


def test_the_export_writes_the_exported_fields_in_the_import_columns(admin):
    header = export_table(signed_in(admin), "locations", {})[0]
    assert header == [f.header for f in FIELDS.shown_in(EXPORT)]
    assert header == [c.label for c in COLUMNS["locations"]]


def test_the_api_publishes_exactly_the_fields_the_list_gives_it():
    assert api_properties("LocationOut") == FIELDS.keys(API)
    assert api_properties("LocationDetailOut") == FIELDS.keys(API | DETAIL)


def test_the_locations_page_shows_its_fields_under_their_labels(admin):
    headers = page_headers(signed_in(admin), "/locations/")
    assert sorted(headers) == sorted(f.label for f in FIELDS.shown_in(PAGE))


def test_an_exported_row_holds_what_the_api_answers_for_the_same_location(
    full_location, admin, api, tmp_path
):
    params = {"q": "NORTH"}
    header, row = export_table(signed_in(admin), "locations", params)
    assert export_table_by_command("locations", params, tmp_path) == [header, row]
    cells = cells_by_key(FIELDS, header, row)
    assert row[header.index("Address line 2")] == "'=Suite 200"
    assert row[header.index("Phone")] == "'+1 555 010 1000"

    detail = api.get(f"/api/v1/locations/{full_location.pk}").json()
    listed = api.get("/api/v1/locations", params).json()["items"]
    assert len(listed) == 1
    assert listed[0] == {k: v for k, v in detail.items() if k in FIELDS.keys(API)}
    assert detail["staff_count"] == 1  # mo@acme.test works there

    shared = FIELDS.keys(EXPORT) & FIELDS.keys(API | DETAIL)
    assert shared >= {"code", "postal_code", "credentialing_enabled", "managers"}
    for key in shared:
        assert cells[key] == as_exported(api, detail[key], FOLLOW.get(key)), key
    assert all(cells.values()), cells
    assert cells["managers"] == "admin@acme.test; mo@acme.test"


@pytest.mark.parametrize(
    ("schema", "fields", "url"),
    [
        ("NamedOut", NAMED_FIELD_LIST, "/organization/departments/"),
        ("NamedOut", NAMED_FIELD_LIST, "/organization/positions/"),
        ("CategoryOut", CATEGORY_FIELD_LIST, "/organization/categories/"),
    ],
)
def test_the_structure_pages_and_the_api_show_the_fields_of_their_list(admin, schema, fields, url):
    assert api_properties(schema) == fields.keys(API)
    headers = page_headers(signed_in(admin), url)
    assert sorted(headers) == sorted(f.label for f in fields.shown_in(PAGE))
