"""`clinicorg token create`: a new API token for an organization, printed once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinicorg.access.actions import create_api_token
from clinicorg.access.models import Role
from clinicorg.core.models import Organization
from clinicorg.directory.models import ActiveStatus, Location


class Command(BaseCommand):
    help = (
        "Manage API tokens: `token create --org SLUG --role ROLE [--name NAME] [--location CODE]`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown once).")
        create.add_argument("--org", required=True, help="Organization slug.")
        create.add_argument("--role", required=True, help="Role name or key (e.g. Administrator).")
        create.add_argument("--name", default="", help="A name to recognise the token by.")
        create.add_argument(
            "--location",
            action="append",
            default=[],
            help="Limit the token to this location code (repeatable); default: all locations.",
        )

    def handle(self, *args, subcommand, **options):
        org = Organization.objects.filter(slug=(options["org"] or "").strip()).first()
        if org is None:
            slugs = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                f"No organization with slug {options['org']!r}. "
                f"Organizations: {slugs or 'none (run `clinicorg demo`)'}."
            )
        wanted = options["role"].strip()
        roles = Role.objects.filter(organization=org)
        role = (
            roles.filter(name__iexact=wanted).first()
            or roles.filter(key=wanted.lower().replace(" ", "_").replace("-", "_")).first()
        )
        if role is None:
            names = ", ".join(roles.order_by("name").values_list("name", flat=True))
            raise CommandError(f"No role {wanted!r} in {org.slug}. Roles: {names}.")
        locations = []
        for code in options["location"]:
            loc = Location.objects.filter(organization=org, code__iexact=code.strip()).first()
            if loc is None:
                codes = ", ".join(
                    Location.objects.filter(organization=org)
                    .order_by("code")
                    .values_list("code", flat=True)
                )
                raise CommandError(
                    f"No location with code {code!r} in {org.slug}. Codes: {codes or 'none'}."
                )
            if loc.status != ActiveStatus.ACTIVE:
                raise CommandError(
                    f"Location {loc.code} is inactive, so a token limited to it could do nothing. "
                    "Reactivate it first or choose another location."
                )
            if loc not in locations:
                locations.append(loc)
        try:
            _token, raw = create_api_token(
                org,
                role,
                options["name"] or f"{role.name} token",
                locations=locations,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(raw)
