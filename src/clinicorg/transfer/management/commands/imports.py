"""`clinicorg imports purge|retry|reap`: stored uploads past retention, failed and stuck jobs.

`imports retry JOB --org SLUG` runs a failed import again from its stored upload (it runs on the
worker with REDIS_URL, in this process otherwise). `imports reap` queues again (or fails) the
imports whose worker died and dispatches the ones no worker took up (every minute under beat).

Deletes the uploaded files of finished imports that were never committed once they are older
than IMPORT_RETENTION_DAYS (or --older-than), and files in the import folder no job refers to.
Prints how many files and bytes went (or, with --dry-run, would go). Jobs still queued or
running keep their files; every job keeps its summary and errors.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinicorg.core.cli import organization
from clinicorg.core.errors import Conflict
from clinicorg.transfer.actions import purge_import_files, reap_import_jobs, retry_import
from clinicorg.transfer.models import ImportJob

from ._common import system_actor


def add_purge_arguments(parser) -> None:
    parser.add_argument(
        "--older-than",
        type=int,
        metavar="DAYS",
        help="Delete files of imports finished more than DAYS days ago. "
        "Default: IMPORT_RETENTION_DAYS.",
    )
    parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")


def purge(stdout, *, older_than: int | None, dry_run: bool) -> None:
    try:
        result = purge_import_files(older_than_days=older_than, dry_run=dry_run)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    verb = "Would delete" if dry_run else "Deleted"
    orgs = len(result.organizations)
    stdout.write(
        f"{verb} {_count(result.files, 'file')}, {_count(result.bytes, 'byte')}"
        f"{_size(result.bytes)}: {result.jobs} from imports in {_count(orgs, 'organization')}, "
        f"{result.orphans} without an import."
    )


class Command(BaseCommand):
    help = "Manage stored import uploads: `imports purge [--older-than DAYS] [--dry-run]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        add_purge_arguments(
            sub.add_parser(
                "purge",
                help="Delete uploads of imports that were never committed once they are older "
                "than IMPORT_RETENTION_DAYS. Job summaries and errors stay.",
            )
        )

        retry = sub.add_parser(
            "retry", help="Run a failed import again from its stored upload (it wrote nothing)."
        )
        retry.add_argument("job", type=int, metavar="JOB", help="The import's id.")
        retry.add_argument("--org", required=True, help="The organization's slug.")
        sub.add_parser(
            "reap",
            help="Queue again (or fail) imports whose worker died; dispatch the ones no worker "
            "took up.",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "retry":
            self.retry(options["job"], options["org"])
        elif subcommand == "reap":
            done = reap_import_jobs()
            self.stdout.write(
                f"{done['requeued']} queued again, {done['failed']} failed, "
                f"{done['dispatched']} dispatched."
            )
        else:
            purge(self.stdout, older_than=options["older_than"], dry_run=options["dry_run"])

    def retry(self, job_id: int, slug: str) -> None:
        actor = system_actor(organization(slug))
        job = ImportJob.objects.visible_to(actor).filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"No import {job_id} in organization {slug!r}.")
        try:
            job = retry_import(job, actor=actor)
        except Conflict as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Import {job.pk}: {job.get_state_display().lower()}.")
        if job.message:
            self.stdout.write(job.message)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _size(count: float) -> str:
    """` (1.2 MB)` beside a byte count of a kilobyte or more, nothing below."""
    for unit in ("KB", "MB", "GB"):
        count /= 1024
        if count < 1024 or unit == "GB":
            return f" ({count:.1f} {unit})" if count >= 1 else ""
    return ""
