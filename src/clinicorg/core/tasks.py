"""Background work of the core app: the worker's heartbeat (see core.health)."""

from clinicorg.celery import app


@app.task(name="core.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Under beat every WORKER_HEARTBEAT_SECONDS: a worker took a task, so workers are alive."""
    from .health import record_worker_heartbeat

    record_worker_heartbeat()
