"""A checked file shows what it would write: the rows to create with their values, and for each
record it updates, every changed field with its old and new value, as people read them (names,
not ids), on the page and in the API."""

import pytest

from clinicorg.staff import actions as staff
from clinicorg.transfer import actions
from tests.conftest import ApiClient, signed_in

from .conftest import LOCATION_HEADERS, csv_bytes, staff_row

pytestmark = pytest.mark.django_db


def test_a_staff_file_previews_its_creates_and_each_changed_field(acme, admin):
    kim = acme.member("kim@acme.test", role="front_desk", first_name="Kim")
    rows = [
        staff_row(1, **{"Primary location code": "BRANCH", "Additional location codes": "MAIN"}),
        staff_row(
            2,
            Email="kim@acme.test",
            **{
                "First name": "Kimberly",
                "Last name": kim.last_name,
                "Role": "Provider",
                "Additional location codes": "BRANCH",
            },
        ),
    ]
    job = actions.start_import(csv_bytes(rows), "s.csv", "staff", actor=admin, mode="update")
    assert job.summary() == {"create": 1, "update": 1, "unchanged": 0, "errors": 0}
    (create,) = job.preview["creates"]
    assert create["row"] == 2
    assert create["cells"]["Email"] == "new1@acme.test"
    assert create["cells"]["Primary location code"] == acme.branch.name
    assert create["cells"]["Role"] == "Provider"
    assert create["cells"]["Additional location codes"] == "MAIN"
    (update,) = job.preview["updates"]
    assert update["record"] == "Kim Tester"
    assert update["changes"] == {
        "First name": ["Kim", "Kimberly"],
        "Role": ["Front Desk", "Provider"],
        "Additional location codes": ["", "BRANCH"],
    }

    page = signed_in(admin).get(f"/imports/{job.pk}/").content.decode()
    assert "1 row to create" in page and "1 record to update" in page
    assert "<del>Kim</del> → <ins>Kimberly</ins>" in page
    body = ApiClient(acme.token()).get(f"/api/v1/imports/{job.pk}").json()
    assert body["preview"] == job.preview


def test_the_preview_shows_the_first_hundred_of_many(acme, admin):
    job = actions.start_import(
        csv_bytes([staff_row(n) for n in range(150)]), "s.csv", "staff", actor=admin
    )
    assert job.to_create == 150 and len(job.preview["creates"]) == 100
    assert [c["row"] for c in job.preview["creates"][:2]] == [2, 3]
    page = signed_in(admin).get(f"/imports/{job.pk}/").content.decode()
    assert "First 100 of 150 rows to create" in page


def test_a_file_with_errors_previews_nothing(acme, admin):
    job = actions.start_import(
        csv_bytes([staff_row(1), staff_row(2, Role="Nobody")]), "s.csv", "staff", actor=admin
    )
    assert job.error_rows == 1 and job.preview == {}


def test_a_locations_file_previews_field_and_manager_changes(acme, admin):
    boss = acme.member("boss@acme.test", first_name="Bea", last_name="Boss")
    staff.set_location_managers(acme.main, [admin.pk], actor=admin)
    rows = [
        {"Code": "EAST", "Name": "East Clinic", "City": "Salem"},
        {
            "Code": "MAIN",
            "Name": acme.main.name,
            "City": "Springfield",
            "Manager emails": boss.email,
        },
    ]
    job = actions.start_import(
        csv_bytes(rows, LOCATION_HEADERS), "l.csv", "locations", actor=admin, mode="update"
    )
    assert job.summary()["errors"] == 0, job.errors
    (create,) = job.preview["creates"]
    assert create["cells"]["Name"] == "East Clinic" and create["cells"]["City"] == "Salem"
    (update,) = job.preview["updates"]
    assert update["record"] == f"{acme.main.name} (MAIN)"
    assert update["changes"]["City"] == ["", "Springfield"]
    assert update["changes"]["Manager emails"][1] == "Bea Boss"
    assert update["changes"]["Manager emails"][0] != update["changes"]["Manager emails"][1]
