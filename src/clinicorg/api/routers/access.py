"""Roles, the permission catalogue, members' access rules and the decision API.

Guards:
- `GET /permissions`: any valid token (the catalogue is code, not organization data).
- `/roles`: administration.manage_roles (changes also need access to all locations).
- `/staff/{id}/access`, `/staff/{id}/role`: administration.manage_staff at the member's
  primary location.
- Decision API (`POST /authz/check`, `GET /staff/{id}/permissions`):
  administration.manage_integrations, since it is what a scheduling, billing or clinical system
  holds to ask about people. The token sees only members and locations within its own access.

Denial reasons: missing_permission, no_location_access, inactive_account, location_inactive,
unknown_permission; a batch item naming a member or location outside the token's scope answers
not_found (the single form answers 404).
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from clinicorg.access import actions, policy, queries
from clinicorg.access.catalogue import MODULES, P
from clinicorg.access.models import Role
from clinicorg.core.errors import Decision
from clinicorg.directory.models import Location
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import StaffMember

from ..pagination import LimitOffset
from ..schemas import ERRORS, Input

router = Router(tags=["Access"])


class PermissionOut(Schema):
    name: str
    label: str


class ModuleOut(Schema):
    key: str
    label: str
    permissions: list[PermissionOut]


class RoleOut(Schema):
    id: int
    name: str
    key: str = Field("", description="Set on seeded roles, e.g. administrator.")
    is_administrator: bool
    permissions: list[str]
    member_count: int = Field(description="Members holding the role whom the caller can see.")


class RoleIn(Input):
    name: str
    permissions: list[str] = []
    copy_from: int | None = Field(None, description="Id of a role whose permissions to copy.")


class RolePatch(Input):
    name: str | None = None
    permissions: list[str] | None = None


class AccessOut(Schema):
    staff: int
    primary_location: int
    all_locations: bool
    locations: list[int] = Field(description="Granted locations besides the primary one.")
    effective_locations: list[int] | None = Field(
        description="Active locations the member may act at; null means all of them."
    )


class AccessIn(Input):
    all_locations: bool = False
    locations: list[int] = []


class StaffRoleIn(Input):
    role: int


class CheckIn(Input):
    staff: int
    permission: str
    location: int | None = None


class CheckOut(Schema):
    staff: int
    permission: str
    location: int | None
    allowed: bool
    reason: str = Field("", description="Empty when allowed.")
    message: str = ""


class EffectiveOut(Schema):
    staff: int
    location: int | None
    role: str
    permissions: list[str]
    reason: str = Field("", description="Why nothing is granted there, when that is the case.")


# -- catalogue -------------------------------------------------------------------------------


@router.get("/permissions", response={200: list[ModuleOut], **ERRORS}, summary="The catalogue")
def list_permissions(request):
    return [
        {
            "key": m.key,
            "label": m.label,
            "permissions": [{"name": p.name, "label": p.label} for p in m.permissions],
        }
        for m in MODULES
    ]


# -- roles -----------------------------------------------------------------------------------


def _roles(actor):
    return queries.roles_for(actor)


def _role_out(role: Role) -> dict:
    return {
        "id": role.pk,
        "name": role.name,
        "key": role.key,
        "is_administrator": role.is_administrator,
        "permissions": sorted(role.permission_set),
        "member_count": getattr(role, "member_count", 0),
    }


def _get_role(actor, role_id: int) -> Role:
    role = _roles(actor).filter(pk=role_id).first()
    if role is None:
        raise Http404
    return role


@router.get("/roles", response={200: list[RoleOut], **ERRORS}, summary="List roles")
@paginate(LimitOffset, serialize=_role_out)
def list_roles(request):
    policy.require(request.auth, P.MANAGE_ROLES)
    return _roles(request.auth)


@router.post("/roles", response={201: RoleOut, **ERRORS, 409: dict}, summary="Create a role")
def create_role(request, payload: RoleIn):
    policy.require(request.auth, P.MANAGE_ROLES)
    copy_from = None
    if payload.copy_from is not None:
        copy_from = Role.objects.visible_to(request.auth).filter(pk=payload.copy_from).first()
        if copy_from is None:
            raise ValidationError({"copy_from": "No such role in this organization."})
    role = actions.create_role(
        payload.name, payload.permissions, actor=request.auth, copy_from=copy_from
    )
    return Status(201, _role_out(_get_role(request.auth, role.pk)))


@router.get("/roles/{int:role_id}", response={200: RoleOut, **ERRORS}, summary="Read a role")
def get_role(request, role_id: int):
    policy.require(request.auth, P.MANAGE_ROLES)
    return _role_out(_get_role(request.auth, role_id))


@router.patch(
    "/roles/{int:role_id}", response={200: RoleOut, **ERRORS}, summary="Rename or set permissions"
)
def update_role(request, role_id: int, payload: RolePatch):
    policy.require(request.auth, P.MANAGE_ROLES)
    role = _get_role(request.auth, role_id)
    data = payload.dict(exclude_unset=True)
    actions.update_role(
        role, actor=request.auth, name=data.get("name"), permissions=data.get("permissions")
    )
    return _role_out(_get_role(request.auth, role_id))


@router.delete(
    "/roles/{int:role_id}", response={204: None, **ERRORS, 409: dict}, summary="Delete a role"
)
def delete_role(request, role_id: int):
    policy.require(request.auth, P.MANAGE_ROLES)
    actions.delete_role(_get_role(request.auth, role_id), actor=request.auth)
    return Status(204, None)


# -- a member's role and access rules --------------------------------------------------------


def _member(actor, staff_id: int) -> StaffMember:
    qs = StaffMember.objects.select_related("role", "primary_location")
    member = policy.staff_scope(qs, actor).filter(pk=staff_id).first()
    if member is None:
        raise Http404
    return member


def _staff_member(actor, staff_id: int) -> StaffMember:
    """`_member` for an actor who manages staff; without the permission, 403 first."""
    policy.require(actor, P.MANAGE_STAFF)
    return _member(actor, staff_id)


def _access_out(member: StaffMember) -> dict:
    ids = policy.accessible_location_ids(member)
    return {
        "staff": member.pk,
        "primary_location": member.primary_location_id,
        "all_locations": member.all_locations,
        "locations": sorted(member.extra_locations.values_list("id", flat=True)),
        "effective_locations": None if ids is None else sorted(ids),
    }


@router.get(
    "/staff/{int:staff_id}/access",
    response={200: AccessOut, **ERRORS},
    summary="A member's location access rules",
)
def get_access(request, staff_id: int):
    member = _staff_member(request.auth, staff_id)
    policy.require(request.auth, P.MANAGE_STAFF, member.primary_location)
    return _access_out(member)


@router.put(
    "/staff/{int:staff_id}/access",
    response={200: AccessOut, **ERRORS},
    summary="Set a member's location access rules",
)
def set_access(request, staff_id: int, payload: AccessIn):
    member = _staff_member(request.auth, staff_id)
    wanted = set(payload.locations)
    locations = list(
        Location.objects.filter(organization_id=request.auth.organization_id, pk__in=wanted)
    )
    missing = wanted - {loc.pk for loc in locations}
    if missing:
        raise ValidationError(
            {"locations": f"No such location in this organization: {sorted(missing)[0]}."}
        )
    member = staff_actions.set_location_access(
        member, all_locations=payload.all_locations, locations=locations, actor=request.auth
    )
    return _access_out(member)


@router.put(
    "/staff/{int:staff_id}/role",
    response={200: AccessOut, **ERRORS, 409: dict},
    summary="Give a member another role",
)
def set_role(request, staff_id: int, payload: StaffRoleIn):
    member = _staff_member(request.auth, staff_id)
    role = Role.objects.visible_to(request.auth).filter(pk=payload.role).first()
    if role is None:
        raise ValidationError({"role": "No such role in this organization."})
    staff_actions.change_staff_role(member, role, actor=request.auth)
    return _access_out(_member(request.auth, staff_id))


# -- the decision API ------------------------------------------------------------------------

NOT_FOUND = "not_found"


def _load(actor, checks: list[CheckIn]):
    """Members and locations the checks name, within the caller's scope, in one to three
    queries (one for a single member at a single location).

    Each member's location grants are primed for the locations asked about only, so `explain()`
    decides without further queries.
    """
    staff_ids = {c.staff for c in checks}
    location_ids = {c.location for c in checks if c.location is not None}
    if len(staff_ids) == 1 and len(location_ids) == 1:
        return _load_one(actor, staff_ids.pop(), location_ids.pop())
    members = {
        m.pk: m
        for m in policy.staff_scope(StaffMember.objects.select_related("role"), actor).filter(
            pk__in=staff_ids
        )
    }
    locations: dict[int, Location] = {}
    grants: set[tuple[int, int]] = set()
    if location_ids and members:
        through = StaffMember.extra_locations.through
        qs = policy.location_scope(Location.objects.all(), actor).filter(pk__in=location_ids)
        if len(members) == 1:
            (only,) = members
            qs = qs.annotate(
                granted=Exists(
                    through.objects.filter(location_id=OuterRef("pk"), staffmember_id=only)
                )
            )
            for loc in qs:
                locations[loc.pk] = loc
                if loc.granted:
                    grants.add((only, loc.pk))
        else:
            locations = {loc.pk: loc for loc in qs}
            grants = set(
                through.objects.filter(
                    staffmember_id__in=members, location_id__in=locations
                ).values_list("staffmember_id", "location_id")
            )
    for member in members.values():
        member.__dict__["_granted_location_ids"] = frozenset(
            loc.pk
            for loc in locations.values()
            if loc.status == "active"
            and (loc.pk == member.primary_location_id or (member.pk, loc.pk) in grants)
        )
    return members, locations


def _load_one(actor, staff_id: int, location_id: int):
    """The member with the one location asked about, in a single query."""
    through = StaffMember.extra_locations.through
    location = Location.objects.filter(pk=location_id, organization_id=actor.organization_id)
    member = (
        policy.staff_scope(StaffMember.objects.select_related("role"), actor)
        .filter(pk=staff_id)
        .annotate(
            asked_name=Subquery(location.values("name")[:1]),
            asked_status=Subquery(location.values("status")[:1]),
            asked_granted=Exists(
                through.objects.filter(location_id=location_id, staffmember_id=OuterRef("pk"))
            ),
        )
        .first()
    )
    if member is None:
        return {}, {}
    mine = policy.accessible_location_ids(actor)
    if member.asked_status is None or (mine is not None and location_id not in mine):
        return {member.pk: member}, {}
    asked = Location(
        pk=location_id,
        organization_id=actor.organization_id,
        name=member.asked_name,
        status=member.asked_status,
    )
    granted = asked.status == "active" and (
        member.asked_granted or member.primary_location_id == location_id
    )
    member.__dict__["_granted_location_ids"] = frozenset({location_id} if granted else ())
    return {member.pk: member}, {location_id: asked}


def _decide(check: CheckIn, members, locations) -> dict:
    out = {"staff": check.staff, "permission": check.permission, "location": check.location}
    member = members.get(check.staff)
    location = locations.get(check.location) if check.location is not None else None
    if member is None or (check.location is not None and location is None):
        what = "member" if member is None else "location"
        return {**out, "allowed": False, "reason": NOT_FOUND, "message": f"No such {what}."}
    decision: Decision = policy.explain(member, check.permission, location)
    return {
        **out,
        "allowed": decision.allowed,
        "reason": decision.reason,
        "message": decision.message,
    }


_CHECKS = TypeAdapter(CheckIn | list[CheckIn])
MAX_BATCH = 1000


@router.post(
    "/authz/check",
    response={200: CheckOut | list[CheckOut], **ERRORS},
    summary="May this member do this, here?",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            CheckIn.model_json_schema(),
                            {"type": "array", "items": CheckIn.model_json_schema()},
                        ]
                    }
                }
            },
        }
    },
)
def check(request):
    """One check `{staff, permission, location}` answers one object; a list of checks (at most
    1,000) answers a list in the same order. `reason` is empty when allowed, otherwise one of
    `missing_permission`, `no_location_access`, `inactive_account`, `location_inactive`,
    `unknown_permission`. A member or location outside the caller's scope is a 404 in the single
    form and `reason: not_found` in a batch. Requires `administration.manage_integrations`."""
    policy.require(request.auth, P.MANAGE_INTEGRATIONS)
    try:
        parsed = _CHECKS.validate_json(request.body or b"null")
    except PydanticValidationError as exc:
        errors = {}
        for err in exc.errors():
            loc = [str(p) for p in err["loc"] if p not in ("CheckIn", "list[CheckIn]")]
            errors.setdefault(".".join(loc) or "body", err["msg"])
        raise ValidationError(errors) from exc
    single = not isinstance(parsed, list)
    checks = [parsed] if single else parsed
    if len(checks) > MAX_BATCH:
        raise ValidationError({"body": f"At most {MAX_BATCH} checks per request."})
    members, locations = _load(request.auth, checks)
    answers = [_decide(c, members, locations) for c in checks]
    if single:
        if answers[0]["reason"] == NOT_FOUND:
            raise Http404
        return answers[0]
    return answers


class EffectiveQuery(Input):
    location: int | None = None


@router.get(
    "/staff/{int:staff_id}/permissions",
    response={200: EffectiveOut, **ERRORS},
    summary="A member's effective permissions, at a location",
)
def effective_permissions(request, staff_id: int, query: Query[EffectiveQuery]):
    policy.require(request.auth, P.MANAGE_INTEGRATIONS)
    member = _member(request.auth, staff_id)
    location = None
    if query.location is not None:
        location = (
            policy.location_scope(Location.objects.all(), request.auth)
            .filter(pk=query.location)
            .first()
        )
        if location is None:
            raise Http404
    perms = policy.effective_permissions(member, location)
    reason = ""
    if not perms:
        reasons = {
            policy.explain(member, p.name, location).reason
            for m in MODULES
            for p in m.permissions
            if p.name in member.role.permission_set
        }
        reason = next(iter(sorted(reasons)), policy.MISSING_PERMISSION)
    return {
        "staff": member.pk,
        "location": query.location,
        "role": member.role.name,
        "permissions": sorted(perms),
        "reason": reason,
    }
