"""Background work of the reports area: the daily license reminder job and its emails.

Under Celery beat the daily job runs on a worker; without a broker the same job is the daily
cron line `clinicorg reminders send`. Running it more than once a day sends nothing more.
"""

from clinicorg.celery import app
from clinicorg.core.delivery import send_or_retry


@app.task(name="reports.send_license_reminders")
def send_license_reminders() -> int:
    """Record and send today's digests of every organization."""
    from .actions import send_all_license_reminders

    return send_all_license_reminders()


@app.task(bind=True, name="reports.send_reminder_emails", max_retries=5)
def send_reminder_emails(self, ids) -> int:
    """Email the recorded digests of these ids not sent yet; returns how many went."""
    from .emails import send_digests

    return send_or_retry(
        self, send_digests, ids, unsent="Reminder digests not sent; the next run sends them."
    )
