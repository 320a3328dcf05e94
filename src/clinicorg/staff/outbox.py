"""The invitation outbox: emails written with the invitations, sent after the commit.

An invitation row is written in the transaction that invites its member, due at once
(`next_send_at`). `send_due` drains what is due: it takes a batch under a lease (its rows are
not due again until the lease ends, so a sender that dies hands them on), and sends each email
on its own, marking it sent (`sent_at`) right after the mail server took it, and sends nothing
once its lease is nearly over (the rest is due again at once), so two senders never send the
same email. One sender drains at a time (a PostgreSQL advisory lock, released with its
connection when the process dies): a crash then interrupts at most one mail transaction, so it
loses no email and sends again at most the one the server had taken in the last instant
(SMTP offers no more than that); with several senders a crash in one could land just after
the server took another's email. A mail server that refuses or cannot be reached puts the batch
back with a back-off (1, 2, 4... minutes, at most an hour), until the link expires.

Only the hash of a link's token is stored: the sender draws the token when it writes the email
and stores its hash with `sent_at`, so no usable link ever rests in the database.

`kick` asks a worker to drain the outbox after a commit; with the broker down the emails wait
in the database and the periodic `staff.send_invitation_outbox` (under beat) sends them. Without
a broker the drain runs inline after the commit, and `clinicorg invitations send` sends what
a mail server outage left.
"""

import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinicorg.access.models import hash_token
from clinicorg.core.delivery import DELIVERY_ERRORS

from .models import Invitation

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)


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


def due(now=None):
    """The unsent ones due now: not waiting out a back-off, not held by a sender."""
    now = now or timezone.now()
    return unsent(now).filter(next_send_at__lte=now)


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(minutes=2 ** max(0, attempts - 1)))


def _claim(batch: int) -> list[int]:
    """Take up to `batch` due invitations under a lease; other senders skip them."""
    now = timezone.now()
    lease = timedelta(seconds=settings.MAIL_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            due(now)
            .select_for_update(skip_locked=True)
            .order_by("next_send_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            Invitation.objects.filter(pk__in=ids).update(
                next_send_at=now + lease, send_attempts=F("send_attempts") + 1
            )
    return ids


# The advisory lock key of the sender (any 64-bit number the installation uses for nothing else).
SENDER_LOCK = 0x636C696E6963_01


class _Sender:
    """The one sender of the installation, while held: a session-level advisory lock on
    PostgreSQL (SQLite runs one writer and has no concurrent senders)."""

    def __enter__(self) -> bool:
        self.held = True
        if db.vendor == "postgresql":
            with db.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [SENDER_LOCK])
                self.held = cur.fetchone()[0]
        return self.held

    def __exit__(self, *exc) -> None:
        if self.held and db.vendor == "postgresql":
            with db.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SENDER_LOCK])


def send_due(*, batch: int | None = None, seconds: float | None = None) -> int | None:
    """Send the due invitation emails, batch after batch, for at most `seconds` (all of them
    without a limit); returns how many went, or None when another sender is draining (it goes
    on with what is due). Stops at the first delivery failure."""
    with _Sender() as mine:
        return _send_due(batch=batch, seconds=seconds) if mine else None


def _send_due(*, batch: int | None, seconds: float | None) -> int:
    from .emails import invitation_message

    batch = batch or settings.MAIL_OUTBOX_BATCH
    deadline = None if seconds is None else time.monotonic() + seconds
    sent = 0
    lease = settings.MAIL_OUTBOX_LEASE_SECONDS
    while deadline is None or time.monotonic() < deadline:
        claimed_at = time.monotonic()
        ids = _claim(batch)
        if not ids:
            break
        # Nothing is sent once the lease is nearly over: another sender may take the rest then.
        lease_ends = claimed_at + lease * 0.8
        invitations = list(
            Invitation.objects.filter(pk__in=ids)
            .select_related("staff", "staff__organization", "sent_by")
            .order_by("pk")
        )
        connection = get_connection()
        done = []
        try:
            with connection:
                for inv in invitations:
                    if time.monotonic() >= lease_ends:
                        _release(invitations, done)
                        if not done:  # a lease too short to send even one: stop here
                            return sent
                        break
                    raw = secrets.token_urlsafe(32)
                    invitation_message(inv, raw, connection).send()
                    # At once, on its own: a crash after this line sends this email no more.
                    Invitation.objects.filter(pk=inv.pk).update(
                        token_hash=hash_token(raw), sent_at=timezone.now(), send_error=""
                    )
                    done.append(inv.pk)
        except DELIVERY_ERRORS as exc:
            _put_back(invitations, done, exc)
            return sent + len(done)
        sent += len(done)
    return sent


def _release(invitations, done: list[int]) -> None:
    """A batch that took longer than its lease: the unsent rest is due again at once."""
    sent = set(done)
    Invitation.objects.filter(
        pk__in=[inv.pk for inv in invitations if inv.pk not in sent], sent_at__isnull=True
    ).update(next_send_at=timezone.now())


def _put_back(invitations, done: list[int], exc: Exception) -> None:
    """The mail server failed: the unsent ones are due again after their back-off."""
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:300]
    left = [inv for inv in invitations if inv.pk not in set(done)]
    for inv in left:
        # send_attempts was counted when the batch was claimed.
        Invitation.objects.filter(pk=inv.pk, sent_at__isnull=True).update(
            next_send_at=now + backoff(inv.send_attempts), send_error=error
        )
    log.warning("%d invitation emails not sent, retried with back-off (%s)", len(left), error)


def kick() -> None:
    """After a commit: ask a worker to drain the outbox (inline without a broker). Never
    raises: a broker or mail server that is down leaves the emails due in the database."""
    from .tasks import send_invitation_outbox

    try:
        send_invitation_outbox.delay()
    except Exception as exc:
        log.warning("Invitation outbox not dispatched; the periodic sender will send it: %s", exc)
