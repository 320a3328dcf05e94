"""Invitation emails in the mail outbox (`core.outbox`): written with the invitations, sent
after the commit by the one sender.

An invitation row is written in the transaction that invites its member, due at once
(`next_send_at`); the sender sends its email while the invitation is open and its link
unexpired, retrying a mail server that is down with back-off until the link expires.

Only the hash of a link's token is stored: the sender draws the token when it writes the email
and stores its hash with `sent_at`, so no usable link ever rests in the database.

With the broker down the emails wait in the database and the periodic sender sends them;
without a broker the drain runs inline after the commit, and `clinicorg invitations send`
sends what a mail server outage left.
"""

import secrets

from django.utils import timezone

from clinicorg.access.models import hash_token
from clinicorg.core import outbox
from clinicorg.core.outbox import SENDER_LOCK, backoff, kick, send_due

from .models import Invitation

__all__ = ["INVITATIONS", "SENDER_LOCK", "backoff", "due", "kick", "send_due", "unsent"]


def unsent(now=None):
    """Invitations whose email the outbox has still to send: open, unexpired, not sent."""
    return Invitation.objects.filter(
        sent_at__isnull=True,
        next_send_at__isnull=False,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        superseded_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    )


def _send(invitation: Invitation, connection) -> dict:
    from .emails import invitation_message

    raw = secrets.token_urlsafe(32)
    invitation_message(invitation, raw, connection).send()
    return {"token_hash": hash_token(raw)}


INVITATIONS = outbox.register(
    outbox.Kind(
        name="invitations",
        noun="invitation email",
        unsent=unsent,
        send=_send,
        related=("staff", "staff__organization", "sent_by"),
    )
)


def due(now=None):
    """The unsent invitations due now: not waiting out a back-off, not held by a sender."""
    return INVITATIONS.due(now)


def _claim(batch: int) -> list[int]:
    """Take up to `batch` due invitations under a lease, as the sender does."""
    return outbox.claim(INVITATIONS, batch)
