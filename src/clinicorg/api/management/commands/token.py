"""`clinicorg token create|list|revoke`: an organization's API tokens.

`create` prints a new token once (only its hash is kept); `list` shows each token with its role,
its locations, the first characters of its secret, when it was made and last used (in the
organization's time zone, to five minutes) and whether it is revoked; `revoke` stops one at
once, audited.
"""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinicorg.access.actions import create_api_token, revoke_api_token
from clinicorg.access.models import ApiToken, Role
from clinicorg.access.system import SystemActor
from clinicorg.core.cli import organization
from clinicorg.core.models import Organization
from clinicorg.directory.models import ActiveStatus, Location

COLUMNS = ("ID", "NAME", "ROLE", "LOCATIONS", "STARTS WITH", "CREATED", "LAST USED", "STATE")


def _when(moment, zone: ZoneInfo) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


class Command(BaseCommand):
    help = (
        "Manage API tokens: `token create --org SLUG --role ROLE [--name NAME] "
        "[--location CODE]`, `token list --org SLUG`, `token revoke ID --org SLUG`."
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
        listing = sub.add_parser("list", help="Show the organization's tokens, newest first.")
        listing.add_argument("--org", required=True, help="Organization slug.")
        revoke = sub.add_parser("revoke", help="Stop a token working at once (audited).")
        revoke.add_argument("token", type=int, metavar="ID", help="The token's id (see list).")
        revoke.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args, subcommand, **options):
        org = organization(options["org"])
        if subcommand == "list":
            self.list(org)
        elif subcommand == "revoke":
            self.revoke(org, options["token"])
        else:
            self.create(org, options)

    def list(self, org: Organization) -> None:
        tokens = (
            ApiToken.objects.filter(organization=org)
            .select_related("role")
            .prefetch_related("locations")
            .order_by("-created_at", "-id")
        )
        zone = ZoneInfo(org.timezone)
        rows = [COLUMNS]
        for token in tokens:
            places = sorted(loc.code for loc in token.locations.all())
            rows.append(
                (
                    str(token.pk),
                    token.name,
                    token.role.name,
                    "all" if token.all_locations else ", ".join(places),
                    f"{token.hint}…",
                    _when(token.created_at, zone),
                    _when(token.last_used_at, zone),
                    "active"
                    if token.revoked_at is None
                    else f"revoked {_when(token.revoked_at, zone)}",
                )
            )
        if len(rows) == 1:
            self.stdout.write(f"{org.slug} has no API tokens (`clinicorg token create`).")
            return
        self.stdout.write("\n".join(_table(rows)))

    def revoke(self, org: Organization, pk: int) -> None:
        token = ApiToken.objects.filter(organization=org, pk=pk).first()
        if token is None:
            raise CommandError(
                f"No API token {pk} in {org.slug}: `clinicorg token list --org {org.slug}` "
                "shows its tokens."
            )
        zone = ZoneInfo(org.timezone)
        if token.revoked_at is not None:
            self.stdout.write(
                f"Token {pk} ({token.name}) was already revoked on {_when(token.revoked_at, zone)}."
            )
            return
        token = revoke_api_token(token, actor=SystemActor(org.pk, label="cli"))
        self.stdout.write(
            f"Revoked token {pk} ({token.name}) on {_when(token.revoked_at, zone)}: "
            "it is refused from its next request."
        )

    def create(self, org: Organization, options: dict) -> None:
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
