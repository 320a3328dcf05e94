"""Visit types, weekly availability with date overrides and time off, appointments, and the
organization's online-booking settings."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from clinicorg.core.models import Organization

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class SchedulingSettings(models.Model):
    """Per organization: whether patients may book online, and when."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="scheduling_settings"
    )
    online_booking_enabled = models.BooleanField(default=False)
    minimum_notice_minutes = models.PositiveIntegerField(
        default=120,
        validators=[MaxValueValidator(60 * 24 * 30)],
        help_text="How long before a start a patient may still book it online.",
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How far ahead starts are offered.",
    )

    def __str__(self) -> str:
        return f"Scheduling settings of {self.organization_id}"


class VisitTypeQuerySet(models.QuerySet):
    def visible_to(self, actor):
        from clinicorg.access import policy

        return policy.org_scope(self, actor)


class VisitType(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="visit_types"
    )
    name = models.CharField(max_length=100)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    is_active = models.BooleanField(default=True)
    online_bookable = models.BooleanField(
        default=False, help_text="Patients may book this visit type on the public page."
    )
    providers = models.ManyToManyField("staff.StaffMember", blank=True, related_name="visit_types")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = VisitTypeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "organization", name="visit_type_name_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"


class AvailabilityWindow(models.Model):
    """A weekly window in the location's time zone: weekday 0 is Monday."""

    provider = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="availability_windows"
    )
    location = models.ForeignKey(
        "directory.Location", on_delete=models.CASCADE, related_name="availability_windows"
    )
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time", "id"]
        indexes = [models.Index(fields=["location", "provider"], name="avail_loc_provider")]

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityOverride(models.Model):
    """On its date, the override windows of a location replace that weekday's windows."""

    provider = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="availability_overrides"
    )
    location = models.ForeignKey(
        "directory.Location", on_delete=models.CASCADE, related_name="availability_overrides"
    )
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["provider", "date"], name="override_provider_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """A period in which the provider takes no appointments, at any location."""

    provider = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["provider", "ends_at"], name="timeoff_provider_end")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


class Source(models.TextChoices):
    STAFF = "staff", "Staff"
    ONLINE = "online", "Online"


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, actor, permission: str = "calendar.view_appointments"):
        """Appointments at the locations where the policy lets the actor hold `permission`
        (view, by default); a provider always sees their own."""
        from clinicorg.access import policy
        from clinicorg.directory.models import Location

        if actor is None or not getattr(actor, "is_authenticated", True) or not actor.is_active:
            return self.none()
        where = models.Q(
            location__in=policy.location_scope(Location.objects.all(), actor, permission)
        )
        if not getattr(actor, "is_token", True) and actor.pk:
            where |= models.Q(provider_id=actor.pk)
        return self.filter(models.Q(organization_id=actor.organization_id) & where)

    def booked(self):
        return self.filter(status=AppointmentStatus.BOOKED)

    def overlapping(self, start, end):
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class Appointment(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="appointments"
    )
    provider = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="appointments"
    )
    location = models.ForeignKey(
        "directory.Location", on_delete=models.PROTECT, related_name="appointments"
    )
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The provider's capacity when this was booked: a later, lower capacity never overbooks
    # the appointments made under a higher one, and a higher one never squeezes this one.
    capacity_at_booking = models.PositiveSmallIntegerField(default=1)
    patient_name = models.CharField(max_length=200)
    patient_email = models.EmailField(blank=True)
    patient_phone = models.CharField(max_length=25, blank=True)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    notes = models.TextField(blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The patient's cancel link: only the SHA-256 of its token is stored, drawn when the
    # confirmation email is written.
    cancel_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    cancel_token_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The confirmation email in the outbox (`scheduling.outbox`): due when the booking is
    # written with a patient email (or, while a sender holds it, when that sender's lease ends).
    next_send_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["provider", "starts_at"], name="appt_provider_start"),
            models.Index(fields=["location", "starts_at"], name="appt_location_start"),
            models.Index(fields=["organization", "starts_at"], name="appt_org_start"),
            models.Index(
                fields=["next_send_at"],
                name="appt_outbox",
                condition=models.Q(sent_at__isnull=True, next_send_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_name} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def audit_location_id(self) -> int:
        return self.location_id
