"""`clinicorg twofactor reset EMAIL`: for an operator, when a member (perhaps the only
administrator) lost both their phone and their recovery codes. Removes the member's second
factor, signs them out everywhere and records the audit event, as an administrator's reset does."""

from django.core.management.base import BaseCommand, CommandError

from clinicorg.access.system import SystemActor
from clinicorg.core.errors import Denied
from clinicorg.security import actions
from clinicorg.staff.models import StaffMember


class Command(BaseCommand):
    help = "Reset a member's two-factor sign-in: `twofactor reset EMAIL`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        reset = sub.add_parser("reset", help="Remove the member's authenticator and codes.")
        reset.add_argument("email", help="The member's sign-in email.")

    def handle(self, *args, **o):
        member = StaffMember.objects.filter(email__iexact=o["email"].strip()).first()
        if member is None:
            raise CommandError(f"No member signs in with {o['email']}.")
        actor = SystemActor(member.organization_id, label="clinicorg twofactor reset")
        try:
            changes = actions.reset_two_factor(member, actor=actor)
        except Denied as exc:
            raise CommandError(str(exc)) from exc
        state = "was reset" if changes["two_factor"][0] == "on" else "was already off"
        ended = changes.get("sessions_ended", [None, 0])[1]
        self.stdout.write(
            f"Two-factor sign-in of {member.email} {state}; {ended} session(s) ended."
        )
