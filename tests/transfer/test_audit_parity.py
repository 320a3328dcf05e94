"""An imported change reads in the audit log exactly as the same change made one record at a
time: the same field names, the same values (foreign keys by name, dates as text) and the same
location references, which decide what a location-limited reader may see."""

from datetime import date

import pytest

from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from clinicorg.staff.actions import create_staff, set_location_access, update_staff
from clinicorg.staff.models import StaffMember, Supervisor
from clinicorg.transfer import actions
from clinicorg.transfer.models import State

from .conftest import csv_bytes, staff_row


@pytest.fixture
def refs(acme, admin):
    """Reference records of every kind a member's record names."""
    boss = acme.member("boss@acme.test", first_name="Bea", last_name="Boss", role="provider")
    Supervisor.objects.create(organization=acme.org, staff=boss)
    return {
        "department": directory.create_department("Cardiology", actor=admin),
        "position": directory.create_position("Nurse", actor=admin),
        "category": directory.create_employee_category("Full time", actor=admin),
        "boss": boss,
        "branch": acme.branch,
    }


def _event(action: str, email: str) -> AuditEvent:
    member = StaffMember.objects.get(email=email)
    return AuditEvent.objects.filter(action=action, target_id=str(member.pk)).latest("id")


def _import(rows, actor, mode, **options):
    data = csv_bytes(rows, **options)
    job = actions.start_import(data, "s.csv", "staff", actor=actor, mode=mode)
    assert job.state == State.VALID, job.errors
    job = actions.commit_import(job, actor=actor)
    assert job.state == State.COMMITTED, job.message
    return job


PERSONAL = {"email", "first_name", "last_name", "employee_id"}


def _comparable(event: AuditEvent) -> tuple[dict, dict]:
    changes = {k: v for k, v in event.changes.items() if k not in PERSONAL}
    refs = {k: v for k, v in (event.refs or {}).items() if k not in PERSONAL}
    return changes, refs


def test_an_imported_member_reads_as_one_created_by_hand(acme, admin, refs):
    create_staff(
        {
            "email": "hand@acme.test",
            "first_name": "Hana",
            "last_name": "Hand",
            "primary_location": acme.main,
            "role": acme.roles["provider"],
            "department": refs["department"],
            "position": refs["position"],
            "category": refs["category"],
            "supervisor": refs["boss"],
            "employee_id": "E-1",
            "hire_date": date(2024, 3, 1),
            "capacity": 2,
        },
        actor=admin,
        extra_locations=[refs["branch"]],
    )
    row = staff_row(
        1,
        **{
            "Email": "file@acme.test",
            "Role": "Provider",
            "Department": "Cardiology",
            "Position": "Nurse",
            "Category": "Full time",
            "Supervisor email": "boss@acme.test",
            "Employee id": "E-2",
            "Hire date": "2024-03-01",
            "Capacity": "2",
            "Additional location codes": "BRANCH",
        },
    )
    _import([row], admin, "create")

    by_hand = _comparable(_event("create_staff", "hand@acme.test"))
    by_file = _comparable(_event("create_staff", "file@acme.test"))
    assert by_file == by_hand
    # The comparison covers every kind of value: names, a date, a number, a location set.
    changes = by_hand[0]
    assert changes["department"] == [None, "Cardiology"]
    assert changes["supervisor"] == [None, "Bea Boss"]
    assert changes["hire_date"] == [None, "2024-03-01"]
    assert changes["extra_locations"] == [None, ["BRANCH"]]
    assert by_hand[1]["extra_locations"] == [None, [refs["branch"].pk]]


def test_an_imported_update_reads_as_the_same_edit_by_hand(acme, admin, refs):
    hand = acme.member("hand@acme.test", role="provider")
    acme.member("file@acme.test", role="provider")
    update_staff(
        hand,
        {
            "primary_location": refs["branch"],
            "department": refs["department"],
            "position": refs["position"],
            "category": refs["category"],
            "supervisor": refs["boss"],
            "hire_date": date(2023, 12, 31),
        },
        actor=admin,
    )
    file = StaffMember.objects.get(email="file@acme.test")
    row = {
        "Email": "file@acme.test",
        "First name": file.first_name,
        "Last name": file.last_name,
        "Role": "Provider",
        "Primary location code": "BRANCH",
        "Department": "Cardiology",
        "Position": "Nurse",
        "Category": "Full time",
        "Supervisor email": "boss@acme.test",
        "Hire date": "2023-12-31",
    }
    _import([row], admin, "update", headers=list(row))

    by_hand = _comparable(_event("update_staff", "hand@acme.test"))
    by_file = _comparable(_event("update_staff", "file@acme.test"))
    assert by_file == by_hand
    assert by_hand[0]["primary_location"] == ["Acme Health Main", "Acme Health Branch"]


def _extra_codes(email: str) -> set[str]:
    member = StaffMember.objects.get(email=email)
    return set(member.extra_locations.values_list("code", flat=True))


@pytest.mark.parametrize("actor_kind", ["all locations", "limited"])
def test_imported_additional_locations_end_as_a_change_by_hand_and_read_the_same(
    acme, admin, actor_kind
):
    """The same wanted locations, through the access rules page's action and through an
    import, leave the same additional locations (never the primary one; a grant at a location
    out of a limited actor's view kept) and the same change log entries."""
    east = directory.create_location({"name": "Acme East", "code": "EAST"}, actor=admin)
    west = directory.create_location({"name": "Acme West", "code": "WEST"}, actor=admin)
    for email in ("hand@acme.test", "file@acme.test"):
        acme.member(email, role="provider", extra_locations=[east, west])
    directory.set_location_status(west, "inactive", actor=admin)  # out of a limited view
    actor = admin
    if actor_kind == "limited":
        actor = acme.member(
            "lim@acme.test", location=acme.main, extra_locations=[acme.branch, east]
        )
    # Asked for: the primary location (MAIN), BRANCH; EAST is dropped.
    set_location_access(
        StaffMember.objects.get(email="hand@acme.test"),
        all_locations=False,
        locations=[acme.main, acme.branch],
        actor=actor,
    )
    file = StaffMember.objects.get(email="file@acme.test")
    row = {
        "Email": file.email,
        "First name": file.first_name,
        "Last name": file.last_name,
        "Role": "Provider",
        "Primary location code": "MAIN",
        "Additional location codes": "MAIN; BRANCH",
    }
    _import([row], actor, "update", headers=list(row))

    expected = {"BRANCH"} if actor_kind == "all locations" else {"BRANCH", "WEST"}
    assert _extra_codes("hand@acme.test") == expected
    assert _extra_codes("file@acme.test") == expected
    by_hand = _event("set_location_access", "hand@acme.test").changes
    by_file = _event("update_staff", "file@acme.test").changes
    keys = ("locations", "locations_added", "locations_removed")
    assert {k: by_file[k] for k in keys} == {k: by_hand[k] for k in keys}
    assert by_hand["locations_added"] == ["BRANCH"]
    assert by_hand["locations_removed"] == (
        ["EAST", "WEST"] if actor_kind == "all locations" else ["EAST"]
    )


def test_a_primary_location_listed_as_additional_is_not_stored_twice(acme, admin):
    create_staff(
        {
            "email": "hand@acme.test",
            "first_name": "Hana",
            "last_name": "Hand",
            "primary_location": acme.main,
            "role": acme.roles["provider"],
        },
        actor=admin,
        extra_locations=[acme.main, acme.branch],
    )
    _import([staff_row(1, **{"Additional location codes": "MAIN;BRANCH"})], admin, "create")
    assert _extra_codes("hand@acme.test") == {"BRANCH"}
    assert _extra_codes("new1@acme.test") == {"BRANCH"}
    assert _comparable(_event("create_staff", "new1@acme.test"))[0]["extra_locations"] == [
        None,
        ["BRANCH"],
    ]
