"""The mail outbox: emails written with what they tell, sent after the commit by one sender.

An email the product owes someone is a row written in the transaction that decides it (an
invitation with its member, a reminder digest with the day's job, an appointment with its
confirmation, a password-reset link with the request's audit event), due at once: the row
carries the outbox fields `next_send_at` (when it is due; while a sender holds it, when that
sender's lease ends), `send_attempts`, `send_error` and `sent_at`. Each kind of row is
registered here (`register`) by the app that owns it, from its AppConfig: a kind says which of
its rows are still worth sending (`unsent`) and how to send one (`send`). The outbox knows no
app above core.

`send_due` drains what is due, kind after kind: it takes a batch under a lease (its rows are
not due again until the lease ends, so a sender that dies hands them on), and sends each email
on its own, marking it sent (`sent_at`) right after the mail server took it, and sends nothing
once its lease is nearly over (the rest is due again at once), so two senders never send the
same email. One sender drains at a time (a PostgreSQL advisory lock, released with its
connection when the process dies): a crash then interrupts at most one mail transaction, so it
loses no email and sends again at most the one the server had taken in the last instant
(SMTP offers no more than that); with several senders a crash in one could land just after
the server took another's email. A mail server that refuses or cannot be reached puts the batch
back with a back-off (1, 2, 4... minutes, at most an hour), for as long as its kind says the
email is still worth sending.

`kick` asks a worker to drain the outbox after a commit; with the broker down the emails wait
in the database and the periodic `core.send_outbox` (under beat, every
MAIL_OUTBOX_INTERVAL_SECONDS) sends them. Without a broker the drain runs inline after the
commit, and `clinicorg invitations send` sends what a mail server outage left.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .delivery import DELIVERY_ERRORS

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
# The advisory lock key of the sender (any 64-bit number the installation uses for nothing else).
SENDER_LOCK = 0x636C696E6963_01


@dataclass(frozen=True)
class Kind:
    """One kind of email in the outbox.

    `unsent(now)` is the queryset of the rows whose email is still to be sent and still worth
    sending (not sent; `next_send_at` set; not closed, expired or addressed to someone who may
    no longer hear it). `send(row, connection)` builds and sends the email of one row (read
    with `related`) and returns the fields to store with `sent_at` (e.g. the hash of a token
    drawn for the email). `noun` names one email of the kind, for people.
    """

    name: str
    noun: str
    unsent: Callable
    send: Callable
    related: tuple[str, ...] = ()

    @property
    def model(self):
        return self.unsent(timezone.now()).model

    def due(self, now=None):
        """The unsent rows due now: not waiting out a back-off, not held by a sender."""
        now = now or timezone.now()
        return self.unsent(now).filter(next_send_at__lte=now)


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the outbox (from the owning app's `ready`); registering again replaces."""
    _KINDS[kind.name] = kind
    return kind


def kinds() -> list[Kind]:
    """The registered kinds, in the order their apps were loaded."""
    return list(_KINDS.values())


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(minutes=2 ** max(0, attempts - 1)))


def unsent_counts(now=None) -> dict[str, int]:
    """How many emails of each kind are still to be sent (due now or waiting out a back-off)."""
    now = now or timezone.now()
    return {kind.name: kind.unsent(now).count() for kind in kinds()}


def claim(kind: Kind, batch: int) -> list[int]:
    """Take up to `batch` due rows of `kind` under a lease; other senders skip them."""
    now = timezone.now()
    lease = timedelta(seconds=settings.MAIL_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        ids = list(
            kind.due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_send_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            kind.model.objects.filter(pk__in=ids).update(
                next_send_at=now + lease, send_attempts=F("send_attempts") + 1
            )
    return ids


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


def drain(*, batch: int | None = None, seconds: float | None = None) -> dict[str, int] | None:
    """Send the due emails of every kind, batch after batch, for at most `seconds` (all of
    them without a limit); returns how many of each kind went, or None when another sender is
    draining (it goes on with what is due). Stops at the first delivery failure."""
    with _Sender() as mine:
        return _drain(batch=batch, seconds=seconds) if mine else None


def send_due(*, batch: int | None = None, seconds: float | None = None) -> int | None:
    """`drain`, counted: how many emails went, or None when another sender is draining."""
    sent = drain(batch=batch, seconds=seconds)
    return None if sent is None else sum(sent.values())


# What one batch came to: every email sent, the lease ran out, the mail server failed.
_SENT, _LEASE_OVER, _FAILED = "sent", "lease over", "failed"


def _drain(*, batch: int | None, seconds: float | None) -> dict[str, int]:
    batch = batch or settings.MAIL_OUTBOX_BATCH
    deadline = None if seconds is None else time.monotonic() + seconds
    sent = {kind.name: 0 for kind in kinds()}
    for kind in kinds():
        while deadline is None or time.monotonic() < deadline:
            claimed_at = time.monotonic()
            ids = claim(kind, batch)
            if not ids:
                break
            done, outcome = _send_batch(kind, ids, claimed_at=claimed_at)
            sent[kind.name] += done
            if outcome == _FAILED or (outcome == _LEASE_OVER and not done):
                return sent  # the mail server is down, or a lease too short to send even one
        else:
            break  # out of time
    return sent


def _send_batch(kind: Kind, ids: list[int], *, claimed_at: float) -> tuple[int, str]:
    # Nothing is sent once the lease is nearly over: another sender may take the rest then.
    lease_ends = claimed_at + settings.MAIL_OUTBOX_LEASE_SECONDS * 0.8
    rows = list(kind.model.objects.filter(pk__in=ids).select_related(*kind.related).order_by("pk"))
    connection = get_connection()
    done: list[int] = []
    try:
        with connection:
            for row in rows:
                if time.monotonic() >= lease_ends:
                    _release(kind, rows, done)
                    return len(done), _LEASE_OVER
                stored = kind.send(row, connection) or {}
                # At once, on its own: a crash after this line sends this email no more.
                kind.model.objects.filter(pk=row.pk).update(
                    sent_at=timezone.now(), send_error="", **stored
                )
                done.append(row.pk)
    except DELIVERY_ERRORS as exc:
        _put_back(kind, rows, done, exc)
        return len(done), _FAILED
    return len(done), _SENT


def _release(kind: Kind, rows, done: list[int]) -> None:
    """A batch that took longer than its lease: the unsent rest is due again at once."""
    sent = set(done)
    kind.model.objects.filter(
        pk__in=[row.pk for row in rows if row.pk not in sent], sent_at__isnull=True
    ).update(next_send_at=timezone.now())


def _put_back(kind: Kind, rows, done: list[int], exc: Exception) -> None:
    """The mail server failed: the unsent ones are due again after their back-off."""
    now = timezone.now()
    error = f"{type(exc).__name__}: {exc}"[:300]
    sent = set(done)
    left = [row for row in rows if row.pk not in sent]
    for row in left:
        # send_attempts was counted when the batch was claimed.
        kind.model.objects.filter(pk=row.pk, sent_at__isnull=True).update(
            next_send_at=now + backoff(row.send_attempts), send_error=error
        )
    log.warning("%d %s not sent, retried with back-off (%s)", len(left), kind.name, error)


def kick() -> None:
    """After a commit: ask a worker to drain the outbox (inline without a broker). Never
    raises: a broker or mail server that is down leaves the emails due in the database."""
    from .tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception as exc:
        log.warning("Mail outbox not dispatched; the periodic sender will send it: %s", exc)
