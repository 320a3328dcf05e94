"""The rules of signing in: who must use a second factor, who has one, who may reset a
password. Every front end (pages, API, CLI) asks these functions, never a copy."""

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_otp import user_has_device

from .models import SecurityPolicy, TwoFactorRequirement

ADMINISTRATION_PREFIX = "administration."


def two_factor_requirement(organization_id: int) -> str:
    policy = SecurityPolicy.objects.filter(organization_id=organization_id).first()
    return policy.two_factor_required_for if policy else TwoFactorRequirement.NOBODY


def two_factor_required(member) -> bool:
    """Whether the member's organization requires them to sign in with a second factor."""
    required_for = two_factor_requirement(member.organization_id)
    if required_for == TwoFactorRequirement.EVERYONE:
        return True
    if required_for == TwoFactorRequirement.ADMINISTRATORS:
        role = member.role
        return role is not None and any(
            name.startswith(ADMINISTRATION_PREFIX) for name in role.permission_set
        )
    return False


def has_two_factor(member) -> bool:
    """Whether the member has an authenticator app set up (a confirmed TOTP device)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=member, confirmed=True).exists()


def has_any_device(member) -> bool:
    return user_has_device(member, confirmed=True)


def check_can_disable_two_factor(member) -> None:
    if two_factor_required(member):
        raise ValidationError(
            "Your organization requires two-factor sign-in for you; it cannot be turned off. "
            "An administrator can reset it if you lost your device."
        )


def can_reset_password(member) -> bool:
    """Only a member who may sign in (active, on leave) with a password already set can reset
    it: a deactivated or suspended member cannot reset their way back in, and an invited
    member sets a first password through the invitation."""
    return member is not None and member.is_active and member.has_usable_password()


def may_reset_password(member: str = "member") -> Q:
    """`can_reset_password` as a condition on the member reached through the field `member`
    (a queryset of rows owed to members: the outbox's reset emails)."""
    from clinicorg.staff.models import SIGN_IN_STATUSES

    return Q(**{f"{member}__status__in": SIGN_IN_STATUSES}) & ~Q(
        **{f"{member}__password__startswith": UNUSABLE_PASSWORD_PREFIX}
    )


def recovery_codes_left(member) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=member, device__confirmed=True).count()
