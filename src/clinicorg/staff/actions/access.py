"""A member's role, location access rules and location management: what, and where."""

from django.core.exceptions import ValidationError
from django.db import transaction

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core import audit
from clinicorg.directory.models import Location

from .. import rules
from ..models import StaffMember, Status
from .records import ensure_not_last_admin

__all__ = [
    "change_staff_role",
    "grant_location_access",
    "location_access_changes",
    "set_location_access",
    "set_location_managers",
]


def change_staff_role(member, role: Role, *, actor):
    """Give a member another role; the last active Administrator keeps theirs."""
    policy.require_member(actor, member)
    if role is None or role.organization_id != member.organization_id:
        raise ValidationError({"role": "Choose one of this organization's roles."})
    policy.require_grant(actor, permissions=role.permission_set)
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().select_related("role").get(pk=member.pk)
        old = member.role
        if old.pk == role.pk:
            return member
        ensure_not_last_admin(member, new_role=role)
        member.role = role
        member.save(update_fields=["role"])
        member.forget_access_cache()
        audit.record(
            "change_staff_role",
            actor=actor,
            target=member,
            changes={
                "role": [old.name, role.name],
                "permissions_added": sorted(role.permission_set - old.permission_set),
                "permissions_removed": sorted(old.permission_set - role.permission_set),
            },
        )
    return member


def location_access_changes(before: set, after: set, codes) -> dict:
    """How the change log records a member's additional locations going from `before` to
    `after` (ids), `codes(ids)` naming them: the same keys whichever front end changed them
    (this action, or a staff import)."""
    return {
        "locations": [codes(before), codes(after)],
        "locations_added": codes(after - before),
        "locations_removed": codes(before - after),
    }


def set_location_access(member, *, all_locations: bool, locations, actor):
    """Set where a member may act: the primary location always, plus `locations`, or all.

    Only an actor whose own access covers the member's may change it (policy.explain_member),
    and they grant only what they hold (policy.explain_grant).
    """
    policy.require_member(actor, member)
    locations = list(locations or [])
    if any(loc.organization_id != member.organization_id for loc in locations):
        raise ValidationError({"locations": "Choose locations of this organization."})
    mine = policy.accessible_location_ids(actor)
    policy.require_grant(
        actor,
        all_locations=all_locations and not member.all_locations,
        locations=[loc for loc in locations if loc.pk != member.primary_location_id],
    )
    with transaction.atomic():
        member = StaffMember.objects.select_for_update().get(pk=member.pk)
        current = set(member.extra_locations.values_list("id", flat=True))
        # Grants at inactive locations are outside every limited actor's view: they stay.
        wanted = rules.resulting_extra_locations(
            (loc.pk for loc in locations),
            current=current,
            primary_id=member.primary_location_id,
            actor_location_ids=mine,
        )
        changes = {}
        if member.all_locations != bool(all_locations):
            changes["all_locations"] = [member.all_locations, bool(all_locations)]
            member.all_locations = bool(all_locations)
            member.save(update_fields=["all_locations"])
        if wanted != current:
            code = dict(Location.objects.filter(pk__in=wanted | current).values_list("id", "code"))

            def codes(ids):
                return audit.location_codes((i, code[i]) for i in ids)

            changes.update(location_access_changes(current, wanted, codes))
            member.extra_locations.set(wanted)
        member.forget_access_cache()
        if changes:
            audit.record("set_location_access", actor=actor, target=member, changes=changes)
    return member


def grant_location_access(member, location: Location, *, actor):
    """Add one location to a member's access rules, keeping the rest: `set_location_access`
    with one more location (the same checks, the same audit event). Nothing changes when the
    member's rules already include it."""
    if location.organization_id != member.organization_id:
        raise ValidationError({"locations": "Choose locations of this organization."})
    if member.all_locations or location.pk in member.granted_location_ids():
        return member
    mine = policy.accessible_location_ids(actor)
    # Grants outside the actor's view are kept by set_location_access itself.
    kept = [loc for loc in member.extra_locations.all() if mine is None or loc.pk in mine]
    return set_location_access(
        member, all_locations=False, locations=[*kept, location], actor=actor
    )


def set_location_managers(location: Location, staff_ids, *, actor) -> dict:
    """Replace the managers of a location that the actor can see.

    Managers are current staff the actor may act on (policy.explain_member): a member outside
    the actor's scope reads as unknown, and managers the actor cannot see stay as they are.
    """
    policy.require(actor, P.MANAGE_LOCATIONS, location)
    wanted = set(staff_ids)
    visible = StaffMember.objects.visible_to(actor).select_related("role", "primary_location")
    found = {m.id: m for m in visible.filter(id__in=wanted).exclude(status=Status.DEACTIVATED)}
    missing = wanted - found.keys()
    if missing:
        raise ValidationError(
            {"managers": f"No current staff member with id {', '.join(map(str, sorted(missing)))}."}
        )
    with transaction.atomic():
        current = {m.id: m for m in location.managers.select_related("role", "primary_location")}
        seen = set(visible.filter(id__in=current).values_list("id", flat=True))
        kept = {pk: m for pk, m in current.items() if pk not in seen}
        for pk in found.keys() ^ (current.keys() - kept.keys()):
            policy.require_member(actor, found.get(pk) or current[pk], P.MANAGE_LOCATIONS)
        after_all = {**kept, **found}
        location.managers.set(after_all.values())
        before = sorted(audit.label(m) for m in current.values())
        after = sorted(audit.label(m) for m in after_all.values())
        changes = {"managers": [before, after]} if before != after else {}
        if changes:
            audit.record("set_location_managers", actor=actor, target=location, changes=changes)
    return changes
