"""`clinicorg import staff|locations FILE --org SLUG [--dry-run] [--update]`.

Exit status 0 only when the file is valid and (without --dry-run) committed; 1 when the file
has errors or could not be imported, with the same `row N, column C: message` report as the
web preview. A progress bar goes to stderr when it is a terminal.
"""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinicorg.core.cli import organization
from clinicorg.transfer import actions
from clinicorg.transfer.models import ImportJob, Mode, Phase, State

from ._common import KINDS, system_actor

PHASE_LABELS = dict(Phase.choices)


class Bar:
    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = None

    def __call__(self, phase, pct):
        if (phase, pct) == self.last:
            return
        self.last = (phase, pct)
        label = PHASE_LABELS.get(phase, phase)
        if self.tty:
            filled = pct * 30 // 100
            self.stream.write(f"\r{label:<20} [{'#' * filled}{'.' * (30 - filled)}] {pct:3d}%")
            if phase == Phase.DONE:
                self.stream.write("\n")
        elif pct in (0, 100):
            self.stream.write(f"{label} {pct}%\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import staff or locations from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Create and update (staff by email, locations by code); default: create only.",
        )
        parser.add_argument("--max-errors", type=int, default=200, help="Errors to print.")

    def handle(self, *args, kind, file, org, dry_run, update, max_errors, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        actor = system_actor(organization(org))
        bar = Bar(sys.stderr)
        mode = Mode.UPDATE if update else Mode.CREATE
        # Run in this process (whatever the broker) so the progress bar is live.
        with path.open("rb") as fh:
            try:
                job = actions.start_import(
                    fh, path.name, kind, actor=actor, mode=mode, commit=not dry_run, run=False
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        job = actions.run_job(job.pk, actor=actor, listener=bar)
        self.report(job, max_errors)
        if job.state == State.COMMITTED or (dry_run and job.state == State.VALID):
            return
        sys.exit(1)

    def report(self, job: ImportJob, max_errors: int) -> None:
        out = self.stdout
        if job.message:
            out.write(job.message)
        for e in job.errors[:max_errors]:
            where = f"row {e['row']}, column {e['column']}" if e["column"] else f"row {e['row']}"
            out.write(f"{where}: {e['message']}")
        if job.error_count > max_errors:
            out.write(f"… and {job.error_count - max_errors} more errors.")
        s = job.summary()
        out.write(
            f"{job.total_rows} rows: {s['create']} to create, {s['update']} to update, "
            f"{s['unchanged']} unchanged, {s['errors']} with errors."
        )
        if job.state == State.COMMITTED:
            out.write(self.style.SUCCESS(f"Committed (import #{job.pk})."))
        elif job.state == State.VALID:
            out.write(self.style.SUCCESS("Valid: nothing written (dry run)."))
        else:
            out.write(self.style.ERROR("Nothing was imported."))
