"""Background work of the staff app: invitation emails.

With REDIS_URL set the task runs on a Celery worker and retries when the mail server is
unreachable; without a broker Celery runs it inline (CELERY_TASK_ALWAYS_EAGER), still after the
inviting transaction has committed, and a failure is logged rather than retried in the request:
the member's profile then shows the invitation as not sent, with "Resend invite".
"""

import logging
import smtplib

from clinicorg.celery import app

log = logging.getLogger(__name__)

DELIVERY_ERRORS = (OSError, smtplib.SMTPException)


@app.task(bind=True, name="staff.send_invitation_emails", max_retries=5)
def send_invitation_emails(self, jobs) -> int:
    """Send invitation emails for [(invitation id, raw token), ...]; returns how many went."""
    from .emails import send_invitations

    try:
        return send_invitations(jobs)
    except DELIVERY_ERRORS as exc:
        if self.request.is_eager:
            log.warning("Invitation emails not sent (%s); they can be resent.", exc)
            return 0
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
