"""`clinicorg invite` from the command line."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from clinicorg.core.models import AuditEvent
from clinicorg.staff.models import StaffMember, Status


def test_invite_creates_a_pending_member_and_sends_the_email(
    acme, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "invite",
            "--org=acme",
            "--email=cli@acme.test",
            "--first-name=Cli",
            "--last-name=Person",
            "--location=main",
            "--role=Front Desk",
        )
    member = StaffMember.objects.get(email="cli@acme.test")
    assert member.status == Status.PENDING
    assert member.primary_location == acme.main
    assert member.role == acme.roles["front_desk"]
    assert "Invited cli@acme.test" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [["cli@acme.test"]]
    assert AuditEvent.objects.get(action="create_staff", target_id=str(member.pk)).actor_label == (
        "system"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org=nope"], "No organization"),
        (["--org=acme", "--location=XX"], "No location with code"),
        (["--org=acme", "--role=Wizard"], "No role"),
        (["--org=acme", "--email=bad"], "email:"),
    ],
)
def test_invite_explains_bad_arguments(acme, args, message):
    base = {
        "--org": "acme",
        "--email": "cli@acme.test",
        "--first-name": "Cli",
        "--last-name": "Person",
        "--location": "MAIN",
        "--role": "front_desk",
    }
    for arg in args:
        key, value = arg.split("=", 1)
        base[key] = value
    with pytest.raises(CommandError) as exc:
        call_command("invite", *[f"{k}={v}" for k, v in base.items()])
    assert message in str(exc.value)
