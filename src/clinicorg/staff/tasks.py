"""Background work of the staff app: the invitation outbox (see `staff.outbox`).

With REDIS_URL set the task runs on a Celery worker, kicked after each inviting transaction
commits and every MAIL_OUTBOX_INTERVAL_SECONDS under beat; without a broker Celery runs it
inline (CELERY_TASK_ALWAYS_EAGER) after the commit, and a mail server that is down leaves the
emails due in the database (the member's profile shows the invitation as not sent yet).
"""

from clinicorg.celery import app

# A worker drains for this long, then hands the rest to the next run (it kicks one at once),
# so one task never holds a worker for hours.
DRAIN_SECONDS = 50


@app.task(name="staff.send_invitation_outbox")
def send_invitation_outbox() -> int:
    """Send the due invitation emails; returns how many went."""
    from .outbox import due, kick, send_due

    sent = send_due(seconds=None if app.conf.task_always_eager else DRAIN_SECONDS)
    if sent is None:  # another sender is draining, and kicks again when it stops early
        return 0
    if not app.conf.task_always_eager and due().exists():
        kick()
    return sent


@app.task(name="staff.send_invitation_emails")
def send_invitation_emails(jobs=()) -> int:
    """Emails queued before the outbox existed: their invitations wait in the outbox now."""
    return send_invitation_outbox()
