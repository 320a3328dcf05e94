"""Background work of the core app: the worker's heartbeat (see core.health) and the one
sender of the mail outbox (see core.outbox).

With REDIS_URL set the outbox task runs on a Celery worker, kicked after each transaction that
writes an email and every MAIL_OUTBOX_INTERVAL_SECONDS under beat; without a broker Celery runs
it inline (CELERY_TASK_ALWAYS_EAGER) after the commit, and a mail server that is down leaves
the emails due in the database.
"""

from clinicorg.celery import app

# A worker drains for this long, then hands the rest to the next run (it kicks one at once),
# so one task never holds a worker for hours.
DRAIN_SECONDS = 50


@app.task(name="core.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Under beat every WORKER_HEARTBEAT_SECONDS: a worker took a task, so workers are alive."""
    from .health import record_worker_heartbeat

    record_worker_heartbeat()


@app.task(name="core.send_outbox")
def send_outbox() -> int:
    """Send the due emails of the outbox, every kind; returns how many went."""
    from .outbox import kick, kinds, send_due

    sent = send_due(seconds=None if app.conf.task_always_eager else DRAIN_SECONDS)
    if sent is None:  # another sender is draining, and kicks again when it stops early
        return 0
    if not app.conf.task_always_eager and any(kind.due().exists() for kind in kinds()):
        kick()
    return sent
