from django.core.management.base import BaseCommand

from clinicorg.transfer.exports import export

from ._common import KINDS, format_for, organization, system_actor, write_output


class Command(BaseCommand):
    help = "Export staff or locations: `export staff --org SLUG --format xlsx -o FILE`."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--format", choices=("csv", "xlsx"), help="Default: from -o.")
        parser.add_argument("-o", "--output", default="-", help="File to write (- for stdout).")
        parser.add_argument("--status", default="", help="Staff/location status filter.")
        parser.add_argument("-q", "--query", default="", help="Search text, as on the list page.")

    def handle(self, *args, kind, org, format, output, status, query, **options):
        fmt = format_for(format, output)
        actor = system_actor(organization(org))
        content, _type, _name = export(kind, fmt, actor, {"q": query, "status": status})
        write_output(content, output, self.stdout)
