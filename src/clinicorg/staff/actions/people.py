"""Supervisors, provider credentials (NPI, taxonomy, bio, capacity, step, licenses), and a
member's own profile and password."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.core import audit
from clinicorg.core.errors import Conflict, Decision, Denied
from clinicorg.core.validators import validate_npi
from clinicorg.core.writes import save_unique
from clinicorg.directory.models import Department, Location, phone_validator

from .. import taxonomy
from ..bio import clean_bio
from ..models import (
    SCHEDULING_STEPS,
    License,
    StaffMember,
    Status,
    Supervisor,
    TaxonomyAssignment,
)
from ..rules import SUPERVISOR_NOT_APPOINTED, reassignment_error
from .records import STAFF_CONSTRAINTS, appointed_supervisors

__all__ = [
    "US_STATES",
    "CREDENTIAL_FIELDS",
    "appoint_supervisor",
    "update_supervisor",
    "remove_supervisor",
    "update_credentials",
    "add_license",
    "remove_license",
    "update_own_profile",
    "change_own_password",
]

# States, DC and the territories that issue professional licenses.
US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa",
    "GU": "Guam", "MP": "Northern Mariana Islands", "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
}  # fmt: skip

CREDENTIAL_FIELDS = ("npi", "bio", "capacity", "scheduling_step")
_AUDIT_FIELDS = (*CREDENTIAL_FIELDS, "taxonomy_codes", "primary_taxonomy")
_LICENSE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-/]*$")


def _manage(actor, member: StaffMember) -> None:
    policy.require_member(actor, member)


def _locked(member: StaffMember) -> StaffMember:
    return (
        StaffMember.objects.select_for_update().select_related("primary_location").get(pk=member.pk)
    )


# Supervisors


def _check_scope(actor, locations, departments) -> tuple[list, list]:
    locations, departments = list(locations or ()), list(departments or ())
    errors = {}
    org_id = actor.organization_id
    if any(not isinstance(x, Location) or x.organization_id != org_id for x in locations):
        errors["locations"] = "Choose locations of this organization."
    elif any(not x.is_active for x in locations):
        errors["locations"] = "Inactive locations cannot be supervised; choose active ones."
    if any(not isinstance(x, Department) or x.organization_id != org_id for x in departments):
        errors["departments"] = "Choose departments of this organization."
    elif any(not x.is_active for x in departments):
        errors["departments"] = "Inactive departments cannot be supervised; choose active ones."
    if errors:
        raise ValidationError(errors)
    return locations, departments


def _scope_labels(locations, departments) -> dict:
    return {
        "locations": sorted(audit.label(x) for x in locations),
        "departments": sorted(x.name for x in departments),
    }


def appoint_supervisor(member: StaffMember, *, locations=(), departments=(), actor) -> Supervisor:
    """Add a member to the organization's appointed supervisors."""
    _manage(actor, member)
    if member.organization_id != actor.organization_id:
        raise ValidationError({"staff": "Choose a member of this organization."})
    if member.status == Status.DEACTIVATED:
        raise ValidationError(
            {"staff": f"{member.full_name} is deactivated; reactivate them before appointing."}
        )
    locations, departments = _check_scope(actor, locations, departments)
    with transaction.atomic():
        member = _locked(member)
        if Supervisor.objects.filter(staff=member).exists():
            raise ValidationError({"staff": f"{member.full_name} is already a supervisor."})
        supervisor = Supervisor.objects.create(organization_id=member.organization_id, staff=member)
        supervisor.locations.set(locations)
        supervisor.departments.set(departments)
        audit.record(
            "appoint_supervisor",
            actor=actor,
            target=member,
            changes={k: [None, v] for k, v in _scope_labels(locations, departments).items()},
        )
    return supervisor


def update_supervisor(supervisor: Supervisor, *, locations=(), departments=(), actor) -> dict:
    """Change the locations and departments a supervisor supervises."""
    _manage(actor, supervisor.staff)
    locations, departments = _check_scope(actor, locations, departments)
    with transaction.atomic():
        supervisor = Supervisor.objects.select_for_update().get(pk=supervisor.pk)
        before = _scope_labels(supervisor.locations.all(), supervisor.departments.all())
        # Locations the actor cannot see stay supervised: they change only what they see.
        hidden = supervisor.locations.exclude(pk__in=Location.objects.visible_to(actor))
        locations = [*locations, *hidden]
        supervisor.locations.set(locations)
        supervisor.departments.set(departments)
        changes = audit.diff(before, _scope_labels(locations, departments))
        if changes:
            audit.record("update_supervisor", actor=actor, target=supervisor.staff, changes=changes)
    return changes


def remove_supervisor(
    supervisor: Supervisor, *, actor, reassign_to: Supervisor | None = None, clear: bool = False
) -> int:
    """Remove an appointed supervisor; their direct reports move to `reassign_to` or, with
    `clear`, are left without a supervisor. Returns the number of reports moved or cleared.

    Refused (Conflict) when the supervisor has direct reports and neither is given.
    """
    _manage(actor, supervisor.staff)
    if reassign_to is not None and clear:
        raise ValidationError(
            {"reassign_to": "Either reassign the direct reports or clear the link, not both."}
        )
    if reassign_to is not None and isinstance(reassign_to, StaffMember):
        reassign_to = Supervisor.objects.filter(staff=reassign_to).first() or reassign_to
    if reassign_to is not None:
        if (
            not isinstance(reassign_to, Supervisor)
            or reassign_to.organization_id != supervisor.organization_id
            or not appointed_supervisors(actor, supervisor.organization_id)
            .filter(pk=reassign_to.staff_id)
            .exists()
        ):
            raise ValidationError({"reassign_to": SUPERVISOR_NOT_APPOINTED})
        if reassign_to.pk == supervisor.pk:
            raise ValidationError(
                {"reassign_to": "Choose another supervisor than the one being removed."}
            )
    with transaction.atomic():
        supervisor = (
            Supervisor.objects.select_for_update().select_related("staff").get(pk=supervisor.pk)
        )
        person = supervisor.staff
        reports = list(
            StaffMember.objects.select_for_update()
            .filter(supervisor=person)
            .select_related("primary_location")
            .order_by("id")
        )
        if reports and reassign_to is None and not clear:
            n = len(reports)
            raise Conflict(
                f"{person.full_name} supervises {n} direct report{'s' if n != 1 else ''}. "
                "Reassign them to another supervisor or clear their supervisor, in the same "
                "step as the removal.",
                code="supervisor_has_reports",
                details={"direct_reports": n},
            )
        for m in reports:
            policy.require_member(actor, m)
        new_person = None
        if reassign_to is not None:
            reassign_to = Supervisor.objects.select_related("staff").get(pk=reassign_to.pk)
            new_person = reassign_to.staff
            if new_person.status == Status.DEACTIVATED:
                raise ValidationError(
                    {"reassign_to": f"{new_person.full_name} is deactivated; choose another."}
                )
            chain = dict(
                StaffMember.objects.filter(organization_id=person.organization_id)
                .exclude(supervisor=None)
                .values_list("id", "supervisor_id")
            )
            message = reassignment_error(person, reports, new_person, supervisor_of=chain.get)
            if message:
                raise ValidationError({"reassign_to": message})
        now = timezone.now()
        if reports:
            StaffMember.objects.filter(pk__in=[m.pk for m in reports]).update(
                supervisor=new_person, updated_at=now
            )
            for m in reports:
                audit.record(
                    "set_supervisor",
                    actor=actor,
                    target=m,
                    changes={"supervisor": [audit.label(person), audit.label(new_person)]},
                )
        before = _scope_labels(supervisor.locations.all(), supervisor.departments.all())
        supervisor.delete()
        changes = {k: [v, None] for k, v in before.items() if v}
        changes["supervisor"] = [True, False]
        if reports:
            changes["direct_reports"] = [
                len(reports),
                f"reassigned to {new_person}" if new_person else "cleared",
            ]
        audit.record("remove_supervisor", actor=actor, target=person, changes=changes)
    return len(reports)


# Provider credentials


def _normalize_codes(codes) -> list[str]:
    seen: list[str] = []
    for code in codes or ():
        code = str(code).strip().upper()
        if code and code not in seen:
            seen.append(code)
    return seen


def _as_int(value, field, message, errors):
    if value is None or value == "":
        errors[field] = message
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[field] = message
        return None


def _credential_snapshot(member, assignments) -> dict:
    primary = next((a.code for a in assignments if a.is_primary), None)
    return {
        **audit.snapshot(member, list(CREDENTIAL_FIELDS)),
        "taxonomy_codes": sorted(a.code for a in assignments),
        "primary_taxonomy": primary,
    }


def update_credentials(member: StaffMember, data: dict, *, actor) -> dict:
    """Change a member's provider credentials; returns {field: [old, new]}.

    `data` may hold npi, bio, capacity, scheduling_step, taxonomy_codes (the full list the
    member should hold) and primary_taxonomy (one of them; default: the current primary if
    kept, else the first code). Keys left out are not changed.
    """
    _manage(actor, member)
    errors: dict[str, str] = {}
    given = member
    with transaction.atomic():
        member = _locked(member)
        assignments = list(TaxonomyAssignment.objects.filter(staff=member))
        before = _credential_snapshot(member, assignments)
        if "npi" in data:
            npi = re.sub(r"[\s-]", "", str(data["npi"] or ""))
            if npi:
                try:
                    validate_npi(npi)
                except ValidationError as exc:
                    errors["npi"] = exc.messages[0]
                else:
                    clash = StaffMember.objects.filter(
                        organization_id=member.organization_id, npi=npi
                    ).exclude(pk=member.pk)
                    if clash.exists():
                        errors["npi"] = STAFF_CONSTRAINTS["staff_npi_unique"][1]
            member.npi = npi
        if "bio" in data:
            try:
                member.bio = clean_bio(data["bio"])
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if "capacity" in data:
            message = "Capacity is a whole number of appointments at once, from 1 to 20."
            capacity = _as_int(data["capacity"], "capacity", message, errors)
            if capacity is not None and not 1 <= capacity <= 20:
                errors["capacity"] = message
            member.capacity = capacity if "capacity" not in errors else member.capacity
        if "scheduling_step" in data:
            message = "The scheduling step is one of " + ", ".join(map(str, SCHEDULING_STEPS))
            message += " minutes."
            step = _as_int(data["scheduling_step"], "scheduling_step", message, errors)
            if step is not None and step not in SCHEDULING_STEPS:
                errors["scheduling_step"] = message
            if "scheduling_step" not in errors:
                member.scheduling_step = step
        held = [a.code for a in assignments]
        codes = held
        primary = before["primary_taxonomy"]
        if "taxonomy_codes" in data or "primary_taxonomy" in data:
            if "taxonomy_codes" in data:
                codes = _normalize_codes(data["taxonomy_codes"])
            requested = str(data.get("primary_taxonomy") or "").strip().upper()
            problems = taxonomy.check_codes(codes, held=held)
            if problems:
                errors["taxonomy_codes"] = " ".join(problems.values())
            if requested:
                if requested not in codes:
                    errors["primary_taxonomy"] = (
                        f"The primary taxonomy {requested} must be one of the member's codes."
                    )
                primary = requested
            elif primary not in codes:
                primary = codes[0] if codes else None
        if errors:
            raise ValidationError(errors)
        member.updated_at = timezone.now()
        save_unique(
            member,
            {"staff_npi_unique": STAFF_CONSTRAINTS["staff_npi_unique"]},
            update_fields=[*CREDENTIAL_FIELDS, "updated_at"],
        )
        new_assignments = [
            TaxonomyAssignment(staff=member, code=c, is_primary=c == primary) for c in codes
        ]
        after = _credential_snapshot(member, new_assignments)
        if (after["taxonomy_codes"], after["primary_taxonomy"]) != (
            before["taxonomy_codes"],
            before["primary_taxonomy"],
        ):
            TaxonomyAssignment.objects.filter(staff=member).delete()
            TaxonomyAssignment.objects.bulk_create(new_assignments)
        changes = audit.diff(before, after)
        if changes:
            audit.record("update_credentials", actor=actor, target=member, changes=changes)
    for field in (*CREDENTIAL_FIELDS, "updated_at"):
        setattr(given, field, getattr(member, field))
    return changes


def _license_label(lic: License) -> str:
    label = f"{lic.state} {lic.number}"
    return f"{label} (expires {lic.expires_on.isoformat()})" if lic.expires_on else label


def add_license(member: StaffMember, data: dict, *, actor) -> License:
    """Record a professional license: US state or territory code, number, expiry date."""
    _manage(actor, member)
    errors = {}
    state = str(data.get("state") or "").strip().upper()
    number = str(data.get("number") or "").strip()
    expires_on = data.get("expires_on") or None
    if state not in US_STATES:
        errors["state"] = "Use a two-letter US state or territory code, for example CA or NY."
    if not number:
        errors["number"] = "Enter the license number."
    elif len(number) > 50 or not _LICENSE_NUMBER_RE.match(number):
        errors["number"] = (
            "A license number is up to 50 letters, digits, spaces, dots, dashes or slashes."
        )
    if isinstance(expires_on, str):
        try:
            expires_on = datetime.date.fromisoformat(expires_on.strip())
        except ValueError:
            errors["expires_on"] = "Enter the expiry date as YYYY-MM-DD."
    if expires_on is not None and not isinstance(expires_on, datetime.date):
        errors["expires_on"] = "Enter the expiry date as YYYY-MM-DD."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = _locked(member)
        if License.objects.filter(staff=member, state=state, number__iexact=number).exists():
            raise ValidationError({"number": f"{member.full_name} already has {state} {number}."})
        lic = License(staff=member, state=state, number=number, expires_on=expires_on)
        save_unique(lic, {"license_unique": ("number", "This license is already recorded.")})
        audit.record(
            "add_license",
            actor=actor,
            target=member,
            changes={"license": [None, _license_label(lic)]},
        )
    return lic


def remove_license(lic: License, *, actor) -> None:
    member = lic.staff
    _manage(actor, member)
    with transaction.atomic():
        lic = License.objects.select_for_update().get(pk=lic.pk)
        lic.delete()
        audit.record(
            "remove_license",
            actor=actor,
            target=member,
            changes={"license": [_license_label(lic), None]},
        )


# Own profile

OWN_PROFILE_FIELDS = ("display_name", "phone", "bio")


def _require_self(member: StaffMember, actor) -> None:
    if getattr(actor, "pk", None) != member.pk or getattr(actor, "is_token", False):
        raise Denied(
            Decision(
                False,
                "not_self",
                "",
                "Members edit only their own profile here; administrators use the staff pages.",
            )
        )
    if not actor.is_active:
        raise Denied(
            Decision(
                False,
                policy.INACTIVE_ACCOUNT,
                "",
                "This account is not active and cannot act.",
            )
        )


def update_own_profile(member: StaffMember, data: dict, *, actor) -> dict:
    """A member edits their own display name, phone and bio; returns the changes."""
    _require_self(member, actor)
    errors = {}
    values = {}
    if "display_name" in data:
        values["display_name"] = " ".join(str(data["display_name"] or "").split())
        if len(values["display_name"]) > 200:
            errors["display_name"] = "Keep the display name to 200 characters or fewer."
    if "phone" in data:
        values["phone"] = str(data["phone"] or "").strip()
        if values["phone"]:
            try:
                phone_validator(values["phone"])
            except ValidationError as exc:
                errors["phone"] = exc.messages[0]
    if "bio" in data:
        try:
            values["bio"] = clean_bio(data["bio"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(member)
        before = audit.snapshot(locked, list(OWN_PROFILE_FIELDS))
        for field, value in values.items():
            setattr(locked, field, value)
        changes = audit.diff(before, audit.snapshot(locked, list(OWN_PROFILE_FIELDS)))
        if changes:
            locked.updated_at = timezone.now()
            locked.save(update_fields=[*values, "updated_at"])
            audit.record("update_own_profile", actor=actor, target=locked, changes=changes)
    for field, value in values.items():
        setattr(member, field, value)
    return changes


def change_own_password(member: StaffMember, new_password: str, *, actor) -> None:
    """Set a member's password (already checked by Django's password validators and the form
    that asked for the old one). The audit event records that it changed, never the value."""
    _require_self(member, actor)
    with transaction.atomic():
        member.set_password(new_password)
        member.updated_at = timezone.now()
        member.save(update_fields=["password", "updated_at"])
        audit.record(
            "change_own_password", actor=actor, target=member, changes={"password": ["…", "…"]}
        )
