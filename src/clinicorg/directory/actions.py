"""Every write to locations, departments, positions, employee categories and org settings."""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core import audit
from clinicorg.core.errors import Conflict
from clinicorg.core.models import Organization, OrganizationNPI
from clinicorg.core.writes import (
    assign,
    check_unique_ci,
    gather,
    record_create,
    record_delete,
    record_update,
    save_unique,
    validate,
)

from . import queries
from .models import (
    ActiveStatus,
    CategoryStatus,
    Department,
    EmployeeCategory,
    Location,
    PayerEnrollment,
    Position,
)

LOCATION_FIELDS = (
    "name",
    "code",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "timezone",
    "npi",
    "place_of_service",
    "credentialing_enabled",
)
LOCATION_AUDIT_FIELDS = (*LOCATION_FIELDS, "status")
_LOCATION_CONSTRAINTS = {
    "location_name_unique_ci": ("name", "A location with this name already exists."),
    "location_code_unique_ci": ("code", "A location with this code already exists."),
}


def _strip(data: dict, fields) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in data.items() if k in fields}


class _Kind(NamedTuple):
    """How records of one kind are written: the fields set from data, the owner within which
    they are unique (`organization`, `location`), the unique constraints
    ({name: (field, message)}) and the fields the audit records."""

    fields: tuple
    scope: str
    constraints: dict
    audit_fields: tuple


def _check(obj, kind: _Kind) -> None:
    """Field validation and each unique field (case-insensitively) within the owner, all
    reported together."""
    owner_id = f"{kind.scope}_id"
    others = type(obj).objects.filter(**{owner_id: getattr(obj, owner_id)})

    def unique(field, message):
        def check(failed):
            if field not in failed:
                check_unique_ci(others, field, getattr(obj, field), message, exclude_pk=obj.pk)

        return check

    gather(
        lambda _failed: validate(obj, exclude=[kind.scope]),
        *(unique(field, message) for field, message in kind.constraints.values()),
    )


def _insert(obj, kind: _Kind, action: str, *, actor):
    """Check a new record, save it and audit its creation."""
    _check(obj, kind)
    with transaction.atomic():
        save_unique(obj, kind.constraints)
        record_create(action, obj, kind.audit_fields, actor=actor)
    return obj


def _update(obj, data: dict, kind: _Kind, action: str, *, actor, touch=False) -> dict:
    """Lock a record, set the fields `data` gives, check and save it; audit the changes.

    `touch` sets `updated_at`. Returns {field: [old, new]}.
    """
    with transaction.atomic():
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        before = audit.snapshot(obj, kind.audit_fields)
        assign(obj, _strip(data, kind.fields), kind.fields)
        _check(obj, kind)
        if touch:
            obj.updated_at = timezone.now()
        save_unique(obj, kind.constraints)
        return record_update(action, obj, before, kind.audit_fields, actor=actor)


_LOCATION = _Kind(LOCATION_FIELDS, "organization", _LOCATION_CONSTRAINTS, LOCATION_AUDIT_FIELDS)


def create_location(data: dict, *, actor) -> Location:
    """A new location; without a time zone it takes the organization's."""
    policy.require(actor, P.MANAGE_LOCATIONS)
    location = Location(organization_id=actor.organization_id)
    data = _strip(data, LOCATION_FIELDS)
    if not data.get("timezone"):
        data["timezone"] = Organization.objects.get(pk=actor.organization_id).timezone
    assign(location, data, LOCATION_FIELDS)
    return _insert(location, _LOCATION, "create_location", actor=actor)


def update_location(location: Location, data: dict, *, actor) -> dict:
    """Change a location's fields; returns {field: [old, new]}."""
    policy.require(actor, P.MANAGE_LOCATIONS, location)
    return _update(location, data, _LOCATION, "update_location", actor=actor, touch=True)


def set_location_status(location: Location, status: str, *, actor) -> Location:
    """Deactivate or reactivate a location. Inactive locations leave pickers, keep history."""
    policy.require(actor, P.MANAGE_LOCATIONS, location)
    if status not in ActiveStatus.values:
        raise ValidationError(
            {"status": f"Status must be one of {', '.join(ActiveStatus.values)}."}
        )
    with transaction.atomic():
        location = Location.objects.select_for_update().get(pk=location.pk)
        if location.status == status:
            return location
        old = location.status
        location.status = status
        location.updated_at = timezone.now()
        location.save(update_fields=["status", "updated_at"])
        audit.record(
            "deactivate_location" if status == ActiveStatus.INACTIVE else "reactivate_location",
            actor=actor,
            target=location,
            changes={"status": [old, status]},
        )
    return location


def location_references(location: Location) -> dict[str, int]:
    """What refers to a location, by kind, for the refusal message of a delete."""
    counts = {
        "primary location of staff members": location.primary_staff.count(),
        "additional location of staff members": location.granted_staff.count(),
        "managers": location.managers.count(),
        "payer enrollments": location.payer_enrollments.count(),
        "API tokens": location.api_tokens.count(),
        "supervisor assignments": location.supervisor_scopes.count(),
        "appointments": location.appointments.count(),
    }
    return {k: v for k, v in counts.items() if v}


def delete_location(location: Location, *, actor) -> None:
    policy.require(actor, P.MANAGE_LOCATIONS, location)
    with transaction.atomic():
        location = Location.objects.select_for_update().get(pk=location.pk)
        refs = location_references(location)
        if refs:
            listing = "; ".join(f"{n} {kind}" for kind, n in refs.items())
            raise Conflict(
                f"{location.name} cannot be deleted because it is in use ({listing}). "
                "Deactivate it instead: it leaves the pickers and keeps its history.",
                code="location_in_use",
                details=refs,
            )
        record_delete("delete_location", location, LOCATION_AUDIT_FIELDS, actor=actor)
        location.delete()


ENROLLMENT_FIELDS = ("payer_name", "payer_id", "status", "effective_date")
_ENROLLMENT_CONSTRAINTS = {
    "enrollment_unique": ("payer_id", "This location already has an enrollment with this payer id.")
}


_ENROLLMENT = _Kind(ENROLLMENT_FIELDS, "location", _ENROLLMENT_CONSTRAINTS, ENROLLMENT_FIELDS)


def add_payer_enrollment(location: Location, data: dict, *, actor) -> PayerEnrollment:
    policy.require(actor, P.MANAGE_LOCATIONS, location)
    enrollment = PayerEnrollment(location=location)
    assign(enrollment, _strip(data, ENROLLMENT_FIELDS), ENROLLMENT_FIELDS)
    return _insert(enrollment, _ENROLLMENT, "add_payer_enrollment", actor=actor)


def update_payer_enrollment(enrollment: PayerEnrollment, data: dict, *, actor) -> dict:
    policy.require(actor, P.MANAGE_LOCATIONS, enrollment.location)
    return _update(enrollment, data, _ENROLLMENT, "update_payer_enrollment", actor=actor)


def remove_payer_enrollment(enrollment: PayerEnrollment, *, actor) -> None:
    policy.require(actor, P.MANAGE_LOCATIONS, enrollment.location)
    with transaction.atomic():
        record_delete("remove_payer_enrollment", enrollment, ENROLLMENT_FIELDS, actor=actor)
        enrollment.delete()


# Departments and positions: the same life (create, rename, activate/deactivate).

_NAMED = {
    Department: ("department", "department_name_unique_ci"),
    Position: ("position", "position_name_unique_ci"),
}


_NAMED_FIELDS = ("name", "is_active")


def _named_message(model) -> str:
    return f"A {_NAMED[model][0]} with this name already exists."


def _named_kind(model) -> _Kind:
    constraints = {_NAMED[model][1]: ("name", _named_message(model))}
    return _Kind(_NAMED_FIELDS, "organization", constraints, _NAMED_FIELDS)


def _create_named(model, name: str, *, actor):
    policy.require(actor, P.MANAGE_SETTINGS)
    obj = model(organization_id=actor.organization_id, name=(name or "").strip())
    return _insert(obj, _named_kind(model), f"create_{_NAMED[model][0]}", actor=actor)


def _update_named(obj, data: dict, *, actor) -> dict:
    policy.require(actor, P.MANAGE_SETTINGS)
    model = type(obj)
    return _update(obj, data, _named_kind(model), f"update_{_NAMED[model][0]}", actor=actor)


def create_department(name: str, *, actor) -> Department:
    return _create_named(Department, name, actor=actor)


def update_department(department: Department, data: dict, *, actor) -> dict:
    """Rename ({"name": ...}) or activate/deactivate ({"is_active": bool})."""
    return _update_named(department, data, actor=actor)


def create_position(name: str, *, actor) -> Position:
    return _create_named(Position, name, actor=actor)


def update_position(position: Position, data: dict, *, actor) -> dict:
    return _update_named(position, data, actor=actor)


_CATEGORY_CONSTRAINTS = {
    "category_name_unique_ci": ("name", "An employee category with this name already exists.")
}
_CATEGORY_FIELDS = ("name", "status")


_CATEGORY = _Kind(_CATEGORY_FIELDS, "organization", _CATEGORY_CONSTRAINTS, _CATEGORY_FIELDS)


def create_employee_category(name: str, *, actor, status=CategoryStatus.ACTIVE) -> EmployeeCategory:
    policy.require(actor, P.MANAGE_SETTINGS)
    category = EmployeeCategory(
        organization_id=actor.organization_id, name=(name or "").strip(), status=status
    )
    return _insert(category, _CATEGORY, "create_employee_category", actor=actor)


def update_employee_category(category: EmployeeCategory, data: dict, *, actor) -> dict:
    """Rename ({"name": ...}) or set the status ({"status": "active"|"deprecated"}).

    Deprecating keeps existing assignments; only Active categories can be newly assigned.
    """
    policy.require(actor, P.MANAGE_SETTINGS)
    return _update(category, data, _CATEGORY, "update_employee_category", actor=actor)


def delete_employee_category(category: EmployeeCategory, *, actor) -> None:
    policy.require(actor, P.MANAGE_SETTINGS)
    with transaction.atomic():
        category = EmployeeCategory.objects.select_for_update().get(pk=category.pk)
        seen, others = queries.holders(actor, category)
        if seen or others:
            # The rule counts every holder; the message tells only what the actor may see.
            raise Conflict(
                f"“{category.name}” is assigned to {queries.holders_text(seen, others)}, so "
                "it cannot be deleted. Deprecate it instead: existing assignments stay and it is "
                "no longer offered.",
                code="category_in_use",
                details={"assigned": seen},
            )
        record_delete("delete_employee_category", category, _CATEGORY_FIELDS, actor=actor)
        category.delete()


# Organization settings.

ORGANIZATION_FIELDS = ("name", "timezone", "tax_id", "date_order")


def update_organization(organization: Organization, data: dict, *, actor) -> dict:
    policy.require(actor, P.MANAGE_SETTINGS)
    if organization.pk != actor.organization_id:
        raise Organization.DoesNotExist
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        before = audit.snapshot(organization, ORGANIZATION_FIELDS)
        assign(organization, _strip(data, ORGANIZATION_FIELDS), ORGANIZATION_FIELDS)
        validate(organization, exclude=["slug"])
        organization.save()
        return record_update(
            "update_organization", organization, before, ORGANIZATION_FIELDS, actor=actor
        )


_ORG_NPI_CONSTRAINTS = {"org_npi_unique": ("npi", "The organization already lists this NPI.")}


def add_organization_npi(label: str, npi: str, *, actor) -> OrganizationNPI:
    policy.require(actor, P.MANAGE_SETTINGS)
    entry = OrganizationNPI(
        organization_id=actor.organization_id, label=(label or "").strip(), npi=(npi or "").strip()
    )

    def listed(failed):
        taken = OrganizationNPI.objects.filter(organization_id=actor.organization_id, npi=entry.npi)
        if "npi" not in failed and taken.exists():
            raise ValidationError({"npi": _ORG_NPI_CONSTRAINTS["org_npi_unique"][1]})

    gather(lambda _failed: validate(entry, exclude=["organization"]), listed)
    with transaction.atomic():
        save_unique(entry, _ORG_NPI_CONSTRAINTS)
        record_create("add_organization_npi", entry, ("label", "npi"), actor=actor)
    return entry


def remove_organization_npi(entry: OrganizationNPI, *, actor) -> None:
    policy.require(actor, P.MANAGE_SETTINGS)
    with transaction.atomic():
        record_delete("remove_organization_npi", entry, ("label", "npi"), actor=actor)
        entry.delete()
