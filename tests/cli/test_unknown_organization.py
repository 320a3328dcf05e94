"""Every command given an organization (`--org SLUG`) finds it the same way
(`core.cli.organization`): a slug that names none is an error that lists the slugs there are,
and nothing is done."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinicorg.core.models import AuditEvent

COMMANDS = {
    "token create": ["token", "create", "--role", "Administrator"],
    "token list": ["token", "list"],
    "token revoke": ["token", "revoke", "1"],
    "invite": ["invite", "--email", "x@acme.test", "--first-name", "X", "--last-name", "Y"]
    + ["--location", "MAIN", "--role", "Front Desk"],
    "invitations resend-pending": ["invitations", "resend-pending"],
    "reminders send": ["reminders", "send"],
    "export": ["export", "staff"],
    "template": ["template", "staff"],
    "imports retry": ["imports", "retry", "1"],
}


@pytest.mark.parametrize("args", [*COMMANDS.values(), None], ids=[*COMMANDS.keys(), "import"])
def test_an_unknown_organization_is_named_with_the_ones_there_are(acme, globex, tmp_path, args):
    if args is None:  # import reads its file first
        upload = tmp_path / "staff.csv"
        upload.write_text("email,first_name,last_name\n")
        args = ["import", "staff", str(upload)]
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=r"No organization with slug 'nowhere'\. .*acme, globex"):
        call_command(*args, "--org", "nowhere")
    assert AuditEvent.objects.count() == before
