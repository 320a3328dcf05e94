"""The one place that decides who may do what, and where.

`explain(actor, permission, location)` answers with a `Decision` naming the reason of a denial;
`can()` is the same path reduced to a bool; `require()` raises `Denied`. Scoped querysets use
`accessible_location_ids()` so that a list never shows what a detail page would refuse.

Location access itself is read by `core.scope.accessible_location_ids` (the audit log, in
core, scopes by it too).

An actor is a StaffMember (signed-in person) or an ApiToken. Both expose `organization_id`,
`role`, `all_locations`, `is_active` and `granted_location_ids()`.
"""

from clinicorg.core.errors import Decision, Denied
from clinicorg.core.scope import accessible_location_ids, is_authenticated
from clinicorg.core.scope import org_scope as org_scope  # the scopes, all from the policy

from .catalogue import MODULES, PERMISSIONS

ALLOWED = Decision(True)

# Reasons, machine-readable; the API returns them as they are.
NOT_AUTHENTICATED = "not_authenticated"
INACTIVE_ACCOUNT = "inactive_account"
MISSING_PERMISSION = "missing_permission"
NO_LOCATION_ACCESS = "no_location_access"
LOCATION_INACTIVE = "location_inactive"
UNKNOWN_PERMISSION = "unknown_permission"
MEMBER_OUTSIDE_ACCESS = "member_outside_access"

MANAGE_STAFF = "administration.manage_staff"


_is_authenticated = is_authenticated


def explain(actor, permission: str, location=None) -> Decision:
    if not _is_authenticated(actor):
        return Decision(False, NOT_AUTHENTICATED, permission, "Sign in first.")
    if not actor.is_active:
        return Decision(
            False, INACTIVE_ACCOUNT, permission, "This account is not active and cannot act."
        )
    spec = PERMISSIONS.get(permission)
    if spec is None:
        return Decision(False, UNKNOWN_PERMISSION, permission, f"No permission {permission!r}.")
    if permission not in actor.role.permission_set:
        return Decision(
            False,
            MISSING_PERMISSION,
            permission,
            f"Your role ({actor.role.name}) does not include “{spec.label}” "
            f"({permission}). An administrator can add it on the Roles page.",
        )
    if location is not None:
        if location.organization_id != actor.organization_id:
            return Decision(
                False, NO_LOCATION_ACCESS, permission, "You have no access to this location."
            )
        if location.status != "active" and spec.module != "administration":
            return Decision(
                False,
                LOCATION_INACTIVE,
                permission,
                f"{location.name} is inactive; nothing can be done there until it is reactivated.",
            )
        ids = accessible_location_ids(actor)
        if ids is not None and location.id not in ids:
            return Decision(
                False,
                NO_LOCATION_ACCESS,
                permission,
                f"You have no access to {location.name}. An administrator can grant it in "
                "your access rules.",
            )
    return ALLOWED


def can(actor, permission: str, location=None) -> bool:
    return explain(actor, permission, location).allowed


def require(actor, permission: str, location=None) -> None:
    decision = explain(actor, permission, location)
    if not decision.allowed:
        raise Denied(decision)


# No escalation: the one rule for acting on a member and for granting access.
#
# An actor acts on a member only when the member's access lies within the actor's own: every
# location the member may act at is one the actor may act at ("All locations" only for an
# actor who has it), and every permission of the member's role is one the actor's role holds.
# Otherwise a location-limited manager could suspend, demote or re-address the organization's
# Administrator. And nobody grants, through any field, more than they hold. Single-record
# actions and bulk planners (imports) call these; planners pass preloaded location ids.


def explain_member(
    actor, member, permission: str = MANAGE_STAFF, *, member_location_ids=None
) -> Decision:
    """May `actor` use `permission` on `member` (their record, status, role, access, links)?

    `member_location_ids` (the member's active granted locations, primary included) spares a
    query when a bulk planner has them preloaded.
    """
    ids = member_location_ids
    if ids is None and not member.all_locations and accessible_location_ids(actor) is not None:
        ids = member.granted_location_ids()
    return explain_member_access(
        actor,
        permission,
        label="This member",
        primary_location=member.primary_location,
        all_locations=member.all_locations,
        location_ids=ids or (),
        role=member.role,
    )


def explain_member_access(
    actor, permission: str, *, label: str, primary_location, all_locations, location_ids, role
) -> Decision:
    """`explain_member` on plain values, for planners that memoize decisions per access shape."""
    decision = explain(actor, permission, primary_location)
    if not decision.allowed:
        return decision
    mine = accessible_location_ids(actor)
    if mine is not None:
        if all_locations:
            return Decision(
                False,
                MEMBER_OUTSIDE_ACCESS,
                permission,
                f"{label} has access to all locations; only someone with access to all "
                "locations can change their record or access.",
            )
        if not set(location_ids) <= mine:
            return Decision(
                False,
                MEMBER_OUTSIDE_ACCESS,
                permission,
                f"{label} also has access to locations you cannot access; only someone with "
                "access to all of them can change their record or access.",
            )
    beyond = role.permission_set - actor.role.permission_set
    if beyond:
        spec = PERMISSIONS[min(beyond)]
        return Decision(
            False,
            MEMBER_OUTSIDE_ACCESS,
            permission,
            f"{label}’s role ({role.name}) includes “{spec.label}”, which your role does not; "
            "only someone who holds every permission of their role can change their record or "
            "access.",
        )
    return ALLOWED


def require_member(actor, member, permission: str = MANAGE_STAFF, **kwargs) -> None:
    decision = explain_member(actor, member, permission, **kwargs)
    if not decision.allowed:
        raise Denied(decision)


def explain_grant(
    actor,
    *,
    permissions=(),
    all_locations: bool = False,
    locations=(),
    permission: str = MANAGE_STAFF,
) -> Decision:
    """May `actor` give someone these permissions (a role), "All locations", or `locations`?"""
    missing = sorted(set(permissions) - actor.role.permission_set)
    if missing:
        label = PERMISSIONS[missing[0]].label
        return Decision(
            False,
            MISSING_PERMISSION,
            missing[0],
            f"You cannot grant “{label}” ({missing[0]}): your own role does not include it.",
        )
    mine = accessible_location_ids(actor)
    if mine is None:
        return ALLOWED
    if all_locations:
        return Decision(
            False,
            NO_LOCATION_ACCESS,
            permission,
            "Only someone with access to all locations can grant “All locations”.",
        )
    for location in locations:
        if location.pk not in mine:
            return Decision(
                False,
                NO_LOCATION_ACCESS,
                permission,
                "You cannot grant access to a location you have no access to yourself.",
            )
    return ALLOWED


def require_grant(actor, **kwargs) -> None:
    decision = explain_grant(actor, **kwargs)
    if not decision.allowed:
        raise Denied(decision)


def effective_permissions(actor, location) -> frozenset[str]:
    """The permissions `actor` holds at `location`: `explain()` asked for each of the catalogue."""
    return frozenset(name for name in PERMISSIONS if explain(actor, name, location).allowed)


def effective_access(actor, locations) -> list[dict]:
    """Per location, what the actor may do there, grouped by catalogue module.

    Each row: {location, decision (of the location as a whole), modules: [{module, allowed:
    [Permission], denied}]}; computed by `explain()`, so the page shows what the policy enforces.
    """
    rows = []
    for location in locations:
        modules = []
        reasons = set()
        for module in MODULES:
            allowed = []
            for perm in module.permissions:
                decision = explain(actor, perm.name, location)
                if decision.allowed:
                    allowed.append(perm)
                elif decision.reason != MISSING_PERMISSION:
                    reasons.add(decision.reason)
            modules.append({"module": module, "allowed": allowed})
        rows.append(
            {
                "location": location,
                "modules": modules,
                "count": sum(len(m["allowed"]) for m in modules),
                "reasons": sorted(reasons),
            }
        )
    return rows


def _location_filter(actor, permission: str | None):
    """(allowed at all, accessible location ids or None for every one, active locations only).

    The queryset form of `explain()`'s location rules; the property tests hold them equal.
    """
    if not _is_authenticated(actor) or not actor.is_active:
        return False, None, False
    if permission is None:
        return True, accessible_location_ids(actor), False
    spec = PERMISSIONS.get(permission)
    if spec is None or permission not in actor.role.permission_set:
        return False, None, False
    return True, accessible_location_ids(actor), spec.module != "administration"


def _scoped(queryset, actor, permission, field: str, status_field: str):
    if not _is_authenticated(actor):
        return queryset.none()
    ok, ids, active_only = _location_filter(actor, permission)
    if not ok:
        return queryset.none()
    queryset = queryset.filter(organization_id=actor.organization_id)
    if ids is not None:
        queryset = queryset.filter(**{f"{field}__in": ids})
    if active_only:
        queryset = queryset.filter(**{status_field: "active"})
    return queryset


def staff_scope(queryset, actor, permission: str | None = None):
    """Staff of the actor's organization whose primary location the actor can access.

    With `permission`, exactly the members at whose primary location `can(actor, permission,
    location)` holds (nothing when the role lacks it).
    """
    return _scoped(queryset, actor, permission, "primary_location_id", "primary_location__status")


def location_scope(queryset, actor, permission: str | None = None):
    """Locations of the actor's organization the actor can access (active ones, unless all)."""
    return _scoped(queryset, actor, permission, "id", "status")
