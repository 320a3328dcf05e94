"""`clinicorg invitations send|resend-pending`: the mail outbox from the command line.

`invitations send` sends the emails of the mail outbox that are due, invitations, reminder
digests and appointment confirmations (what a mail server or broker outage left; without a
broker, run it from cron).
`invitations resend-pending --org SLUG` issues a new invitation to every pending member
without a usable link (as the system actor).
"""

from django.core.management.base import BaseCommand, CommandError

from clinicorg.access.system import SystemActor
from clinicorg.core import outbox
from clinicorg.core.cli import organization
from clinicorg.core.errors import Conflict
from clinicorg.staff.actions import resend_pending_invitations
from clinicorg.staff.outbox import INVITATIONS


class Command(BaseCommand):
    help = "The mail outbox: `invitations send` or `invitations resend-pending --org SLUG`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("send", help="Send the emails that are due (invitations, reminder digests).")
        resend = sub.add_parser(
            "resend-pending",
            help="Invite again every pending member who holds no usable link (none was "
            "issued, or it expired).",
        )
        resend.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "send":
            sent = outbox.drain()
            if sent is None:
                self.stdout.write("Another sender is sending the due emails now.")
                return
            kinds = {kind.name: kind for kind in outbox.kinds()}
            # The invitations always, other kinds of email when some went.
            said = [
                _count(n, kinds[name].noun)
                for name, n in sent.items()
                if n or name == INVITATIONS.name
            ]
            self.stdout.write(f"Sent {' and '.join(said)}.")
            left = sum(outbox.unsent_counts().values())
            if left:
                raise CommandError(f"{left} could not be sent yet; they are retried with back-off.")
            return
        org = organization(options["org"])
        try:
            invited = resend_pending_invitations(actor=SystemActor(org.pk, label="cli"))
        except Conflict as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Invited {invited} pending member{'s' if invited != 1 else ''} again; "
            "the emails are on their way."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
