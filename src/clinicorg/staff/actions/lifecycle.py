"""The staff lifecycle: invitations, acceptance, status changes, email changes.

Invitation links carry a random token; only its SHA-256 is stored. An invitation is written
with its email due (the outbox, `staff.outbox`) in the inviting transaction; the email goes
out after the commit, from a worker with Redis, inline without it.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import hash_token
from clinicorg.core import audit, bulk
from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.writes import save_unique
from clinicorg.directory.models import Location
from clinicorg.security.sessions import end_member_access

from .. import outbox
from ..models import SIGN_IN_STATUSES, TRANSITIONS, Invitation, StaffMember, Status
from ..rules import status_change_error
from .records import (
    EMAIL_TAKEN,
    STAFF_CONSTRAINTS,
    create_staff,
    ensure_not_last_admin,
    normalize_email,
)

__all__ = [
    "NO_ACTIVE_LOCATION",
    "RESEND_LIMIT",
    "RESEND_WINDOW",
    "InvitationInvalid",
    "invite_staff",
    "issue_invitations",
    "resend_invitation",
    "resend_pending_invitations",
    "revoke_invitation",
    "open_invitation",
    "find_invitation",
    "accept_invitation",
    "allowed_statuses",
    "change_staff_status",
    "change_staff_email",
]

NO_ACTIVE_LOCATION = (
    "The organization has no active location yet. Every staff member needs a primary "
    "location: create a location first, then invite staff."
)
# At most this many invitations per member in a rolling window (the first one included).
RESEND_LIMIT = 3
RESEND_WINDOW = timedelta(hours=1)
ASK_ADMIN = "Ask your administrator to send you a new invitation."


class InvitationInvalid(Conflict):
    """An invitation link that cannot be used; `code` says why (used, expired, ...)."""


def _day(moment) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _open_invitations():
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, superseded_at__isnull=True
    )


def _needs_invitation(member: StaffMember) -> bool:
    """Pending members, and active ones who never set a password (activated by hand)."""
    if member.status == Status.PENDING:
        return True
    return member.status == Status.ACTIVE and not member.has_usable_password()


def invite_staff(
    data: dict, *, actor, send: bool = True, extra_locations=(), all_locations: bool = False
) -> StaffMember:
    """Create a pending member and (unless `send` is False) email them an invitation."""
    if not Location.objects.filter(organization_id=actor.organization_id, status="active").exists():
        policy.require(actor, P.MANAGE_STAFF)
        raise Conflict(NO_ACTIVE_LOCATION, code="no_active_location")
    with transaction.atomic():
        member = create_staff(
            data,
            actor=actor,
            status=Status.PENDING,
            extra_locations=extra_locations,
            all_locations=all_locations,
        )
        if send:
            issue_invitations([member], actor=actor)
    return member


def issue_invitations(members, *, actor, new_members: bool = False) -> list[int]:
    """Issue invitations to pending members; their emails are in the outbox with them and
    leave after the commit. Returns the new invitations' ids.

    Made for bulk use (imports): one policy check per distinct location, bulk inserts, one
    audit event, and one on-commit hook that kicks the outbox. Any earlier open invitation of
    these members is superseded, unless `new_members` says they were created in this
    transaction (an import's), so that none of theirs can exist.
    """
    return _issue(members, actor=actor, action="send_invitation", supersede=not new_members)


def _issue(
    members, *, actor, action: str, bulk_action: str = "send_invitations", supersede=True
) -> list[int]:
    members = list(members)
    if not members:
        return []
    policy.require(actor, P.MANAGE_STAFF)
    for m in members:
        if m.organization_id != actor.organization_id:
            raise Conflict("A member belongs to another organization.", code="wrong_organization")
    _require_members(actor, members)
    for m in members:
        if not _needs_invitation(m):
            raise Conflict(
                f"{m.full_name} is {m.get_status_display().lower()}; only pending members "
                "are invited.",
                code="not_pending",
            )
    now = timezone.now()
    expires = now + timedelta(days=settings.INVITATION_TTL_DAYS)
    sent_by_id = actor.pk if isinstance(actor, StaffMember) else None
    ids = [m.pk for m in members]
    # Placeholders nobody holds the token of: the outbox draws each link's token when it sends
    # the email, so that no usable link rests in the database.
    hashes = [hash_token(_new_token()) for _ in members]
    with transaction.atomic():
        for start in range(0, len(ids) if supersede else 0, 500):
            _open_invitations().filter(staff_id__in=ids[start : start + 500]).update(
                superseded_at=now
            )
        # Rows go in as plain tuples with ids reserved up front (COPY on PostgreSQL,
        # executemany on SQLite), as an import writes its members: building and compiling a
        # model instance per row cost most of the time of a 100,000-member import.
        names = [f.attname for f in Invitation._meta.concrete_fields]
        template = [
            {
                "created_at": now,
                "expires_at": expires,
                "sent_by_id": sent_by_id,
                "next_send_at": now,
                "send_attempts": 0,
                "send_error": "",
            }.get(n)
            for n in names
        ]
        at_id, at_staff, at_hash = (names.index(n) for n in ("id", "staff_id", "token_hash"))
        rows = []
        for pk, staff_id, token_hash in zip(
            bulk.allocate_ids(Invitation, len(members)), ids, hashes, strict=True
        ):
            row = template.copy()
            row[at_id], row[at_staff], row[at_hash] = pk, staff_id, token_hash
            rows.append(row)
        bulk.insert_rows(Invitation, names, rows)
        if len(members) == 1:
            audit.record(
                action,
                actor=actor,
                target=members[0],
                changes={"invitation_expires_at": [None, expires.isoformat()]},
            )
        else:
            audit.record(
                bulk_action,
                actor=actor,
                target_type="staffmember",
                target_label=f"{len(members)} staff members",
                changes={
                    "staff_ids": [None, ids],
                    "invitation_expires_at": [None, expires.isoformat()],
                },
            )
        # robust: a mail or broker outage must not fail the request after the commit; the
        # emails wait in the outbox for the periodic sender.
        transaction.on_commit(outbox.kick, robust=True)
    return [row[at_id] for row in rows]


def _require_members(actor, members) -> None:
    """`policy.require_member` for many members, with their access read in two queries and
    one decision per shape of access (an import invites 100,000 members of a few shapes)."""
    for decision in _member_decisions(actor, members).values():
        if not decision.allowed:
            raise Denied(decision)


def _member_decisions(actor, members) -> dict:
    """The decision of `policy.explain_member_access` for each member (by id)."""
    from clinicorg.access.models import Role

    ids = [m.pk for m in members]
    through = StaffMember.extra_locations.through
    extra: dict[int, set[int]] = {}
    for start in range(0, len(ids), 5000):
        for sid, lid in through.objects.filter(
            staffmember_id__in=ids[start : start + 5000], location__status="active"
        ).values_list("staffmember_id", "location_id"):
            extra.setdefault(sid, set()).add(lid)
    roles = Role.objects.in_bulk({m.role_id for m in members})
    locations = Location.objects.in_bulk({m.primary_location_id for m in members})
    decided: dict = {}
    by_member = {}
    for m in members:
        primary = locations[m.primary_location_id]
        ids_ = frozenset({primary.pk} if primary.is_active else set()) | frozenset(
            extra.get(m.pk, ())
        )
        key = (m.primary_location_id, m.all_locations, ids_, m.role_id)
        if key not in decided:
            decided[key] = policy.explain_member_access(
                actor,
                P.MANAGE_STAFF,
                label=str(m),
                primary_location=primary,
                all_locations=m.all_locations,
                location_ids=ids_,
                role=roles[m.role_id],
            )
        by_member[m.pk] = decided[key]
    return by_member


def open_invitation(member: StaffMember) -> Invitation | None:
    """The member's usable invitation, if any (not used, revoked, superseded)."""
    return _open_invitations().filter(staff=member).order_by("-created_at").first()


def resend_invitation(member: StaffMember, *, actor) -> Invitation:
    """A new link for a pending member; the previous one stops working. Rate-limited."""
    policy.require_member(actor, member)
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().get(pk=member.pk)
        if not _needs_invitation(member):
            raise Conflict(
                f"{member.full_name} is {member.get_status_display().lower()} and has already "
                "set a password; there is no invitation to resend.",
                code="not_pending",
            )
        since = timezone.now() - RESEND_WINDOW
        recent = list(
            member.invitations.filter(created_at__gte=since)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(recent) >= RESEND_LIMIT:
            retry = recent[-RESEND_LIMIT] + RESEND_WINDOW
            minutes = max(1, int((retry - timezone.now()).total_seconds() // 60) + 1)
            raise Conflict(
                f"{member.email} has been sent {len(recent)} invitations in the last hour. "
                f"Try again in {minutes} minutes, or ask them to check their spam folder.",
                code="rate_limited",
                details={"retry_after_minutes": minutes},
            )
        (pk,) = _issue([member], actor=actor, action="resend_invitation")
        return Invitation.objects.get(pk=pk)


def resend_pending_invitations(*, actor) -> int:
    """A new invitation for every pending member the actor manages who holds no usable link
    (none was issued, or it expired): the way out after invitations were lost or left to
    expire. Members who still hold an open link are left alone (their own Resend is
    rate-limited). At most once per BULK_RESEND_INTERVAL_MINUTES per organization; one audit
    event. Returns how many were invited."""
    from clinicorg.core.models import AuditEvent

    policy.require(actor, P.MANAGE_STAFF)
    now = timezone.now()
    interval = timedelta(minutes=settings.BULK_RESEND_INTERVAL_MINUTES)
    with transaction.atomic():
        last = (
            AuditEvent.objects.filter(
                organization_id=actor.organization_id,
                action="resend_pending_invitations",
                occurred_at__gt=now - interval,
            )
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        if last is not None:
            minutes = max(1, int((last + interval - now).total_seconds() // 60) + 1)
            raise Conflict(
                "Pending invitations were resent less than "
                f"{settings.BULK_RESEND_INTERVAL_MINUTES} minutes ago. Try again in "
                f"{minutes} minutes.",
                code="rate_limited",
                details={"retry_after_minutes": minutes},
            )
        holding = _open_invitations().filter(expires_at__gt=now).values("staff_id")
        candidates = list(
            StaffMember.objects.visible_to(actor)
            .filter(status=Status.PENDING)
            .exclude(pk__in=holding)
            .order_by("pk")
        )
        decisions = _member_decisions(actor, candidates)
        members = [m for m in candidates if decisions[m.pk].allowed]
        for start in range(0, len(members), 5000):
            _issue(
                members[start : start + 5000],
                actor=actor,
                action="resend_pending_invitations",
                bulk_action="resend_pending_invitations",
            )
    return len(members)


def revoke_invitation(member: StaffMember, *, actor) -> Invitation:
    """Make the pending member's link unusable; they stay pending (resend or deactivate)."""
    policy.require_member(actor, member)
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().get(pk=member.pk)
        invitation = open_invitation(member)
        if invitation is None:
            raise Conflict(
                f"{member.full_name} has no open invitation to revoke.", code="no_invitation"
            )
        now = timezone.now()
        _open_invitations().filter(staff=member).update(revoked_at=now)
        invitation.revoked_at = now
        audit.record(
            "revoke_invitation",
            actor=actor,
            target=member,
            changes={"invitation": ["open", "revoked"]},
        )
    return invitation


def find_invitation(raw_token: str, *, lock: bool = False) -> Invitation:
    """The invitation of a link, or InvitationInvalid saying why it cannot be used."""
    qs = Invitation.objects.select_related("staff", "staff__organization")
    if lock:
        qs = qs.select_for_update(of=("self",))
    invitation = qs.filter(token_hash=hash_token(raw_token or "")).first()
    if invitation is None:
        raise InvitationInvalid(
            f"This invitation link is not valid. Check that you opened the whole link. {ASK_ADMIN}",
            code="invalid",
        )
    member = invitation.staff
    if invitation.accepted_at is not None:
        raise InvitationInvalid(
            "This invitation link has already been used. Sign in with your email and the "
            "password you set; if you can’t, ask your administrator for a new invitation.",
            code="used",
        )
    if invitation.revoked_at is not None:
        raise InvitationInvalid(f"This invitation was withdrawn. {ASK_ADMIN}", code="revoked")
    if invitation.superseded_at is not None:
        raise InvitationInvalid(
            "A newer invitation was sent after this one, so this link no longer works. Use the "
            f"link in the newest email. {ASK_ADMIN}",
            code="superseded",
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            f"This invitation link expired on {_day(invitation.expires_at)}. {ASK_ADMIN}",
            code="expired",
        )
    if not _needs_invitation(member):
        raise InvitationInvalid(
            f"This account is {member.get_status_display().lower()}, so the invitation can no "
            f"longer be used. {ASK_ADMIN}",
            code="inactive",
        )
    return invitation


def accept_invitation(raw_token: str, password: str) -> StaffMember:
    """Set the member's password from their invitation link and make them active."""
    with transaction.atomic():
        invitation = find_invitation(raw_token, lock=True)
        member = StaffMember.objects.select_for_update().get(pk=invitation.staff_id)
        try:
            validate_password(password or "", user=member)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        now = timezone.now()
        old_status = member.status
        member.set_password(password)
        member.status = Status.ACTIVE
        member.status_changed_at = now if old_status != Status.ACTIVE else member.status_changed_at
        member.updated_at = now
        member.save(update_fields=["password", "status", "status_changed_at", "updated_at"])
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=now)
        _open_invitations().filter(staff=member).update(superseded_at=now)
        audit.record(
            "accept_invitation",
            actor=member,
            target=member,
            changes={"status": [old_status, Status.ACTIVE]},
        )
    return member


def allowed_statuses(member: StaffMember) -> list[str]:
    """Statuses the member may move to next, in display order."""
    nexts = TRANSITIONS.get(member.status, frozenset())
    return [s for s in Status.values if s in nexts]


def _status_action(old: str, new: str) -> str:
    if new == Status.DEACTIVATED:
        return "deactivate_staff"
    if old == Status.DEACTIVATED:
        return "reactivate_staff"
    return "change_staff_status"


def change_staff_status(member: StaffMember, status: str, reason: str, *, actor) -> StaffMember:
    """Move a member along the status machine (staff.models.TRANSITIONS), with a reason.

    Deactivation and suspension end every session of the member at once and revoke the API
    tokens they created (security.sessions), so a later reactivation revives none; deactivation
    also withdraws their open invitation. History and records stay.
    """
    policy.require_member(actor, member)
    status = (status or "").strip()
    reason = (reason or "").strip()
    errors = {}
    if status not in Status.values:
        errors["status"] = status_change_error("", status, label="")
    if not reason:
        errors["reason"] = "Say why the status changes; the reason is kept in the audit log."
    elif len(reason) > 500:
        errors["reason"] = "Keep the reason under 500 characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = (
            StaffMember.objects.select_for_update(of=("self",))
            .select_related("role")
            .get(pk=member.pk)
        )
        old = member.status
        message = status_change_error(old, status, label=member.full_name)
        if message:
            raise ValidationError({"status": message})
        if isinstance(actor, StaffMember) and actor.pk == member.pk:
            raise ValidationError(
                {"status": "You cannot change your own status; ask another administrator."}
            )
        ensure_not_last_admin(member, new_status=status)
        now = timezone.now()
        member.status = status
        member.status_changed_at = now
        member.updated_at = now
        member.save(update_fields=["status", "status_changed_at", "updated_at"])
        changes = {"status": [old, status], "reason": [None, reason]}
        if status not in SIGN_IN_STATUSES:
            changes.update(end_member_access(member, now=now))
        if status == Status.DEACTIVATED:
            open_count = _open_invitations().filter(staff=member).update(revoked_at=now)
            if open_count:
                changes["invitation"] = ["open", "revoked"]
        audit.record(_status_action(old, status), actor=actor, target=member, changes=changes)
    return member


def change_staff_email(member: StaffMember, email: str, *, actor) -> StaffMember:
    """Change a deactivated member's email, which frees the old address for a new account."""
    policy.require_member(actor, member)
    email = normalize_email(email)
    if not email:
        raise ValidationError({"email": "Enter the new email address."})
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    if len(email) > 254:
        raise ValidationError({"email": "An email address has at most 254 characters."})
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().get(pk=member.pk)
        if member.status != Status.DEACTIVATED:
            raise ValidationError(
                {
                    "email": "Only a deactivated member's email can be changed here. To give "
                    "this address to someone new, deactivate the member first."
                }
            )
        old = member.email
        if email == old:
            raise ValidationError({"email": "That is the current email address."})
        if StaffMember.objects.exclude(pk=member.pk).filter(email__iexact=email).exists():
            raise ValidationError({"email": EMAIL_TAKEN})
        member.email = email
        member.updated_at = timezone.now()
        save_unique(member, STAFF_CONSTRAINTS, update_fields=["email", "updated_at"])
        audit.record(
            "change_staff_email", actor=actor, target=member, changes={"email": [old, email]}
        )
    return member
