"""`clinicorg org create`: an organization ready for its first administrator, or nothing."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from clinicorg.access.models import Role
from clinicorg.core.models import AuditEvent, Organization
from clinicorg.directory.models import Location
from clinicorg.staff.models import StaffMember, Status


def run(*args) -> str:
    out = StringIO()
    call_command("org", "create", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_organization_its_roles_a_location_and_invites_the_admin(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = run(
            "--name", "Lakeside Clinics", "--admin-email", "Pat.Lee@Lakeside.example",
            "--timezone", "America/Chicago",
        )  # fmt: skip
    org = Organization.objects.get(slug="lakeside-clinics")
    assert org.timezone == "America/Chicago"
    assert set(Role.objects.filter(organization=org).values_list("key", flat=True)) >= {
        "administrator", "front_desk", "provider", "billing_manager",
    }  # fmt: skip
    location = Location.objects.get(organization=org)
    assert (location.code, location.timezone) == ("MAIN", "America/Chicago")
    admin = StaffMember.objects.get(organization=org)
    assert admin.email == "Pat.Lee@lakeside.example"
    assert (admin.status, admin.all_locations, admin.role.key) == (
        Status.PENDING, True, "administrator",
    )  # fmt: skip
    assert admin.first_name == "Pat Lee"
    assert [m.to for m in mail.outbox] == [["Pat.Lee@lakeside.example"]]
    assert "/invite/" in mail.outbox[0].body
    assert "slug lakeside-clinics" in out and "Pat.Lee@lakeside.example" in out
    assert AuditEvent.objects.filter(organization_id=org.pk, action="create_organization").exists()


def test_a_refusal_leaves_nothing_behind(db, django_capture_on_commit_callbacks):
    run("--name", "Taken", "--slug", "taken", "--admin-email", "a@taken.example", "--no-send")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(CommandError, match="slug already exists"):
            run("--name", "Again", "--slug", "taken", "--admin-email", "b@taken.example")
        with pytest.raises(CommandError, match="A staff account with this email already exists"):
            run("--name", "Other", "--slug", "other", "--admin-email", "a@taken.example")
        with pytest.raises(CommandError, match="email"):
            run("--name", "Third", "--slug", "third", "--admin-email", "not-an-email")
    assert list(Organization.objects.values_list("slug", flat=True)) == ["taken"]
    assert mail.outbox == []
