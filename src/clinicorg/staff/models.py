"""Staff members (the user model), invitations, supervisors and provider credentials."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.core.models import Organization
from clinicorg.core.validators import validate_npi, validate_taxonomy_format
from clinicorg.directory.models import phone_validator

from . import search


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    SUSPENDED = "suspended", "Suspended"
    DEACTIVATED = "deactivated", "Deactivated"


# Statuses whose holders may sign in and act.
SIGN_IN_STATUSES = frozenset({Status.ACTIVE, Status.ON_LEAVE})

# The allowed transitions of DESIGN.md: pending -> active; active <-> on_leave/suspended;
# any -> deactivated; deactivated -> active.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.ACTIVE, Status.DEACTIVATED}),
    Status.ACTIVE: frozenset({Status.ON_LEAVE, Status.SUSPENDED, Status.DEACTIVATED}),
    Status.ON_LEAVE: frozenset({Status.ACTIVE, Status.DEACTIVATED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.DEACTIVATED}),
    Status.DEACTIVATED: frozenset({Status.ACTIVE}),
}

SCHEDULING_STEPS = (5, 10, 15, 20, 30, 45, 60)


class StaffQuerySet(models.QuerySet):
    def visible_to(self, actor):
        return policy.staff_scope(self, actor)


class StaffManager(BaseUserManager.from_queryset(StaffQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class StaffMember(AbstractBaseUser):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="staff")
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    display_name = models.CharField(
        max_length=200, blank=True, help_text="As it appears on clinical notes and signatures."
    )
    primary_location = models.ForeignKey(
        "directory.Location", on_delete=models.PROTECT, related_name="primary_staff"
    )
    role = models.ForeignKey("access.Role", on_delete=models.PROTECT, related_name="members")
    department = models.ForeignKey(
        "directory.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    position = models.ForeignKey(
        "directory.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    category = models.ForeignKey(
        "directory.EmployeeCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    supervisor = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="direct_reports"
    )
    employee_id = models.CharField("employee id", max_length=50, blank=True)
    phone = models.CharField(max_length=25, blank=True, validators=[phone_validator])
    hire_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Location access rules: primary location, plus these, or everything.
    all_locations = models.BooleanField(default=False)
    extra_locations = models.ManyToManyField(
        "directory.Location", blank=True, related_name="granted_staff"
    )
    # Provider credentials.
    npi = models.CharField("NPI", max_length=10, blank=True, validators=[validate_npi])
    bio = models.TextField(blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    scheduling_step = models.PositiveSmallIntegerField(
        default=15, choices=[(s, f"{s} minutes") for s in SCHEDULING_STEPS]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # What the staff search reads on PostgreSQL (staff.search): computed and stored by the
    # database on every write. A migration changing the type of a column it reads must drop
    # it first (PostgreSQL refuses to alter a column a generated column uses).
    search_document = models.GeneratedField(
        expression=search.document(), output_field=models.TextField(), db_persist=True
    )

    objects = StaffManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="staff_email_unique_ci"),
            models.UniqueConstraint(
                fields=["organization", "employee_id"],
                condition=~models.Q(employee_id=""),
                name="staff_employee_id_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "npi"],
                condition=~models.Q(npi=""),
                name="staff_npi_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="staff_org_status"),
            # The Employee Center filters by location (and status) and sorts by name: these
            # serve both from the index, on SQLite's planner and PostgreSQL's alike.
            models.Index(
                fields=[
                    "organization",
                    "primary_location",
                    "status",
                    "last_name",
                    "first_name",
                    "id",
                ],
                name="staff_org_loc_status_name",
            ),
            models.Index(
                fields=["organization", "primary_location", "last_name", "first_name", "id"],
                name="staff_org_loc_name",
            ),
            models.Index(fields=["organization", "last_name", "first_name"], name="staff_org_name"),
            # A search for an employee id (matched whole, case aside) beside the search index.
            models.Index("organization", Upper("employee_id"), name="staff_org_employee_id_ci"),
            # The dashboard counts per location and status from this index alone, and a
            # location-limited reader's providers (by role) without an NPI (seeking their
            # locations).
            models.Index(
                fields=["organization", "primary_location", "status", "role", "npi"],
                name="staff_org_loc_status_role",
            ),
            # The dashboard's headcounts: department, position and category grouped together,
            # read from the index alone (the primary location too, for a location-limited
            # reader), in its order. SQLite's planner reads it so; PostgreSQL's finds it too
            # large to prefer to the table for the whole organization, hence the next one.
            models.Index(
                fields=[
                    "organization",
                    "department",
                    "position",
                    "category",
                    "status",
                    "primary_location",
                ],
                name="staff_org_dept_pos_cat",
            ),
            # The same headcounts of the whole organization on PostgreSQL: partial (current
            # staff) and narrow, so that repeated keys are stored once and the index is a
            # fraction of the table, which the planner then reads instead of the table.
            models.Index(
                fields=["organization", "department", "position", "category"],
                name="staff_current_dept_pos_cat",
                condition=~models.Q(status=Status.DEACTIVATED),
            ),
            # The current providers (by role) missing an NPI or a primary taxonomy: the counts
            # of those lists (the dashboard's) from this index alone on PostgreSQL, the
            # taxonomy's as an anti-join on the key.
            models.Index(
                fields=["organization", "role", "npi", "id"],
                name="staff_current_role_npi",
                condition=~models.Q(status=Status.DEACTIVATED),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def shown_name(self) -> str:
        return self.display_name or self.full_name

    # Actor interface shared with ApiToken (see access.policy).
    is_token = False

    @property
    def is_active(self) -> bool:
        return self.status in SIGN_IN_STATUSES

    @property
    def audit_location_id(self) -> int:
        return self.primary_location_id

    def audit_label(self) -> str:
        return self.email

    def granted_location_ids(self) -> frozenset[int]:
        """Active locations this member may act at: the primary one plus the granted ones."""
        cached = self.__dict__.get("_granted_location_ids")
        if cached is None:
            from clinicorg.directory.models import Location

            cached = frozenset(
                Location.objects.filter(status="active")
                .filter(models.Q(id=self.primary_location_id) | models.Q(granted_staff=self))
                .values_list("id", flat=True)
            )
            self.__dict__["_granted_location_ids"] = cached
        return cached

    def forget_access_cache(self) -> None:
        self.__dict__.pop("_granted_location_ids", None)
        if "role" in self.__dict__.get("_state").fields_cache:
            self.role.__dict__.pop("_permission_set", None)


class OfVisibleStaffQuerySet(models.QuerySet):
    """Records hanging off a member: visible when the member is."""

    def visible_to(self, actor):
        return self.filter(staff__in=StaffMember.objects.visible_to(actor))


class Invitation(models.Model):
    """A single-use sign-up link; only the SHA-256 of its token is stored.

    It is also the record of its email (the outbox, `staff.outbox`): written in the transaction
    that invites the member, with `next_send_at` set; the sender draws the link's token when it
    sends the email and sets `sent_at`, retrying with back-off (`send_attempts`, `send_error`)
    while the mail server does not take it.
    """

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    # The outbox: when its email is due (or, while a sender holds it, when that sender's lease
    # ends); none for invitations whose email is not to be sent by the outbox.
    next_send_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.CharField(max_length=300, blank=True)

    objects = OfVisibleStaffQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_send_at"],
                name="invitation_outbox",
                condition=models.Q(sent_at__isnull=True, next_send_at__isnull=False),
            ),
            # A member's open invitation: issuing supersedes it, a chunk of members at a time.
            # Without it PostgreSQL scanned every invitation for each chunk of an import.
            models.Index(
                fields=["staff"],
                name="invitation_open",
                condition=models.Q(
                    accepted_at__isnull=True, revoked_at__isnull=True, superseded_at__isnull=True
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.staff}"


class Supervisor(models.Model):
    """An appointed supervisor, and the locations or departments they supervise."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="supervisors"
    )
    staff = models.OneToOneField(
        StaffMember, on_delete=models.PROTECT, related_name="supervisor_appointment"
    )
    locations = models.ManyToManyField(
        "directory.Location", blank=True, related_name="supervisor_scopes"
    )
    departments = models.ManyToManyField(
        "directory.Department", blank=True, related_name="supervisor_scopes"
    )
    appointed_at = models.DateTimeField(default=timezone.now)

    objects = OfVisibleStaffQuerySet.as_manager()

    class Meta:
        ordering = ["staff__last_name", "staff__first_name"]

    def __str__(self) -> str:
        return str(self.staff)


class TaxonomyCode(models.Model):
    """A code of the NUCC Health Care Provider Taxonomy, as loaded from the official CSV."""

    code = models.CharField(max_length=10, primary_key=True, validators=[validate_taxonomy_format])
    grouping = models.CharField(max_length=200, blank=True)
    classification = models.CharField(max_length=200, blank=True)
    specialization = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    section = models.CharField(max_length=30, blank=True)
    definition = models.TextField(blank=True)
    version = models.CharField(max_length=20, help_text="Code-set version that last listed it.")
    retired_in = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name or self.classification}"


class TaxonomyAssignment(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="taxonomies")
    code = models.CharField(max_length=10, validators=[validate_taxonomy_format])
    is_primary = models.BooleanField(default=False)

    objects = OfVisibleStaffQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "code"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "code"], name="taxonomy_assignment_unique"),
            models.UniqueConstraint(
                fields=["staff"], condition=models.Q(is_primary=True), name="one_primary_taxonomy"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class License(models.Model):
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="licenses")
    state = models.CharField(max_length=2)
    number = models.CharField(max_length=50)
    expires_on = models.DateField(null=True, blank=True)

    objects = OfVisibleStaffQuerySet.as_manager()

    class Meta:
        ordering = ["state", "number"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "state", "number"], name="license_unique"),
        ]
        # The license expiry list and reminders read licenses by expiry date; a page of the
        # list, in (expiry, id) order, is read from the index and stops at the page's end.
        indexes = [models.Index(fields=["expires_on", "id"], name="license_expires_id")]

    def __str__(self) -> str:
        return f"{self.state} {self.number}"
