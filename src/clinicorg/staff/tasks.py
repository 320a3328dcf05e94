"""Background work of the staff app. Invitation emails go through the mail outbox, whose one
sender is `core.send_outbox` (see `core.outbox` and `staff.outbox`); these names stay for the
tasks queued, and the beat schedules written, before it was shared.
"""

from clinicorg.celery import app


@app.task(name="staff.send_invitation_outbox")
def send_invitation_outbox() -> int:
    """Send the due emails of the outbox (invitations among them); returns how many went."""
    from clinicorg.core.tasks import send_outbox

    return send_outbox()


@app.task(name="staff.send_invitation_emails")
def send_invitation_emails(jobs=()) -> int:
    """Emails queued before the outbox existed: their invitations wait in the outbox now."""
    from clinicorg.core.tasks import send_outbox

    return send_outbox()
