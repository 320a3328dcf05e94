"""Appointment confirmations in the mail outbox (`core.outbox`): written with the booking, sent
after its commit by the one sender, retried while the mail server or the broker is down.

A booking with a patient email is written due at once (`next_send_at`). Its confirmation is
worth sending while the appointment is still booked and still ahead: a patient who cancelled,
or whose visit is past, is sent nothing more.

Only the hash of the cancel link's token is stored: the sender draws the token when it writes
the email and stores its hash with `sent_at`, so no usable link ever rests in the database.
"""

import secrets

from django.utils import timezone

from clinicorg.access.models import hash_token
from clinicorg.core import outbox

from .models import Appointment, AppointmentStatus


def unsent(now=None):
    """Bookings whose confirmation the outbox has still to send."""
    return Appointment.objects.filter(
        sent_at__isnull=True,
        next_send_at__isnull=False,
        status=AppointmentStatus.BOOKED,
        starts_at__gt=now or timezone.now(),
    ).exclude(patient_email="")


def _send(appt: Appointment, connection) -> dict:
    from .emails import confirmation_message

    raw = secrets.token_urlsafe(32)
    confirmation_message(appt, raw, connection).send()
    return {"cancel_token_hash": hash_token(raw)}


CONFIRMATIONS = outbox.register(
    outbox.Kind(
        name="appointment confirmations",
        noun="appointment confirmation",
        unsent=unsent,
        send=_send,
        related=("provider", "location", "visit_type", "organization"),
    )
)
