"""`clinicorg invite`: invite a staff member from the command line (as the system actor)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from clinicorg.access.models import Role
from clinicorg.access.system import SystemActor
from clinicorg.core.cli import organization
from clinicorg.core.errors import Conflict, Denied
from clinicorg.directory.models import Location
from clinicorg.staff.actions import invite_staff


class Command(BaseCommand):
    help = (
        "Invite a staff member: `invite --org SLUG --email EMAIL --first-name FIRST "
        "--last-name LAST --location CODE --role ROLE [--display-name NAME] [--no-send]`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--display-name", default="")
        parser.add_argument("--location", required=True, help="Primary location code.")
        parser.add_argument("--role", required=True, help="Role name or key (e.g. Front Desk).")
        parser.add_argument("--employee-id", default="")
        parser.add_argument("--phone", default="")
        parser.add_argument(
            "--no-send", action="store_true", help="Create the pending member without emailing."
        )

    def handle(self, *args, **o):
        org = organization(o["org"])
        location = Location.objects.filter(organization=org, code__iexact=o["location"]).first()
        if location is None:
            codes = ", ".join(
                Location.objects.filter(organization=org, status="active").values_list(
                    "code", flat=True
                )
            )
            raise CommandError(
                f"No location with code {o['location']!r} in {org.slug}. "
                f"Active locations: {codes or 'none — create one first'}."
            )
        wanted = o["role"].strip()
        role = Role.objects.filter(
            Q(name__iexact=wanted) | Q(key=wanted.lower().replace(" ", "_")), organization=org
        ).first()
        if role is None:
            names = ", ".join(Role.objects.filter(organization=org).values_list("name", flat=True))
            raise CommandError(f"No role {wanted!r} in {org.slug}. Roles: {names}.")
        data = {
            "email": o["email"],
            "first_name": o["first_name"],
            "last_name": o["last_name"],
            "display_name": o["display_name"],
            "primary_location": location,
            "role": role,
            "employee_id": o["employee_id"],
            "phone": o["phone"],
        }
        try:
            member = invite_staff(data, actor=SystemActor(org.pk), send=not o["no_send"])
        except ValidationError as exc:
            lines = [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
            raise CommandError("\n".join(lines)) from exc
        except (Conflict, Denied) as exc:
            raise CommandError(str(exc)) from exc
        sent = "invitation sent" if not o["no_send"] else "no invitation sent (--no-send)"
        self.stdout.write(f"Invited {member.email} (id {member.pk}, pending); {sent}.")
