"""Import jobs in their own process, so that a file can fail its job but never the site.

Without a Celery broker, a job used to run inside the process that received the upload: the
web server. Now each job runs in a child process (`python -m clinicorg.transfer.worker JOB`)
with an address-space limit (IMPORT_WORKER_MEMORY_MB): a file that exhausts it stops that
process alone. The job row in the database is the source of truth: the child records its
host and pid on the job and refreshes `heartbeat_at` while it works; the parent, when the child
exits, marks a job the child left unfinished as failed with the reason (its exit status or
signal). A job whose parent died too is found later by `fail_abandoned_jobs` (run with the
retention purge), from its heartbeat; a failed job's upload is then purged on schedule like
any other.

On a Celery worker (REDIS_URL) the task is acknowledged only when it ends (late ack), and a
`Heartbeat` thread refreshes `heartbeat_at` on its own connection while the job runs, even
inside the long write transaction. `reap_jobs`, run every minute under `celery beat`, finds
the jobs whose heartbeat stopped (their worker was killed or lost): the write transaction of
such a job was rolled back with its connection, so the job is queued again and run from the
start, up to IMPORT_MAX_ATTEMPTS times, then failed with the reason. It also dispatches again
the queued jobs whose dispatch failed (the broker was down when they were uploaded).
"""

import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

# Models are imported inside the functions: `python -m clinicorg.transfer.worker` loads this
# module before Django is set up.
UNFINISHED = ("queued", "running", "committing")
logger = logging.getLogger(__name__)


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
        # This thread's own connection (kept otherwise under CONN_MAX_AGE).
        connection.close()


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


def fail_job(job_id: int, why: str, *, worker: str | None = None) -> bool:
    """Mark an unfinished job failed, saying why. A job commits its rows, their invitations
    and its own committed state in one transaction, so an unfinished job wrote nothing.
    `worker`: only if that worker still holds the job (another may have taken it up)."""
    from .models import ImportJob, Phase, State

    unfinished = ImportJob.objects.filter(pk=job_id, state__in=UNFINISHED)
    if worker is not None:
        unfinished = unfinished.filter(worker=worker)
    return bool(
        unfinished.update(
            state=State.FAILED,
            phase=Phase.DONE,
            progress=100,
            finished_at=timezone.now(),
            message=f"Nothing was imported: the import stopped because {why}. Retry it, or "
            "check the file (its size and content) and upload it again.",
        )
    )


def _requeue(job_id: int, worker: str) -> bool:
    """Put a job whose worker is gone back in the queue, as it was before that worker took
    it up; only if that worker still holds it."""
    from .models import ImportJob, Phase, State

    return bool(
        ImportJob.objects.filter(
            pk=job_id, state__in=(State.RUNNING, State.COMMITTING), worker=worker
        ).update(
            state=State.QUEUED,
            phase=Phase.WAITING,
            progress=0,
            worker="",
            heartbeat_at=None,
            dispatched_at=None,
        )
    )


def heartbeat_timeout() -> timedelta:
    return timedelta(minutes=settings.IMPORT_HEARTBEAT_TIMEOUT_MINUTES)


def _gone(worker: str, beat, stale) -> str:
    """Why a job's worker is taken for gone ("" when it is not)."""
    where, _sep, pid = worker.rpartition(":")
    if where == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
        return "its worker process ended without finishing it"
    if beat is not None and beat < stale:
        return "its worker stopped reporting progress"
    return ""


def reap_jobs(*, requeue: bool) -> tuple[int, int]:
    """Jobs still marked running whose worker is gone: its process on this host has ended, or
    it has not beaten for IMPORT_HEARTBEAT_TIMEOUT_MINUTES. With `requeue` (a broker runs the
    jobs) each is queued again and dispatched, until it has been taken up IMPORT_MAX_ATTEMPTS
    times; otherwise, or after that, it is failed. Returns (requeued, failed)."""
    from .models import ImportJob, State

    stale = timezone.now() - heartbeat_timeout()
    requeued = failed = 0
    jobs = ImportJob.objects.filter(state__in=(State.RUNNING, State.COMMITTING)).exclude(worker="")
    rows = jobs.values_list("pk", "worker", "heartbeat_at", "attempts")
    for pk, worker, beat, attempts in rows:
        why = _gone(worker, beat, stale)
        if not why:
            continue
        if requeue and attempts < settings.IMPORT_MAX_ATTEMPTS:
            if _requeue(pk, worker):
                requeued += 1
                logger.warning("Import job %s queued again: %s", pk, why)
        elif fail_job(pk, f"{why} ({attempts} attempts)" if requeue else why, worker=worker):
            failed += 1
            logger.warning("Import job %s failed: %s", pk, why)
    return requeued, failed


def fail_abandoned_jobs() -> int:
    """Fail the jobs whose worker is gone (the retention purge, without a broker)."""
    return reap_jobs(requeue=False)[1]


class Heartbeat:
    """Refreshes a running job's `heartbeat_at` from a thread with its own database
    connection, so that a job busy in one long transaction still shows it is alive.

    Stops when the job no longer belongs to this worker (reaped, or finished)."""

    def __init__(self, job_id: int, worker: str):
        self.job_id = job_id
        self.worker = worker
        self.stopped = threading.Event()
        seconds = heartbeat_timeout().total_seconds()
        self.interval = max(0.2, min(30.0, seconds / 4))
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{job_id}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(5)

    def _beat(self) -> None:
        from .models import ImportJob

        try:
            while not self.stopped.wait(self.interval):
                try:
                    beating = ImportJob.objects.filter(
                        pk=self.job_id, state__in=UNFINISHED, worker=self.worker
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # the database is unreachable: try again at the next beat
                    logger.warning("Heartbeat of import job %s not recorded", self.job_id)
                    close_old_connections()
                    continue
                if not beating:
                    return
        finally:
            connection.close()


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
