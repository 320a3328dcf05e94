"""One import measurement in a fresh process, so its peak memory is its own.

    python -m benchmarks._import_child '{"what": "import", "path": ..., ...}'

`what` is `floor` (the raw read plus a bulk insert of plain staff rows), `import` (the import
job as the web, API and CLI run it: reading, validating, the write transaction, invitations),
`dry_run` (reading and validating only, with the row caps raised) or `trap` (the 2 KB
workbook with values at XFD2 and A150000, which must be refused). Prints one JSON line with the
timings and `peak_rss_mb`, the process's maximum resident size (getrusage ru_maxrss).
"""

import json
import os
import resource
import sys
import time
from unittest import mock


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _cpu_s() -> float:
    """CPU seconds of this process so far (user + system): unlike wall-clock time, not
    stretched by other work on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv) -> int:
    args = json.loads(argv[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicorg.settings")
    import django

    django.setup()
    from django.conf import settings

    if args.get("raise_caps"):
        settings.IMPORT_MAX_ROWS = 2_000_000
        settings.IMPORT_MAX_UPLOAD_BYTES = 2 * 1024**3
        settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 8 * 1024**3
    start_rss = _peak_mb()
    start_cpu = _cpu_s()
    what = args["what"]
    if what == "floor":
        from pathlib import Path

        from benchmarks.imports import floor

        path, *rest = args["floor_args"]
        out = floor(Path(path), *rest)
    else:
        out = _job(args, dry=what in ("dry_run", "trap"))
    out["start_rss_mb"] = start_rss
    out["cpu_s"] = round(_cpu_s() - start_cpu, 2)
    out["peak_rss_mb"] = _peak_mb()
    print(json.dumps(out, default=str), flush=True)
    return 0


def _job(args, *, dry: bool) -> dict:
    from clinicorg.access.system import SystemActor
    from clinicorg.staff import outbox
    from clinicorg.transfer import actions
    from clinicorg.transfer.models import Mode

    actor = SystemActor(args["org_id"], label="bench")
    unsent_before = outbox.unsent().count()
    # The emails stay in the outbox: the benchmark measures the import, not the mail server.
    with mock.patch("clinicorg.staff.outbox.kick", lambda: None), open(args["path"], "rb") as fh:
        job = actions.start_import(
            fh,
            os.path.basename(args["path"]),
            "staff",
            actor=actor,
            mode=Mode.CREATE,
            commit=not dry,
            run=False,
        )
        t = time.perf_counter()
        job = actions.run_job(job.pk, actor=actor)
        total = time.perf_counter() - t
    return {
        "state": job.state,
        "message": job.message[:200],
        "errors": job.errors[:3],
        "total_rows": job.total_rows,
        "timings": job.timings,
        "total_s": round(total, 2),
        # This job's emails only: an earlier run's may still be waiting in the outbox.
        "queued_emails": outbox.unsent().count() - unsent_before,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
