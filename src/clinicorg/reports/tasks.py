"""Background work of the reports area: the daily license reminder job and its emails.

Under Celery beat the daily job runs on a worker; without a broker the same job is the daily
cron line `clinicorg reminders send`. Running it more than once a day sends nothing more.
"""

import logging
import smtplib

from clinicorg.celery import app

log = logging.getLogger(__name__)

DELIVERY_ERRORS = (OSError, smtplib.SMTPException)


@app.task(name="reports.send_license_reminders")
def send_license_reminders() -> int:
    """Record and send today's digests of every organization."""
    from .actions import send_all_license_reminders

    return send_all_license_reminders()


@app.task(bind=True, name="reports.send_reminder_emails", max_retries=5)
def send_reminder_emails(self, ids) -> int:
    from .emails import send_digests

    try:
        return send_digests(ids)
    except DELIVERY_ERRORS as exc:
        if self.request.is_eager:
            log.warning("Reminder digests not sent (%s); the next run sends them.", exc)
            return 0
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
