from django.core.management.base import BaseCommand, CommandError

from clinicorg.core.cli import organization
from clinicorg.directory.filters import LOCATION_FILTERS
from clinicorg.staff.filters import STAFF_FILTERS
from clinicorg.transfer.exports import export

from ._common import KINDS, format_for, system_actor, write_output


class Command(BaseCommand):
    help = "Export staff or locations: `export staff --org SLUG --format xlsx -o FILE`."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--format", choices=("csv", "xlsx"), help="Default: from -o.")
        parser.add_argument("-o", "--output", default="-", help="File to write (- for stdout).")
        parser.add_argument("--status", default="", help="Staff/location status filter.")
        parser.add_argument("-q", "--query", default="", help="Search text, as on the list page.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=(
                "Any other filter of the list, as on the page and the API (repeatable): for "
                f"staff {', '.join(STAFF_FILTERS)}; for locations {', '.join(LOCATION_FILTERS)}."
            ),
        )

    def handle(self, *args, kind, org, format, output, status, query, filter, **options):
        fmt = format_for(format, output)
        filters = {"q": query, "status": status}
        names = STAFF_FILTERS if kind == "staff" else LOCATION_FILTERS
        for item in filter:
            name, sep, value = item.partition("=")
            if not sep or name not in names:
                raise CommandError(
                    f"--filter {item}: use NAME=VALUE with a filter of the {kind} list: "
                    f"{', '.join(names)}."
                )
            filters[name] = value
        actor = system_actor(organization(org))
        content, _type, _name = export(kind, fmt, actor, filters)
        write_output(content, output, self.stdout)
