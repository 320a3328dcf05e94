"""Background work of imports: one task runs one import job.

With REDIS_URL set it runs on a Celery worker; without a broker Celery runs it inline. The
task is acknowledged when it ends (CELERY_TASK_ACKS_LATE) and sent back to the queue when its
worker is lost; the job itself is taken up only from the queued state, so a second delivery
does nothing, and `reap_import_jobs` queues again the jobs whose worker died.
"""

from clinicorg.celery import app
from clinicorg.core import context


@app.task(name="transfer.run_import")
def run_import(job_id: int, request_id: str = "") -> str:
    from .actions import run_job

    token = context.bind(context.RequestContext(request_id=request_id or ""))
    try:
        return run_job(job_id).state
    finally:
        context.unbind(token)


@app.task(name="transfer.reap_import_jobs")
def reap_import_jobs() -> dict:
    """Every minute under `celery beat`: jobs whose worker died, and jobs never taken up."""
    from .actions import reap_import_jobs as reap

    return reap()


@app.task(name="transfer.purge_import_files")
def purge_import_files() -> int:
    """Daily under `celery beat`: delete uploads kept past IMPORT_RETENTION_DAYS."""
    from .actions import purge_import_files as purge

    return purge().files
