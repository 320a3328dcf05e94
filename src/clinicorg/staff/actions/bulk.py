"""Bulk actions of the Employee Center: the per-member actions, applied to a selection.

Each member goes through the same action a single change uses (its rules, its policy check,
its audit event), one at a time; one member refused does not undo the others. The answer says
who changed and, for each member refused, the action's own message.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from clinicorg.core.errors import Conflict, Denied

from ..models import StaffMember
from .lifecycle import change_staff_status, resend_invitation

__all__ = ["BULK_LIMIT", "BulkOutcome", "change_staff_statuses", "resend_invitations"]

# At most this many members per bulk action (a few pages of the list).
BULK_LIMIT = 500


@dataclass
class BulkOutcome:
    done: list[StaffMember] = field(default_factory=list)
    refused: list[tuple[StaffMember, str]] = field(default_factory=list)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, Denied):
        return exc.decision.message
    return exc.message


def _each(members, call) -> BulkOutcome:
    members = list(members)
    if len(members) > BULK_LIMIT:
        raise ValidationError({"ids": f"Choose at most {BULK_LIMIT} members at a time."})
    outcome = BulkOutcome()
    for member in members:
        try:
            call(member)
        except (ValidationError, Conflict, Denied) as exc:
            outcome.refused.append((member, _message(exc)))
        else:
            outcome.done.append(member)
    return outcome


def change_staff_statuses(members, status: str, reason: str, *, actor) -> BulkOutcome:
    """`change_staff_status` for each member, with the same status and reason."""
    return _each(members, lambda m: change_staff_status(m, status, reason, actor=actor))


def resend_invitations(members, *, actor) -> BulkOutcome:
    """`resend_invitation` for each member (pending members; others are refused by it)."""
    return _each(members, lambda m: resend_invitation(m, actor=actor))
