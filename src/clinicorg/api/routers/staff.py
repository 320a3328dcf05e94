"""/api/v1/staff: the staff directory and lifecycle (invite, edit, status, invitations).

Related records are referenced by id in input and returned as {id, name}.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Query, Router, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core.errors import Conflict
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.staff import actions, queries
from clinicorg.staff.filters import StaffFilterSet, staff_pages
from clinicorg.staff.models import StaffMember

from ..filters import query_schema
from ..pagination import CappedLimitOffset
from ..schemas import ERRORS, Error, Input

router = Router(tags=["Staff"])

StatusValue = Literal["pending", "active", "on_leave", "suspended", "deactivated"]


class Ref(BaseModel):
    id: int
    name: str


class InvitationOut(BaseModel):
    state: Literal["open", "expired", "revoked", "superseded", "accepted"]
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None


class StaffOut(BaseModel):
    id: int
    email: str
    first_name: str
    last_name: str
    display_name: str
    status: StatusValue
    status_changed_at: datetime
    primary_location: Ref
    role: Ref
    department: Ref | None
    position: Ref | None
    category: Ref | None
    supervisor: Ref | None
    employee_id: str
    phone: str
    hire_date: date | None
    all_locations: bool
    created_at: datetime


class StaffDetailOut(StaffOut):
    extra_locations: list[Ref]
    invitation: InvitationOut | None


# The staff list's parameters, read from the one staff filter set.
StaffFilters = query_schema(StaffFilterSet, "StaffFilters")


class StaffIn(Input):
    email: str
    first_name: str
    last_name: str
    display_name: str = ""
    primary_location: int
    role: int
    department: int | None = None
    position: int | None = None
    category: int | None = None
    supervisor: int | None = None
    employee_id: str = ""
    phone: str = ""
    hire_date: date | None = None
    extra_locations: list[int] = []
    all_locations: bool = False
    send_invitation: bool = True


class StaffPatch(Input):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    primary_location: int | None = None
    role: int | None = None
    department: int | None = None
    position: int | None = None
    category: int | None = None
    supervisor: int | None = None
    employee_id: str | None = None
    phone: str | None = None
    hire_date: date | None = None


class StatusIn(Input):
    status: StatusValue
    reason: str


def _ref(obj, name_attr="name"):
    return {"id": obj.pk, "name": getattr(obj, name_attr)} if obj is not None else None


def _out(m: StaffMember) -> dict:
    return {
        "id": m.pk,
        "email": m.email,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "display_name": m.display_name,
        "status": m.status,
        "status_changed_at": m.status_changed_at,
        "primary_location": _ref(m.primary_location),
        "role": _ref(m.role),
        "department": _ref(m.department),
        "position": _ref(m.position),
        "category": _ref(m.category),
        "supervisor": _ref(m.supervisor, "full_name") if m.supervisor_visible else None,
        "employee_id": m.employee_id,
        "phone": m.phone,
        "hire_date": m.hire_date,
        "all_locations": m.all_locations,
        "created_at": m.created_at,
    }


# The list reads a projection of the shared filterset: no model instances, one query.
_PLAIN = (
    "id",
    "email",
    "first_name",
    "last_name",
    "display_name",
    "status",
    "status_changed_at",
    "employee_id",
    "phone",
    "hire_date",
    "all_locations",
    "created_at",
)
_NAMED_REFS = ("primary_location", "role", "department", "position", "category")
LIST_VALUES = (
    *_PLAIN,
    *(f"{f}_id" for f in _NAMED_REFS),
    *(f"{f}_name" for f in _NAMED_REFS),
    "supervisor_id",
    "supervisor_visible",
    "supervisor_first_name",
    "supervisor_last_name",
)


def _row_out(row: dict) -> dict:
    out = {k: row[k] for k in _PLAIN}
    for field in _NAMED_REFS:
        pk = row[f"{field}_id"]
        out[field] = {"id": pk, "name": row[f"{field}_name"]} if pk is not None else None
    sup = row["supervisor_id"] if row["supervisor_visible"] else None
    name = f"{row['supervisor_first_name']} {row['supervisor_last_name']}".strip()
    out["supervisor"] = {"id": sup, "name": name} if sup is not None else None
    return out


def _invitation_state(inv) -> str:
    from django.utils import timezone

    if inv.accepted_at:
        return "accepted"
    if inv.revoked_at:
        return "revoked"
    if inv.superseded_at:
        return "superseded"
    return "expired" if inv.expires_at <= timezone.now() else "open"


def _detail(actor, pk) -> dict:
    member = queries.get_staff(actor, pk)
    out = _out(member)
    # Only the granted locations the caller may see: the others are not theirs to read.
    granted = member.extra_locations.filter(pk__in=Location.objects.visible_to(actor))
    out["extra_locations"] = [_ref(loc) for loc in granted.order_by("name")]
    last = member.invitations.order_by("-created_at").first()
    out["invitation"] = (
        {
            "state": _invitation_state(last),
            "created_at": last.created_at,
            "expires_at": last.expires_at,
            "sent_at": last.sent_at,
        }
        if last
        else None
    )
    return out


# Id fields of the input and the organization's records they may point to.
_REFS = {
    "role": (Role, "role"),
    "department": (Department, "department"),
    "position": (Position, "position"),
    "category": (EmployeeCategory, "employee category"),
    "supervisor": (StaffMember, "staff member"),
}


class _OutOfScope(Exception):
    """A location the caller cannot see (or that does not exist): 404, naming the field."""

    def __init__(self, field: str, ids):
        self.field = field
        self.message = (
            f"No location with id {', '.join(map(str, ids))} among the locations you can access."
        )


def _not_found(exc: _OutOfScope):
    return Status(
        404,
        {
            "error": "not_found",
            "message": exc.message,
            "errors": [{"field": exc.field, "message": exc.message}],
        },
    )


def _resolve(actor, data: dict) -> dict:
    """Turn ids into records. Locations resolve within the caller's scope, like any read: one
    outside it is a 404 (_OutOfScope). Other unknown ids are field errors (422)."""
    out = dict(data)
    visible = Location.objects.visible_to(actor)
    if data.get("primary_location") is not None:
        out["primary_location"] = visible.filter(pk=data["primary_location"]).first()
        if out["primary_location"] is None:
            raise _OutOfScope("primary_location", [data["primary_location"]])
    if "extra_locations" in data:
        ids = list(dict.fromkeys(data["extra_locations"] or []))
        found = list(visible.filter(pk__in=ids))
        missing = sorted(set(ids) - {loc.pk for loc in found})
        if missing:
            raise _OutOfScope("extra_locations", missing)
        out["extra_locations"] = found
    errors = {}
    for field, (model, noun) in _REFS.items():
        if data.get(field) is None:
            continue
        obj = model.objects.filter(organization_id=actor.organization_id, pk=data[field]).first()
        if obj is None:
            errors[field] = f"No {noun} with id {data[field]} in this organization."
        out[field] = obj
    if errors:
        raise ValidationError(errors)
    return out


@router.get("/staff", response={200: list[StaffOut], **ERRORS}, summary="List staff")
@paginate(CappedLimitOffset, serialize=_row_out)
def list_staff(request, filters: Query[StaffFilters]):
    """Staff the token may see. `status` empty means everyone but deactivated members;
    `all` includes them. `location`, `role`, `department`, `position`, `category` take ids
    (`none` for members without a department, position or category); `invitation` is `open`,
    `expired` or `accepted` (in the last 30 days); `missing` is `npi` or `taxonomy` (providers
    without one); `q` searches name, email and employee id; `sort` is a column, `-` for
    descending. `count` stops at the list's cap (1,000 matches unless configured otherwise),
    or at the end of the page asked for past it, with `count_exact` false: more match."""
    policy.require(request.auth, P.MANAGE_STAFF)
    return staff_pages(request.auth, filters.dict()).values(*LIST_VALUES)


@router.post(
    "/staff",
    response={201: StaffDetailOut, **ERRORS, 409: Error},
    summary="Create a staff member and invite them",
)
def create_staff(request, payload: StaffIn):
    """Creates a pending member; sends the invitation email unless `send_invitation` is
    false. 409 when the organization has no active location yet."""
    actor = request.auth
    policy.require(actor, P.MANAGE_STAFF)
    try:
        data = _resolve(actor, payload.dict())
    except _OutOfScope as exc:
        return _not_found(exc)
    send = data.pop("send_invitation")
    extra = data.pop("extra_locations")
    all_locations = data.pop("all_locations")
    member = actions.invite_staff(
        data, actor=actor, send=send, extra_locations=extra, all_locations=all_locations
    )
    return Status(201, _detail(actor, member.pk))


@router.get("/staff/{int:staff_id}", response={200: StaffDetailOut, **ERRORS})
def get_staff(request, staff_id: int):
    queries.access_staff_by_id(request.auth, staff_id)
    return _detail(request.auth, staff_id)


@router.patch("/staff/{int:staff_id}", response={200: StaffDetailOut, **ERRORS, 409: Error})
def update_staff(request, staff_id: int, payload: StaffPatch):
    """Edit record fields. `email` can only change for a deactivated member (it frees the old
    address). Change the status with POST /staff/{id}/status."""
    actor = request.auth
    member = queries.access_staff_by_id(actor, staff_id)
    data = payload.dict(exclude_unset=True)
    for required in ("first_name", "last_name", "primary_location", "role"):
        if required in data and data[required] in (None, ""):
            raise ValidationError({required: "This field cannot be empty."})
    email = data.pop("email", None)
    try:
        data = _resolve(actor, data)
    except _OutOfScope as exc:
        return _not_found(exc)
    if email is not None and email.strip().lower() != member.email.lower():
        member = actions.change_staff_email(member, email, actor=actor)
    if data:
        actions.update_staff(member, data, actor=actor)
    return _detail(actor, staff_id)


@router.post("/staff/{int:staff_id}/status", response={200: StaffDetailOut, **ERRORS, 409: Error})
def change_status(request, staff_id: int, payload: StatusIn):
    """Move along pending → active; active ↔ on_leave/suspended; any → deactivated;
    deactivated → active. A reason is required. Deactivation revokes access at once."""
    actor = request.auth
    member = queries.access_staff_by_id(actor, staff_id)
    actions.change_staff_status(member, payload.status, payload.reason, actor=actor)
    return _detail(actor, staff_id)


@router.post(
    "/staff/{int:staff_id}/invitation/resend",
    response={200: StaffDetailOut, **ERRORS, 409: Error, 429: Error},
)
def resend_invitation(request, staff_id: int):
    """A new invitation link; the previous one stops working. Limited to
    3 invitations per member per hour (429 with `details.retry_after_minutes`)."""
    actor = request.auth
    member = queries.access_staff_by_id(actor, staff_id)
    try:
        actions.resend_invitation(member, actor=actor)
    except Conflict as exc:
        if exc.code != "rate_limited":
            raise
        return Status(429, {"error": exc.code, "message": exc.message, "details": exc.details})
    return _detail(actor, staff_id)


class ResendPendingOut(BaseModel):
    invited: int


@router.post(
    "/staff/invitations/resend-pending",
    response={200: ResendPendingOut, **ERRORS, 429: Error},
    summary="Resend pending invitations",
)
def resend_pending_invitations(request):
    """A new invitation for every pending member you manage who holds no usable link (none
    was issued, or it expired). Once per organization every BULK_RESEND_INTERVAL_MINUTES
    (429 with `details.retry_after_minutes`)."""
    try:
        invited = actions.resend_pending_invitations(actor=request.auth)
    except Conflict as exc:
        if exc.code != "rate_limited":
            raise
        return Status(429, {"error": exc.code, "message": exc.message, "details": exc.details})
    return {"invited": invited}


@router.delete("/staff/{int:staff_id}/invitation", response={204: None, **ERRORS, 409: Error})
def revoke_invitation(request, staff_id: int):
    actor = request.auth
    member = queries.access_staff_by_id(actor, staff_id)
    actions.revoke_invitation(member, actor=actor)
    return Status(204, None)
