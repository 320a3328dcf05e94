"""What the security module keeps: the open sessions of each member, so that they can be ended
at once (deactivation, suspension) whatever the session store is, each organization's sign-in
requirements, and the password-reset emails owed. Second-factor devices are django-otp's (TOTP
and recovery codes)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class MemberSession(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    signed_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["member"], name="member_session_member")]

    def __str__(self) -> str:
        return f"session of member {self.member_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"


class TwoFactorRequirement(models.TextChoices):
    NOBODY = "nobody", "Nobody: each member chooses"
    ADMINISTRATORS = "administrators", "Members whose role has Administration permissions"
    EVERYONE = "everyone", "Everyone"


class SecurityPolicy(models.Model):
    """An organization's sign-in requirements. No row means the defaults."""

    organization = models.OneToOneField(
        "core.Organization", on_delete=models.CASCADE, related_name="security_policy"
    )
    two_factor_required_for = models.CharField(
        "require two-factor sign-in for",
        max_length=16,
        choices=TwoFactorRequirement.choices,
        default=TwoFactorRequirement.NOBODY,
    )

    def __str__(self) -> str:
        return f"security policy of organization {self.organization_id}"


class PasswordResetEmail(models.Model):
    """A password-reset link owed to a member: a row of the mail outbox (`core.outbox`,
    `security.outbox`), written with the request and sent after its commit. The link is drawn
    when the email is written (Django's signed token): nothing of it is stored."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # The outbox fields (core.outbox).
    next_send_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_send_at"],
                name="password_reset_outbox",
                condition=models.Q(sent_at__isnull=True, next_send_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return (
            f"password reset email to member {self.member_id} ({self.requested_at:%Y-%m-%d %H:%M})"
        )
