"""`clinicorg purge_imports`: the same as `clinicorg imports purge`, kept for cron entries."""

from django.core.management.base import BaseCommand

from .imports import add_purge_arguments, purge


class Command(BaseCommand):
    help = "The same as `clinicorg imports purge [--older-than DAYS] [--dry-run]`."

    def add_arguments(self, parser):
        add_purge_arguments(parser)

    def handle(self, *args, older_than, dry_run, **options):
        purge(self.stdout, older_than=older_than, dry_run=dry_run)
