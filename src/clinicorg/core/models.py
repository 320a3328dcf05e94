"""The tenant (Organization), its NPIs, and the append-only audit trail."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now

from .scope import accessible_location_ids, audit_scope, is_authenticated, org_scope
from .validators import validate_npi, validate_timezone


class DateOrder(models.TextChoices):
    """How an organization writes dates whose day and month could be swapped (01/03/2024)."""

    UNSET = "", "Not set: refuse such dates in imports"
    MONTH_FIRST = "mdy", "Month first: 01/03/2024 is January 3"
    DAY_FIRST = "dmy", "Day first: 01/03/2024 is March 1"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    tax_id = models.CharField("tax id (EIN)", max_length=20, blank=True)
    date_order = models.CharField(
        "date order",
        max_length=3,
        choices=DateOrder.choices,
        blank=True,
        default=DateOrder.UNSET,
        help_text="How imported spreadsheets write dates like 01/03/2024. Unset, such a date "
        "is refused; YYYY-MM-DD is always accepted.",
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrgScopedQuerySet(models.QuerySet):
    """Records that belong to an organization as a whole; `visible_to` is the only way in."""

    def visible_to(self, actor):
        return org_scope(self, actor)


class OrganizationNPI(models.Model):
    """An organizational (Type 2) NPI with a label such as "Billing" or "Group practice"."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="npis")
    label = models.CharField(max_length=100)
    npi = models.CharField("NPI", max_length=10, validators=[validate_npi])

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["label", "npi"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "npi"], name="org_npi_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.npi}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class _ReadableEvents(models.query.ModelIterable):
    """Events as their reader may read them: values naming other locations hidden."""

    def __iter__(self):
        from .audit import readable_changes

        allowed = self.queryset._allowed_locations
        for event in super().__iter__():
            if allowed is not None:
                event.changes = readable_changes(event.changes, event.refs, allowed)
            yield event


class AuditEventQuerySet(AppendOnlyQuerySet):
    _allowed_locations = None

    def visible_to(self, actor):
        """The events the actor may read, each with the values naming locations (or people
        of locations) outside the actor's access hidden."""
        scoped = audit_scope(self, actor)
        if is_authenticated(actor):
            scoped._allowed_locations = accessible_location_ids(actor)
            scoped._iterable_class = _ReadableEvents
        return scoped

    def _clone(self):
        clone = super()._clone()
        clone._allowed_locations = self._allowed_locations
        return clone


class AuditEvent(models.Model):
    """One row per action: who did what to which record, with old and new values.

    Written by `core.audit.record` inside the action's transaction; never edited or deleted.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_events"
    )
    occurred_at = models.DateTimeField(default=now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_token = models.ForeignKey(
        "access.ApiToken", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=300)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    # Location of the target, for location-scoped readers of the log.
    location_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    # {field: [old, new]} location ids of the changed values that belong to a location.
    refs = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-occurred_at"], name="audit_org_time"),
            models.Index(fields=["organization", "target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")
