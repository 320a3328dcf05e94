from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinicorg.transfer.actions import purge_import_files


class Command(BaseCommand):
    help = (
        "Delete stored uploads of imports that were never committed once they are older than "
        "IMPORT_RETENTION_DAYS (or --older-than). Job summaries and errors stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, metavar="DAYS", help="Default: IMPORT_RETENTION_DAYS."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        try:
            result = purge_import_files(older_than_days=older_than, dry_run=dry_run)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        verb = "Would delete" if dry_run else "Deleted"
        orgs = len(result.organizations)
        self.stdout.write(
            f"{verb} {_count(result.files, 'file')} ({_size(result.bytes)}): {result.jobs} from "
            f"imports in {_count(orgs, 'organization')}, {result.orphans} without an import."
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} bytes"
