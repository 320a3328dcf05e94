"""Where and how a practice is organized: locations, departments, positions, categories."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from clinicorg.access import policy
from clinicorg.core.models import Organization, OrgScopedQuerySet
from clinicorg.core.validators import validate_npi, validate_place_of_service, validate_timezone

phone_validator = RegexValidator(
    r"^[0-9+().\- x]{7,25}$",
    "Enter a phone number: digits with optional spaces, dashes, parentheses, + and x for an "
    "extension.",
)
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$",
    "A code is 1–20 letters, digits, dashes or underscores, starting with a letter or digit.",
)


class ActiveStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class LocationQuerySet(models.QuerySet):
    def visible_to(self, actor):
        return policy.location_scope(self, actor)

    def active(self):
        return self.filter(status=ActiveStatus.ACTIVE)


class Location(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=150)
    code = models.CharField(max_length=20, validators=[code_validator])
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    status = models.CharField(
        max_length=10, choices=ActiveStatus.choices, default=ActiveStatus.ACTIVE
    )
    npi = models.CharField("location NPI", max_length=10, blank=True, validators=[validate_npi])
    place_of_service = models.CharField(
        "place-of-service code", max_length=2, blank=True, validators=[validate_place_of_service]
    )
    credentialing_enabled = models.BooleanField(default=False)
    managers = models.ManyToManyField(
        "staff.StaffMember", blank=True, related_name="managed_locations"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="location_name_unique_ci"),
            models.UniqueConstraint(Lower("code"), "organization", name="location_code_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == ActiveStatus.ACTIVE

    @property
    def audit_location_id(self) -> int:
        return self.pk

    @property
    def address_display(self) -> str:
        street = ", ".join(p for p in (self.address_line1, self.address_line2) if p)
        tail = " ".join(p for p in (self.state, self.postal_code) if p)
        return ", ".join(p for p in (street, self.city, tail) if p)


class EnrollmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    TERMINATED = "terminated", "Terminated"


class PayerEnrollmentQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """Enrollments of the locations the actor may see."""
        return self.filter(location__in=Location.objects.visible_to(actor))


class PayerEnrollment(models.Model):
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="payer_enrollments"
    )
    payer_name = models.CharField(max_length=150)
    payer_id = models.CharField("payer id", max_length=50)
    status = models.CharField(
        max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.PENDING
    )
    effective_date = models.DateField(null=True, blank=True)

    objects = PayerEnrollmentQuerySet.as_manager()

    class Meta:
        ordering = ["payer_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["location", "payer_id"], name="enrollment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.payer_name} ({self.payer_id})"

    @property
    def audit_location_id(self) -> int:
        return self.location_id


class Department(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="departments"
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "organization", name="department_name_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="positions"
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="position_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class CategoryStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEPRECATED = "deprecated", "Deprecated"


class EmployeeCategory(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="employee_categories"
    )
    name = models.CharField(max_length=100)
    status = models.CharField(
        max_length=12, choices=CategoryStatus.choices, default=CategoryStatus.ACTIVE
    )

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "employee categories"
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="category_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == CategoryStatus.ACTIVE
