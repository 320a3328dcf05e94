"""Roles (per-organization permission sets) and API tokens."""

import hashlib
import secrets

from django.db import models
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from clinicorg.core.models import Organization, OrgScopedQuerySet

from .catalogue import ADMINISTRATOR, ALL_PERMISSIONS

# Roles that grant a permission of the clinical module are the roles of providers.
CLINICAL_PREFIX = "clinical."


class RoleQuerySet(OrgScopedQuerySet):
    def clinical(self):
        """The SQL form of `Role.is_clinical` (permissions are a JSON list of names)."""
        return (
            self.exclude(key=ADMINISTRATOR)
            .annotate(_permissions_text=Cast("permissions", models.TextField()))
            .filter(_permissions_text__contains=f'"{CLINICAL_PREFIX}')
        )


class Role(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)
    # Seeded roles carry a key (administrator, front_desk, provider, billing_manager).
    key = models.SlugField(max_length=40, blank=True)
    permissions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="role_name_unique_ci"),
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=~models.Q(key=""),
                name="role_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_administrator(self) -> bool:
        return self.key == ADMINISTRATOR

    @property
    def is_clinical(self) -> bool:
        """A role that grants clinical work: its holders are providers. The Administrator
        role, which holds every permission, does not count: administrators are not providers
        by default."""
        if self.is_administrator:
            return False
        return any(name.startswith(CLINICAL_PREFIX) for name in self.permission_set)

    @property
    def permission_set(self) -> frozenset[str]:
        if self.is_administrator:
            return ALL_PERMISSIONS
        cached = self.__dict__.get("_permission_set")
        if cached is None:
            cached = frozenset(self.permissions or ()) & ALL_PERMISSIONS
            self.__dict__["_permission_set"] = cached
        return cached


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token acting with a role in one organization; only its hash is stored."""

    PREFIX = "cot_"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    all_locations = models.BooleanField(default=True)
    locations = models.ManyToManyField("directory.Location", blank=True, related_name="api_tokens")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"API token {self.name} ({self.hint}…)"

    @staticmethod
    def generate() -> str:
        return ApiToken.PREFIX + secrets.token_urlsafe(32)

    # Actor interface shared with StaffMember (see access.policy).
    is_token = True

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def audit_label(self) -> str:
        return f"token:{self.name}"

    def granted_location_ids(self) -> frozenset[int]:
        cached = self.__dict__.get("_granted_location_ids")
        if cached is None:
            cached = frozenset(self.locations.filter(status="active").values_list("id", flat=True))
            self.__dict__["_granted_location_ids"] = cached
        return cached
