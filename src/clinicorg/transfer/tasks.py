"""Background work of imports: one task runs one import job.

With REDIS_URL set it runs on a Celery worker; without a broker Celery runs it inline.
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


@app.task(name="transfer.purge_import_files")
def purge_import_files() -> int:
    """Daily under `celery beat`: delete uploads kept past IMPORT_RETENTION_DAYS."""
    from .actions import purge_import_files as purge

    return purge().files
