"""`clinicorg org create`: a new organization, ready for its first administrator.

Creates the organization with its seeded roles, its first location (every member needs a
primary location) and invites the first administrator, with access to all locations, in one
transaction: a refusal leaves nothing behind.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clinicorg.access.actions import create_organization
from clinicorg.access.models import Role
from clinicorg.access.system import SystemActor
from clinicorg.core.errors import Conflict, Denied
from clinicorg.directory.actions import create_location
from clinicorg.staff.actions import invite_staff


def _messages(exc: ValidationError, prefix: str = "") -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return "\n".join(
        f"{prefix}{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs
    )


class Command(BaseCommand):
    help = (
        "Create an organization: `org create --name NAME --slug SLUG --admin-email EMAIL "
        "[--admin-first-name F --admin-last-name L] [--timezone ZONE] [--location-name N "
        "--location-code C] [--no-send]`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="Create an organization and invite its admin.")
        create.add_argument("--name", required=True, help="The organization's name.")
        create.add_argument("--slug", default="", help="Short name in URLs; from the name.")
        create.add_argument("--admin-email", required=True, help="The first administrator.")
        create.add_argument("--admin-first-name", default="", help="Default: from the email.")
        create.add_argument("--admin-last-name", default="Administrator")
        create.add_argument("--timezone", default="America/New_York", help="IANA zone name.")
        create.add_argument("--location-name", default="Main office")
        create.add_argument("--location-code", default="MAIN")
        create.add_argument(
            "--no-send", action="store_true", help="Create the pending admin without emailing."
        )

    def handle(self, *args, **o):
        first = o["admin_first_name"] or o["admin_email"].split("@")[0].replace(".", " ").title()
        try:
            with transaction.atomic():
                org = create_organization(o["name"], o["slug"], timezone=o["timezone"])
                system = SystemActor(org.pk, label="clinicorg org create")
                location = create_location(
                    {
                        "name": o["location_name"],
                        "code": o["location_code"],
                        "timezone": o["timezone"],
                    },
                    actor=system,
                )
                admin = invite_staff(
                    {
                        "email": o["admin_email"],
                        "first_name": first,
                        "last_name": o["admin_last_name"],
                        "primary_location": location,
                        "role": Role.objects.get(organization=org, key="administrator"),
                    },
                    actor=system,
                    send=not o["no_send"],
                    all_locations=True,
                )
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        except (Conflict, Denied) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created organization “{org.name}” (slug {org.slug}).")
        self.stdout.write(f"First location: {location.name} ({location.code}).")
        sent = "an invitation was emailed" if not o["no_send"] else "no invitation sent"
        self.stdout.write(f"First administrator: {admin.email} (pending; {sent}).")
