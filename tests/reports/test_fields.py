"""One field list for the license expiry list (reports.fields.LICENSE_FIELD_LIST) behind its
page, its API list and its export: each front end shows the fields the list gives it, under
its labels, with the same values."""

import csv
import io
from datetime import timedelta

import pytest

from clinicorg.core.fields import API, EXPORT, PAGE
from clinicorg.reports.fields import LICENSE_FIELD_LIST
from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from tests.conftest import signed_in
from tests.lists import api_properties, as_exported, cell_labels, cells_by_key, page_headers

FIELDS = LICENSE_FIELD_LIST


@pytest.fixture
def licenses(world, acme):
    """One license expired five days ago and one expiring in ten."""
    today = org_today(acme.org)
    holder = world["main_provider"]
    for number, days in (("EXP-5", -5), ("IN-10", 10)):
        staff_actions.add_license(
            holder,
            {"state": "CA", "number": number, "expires_on": today + timedelta(days=days)},
            actor=acme.system,
        )


def _export(client) -> list[list[str]]:
    download = client.get("/licenses/export.csv")
    assert download.status_code == 200
    return list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))


def test_the_export_writes_the_exported_fields(admin):
    assert _export(signed_in(admin))[0] == [f.header for f in FIELDS.shown_in(EXPORT)]


def test_the_api_publishes_exactly_the_fields_the_list_gives_it():
    assert api_properties("ExpiringLicenseOut") == FIELDS.keys(API)


def test_the_license_page_shows_its_fields_under_their_labels(licenses, admin):
    client = signed_in(admin)
    headers = page_headers(client, "/licenses/")
    assert sorted(headers) == sorted(f.label for f in FIELDS.shown_in(PAGE))
    # On a phone each license is a card; the days left are named.
    assert cell_labels(client, "/licenses/") == {FIELDS["days_left"].label}


def test_an_exported_row_holds_what_the_api_answers_for_the_same_license(licenses, admin, api):
    header, *rows = _export(signed_in(admin))
    items = api.get("/api/v1/reports/licenses").json()["items"]
    assert [item["number"] for item in items] == ["EXP-5", "IN-10"]
    shared = FIELDS.keys(EXPORT) & FIELDS.keys(API)
    assert shared >= {"staff", "location", "days_left", "status"}
    for row, item in zip(rows, items, strict=True):
        cells = cells_by_key(FIELDS, header, row)
        for key in shared:
            assert cells[key] == as_exported(api, item[key]), key
        assert cells["email"] == item["staff"]["email"]
    assert [cells_by_key(FIELDS, header, row)["status"] for row in rows] == [
        "expired",
        "expiring",
    ]
