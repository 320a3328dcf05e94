"""Writes of the security module: sign-in lockout, two-factor devices and recovery codes, the
organization's two-factor requirement, and password reset. Each records its audit event."""

from axes.utils import reset as reset_lockout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core import audit, outbox

from . import rules
from .models import PasswordResetEmail, SecurityPolicy, TwoFactorRequirement
from .sessions import end_sessions

RECOVERY_CODES = 10
RECOVERY_DEVICE = "Recovery codes"
AUTHENTICATOR_DEVICE = "Authenticator app"


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


# Two-factor sign-in (django-otp): one TOTP device (an authenticator app) and one static
# device holding single-use recovery codes per member.


def _own(member, actor) -> None:
    """A member manages their own second factor; nobody else does (an administrator resets)."""
    if getattr(actor, "pk", None) != member.pk:
        raise ValidationError("Only the member can change their own two-factor sign-in.")


def begin_two_factor_enrollment(member, *, actor) -> TOTPDevice:
    """The authenticator secret waiting to be confirmed with a first code; the same one until
    then, so that reloading the page does not invalidate a code already scanned."""
    _own(member, actor)
    pending = TOTPDevice.objects.filter(user=member, confirmed=False).first()
    if pending is not None:
        return pending
    with transaction.atomic():
        device = TOTPDevice.objects.create(user=member, name=AUTHENTICATOR_DEVICE, confirmed=False)
        audit.record(
            "begin_two_factor_enrollment",
            actor=actor,
            target=member,
            changes={"two_factor": [None, "pending"]},
        )
    return device


def _new_recovery_codes(member) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=member, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def enable_two_factor(member, code: str, *, actor) -> list[str]:
    """Confirm the pending authenticator with a code it shows; answers the new recovery codes
    (shown once)."""
    _own(member, actor)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=member, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise ValidationError(
                {"code": "Start again: no authenticator is waiting to be set up."}
            )
        if not device.verify_token((code or "").strip()):
            raise ValidationError({"code": "That code does not match. Enter the current code."})
        TOTPDevice.objects.filter(user=member, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(member)
        audit.record(
            "enable_two_factor",
            actor=actor,
            target=member,
            changes={"two_factor": ["off", "on"], "recovery_codes": [None, len(codes)]},
        )
    return codes


def regenerate_recovery_codes(member, *, actor) -> list[str]:
    """New recovery codes; the earlier ones stop working."""
    _own(member, actor)
    if not rules.has_two_factor(member):
        raise ValidationError("Set up two-factor sign-in first.")
    with transaction.atomic():
        codes = _new_recovery_codes(member)
        audit.record(
            "regenerate_recovery_codes",
            actor=actor,
            target=member,
            changes={"recovery_codes": ["replaced", len(codes)]},
        )
    return codes


def verify_sign_in_code(member, code: str):
    """The device that accepts `code` (a current authenticator code, or an unused recovery code,
    which is then used up), or None. A code accepted once is refused after (django-otp keeps
    the last time step used)."""
    code = "".join((code or "").split()).lower()
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=member, confirmed=True):
            if code.isdigit() and device.verify_token(code):
                return device
        for device in StaticDevice.objects.select_for_update().filter(user=member, confirmed=True):
            if device.verify_token(code):
                left = device.token_set.count()
                audit.record(
                    "use_recovery_code",
                    actor=member,
                    target=member,
                    changes={"recovery_codes": [left + 1, left]},
                )
                return device
    return None


def _remove_devices(member) -> bool:
    had = rules.has_any_device(member)
    TOTPDevice.objects.filter(user=member).delete()
    StaticDevice.objects.filter(user=member).delete()
    return had


def disable_two_factor(member, *, actor) -> None:
    """Turn off the member's own second factor (the page asks for the password and a code
    first); refused while the organization requires it of them."""
    _own(member, actor)
    rules.check_can_disable_two_factor(member)
    with transaction.atomic():
        _remove_devices(member)
        audit.record(
            "disable_two_factor", actor=actor, target=member, changes={"two_factor": ["on", "off"]}
        )


def reset_two_factor(member, *, actor) -> dict:
    """An administrator removes a member's authenticator and recovery codes (a lost phone) and
    signs them out everywhere; at their next sign-in they set it up again if required."""
    policy.require_member(actor, member)
    with transaction.atomic():
        had = _remove_devices(member)
        changes = {"two_factor": ["on" if had else "off", "off"]}
        ended = end_sessions(member)
        if ended:
            changes["sessions_ended"] = [None, ended]
        audit.record("reset_two_factor", actor=actor, target=member, changes=changes)
    return changes


def set_two_factor_requirement(required_for: str, *, actor) -> dict:
    """Who in the actor's organization must sign in with a second factor."""
    policy.require(actor, P.MANAGE_SETTINGS)
    if required_for not in TwoFactorRequirement.values:
        raise ValidationError({"two_factor_required_for": "Choose one of the options."})
    with transaction.atomic():
        current, _ = SecurityPolicy.objects.select_for_update().get_or_create(
            organization_id=actor.organization_id
        )
        old = current.two_factor_required_for
        if old == required_for:
            return {}
        current.two_factor_required_for = required_for
        current.save(update_fields=["two_factor_required_for"])
        changes = {"two_factor_required_for": [old, required_for]}
        audit.record(
            "set_two_factor_requirement",
            actor=actor,
            target=current,
            target_label="two-factor sign-in",
            changes=changes,
        )
    return changes


# Password reset: Django's signed tokens (nothing stored; the link carries an HMAC over the
# member's password hash, last sign-in and email, so it stops working once used, and it expires
# after PASSWORD_RESET_TIMEOUT).


def request_password_reset(email: str) -> bool:
    """Email a reset link to the member with this address if they may reset; the caller answers
    the same either way. Answers whether a link was sent (for the tests and the CLI only)."""
    from clinicorg.staff.models import StaffMember

    member = StaffMember.objects.filter(email__iexact=(email or "").strip()).first()
    if not rules.can_reset_password(member):
        return False
    with transaction.atomic():
        # The email leaves through the mail outbox (security.outbox), after the commit.
        PasswordResetEmail.objects.create(member=member, next_send_at=timezone.now())
        audit.record(
            "request_password_reset",
            actor=None,
            organization_id=member.organization_id,
            target=member,
            changes={"password_reset": [None, "link sent"]},
        )
        transaction.on_commit(outbox.kick, robust=True)
    return True


def reset_password(member, password: str) -> dict:
    """Set the member's new password from a reset link (the member acts), end every session
    they had open, and clear a sign-in lockout of their account."""
    if not rules.can_reset_password(member):
        raise ValidationError("This account cannot sign in; ask your administrator.")
    with transaction.atomic():
        member.set_password(password)
        member.save(update_fields=["password"])
        changes = {"password": [None, "reset"]}
        ended = end_sessions(member)
        if ended:
            changes["sessions_ended"] = [None, ended]
        audit.record("reset_password", actor=member, target=member, changes=changes)
    reset_lockout(username=member.email)
    return changes
