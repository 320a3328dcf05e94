"""Reminder settings of an organization, the record of every reminder digest (also its email in
the mail outbox), and of every license stage announced."""

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

    A license is announced once in each of its stages: within each of `windows` (days before
    expiry), from its expiry day, and each further week while it stays expired (see
    `reports.queries.reminder_stage`); the digest that announces it lists everything in the
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
    the row and sends nothing. `items` keeps what the digest listed. The row is also its
    email in the mail outbox (`core.outbox`, `reports.outbox`): written by the daily job,
    due at once (`next_send_at`), sent by the one sender (`sent_at`, and the address it went
    to in `email`), retried with back-off (`send_attempts`, `send_error`) while the mail
    server does not take it.
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
    # The outbox: when its email is due (or, while a sender holds it, when that sender's lease
    # ends).
    next_send_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="reminder_digest_once_a_day"),
        ]
        indexes = [
            models.Index(fields=["organization", "-day"], name="reminder_digest_org_day"),
            models.Index(
                fields=["next_send_at"],
                name="reminder_digest_outbox",
                condition=models.Q(sent_at__isnull=True, next_send_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Digest for {self.email} on {self.day}"

    @property
    def audit_location_id(self) -> int:
        return self.recipient.primary_location_id


class LicenseAnnouncement(models.Model):
    """That the daily job told everyone in a license's scope of one of its stages, on `day`.

    A stage (`reports.queries.reminder_stage`) is the smallest reminder window the days left
    fit in, 0 for the week from the expiry day, -1 for the week after, and so on. A license is
    announced in a digest when its stage of the day has no row here, whatever days the job
    did not run: a license that entered a window on a day the job skipped is told at its next
    run. The expiry date is part of the key: a license given a new date starts over.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    license = models.ForeignKey(
        "staff.License", on_delete=models.CASCADE, related_name="announcements"
    )
    expires_on = models.DateField()
    stage = models.SmallIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["license", "expires_on", "stage"], name="license_stage_announced_once"
            ),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="license_announced_org_day")]

    def __str__(self) -> str:
        return f"{self.license} announced at stage {self.stage} on {self.day}"
