"""What the security module keeps: the open sessions of each member, so that they can be ended
at once (deactivation, suspension) whatever the session store is, and each organization's
sign-in requirements. Second-factor devices are django-otp's (TOTP and recovery codes)."""

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
