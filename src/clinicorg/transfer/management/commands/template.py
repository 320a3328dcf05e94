from django.core.management.base import BaseCommand

from clinicorg.core.cli import organization
from clinicorg.transfer.templates import build_template

from ._common import KINDS, format_for, system_actor, write_output


class Command(BaseCommand):
    help = "Write a blank import template: `template staff --org SLUG --format xlsx -o FILE`."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--format", choices=("csv", "xlsx"), help="Default: from -o.")
        parser.add_argument("-o", "--output", default="-", help="File to write (- for stdout).")

    def handle(self, *args, kind, org, format, output, **options):
        fmt = format_for(format, output)
        write_output(
            build_template(kind, fmt, system_actor(organization(org))), output, self.stdout
        )
