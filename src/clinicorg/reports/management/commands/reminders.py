"""`clinicorg reminders send [--org SLUG] [--date YYYY-MM-DD]`: today's license expiry digests.

The daily cron line of an installation without Redis (Celery beat runs the same job). Each
person gets at most one digest a day, so running it again the same day sends nothing more.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from clinicorg.core.cli import organization
from clinicorg.core.models import Organization
from clinicorg.reports.actions import send_all_license_reminders


class Command(BaseCommand):
    help = "License expiry reminders: `reminders send [--org SLUG] [--date YYYY-MM-DD]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        send = sub.add_parser(
            "send", help="Record and email today's digests (once per person per day)."
        )
        send.add_argument("--org", help="Only this organization (slug).")
        send.add_argument(
            "--date",
            help="The day to send for, YYYY-MM-DD (default: today in each organization's "
            "time zone).",
        )

    def handle(self, *args, subcommand, **options):
        organizations = Organization.objects.all()
        if options["org"]:
            organizations = organizations.filter(pk=organization(options["org"]).pk)
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date is a day as YYYY-MM-DD.") from None
        sent = send_all_license_reminders(today=day, organizations=list(organizations))
        self.stdout.write(f"Recorded {sent} reminder digest{'' if sent == 1 else 's'}.")
