"""Importing staff and locations: validation of every row, atomic commit, audit, invitations."""

from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from clinicorg.core import context
from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from clinicorg.directory.models import Location
from clinicorg.staff.actions import create_staff, set_location_managers
from clinicorg.staff.models import Invitation, StaffMember, Status, Supervisor, TaxonomyAssignment
from clinicorg.transfer import actions
from clinicorg.transfer.models import State
from clinicorg.transfer.validators import FieldCleaner

from .conftest import LOCATION_HEADERS, csv_bytes, staff_row, xlsx_bytes


def preview(data, actor, name="staff.csv", kind="staff", mode="create"):
    return actions.start_import(data, name, kind, actor=actor, mode=mode)


def messages_of(job):
    return [f"row {e['row']}, column {e['column']}: {e['message']}" for e in job.errors]


def test_a_valid_file_previews_without_writing_anything(acme, admin):
    before = (StaffMember.objects.count(), AuditEvent.objects.count())
    job = preview(csv_bytes([staff_row(1), staff_row(2)]), admin)
    assert job.state == State.VALID
    assert job.summary() == {"create": 2, "update": 0, "unchanged": 0, "errors": 0}
    assert (StaffMember.objects.count(), AuditEvent.objects.count()) == before


def test_committing_creates_pending_members_with_unusable_passwords_and_one_audit_event_each(
    acme, admin
):
    rows = [
        staff_row(
            1,
            **{
                "Employee id": "000123",
                "Hire date": "2024-03-01",
                "NPI": "1234567893",
                "Taxonomy codes": "207Q00000X; 208D00000X",
                "Additional location codes": "BRANCH",
                "Capacity": "3",
                "Scheduling step": "30",
            },
        ),
        staff_row(2),
    ]
    token = context.bind(context.RequestContext(request_id="req-import-1"))
    try:
        job = preview(csv_bytes(rows), admin)
        job = actions.commit_import(job, actor=admin)
    finally:
        context.unbind(token)
    assert job.state == State.COMMITTED, job.message
    m = StaffMember.objects.get(email="new1@acme.test")
    assert m.status == Status.PENDING and not m.has_usable_password()
    assert (m.employee_id, m.hire_date, m.npi, m.capacity, m.scheduling_step) == (
        "000123",
        date(2024, 3, 1),
        "1234567893",
        3,
        30,
    )
    assert list(m.extra_locations.values_list("code", flat=True)) == ["BRANCH"]
    assert list(TaxonomyAssignment.objects.filter(staff=m).values_list("code", "is_primary")) == [
        ("207Q00000X", True),
        ("208D00000X", False),
    ]
    events = AuditEvent.objects.filter(action="create_staff", target_id__in=[str(m.pk)])
    assert events.count() == 1
    event = events.get()
    assert event.request_id == "req-import-1" and event.actor_id == admin.pk
    assert event.changes["employee_id"] == [None, "000123"]
    assert event.changes["primary_location"] == [None, "Acme Health Main"]
    assert AuditEvent.objects.filter(action="create_staff").count() == 3  # + the admin fixture
    assert AuditEvent.objects.filter(action="import_staff", target_id=str(job.pk)).count() == 1


def test_invitations_are_issued_after_commit_only_for_rows_asking_for_them(
    acme, admin, django_capture_on_commit_callbacks
):
    rows = [staff_row(1, **{"Send invitation": "yes"}), staff_row(2, **{"Send invitation": "no"})]
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_import(csv_bytes(rows), "s.csv", "staff", actor=admin, commit=True)
    assert job.state == State.COMMITTED
    invited = Invitation.objects.filter(staff__email__in=["new1@acme.test", "new2@acme.test"])
    assert list(invited.values_list("staff__email", flat=True)) == ["new1@acme.test"]
    assert [m.to for m in mail.outbox] == [["new1@acme.test"]]


def test_a_file_with_mixed_errors_reports_every_one_and_changes_nothing(acme, admin, globex):
    globex.member("taken@globex.test")
    inactive = directory.create_location({"name": "Old", "code": "OLD"}, actor=acme.system)
    directory.set_location_status(inactive, "inactive", actor=acme.system)
    category = directory.create_employee_category("Locum", actor=acme.system)
    directory.update_employee_category(category, {"status": "deprecated"}, actor=acme.system)
    rows = [
        staff_row(1),
        staff_row(2, Email="taken@globex.test"),
        staff_row(3, **{"Primary location code": "NOPE"}),
        staff_row(4, **{"Primary location code": "OLD"}),
        staff_row(5, Category="Locum"),
        staff_row(6, NPI="1234567890"),
        staff_row(7, **{"Hire date": "2024-13-45"}),
        staff_row(8, Role="Wizard"),
        staff_row(9, Email="new1@ACME.test"),
        staff_row(10, Email="not-an-email"),
        staff_row(11, Capacity="50"),
    ]
    before = (StaffMember.objects.count(), AuditEvent.objects.count())
    job = actions.start_import(csv_bytes(rows), "s.csv", "staff", actor=admin, commit=True)
    assert job.state == State.INVALID
    got = messages_of(job)
    assert "row 3, column Email: A staff account with this email already exists." in got
    assert "row 4, column Primary location code: No location with code “NOPE”." in got
    assert (
        "row 5, column Primary location code: This location is inactive; choose an active "
        "location." in got
    )
    assert (
        "row 6, column Category: This category is deprecated; only Active categories can be "
        "assigned." in got
    )
    assert "row 7, column NPI: This NPI fails its check digit; check it for a typing error." in got
    assert any(m.startswith("row 8, column Hire date:") for m in got)
    assert any(m.startswith("row 9, column Role: No role named “Wizard”.") for m in got)
    assert "row 10, column Email: This email appears more than once in the file (row 2)." in got
    assert "row 11, column Email: Enter a valid email address." in got
    assert any(m.startswith("row 12, column Capacity:") for m in got)
    assert job.summary() == {"create": 1, "update": 0, "unchanged": 0, "errors": 10}
    assert (StaffMember.objects.count(), AuditEvent.objects.count()) == before
    with pytest.raises(Conflict):
        actions.commit_import(job, actor=admin)


def test_import_messages_are_those_of_the_single_record_action(acme, admin):
    category = directory.create_employee_category("Locum", actor=acme.system)
    directory.update_employee_category(category, {"status": "deprecated"}, actor=acme.system)
    category.refresh_from_db()
    with pytest.raises(ValidationError) as single:
        create_staff(
            {
                "email": "one@acme.test",
                "first_name": "One",
                "last_name": "Record",
                "primary_location": acme.main,
                "role": acme.roles["provider"],
                "category": category,
                "phone": "call me",
            },
            actor=admin,
        )
    job = preview(csv_bytes([staff_row(1, Category="Locum", Phone="call me")]), admin)
    by_column = {e["column"]: e["message"] for e in job.errors}
    assert by_column["Category"] == single.value.message_dict["category"][0]
    assert by_column["Phone"] == single.value.message_dict["phone"][0]


@pytest.mark.parametrize(
    "value",
    [
        "a@b.co",
        "first.last+tag@sub.example.org",
        "a..b@example.org",
        "a@-bad.org",
        "ünï@example.org",
        "x@localhost",
        "a@b",
        "o'brien@example.org",
        "a" * 250 + "@example.org",
        "",
    ],
)
def test_the_fast_email_check_agrees_with_the_model_field(value):
    field = StaffMember._meta.get_field("email")
    try:
        expected = (field.clean(value, None), None)
    except ValidationError as exc:
        expected = (None, exc.messages[0])
    assert FieldCleaner(StaffMember, "email")(value) == expected


@pytest.mark.parametrize("value", ["555-010-2000", "+1 (555) 010 2000 x12", "12", "call me"])
def test_the_fast_phone_check_agrees_with_the_model_field(value):
    field = StaffMember._meta.get_field("phone")
    try:
        expected = (field.clean(value, None), None)
    except ValidationError as exc:
        expected = (None, exc.messages[0])
    assert FieldCleaner(StaffMember, "phone")(value) == expected


def test_update_mode_updates_members_by_email_and_counts_the_unchanged(acme, admin):
    existing = acme.member("kim@acme.test", role="front_desk", first_name="Kim")
    same = acme.member("lee@acme.test", role="front_desk", first_name="Lee", last_name="Same")
    rows = [
        staff_row(
            1,
            Email="KIM@acme.test",
            **{"First name": "Kimberly", "Last name": "Tester", "Role": "Provider"},
        ),
        staff_row(
            2,
            Email="lee@acme.test",
            **{"First name": "Lee", "Last name": "Same", "Role": "Front Desk"},
        ),
        staff_row(3),
    ]
    job = actions.start_import(csv_bytes(rows), "u.csv", "staff", actor=admin, mode="update")
    assert job.summary() == {"create": 1, "update": 1, "unchanged": 1, "errors": 0}
    job = actions.commit_import(job, actor=admin)
    existing.refresh_from_db()
    same.refresh_from_db()
    assert existing.first_name == "Kimberly" and existing.role == acme.roles["provider"]
    event = AuditEvent.objects.get(action="update_staff", target_id=str(existing.pk))
    assert event.changes == {"first_name": ["Kim", "Kimberly"], "role": ["Front Desk", "Provider"]}
    assert not AuditEvent.objects.filter(action="update_staff", target_id=str(same.pk)).exists()


def test_create_only_refuses_an_email_of_the_organization(acme, admin):
    acme.member("kim@acme.test")
    job = preview(csv_bytes([staff_row(1, Email="kim@acme.test")]), admin)
    assert messages_of(job) == [
        "row 2, column Email: A staff account with this email already exists."
    ]


def test_update_mode_never_touches_a_member_of_another_organization(acme, admin, globex):
    globex.member("theirs@globex.test")
    job = actions.start_import(
        csv_bytes([staff_row(1, Email="theirs@globex.test")]),
        "u.csv",
        "staff",
        actor=admin,
        mode="update",
    )
    assert messages_of(job) == [
        "row 2, column Email: A staff account with this email already exists."
    ]


def test_demoting_the_last_active_administrator_by_import_is_refused(acme, admin):
    row = staff_row(1, Email=admin.email, Role="Provider")
    job = actions.start_import(csv_bytes([row]), "u.csv", "staff", actor=admin, mode="update")
    assert job.state == State.INVALID
    assert "without an active Administrator" in job.errors[0]["message"]


def test_supervisor_must_be_appointed_and_is_resolved_by_email(acme, admin):
    boss = acme.member("boss@acme.test")
    Supervisor.objects.create(organization=acme.org, staff=boss)
    rows = [
        staff_row(1, **{"Supervisor email": "BOSS@acme.test"}),
        staff_row(2, **{"Supervisor email": "admin@acme.test"}),
    ]
    job = preview(csv_bytes(rows), admin)
    assert messages_of(job) == [
        "row 3, column Supervisor email: Choose one of the organization's appointed supervisors."
    ]


def test_a_location_scoped_manager_cannot_import_staff_into_other_locations(acme, north):
    manager = acme.member("manager@acme.test", location=acme.main)
    job = preview(csv_bytes([staff_row(1, **{"Primary location code": "NORTH"})]), manager)
    assert job.state == State.INVALID
    # An outside location reads as unknown: the file learns nothing about it, not even its name.
    assert job.errors[0]["message"] == "No location with code “NORTH”."
    assert "North Clinic" not in str(job.errors)


def test_a_member_without_the_import_permission_is_refused(acme, frontdesk):
    with pytest.raises(Denied) as exc:
        preview(csv_bytes([staff_row(1)]), frontdesk)
    assert exc.value.decision.permission == "administration.import_export"


def test_a_failure_while_writing_leaves_nothing_behind(acme, admin):
    job = preview(csv_bytes([staff_row(1), staff_row(2)]), admin)
    before = (StaffMember.objects.count(), AuditEvent.objects.count())
    real = actions.bulk.insert_rows

    def failing(model, columns, rows):
        if model is AuditEvent:
            raise IntegrityError("simulated failure")
        return real(model, columns, rows)

    with mock.patch.object(actions.bulk, "insert_rows", failing):
        job = actions.commit_import(job, actor=admin)
    assert job.state == State.FAILED
    assert "Nothing was imported" in job.message
    assert (StaffMember.objects.count(), AuditEvent.objects.count()) == before


def test_an_email_taken_between_preview_and_commit_is_reported_at_commit(acme, admin):
    job = preview(csv_bytes([staff_row(1)]), admin)
    acme.member("new1@acme.test")
    job = actions.commit_import(job, actor=admin)
    assert job.state == State.INVALID
    assert messages_of(job) == [
        "row 2, column Email: A staff account with this email already exists."
    ]


def test_xlsx_dates_and_numbers_as_text_keep_their_meaning(acme, admin):
    headers = list(staff_row(1)) + ["Hire date", "Employee id", "Capacity"]
    rows = [[*staff_row(1).values(), "", "000042", ""], [*staff_row(2).values(), "", "", ""]]
    data = xlsx_bytes(
        rows,
        headers=headers,
        raw_cells={(1, len(headers) - 3): date(2023, 5, 17), (2, len(headers) - 1): 4.0},
    )
    job = actions.start_import(data, "s.xlsx", "staff", actor=admin, commit=True)
    assert job.state == State.COMMITTED, job.errors
    one = StaffMember.objects.get(email="new1@acme.test")
    two = StaffMember.objects.get(email="new2@acme.test")
    assert (one.hire_date, one.employee_id, two.capacity) == (date(2023, 5, 17), "000042", 4)


def test_locations_import_creates_and_updates_by_code(acme, admin):
    rows = [
        {
            "Code": "EAST",
            "Name": "East Clinic",
            "Postal code": "01103",
            "Credentialing enabled": "yes",
        },
        {"Code": "main", "Name": "Acme Health Main", "City": "Springfield"},
    ]
    job = actions.start_import(
        csv_bytes(rows, LOCATION_HEADERS), "l.csv", "locations", actor=admin, mode="update"
    )
    assert job.summary() == {"create": 1, "update": 1, "unchanged": 0, "errors": 0}
    actions.commit_import(job, actor=admin)
    east = Location.objects.get(organization=acme.org, code="EAST")
    assert (east.postal_code, east.credentialing_enabled, east.status) == ("01103", True, "active")
    acme.main.refresh_from_db()
    assert acme.main.city == "Springfield"
    assert AuditEvent.objects.filter(action="create_location", target_id=str(east.pk)).count() == 1
    assert AuditEvent.objects.filter(action="update_location", target_id=str(acme.main.pk)).count()


def test_locations_import_sets_and_replaces_managers_by_email(acme, admin):
    ann = acme.member("ann@acme.test", first_name="Ann", last_name="Ames")
    bob = acme.member("bob@acme.test", first_name="Bob", last_name="Baker")
    set_location_managers(acme.main, [ann.pk], actor=acme.system)
    rows = [
        {"Code": "EAST", "Name": "East Clinic", "Manager emails": "ANN@acme.test; bob@ACME.test"},
        {"Code": "MAIN", "Name": "Acme Health Main", "Manager emails": "bob@acme.test"},
        {"Code": "BRANCH", "Name": "Acme Health Branch", "Manager emails": ""},
    ]
    job = actions.start_import(
        csv_bytes(rows, LOCATION_HEADERS), "l.csv", "locations", actor=admin, mode="update"
    )
    # An empty cell keeps the managers; BRANCH has nothing else to change.
    assert job.summary() == {"create": 1, "update": 1, "unchanged": 1, "errors": 0}
    actions.commit_import(job, actor=admin)

    east = Location.objects.get(organization=acme.org, code="EAST")
    assert set(east.managers.all()) == {ann, bob}
    assert list(acme.main.managers.all()) == [bob]
    created = AuditEvent.objects.get(action="create_location", target_id=str(east.pk))
    assert created.changes["managers"] == [None, ["Ann Ames", "Bob Baker"]]
    updated = AuditEvent.objects.get(action="update_location", target_id=str(acme.main.pk))
    assert updated.changes == {"managers": [["Ann Ames"], ["Bob Baker"]]}

    # The same managers in another order change nothing.
    again = [
        {"Code": "EAST", "Name": "East Clinic", "Manager emails": "bob@acme.test, ann@acme.test"}
    ]
    job = actions.start_import(
        csv_bytes(again, LOCATION_HEADERS), "l.csv", "locations", actor=admin, mode="update"
    )
    assert job.summary() == {"create": 0, "update": 0, "unchanged": 1, "errors": 0}


def test_locations_import_names_managers_only_among_current_staff_the_importer_sees(
    acme, globex, admin
):
    from clinicorg.staff.actions import set_location_access

    acme.member("gone@acme.test", status=Status.DEACTIVATED)
    acme.member("far@acme.test", location=acme.branch)
    globex.member("other@globex.test")
    scoped = acme.member("scoped@acme.test")  # Administrator limited to MAIN
    set_location_access(scoped, all_locations=False, locations=[], actor=acme.system)
    rows = [
        {
            "Code": "MAIN",
            "Name": "Acme Health Main",
            "Manager emails": "gone@acme.test; other@globex.test; nobody@acme.test; far@acme.test",
        }
    ]
    job = actions.start_import(
        csv_bytes(rows, LOCATION_HEADERS), "l.csv", "locations", actor=scoped, mode="update"
    )
    assert messages_of(job) == [
        f"row 2, column Manager emails: No current staff member with email “{email}”."
        for email in ("gone@acme.test", "other@globex.test", "nobody@acme.test", "far@acme.test")
    ]
    assert not acme.main.managers.exists()
    # An administrator of every location may name the member at BRANCH.
    rows[0]["Manager emails"] = "far@acme.test"
    job = actions.start_import(
        csv_bytes(rows, LOCATION_HEADERS), "l.csv", "locations", actor=admin, mode="update"
    )
    assert job.summary()["errors"] == 0


def test_locations_import_reports_duplicate_codes_names_and_bad_values(acme, admin):
    rows = [
        {"Code": "MAIN", "Name": "Another"},
        {"Code": "X1", "Name": "Acme Health Branch"},
        {"Code": "X2", "Name": "Twin", "Time zone": "Mars/Olympus"},
        {"Code": "X2", "Name": "twin", "Place of service": "7"},
    ]
    job = preview(csv_bytes(rows, LOCATION_HEADERS), admin, kind="locations")
    got = messages_of(job)
    assert "row 2, column Code: A location with this code already exists." in got
    assert "row 3, column Name: A location with this name already exists." in got
    assert any(m.startswith("row 4, column Time zone: Unknown time zone") for m in got)
    assert "row 5, column Code: This code appears more than once in the file (row 4)." in got
    assert "row 5, column Name: This name appears more than once in the file (row 4)." in got
    assert any(m.startswith("row 5, column Place of service:") for m in got)


def test_a_locations_file_longer_than_a_read_batch_is_checked_and_written_whole(acme, admin):
    from clinicorg.transfer.readers import BATCH

    ann = acme.member("ann@acme.test", first_name="Ann", last_name="Ames")
    n = BATCH + 300
    rows = [{"Code": f"L{i:05d}", "Name": f"Site {i}"} for i in range(n)]
    # A manager named only in the last batch; a code repeated across batches.
    rows[-1]["Manager emails"] = "ann@acme.test"
    rows.append({"Code": "L00003", "Name": "Late twin"})
    job = preview(csv_bytes(rows, LOCATION_HEADERS), admin, kind="locations")
    assert messages_of(job) == [
        f"row {n + 2}, column Code: This code appears more than once in the file (row 5)."
    ]
    assert job.total_rows == n + 1

    job = preview(csv_bytes(rows[:-1], LOCATION_HEADERS), admin, kind="locations")
    assert job.summary() == {"create": n, "update": 0, "unchanged": 0, "errors": 0}
    actions.commit_import(job, actor=admin)
    assert Location.objects.filter(organization=acme.org, code__startswith="L").count() == n
    last = Location.objects.get(organization=acme.org, code=f"L{n - 1:05d}")
    assert list(last.managers.all()) == [ann]


def test_nobody_hands_out_by_import_a_role_with_permissions_they_lack(acme):
    from clinicorg.access.actions import create_role
    from clinicorg.access.catalogue import P

    staff_admin = create_role("Staff admin", [P.MANAGE_STAFF, P.IMPORT_EXPORT], actor=acme.system)
    manager = acme.member("hr@acme.test", role=staff_admin, all_locations=True)
    rows = [staff_row(1, Role="Administrator"), staff_row(2, Role="Staff admin")]
    job = preview(csv_bytes(rows), manager)
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "Role")]
    assert "You cannot grant" in job.errors[0]["message"]


def test_the_uploaded_file_is_deleted_once_committed_and_kept_while_it_has_errors(acme, admin):
    from pathlib import Path

    bad = preview(csv_bytes([staff_row(1, Role="Nobody")]), admin)
    assert Path(bad.file_path).exists()
    good = preview(csv_bytes([staff_row(2)]), admin)
    path = Path(good.file_path)
    good = actions.commit_import(good, actor=admin)
    assert good.state == State.COMMITTED and good.file_path == "" and not path.exists()
