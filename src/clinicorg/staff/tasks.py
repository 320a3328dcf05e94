"""Background work of the staff app: invitation emails.

With REDIS_URL set the task runs on a Celery worker and retries when the mail server is
unreachable; without a broker Celery runs it inline (CELERY_TASK_ALWAYS_EAGER), still after the
inviting transaction has committed, and a failure is logged rather than retried in the request:
the member's profile then shows the invitation as not sent, with "Resend invite".
"""

from clinicorg.celery import app
from clinicorg.core.delivery import send_or_retry


@app.task(bind=True, name="staff.send_invitation_emails", max_retries=5)
def send_invitation_emails(self, jobs) -> int:
    """Send invitation emails for [(invitation id, raw token), ...]; returns how many went."""
    from .emails import send_invitations

    return send_or_retry(
        self, send_invitations, jobs, unsent="Invitation emails not sent; they can be resent."
    )
