"""Background work of the reports area: the daily license reminder job.

Under Celery beat the daily job runs on a worker; without a broker the same job is the daily
cron line `clinicorg reminders send`. Running it more than once a day sends nothing more. The
digests' emails go through the mail outbox (`core.outbox`, sent by `core.send_outbox`).
"""

from clinicorg.celery import app


@app.task(name="reports.send_license_reminders")
def send_license_reminders() -> int:
    """Record today's digests of every organization; the outbox sends them."""
    from .actions import send_all_license_reminders

    return send_all_license_reminders()


@app.task(name="reports.send_reminder_emails")
def send_reminder_emails(ids=()) -> int:
    """Digest emails queued before they went through the outbox: they wait in it now."""
    from clinicorg.core.tasks import send_outbox

    return send_outbox()
