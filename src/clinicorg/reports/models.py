"""Reminder settings of an organization, and the record of every reminder digest sent."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clinicorg.core.models import Organization

DEFAULT_WINDOWS = (90, 60, 30, 7)
MAX_WINDOW_DAYS = 365
MAX_WINDOWS = 8


def default_windows() -> list[int]:
    return list(DEFAULT_WINDOWS)


def validate_windows(value) -> None:
    """A list of 1–8 distinct whole numbers of days, each 1–365."""
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError("Give at least one reminder window, in days (e.g. 90, 60, 30).")
    if len(value) > MAX_WINDOWS:
        raise ValidationError(f"Give at most {MAX_WINDOWS} reminder windows.")
    for days in value:
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_WINDOW_DAYS:
            raise ValidationError(
                f"Each window is a whole number of days from 1 to {MAX_WINDOW_DAYS}; "
                f"{days!r} is not."
            )
    if len(set(value)) != len(value):
        raise ValidationError("Each reminder window may appear only once.")


class ReminderSettings(models.Model):
    """When an organization's license expiry reminders go out.

    A license is announced when the days left reach one of `windows`, on its expiry day, and
    then weekly while it stays expired; the digest that announces it lists everything in the
    reader's scope that is expired or expires within the largest window.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    enabled = models.BooleanField(default=True)
    windows = models.JSONField(default=default_windows, validators=[validate_windows])
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "reminder settings"

    def __str__(self) -> str:
        return f"Reminders of {self.organization}"

    @property
    def horizon(self) -> int:
        return max(self.windows)


class ReminderDigest(models.Model):
    """One license expiry digest for one person on one day (in the organization's time zone).

    The unique constraint makes the daily job idempotent: a second run on the same day finds
    the row and sends nothing. `items` keeps what the digest listed.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="reminder_digests"
    )
    recipient = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="reminder_digests"
    )
    day = models.DateField()
    email = models.EmailField(max_length=254)
    items = models.JSONField(default=list)
    announced = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="reminder_digest_once_a_day"),
        ]
        indexes = [models.Index(fields=["organization", "-day"], name="reminder_digest_org_day")]

    def __str__(self) -> str:
        return f"Digest for {self.email} on {self.day}"

    @property
    def audit_location_id(self) -> int:
        return self.recipient.primary_location_id
