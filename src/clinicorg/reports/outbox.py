"""Reminder digests in the mail outbox (`core.outbox`): recorded by the daily job, sent after
its commit by the one sender, retried while the mail server or the broker is down.

A digest is worth sending for as long as its recipient may still sign in (active or on
leave): a member deactivated meanwhile is told nothing more. It goes to the recipient's
address of the moment, which is stored with `sent_at`.
"""

from clinicorg.core import outbox
from clinicorg.staff.models import SIGN_IN_STATUSES

from .models import ReminderDigest


def unsent(now=None):
    """Digests whose email the outbox has still to send."""
    return ReminderDigest.objects.filter(
        sent_at__isnull=True,
        next_send_at__isnull=False,
        recipient__status__in=SIGN_IN_STATUSES,
    )


def _send(digest: ReminderDigest, connection) -> dict:
    from .emails import digest_message

    digest.email = digest.recipient.email
    digest_message(digest, connection).send()
    return {"email": digest.email}


DIGESTS = outbox.register(
    outbox.Kind(
        name="reminder digests",
        noun="reminder digest",
        unsent=unsent,
        send=_send,
        related=("organization", "recipient"),
    )
)
