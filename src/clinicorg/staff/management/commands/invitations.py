"""`clinicorg invitations send|resend-pending`: the invitation outbox from the command line.

`invitations send` sends the invitation emails that are due (what a mail server or broker
outage left; without a broker, run it from cron). `invitations resend-pending --org SLUG`
issues a new invitation to every pending member without a usable link (as the system actor).
"""

from django.core.management.base import BaseCommand, CommandError

from clinicorg.access.system import SystemActor
from clinicorg.core.errors import Conflict
from clinicorg.core.models import Organization
from clinicorg.staff.actions import resend_pending_invitations
from clinicorg.staff.outbox import send_due, unsent


class Command(BaseCommand):
    help = "The invitation outbox: `invitations send` or `invitations resend-pending --org SLUG`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("send", help="Send the invitation emails that are due.")
        resend = sub.add_parser(
            "resend-pending",
            help="Invite again every pending member who holds no usable link (none was "
            "issued, or it expired).",
        )
        resend.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "send":
            sent = send_due()
            if sent is None:
                self.stdout.write("Another sender is sending the due invitations now.")
                return
            left = unsent().count()
            self.stdout.write(f"Sent {sent} invitation email{'s' if sent != 1 else ''}.")
            if left:
                raise CommandError(f"{left} could not be sent yet; they are retried with back-off.")
            return
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        try:
            invited = resend_pending_invitations(actor=SystemActor(org.pk, label="cli"))
        except Conflict as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Invited {invited} pending member{'s' if invited != 1 else ''} again; "
            "the emails are on their way."
        )
