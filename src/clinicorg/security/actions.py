"""Writes of the security module: unlocking a member's sign-in, recording a lockout."""

from axes.utils import reset as reset_lockout
from django.db import transaction

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core import audit


def unlock_sign_in(member, *, actor) -> None:
    """Clear the sign-in lockout of the member's account (django-axes), before its cool-off."""
    policy.require(actor, P.MANAGE_STAFF, member.primary_location)
    email = member.email
    with transaction.atomic():
        audit.record(
            "unlock_sign_in", actor=actor, target=member, changes={"sign_in": ["locked", "open"]}
        )
    # The count lives in the cache, outside the transaction; clear it once the event is written.
    reset_lockout(username=email)


def record_lockout(member, ip_address: str | None) -> None:
    """The audit event of a lockout (system actor: nobody signed in did it)."""
    with transaction.atomic():
        audit.record(
            "lock_out_sign_in",
            actor=None,
            organization_id=member.organization_id,
            target=member,
            changes={"sign_in": ["open", "locked"], "ip_address": [None, ip_address]},
        )
