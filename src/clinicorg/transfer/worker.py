"""Import jobs in their own process, so that a file can fail its job but never the site.

Without a Celery broker, a job used to run inside the process that received the upload: the
web server. Now each job runs in a child process (`python -m clinicorg.transfer.worker JOB`)
with an address-space limit (IMPORT_WORKER_MEMORY_MB): a file that exhausts it stops that
process alone. The job row in the database is the source of truth: the child records its
host and pid on the job and refreshes `heartbeat_at` while it works; the parent, when the child
exits, marks a job the child left unfinished as failed with the reason (its exit status or
signal). A job whose parent died too is found later by `fail_abandoned_jobs` (run with the
retention purge), from its heartbeat; a failed job's upload is then purged on schedule like
any other. A Celery worker can record itself and beat the same way.
"""

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

# Models are imported inside the functions: `python -m clinicorg.transfer.worker` loads this
# module before Django is set up.
UNFINISHED = ("queued", "running", "committing")


def worker_label(pid: int | None = None) -> str:
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def _limit_memory() -> None:  # runs in the child, before it executes Python
    limit = settings.IMPORT_WORKER_MEMORY_MB * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)  # a process may lower its limit, never raise it
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def start(job_id: int, request_id: str = "", *, wait: float | None = None) -> None:
    """Run the job in a child process; wait up to `wait` seconds (IMPORT_WAIT_SECONDS) for it.

    The caller then reads the job's state: finished, or still running (pages and the API poll
    it). A thread of this process waits for the child and records how it ended.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "clinicorg.settings"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "clinicorg.transfer.worker", str(job_id), request_id],
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
        # Not in the server's process group: a Ctrl-C to the server lets a commit finish.
        start_new_session=True,
    )
    watcher = threading.Thread(target=_watch_in_thread, args=(proc, job_id), daemon=True)
    watcher.start()
    watcher.join(settings.IMPORT_WAIT_SECONDS if wait is None else wait)


def _watch_in_thread(proc: subprocess.Popen, job_id: int) -> None:
    try:
        watch(proc, job_id)
    finally:
        close_old_connections()


def watch(proc: subprocess.Popen, job_id: int) -> None:
    """Wait for the child; if it left its job unfinished, mark the job failed with why."""
    code = proc.wait()
    if code < 0:
        why = f"was stopped by signal {signal.Signals(-code).name}"
        if -code == signal.SIGKILL:
            why += " (often: the server ran out of memory)"
    else:
        why = f"exited with status {code}"
    fail_job(job_id, f"its worker process {why}")


def fail_job(job_id: int, why: str) -> bool:
    """Mark an unfinished job failed, saying why. The rows are written in one transaction, so
    a job stopped before its invitations wrote nothing; one stopped while issuing them has
    committed its rows."""
    from .models import ImportJob, Phase, State

    unfinished = ImportJob.objects.filter(pk=job_id, state__in=UNFINISHED)
    phase = unfinished.values_list("phase", flat=True).first()
    if phase is None:
        return False
    done = {"phase": Phase.DONE, "progress": 100, "finished_at": timezone.now()}
    if phase == Phase.SENDING:
        return bool(
            unfinished.update(
                state=State.COMMITTED,
                message=f"The rows were imported, but the import stopped because {why} while "
                "issuing the invitations. Send them from the Employee Center (Resend invite).",
                **done,
            )
        )
    return bool(
        unfinished.update(
            state=State.FAILED,
            message=f"Nothing was imported: the import stopped because {why}. Check the file "
            "(its size and content) and upload it again.",
            **done,
        )
    )


def fail_abandoned_jobs() -> int:
    """Jobs still marked running whose worker is gone: its process on this host has ended, or
    it has not beaten for IMPORT_HEARTBEAT_TIMEOUT_MINUTES. Returns how many were failed."""
    from .models import ImportJob

    now = timezone.now()
    stale = now - timedelta(minutes=settings.IMPORT_HEARTBEAT_TIMEOUT_MINUTES)
    host = socket.gethostname()
    failed = 0
    jobs = ImportJob.objects.filter(state__in=UNFINISHED).exclude(worker="")
    for pk, worker, beat in jobs.values_list("pk", "worker", "heartbeat_at"):
        where, _sep, pid = worker.rpartition(":")
        if where == host and pid.isdigit() and not _alive(int(pid)):
            failed += fail_job(pk, "its worker process ended without finishing it")
        elif beat is not None and beat < stale:
            failed += fail_job(pk, "its worker stopped reporting progress")
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicorg.settings")
    import django

    django.setup()
    from .tasks import run_import

    run_import.run(int(argv[0]), argv[1] if len(argv) > 1 else "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
