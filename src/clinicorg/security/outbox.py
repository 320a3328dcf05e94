"""Password-reset emails in the mail outbox (`core.outbox`): written with the request, sent after
its commit by the one sender, retried while the mail server or the broker is down.

A link is worth sending while the member may still reset their password (`rules.
can_reset_password`: active or on leave, with a password set) and while the request is younger
than a link's lifetime (PASSWORD_RESET_TIMEOUT): whoever asked longer ago has asked again or
given up. The link's token is drawn when the email is written, so it lasts its full lifetime
from the moment it leaves, and nothing of it is stored.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinicorg.core import outbox

from . import rules
from .models import PasswordResetEmail


def unsent(now=None):
    """Reset emails the outbox has still to send."""
    now = now or timezone.now()
    return PasswordResetEmail.objects.filter(
        rules.may_reset_password("member"),
        sent_at__isnull=True,
        next_send_at__isnull=False,
        requested_at__gt=now - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
    )


def _send(row: PasswordResetEmail, connection) -> dict:
    from .emails import password_reset_message

    member = row.member
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    token = default_token_generator.make_token(member)
    password_reset_message(member, uid, token, connection).send()
    return {}


PASSWORD_RESETS = outbox.register(
    outbox.Kind(
        name="password reset emails",
        noun="password reset email",
        unsent=unsent,
        send=_send,
        related=("member", "member__organization"),
    )
)
