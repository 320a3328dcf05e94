"""Creating and validating staff member records; rules shared by every staff write."""

from django.core.exceptions import ValidationError
from django.db import transaction

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core import audit
from clinicorg.core.writes import assign, record_create, record_update, save_unique, validate

__all__ = [
    "STAFF_FIELDS",
    "STAFF_AUDIT_FIELDS",
    "STAFF_CONSTRAINTS",
    "EMAIL_TAKEN",
    "REFERENCE_INACTIVE",
    "SUPERVISOR_NOT_APPOINTED",
    "reference_error",
    "normalize_email",
    "appointed_supervisors",
    "check_staff",
    "clean_staff_data",
    "create_staff",
    "RECORD_FIELDS",
    "update_staff",
    "ensure_not_last_admin",
]

from ..models import StaffMember, Status
from ..rules import (
    EMAIL_TAKEN,
    LAST_ADMIN,
    OTHER_ORG_LOCATIONS,
    REFERENCE_INACTIVE,
    STAFF_CONSTRAINTS,
    SUPERVISOR_NOT_APPOINTED,
    leaves_no_admin,
    reference_error,
    resulting_extra_locations,
    supervisor_error,
    unique_error,
)

STAFF_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "display_name",
    "primary_location",
    "role",
    "department",
    "position",
    "category",
    "supervisor",
    "employee_id",
    "phone",
    "hire_date",
    "npi",
    "bio",
    "capacity",
    "scheduling_step",
)
STAFF_AUDIT_FIELDS = (*STAFF_FIELDS, "status", "all_locations")


def normalize_email(email: str) -> str:
    email = (email or "").strip()
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if local else email


_UNIQUE_MESSAGES = dict(STAFF_CONSTRAINTS.values())


def appointed_supervisors(actor, org_id: int):
    """Members who may be chosen as a supervisor: appointed, and visible to the actor."""
    qs = StaffMember.objects.filter(organization_id=org_id, supervisor_appointment__isnull=False)
    return qs if actor is None else qs.filter(pk__in=StaffMember.objects.visible_to(actor))


def check_staff(member: StaffMember, *, extra_locations=(), changed=None, actor=None) -> None:
    """Every rule a staff record must meet; raises ValidationError naming the fields.

    `changed` (field names) limits the "must be active" rules to references being set now:
    a member keeps an assignment that was valid when made (a deprecated category, a location
    deactivated since) while other fields are edited.
    """
    errors: dict[str, str] = {}
    try:
        validate(member, exclude=["organization", "password", "status_changed_at"])
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    org_id = member.organization_id

    for field in ("primary_location", "role", "department", "position", "category"):
        if field in errors or getattr(member, f"{field}_id") is None:
            continue
        changing = changed is None or field in changed
        message = reference_error(field, getattr(member, field), org_id, changing=changing)
        if message:
            errors[field] = message
    if member.supervisor_id and (changed is None or "supervisor" in changed):
        message = supervisor_error(
            member.pk,
            member.supervisor_id,
            is_appointed=lambda pk: appointed_supervisors(actor, org_id).filter(pk=pk).exists(),
            supervisor_of=lambda pk: (
                StaffMember.objects.filter(pk=pk).values_list("supervisor_id", flat=True).first()
            ),
        )
        if message:
            errors["supervisor"] = message
    for loc in extra_locations:
        if loc.organization_id != org_id:
            errors["extra_locations"] = OTHER_ORG_LOCATIONS
    others = StaffMember.objects.exclude(pk=member.pk)
    if "email" not in errors and others.filter(email__iexact=member.email).exists():
        errors["email"] = EMAIL_TAKEN
    for field in ("employee_id", "npi"):
        value = getattr(member, field)
        if field in errors or not value:
            continue
        taken = dict(
            others.filter(organization_id=org_id, **{field: value}).values_list(field, "id")[:1]
        )
        message = unique_error(value, member.pk, taken, _UNIQUE_MESSAGES[field])
        if message:
            errors[field] = message
    if errors:
        raise ValidationError(errors)


def clean_staff_data(data: dict) -> dict:
    out = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    if "email" in out:
        out["email"] = normalize_email(out["email"])
    return out


def create_staff(
    data: dict,
    *,
    actor,
    status: str = Status.PENDING,
    password: str | None = None,
    password_hash: str | None = None,
    extra_locations=(),
    all_locations: bool = False,
) -> StaffMember:
    """Create a member record. Inviting (issue of the invitation email) builds on this.

    `password_hash` takes a value already made by `make_password`, so that many records sharing
    one password (the demo) pay for the deliberately slow hash once.
    """
    data = clean_staff_data(data)
    member = StaffMember(organization_id=actor.organization_id, status=status)
    assign(member, data, STAFF_FIELDS)
    member.all_locations = all_locations
    kept = resulting_extra_locations(
        (loc.pk for loc in extra_locations),
        current=(),
        primary_id=member.primary_location_id,
        actor_location_ids=None,
    )
    extra_locations = [loc for loc in extra_locations if loc.pk in kept]
    if member.primary_location_id:
        policy.require(actor, P.MANAGE_STAFF, member.primary_location)
    else:
        policy.require(actor, P.MANAGE_STAFF)
    policy.require_grant(
        actor,
        permissions=member.role.permission_set if member.role_id else (),
        all_locations=all_locations,
        locations=extra_locations,
    )
    check_staff(member, extra_locations=extra_locations, actor=actor)
    if password_hash:
        member.password = password_hash
    elif password:
        member.set_password(password)
    else:
        member.set_unusable_password()
    with transaction.atomic():
        save_unique(member, STAFF_CONSTRAINTS)
        also = {}
        if extra_locations:
            member.extra_locations.set(extra_locations)
            codes = audit.location_codes((loc.pk, loc.code) for loc in extra_locations)
            also["extra_locations"] = [None, codes]
        record_create("create_staff", member, STAFF_AUDIT_FIELDS, actor=actor, also=also)
    return member


# Fields of a member's record that `update_staff` edits. Email has its own action (only for
# deactivated members); provider credentials and access rules belong to their own actions.
_NOT_RECORD_FIELDS = frozenset({"email", "npi", "bio", "capacity", "scheduling_step"})
RECORD_FIELDS = tuple(f for f in STAFF_FIELDS if f not in _NOT_RECORD_FIELDS)


def update_staff(member: StaffMember, data: dict, *, actor) -> dict:
    """Edit a member's record fields; returns {field: [old, new]}.

    Moving a member to another primary location needs access to both locations; giving the
    last active Administrator another role is refused.
    """
    from django.utils import timezone

    policy.require_member(actor, member)
    data = {k: v for k, v in clean_staff_data(data).items() if k in RECORD_FIELDS}
    with transaction.atomic():
        member = (
            StaffMember.objects.select_for_update()
            .select_related("role", "primary_location")
            .get(pk=member.pk)
        )
        before = audit.snapshot(member, list(STAFF_AUDIT_FIELDS))
        old_refs = {f: getattr(member, f"{f}_id") for f in ("primary_location", "role")}
        old_values = {f: getattr(member, f) for f in RECORD_FIELDS}
        assign(member, data, RECORD_FIELDS)
        changed = {f for f in RECORD_FIELDS if getattr(member, f) != old_values[f]}
        if member.primary_location_id != old_refs["primary_location"]:
            policy.require(actor, P.MANAGE_STAFF, member.primary_location)
        if member.role_id != old_refs["role"]:
            old = StaffMember(
                pk=member.pk,
                organization_id=member.organization_id,
                status=member.status,
                role_id=old_refs["role"],
            )
            ensure_not_last_admin(old, new_role=member.role)
            policy.require_grant(actor, permissions=member.role.permission_set)
        check_staff(member, changed=changed, actor=actor)
        member.updated_at = timezone.now()
        save_unique(member, STAFF_CONSTRAINTS)
        return record_update("update_staff", member, before, STAFF_AUDIT_FIELDS, actor=actor)


def ensure_not_last_admin(member: StaffMember, *, new_status=None, new_role=None) -> None:
    """Refuse a change that would leave the organization without an active Administrator.

    Call inside the action's transaction, with the member row locked.
    """
    from clinicorg.core.errors import Conflict

    if member.status != Status.ACTIVE or member.role.key != "administrator":
        return
    loses_status = new_status is not None and new_status != Status.ACTIVE
    loses_role = new_role is not None and new_role.key != "administrator"
    if not (loses_status or loses_role):
        return
    admins = StaffMember.objects.filter(
        organization_id=member.organization_id, role__key="administrator", status=Status.ACTIVE
    ).values_list("id", flat=True)
    if leaves_no_admin(admins, [member.pk]):
        raise Conflict(LAST_ADMIN.format(name=member.full_name), code="last_administrator")
