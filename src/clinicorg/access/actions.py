"""Writes to organizations (with their seeded roles), roles and API tokens.

A member's role and location access are staff writes: `staff.actions.access`."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from clinicorg.core import audit
from clinicorg.core.errors import Conflict, Decision, Denied
from clinicorg.core.models import Organization
from clinicorg.core.writes import validate

from . import policy
from .catalogue import ALL_PERMISSIONS, PERMISSIONS, SEEDED_ROLES, P
from .models import ApiToken, Role, hash_token

ROLE_NAME_TAKEN = "Another role of the organization has this name."


def _clean_permissions(permissions) -> list[str]:
    names = list(dict.fromkeys(permissions or ()))
    unknown = [n for n in names if n not in PERMISSIONS]
    if unknown:
        raise ValidationError({"permissions": f"Unknown permission: {', '.join(sorted(unknown))}."})
    return sorted(names)


def _require_role_admin(actor) -> None:
    policy.require(actor, P.MANAGE_ROLES)
    if policy.accessible_location_ids(actor) is not None:
        raise Denied(
            Decision(
                False,
                policy.NO_LOCATION_ACCESS,
                P.MANAGE_ROLES,
                "Roles apply at every location, so changing them needs access to all "
                "locations. An administrator with access to all locations can do it.",
            )
        )


def _clean_role_name(name, organization_id, *, exclude_pk=None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the role a name."})
    if len(name) > 100:
        raise ValidationError({"name": "A role name has at most 100 characters."})
    clash = Role.objects.filter(organization_id=organization_id, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": ROLE_NAME_TAKEN})
    return name


def _save_role(role: Role) -> None:
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError as exc:
        raise ValidationError({"name": ROLE_NAME_TAKEN}) from exc


def _permission_changes(old, new) -> dict:
    added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
    changes = {}
    if added or removed:
        changes["permissions"] = [sorted(old), sorted(new)]
        changes["permissions_added"] = added
        changes["permissions_removed"] = removed
    return changes


def create_role(name: str, permissions=(), *, actor, copy_from: Role | None = None) -> Role:
    """A custom role, blank or with the permissions of `copy_from` (then `permissions` ignored)."""
    _require_role_admin(actor)
    org_id = actor.organization_id
    if copy_from is not None:
        if copy_from.organization_id != org_id:
            raise ValidationError({"copy_from": "Choose one of this organization's roles."})
        permissions = copy_from.permission_set
    perms = _clean_permissions(permissions)
    policy.require_grant(actor, permissions=perms)
    name = _clean_role_name(name, org_id)
    with transaction.atomic():
        role = Role(organization_id=org_id, name=name, permissions=perms)
        _save_role(role)
        changes = {"name": [None, name], "permissions": [None, perms]}
        if copy_from is not None:
            changes["copied_from"] = [None, copy_from.name]
        audit.record("create_role", actor=actor, target=role, changes=changes)
    return role


def update_role(role: Role, *, actor, name: str | None = None, permissions=None) -> Role:
    """Rename and/or set the permissions; the audit names the permissions added and removed."""
    _require_role_admin(actor)
    if role.organization_id != actor.organization_id:
        raise Role.DoesNotExist("No such role.")
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        old_name, old_perms = role.name, sorted(role.permission_set)
        changes = {}
        if name is not None:
            new_name = _clean_role_name(name, role.organization_id, exclude_pk=role.pk)
            if new_name != old_name:
                role.name = new_name
                changes["name"] = [old_name, new_name]
        if permissions is not None:
            perms = _clean_permissions(permissions)
            if role.is_administrator:
                if set(perms) != ALL_PERMISSIONS:
                    raise ValidationError(
                        {
                            "permissions": "The Administrator role keeps every permission; "
                            "create a custom role for a narrower set."
                        }
                    )
            else:
                policy.require_grant(actor, permissions=set(perms) - set(old_perms))
                role.permissions = perms
                changes.update(_permission_changes(old_perms, perms))
        if changes:
            role.__dict__.pop("_permission_set", None)
            _save_role(role)
            audit.record("update_role", actor=actor, target=role, changes=changes)
    return role


def delete_role(role: Role, *, actor) -> None:
    """Delete a custom role nobody holds; the Administrator role and roles in use stay."""
    _require_role_admin(actor)
    if role.organization_id != actor.organization_id:
        raise Role.DoesNotExist("No such role.")
    if role.is_administrator:
        raise Conflict("The Administrator role cannot be deleted.", code="administrator_role")
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        members = role.members.count()
        if members:
            noun = "member holds" if members == 1 else "members hold"
            raise Conflict(
                f"{members} {noun} the role “{role.name}”. Give them another role first, then "
                "delete it.",
                code="role_in_use",
                details={"members": members},
            )
        tokens = ApiToken.objects.filter(role=role)
        active = tokens.filter(revoked_at__isnull=True).count()
        if active:
            raise Conflict(
                f"{active} API token(s) act with the role “{role.name}”. Revoke them first.",
                code="role_in_use",
                details={"api_tokens": active},
            )
        if tokens.exists():
            raise Conflict(
                f"Revoked API tokens created with the role “{role.name}” keep it for their "
                "history, so it cannot be deleted. Rename it (for example “Retired”) and "
                "turn its permissions off instead.",
                code="role_in_use",
                details={"revoked_api_tokens": tokens.count()},
            )
        audit.record(
            "delete_role",
            actor=actor,
            target=role,
            changes={"name": [role.name, None], "permissions": [sorted(role.permission_set), None]},
        )
        role.delete()


def create_organization(name: str, slug: str = "", *, timezone="America/New_York", actor=None):
    """A new organization with its seeded roles. Run by operators (CLI), not by tenants."""
    org = Organization(name=name.strip(), slug=slug or slugify(name), timezone=timezone)
    validate(org, exclude=["slug"])
    if Organization.objects.filter(slug=org.slug).exists():
        raise ValidationError({"slug": "An organization with this slug already exists."})
    with transaction.atomic():
        org.save()
        audit.record(
            "create_organization",
            actor=actor,
            organization_id=org.pk,
            target=org,
            changes={"name": [None, org.name], "slug": [None, org.slug]},
        )
        seed_roles(org, actor=actor)
    return org


def seed_roles(organization, *, actor=None) -> dict[str, Role]:
    """Create the seeded roles an organization starts with (idempotent)."""
    roles = {}
    with transaction.atomic():
        for key, (name, perms) in SEEDED_ROLES.items():
            role, created = Role.objects.get_or_create(
                organization=organization,
                key=key,
                defaults={"name": name, "permissions": sorted(perms)},
            )
            if created:
                audit.record(
                    "create_role",
                    actor=actor,
                    organization_id=organization.pk,
                    target=role,
                    changes={"name": [None, name], "permissions": [None, sorted(perms)]},
                )
            roles[key] = role
    return roles


def _is_person(actor) -> bool:
    return actor is not None and not actor.is_token and not getattr(actor, "is_system", False)


def create_api_token(
    organization, role: Role, name: str, *, actor=None, locations=None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret, which is shown once and never stored.

    With `locations`, the token is limited to them exactly as a member with those access
    rules; without, it acts at every location.
    """
    if role.organization_id != organization.pk:
        raise ValidationError({"role": "That role belongs to another organization."})
    name = (name or "").strip() or "API token"
    raw = ApiToken.generate()
    locations = list(locations or [])
    if any(loc.organization_id != organization.pk for loc in locations):
        raise ValidationError({"locations": "A location belongs to another organization."})
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            name=name[:100],
            role=role,
            token_hash=hash_token(raw),
            hint=raw[:8],
            all_locations=not locations,
            created_by=actor if _is_person(actor) else None,
        )
        if locations:
            token.locations.set(locations)
        audit.record(
            "create_api_token",
            actor=actor,
            organization_id=organization.pk,
            target=token,
            changes={
                "name": [None, token.name],
                "role": [None, role.name],
                "locations": [None, sorted(loc.code for loc in locations) or "all"],
            },
        )
    return token, raw


def revoke_api_token(token: ApiToken, *, actor=None) -> ApiToken:
    """Stop `token` working at once (its next request is refused); audited once."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                "revoke_api_token",
                actor=actor,
                organization_id=token.organization_id,
                target=token,
                changes={"revoked_at": [None, token.revoked_at.isoformat()]},
            )
    return token


# A token's last use is kept to this resolution: a busy client writes once in that time.
TOKEN_USE_RESOLUTION = timedelta(minutes=5)


def note_token_use(token: ApiToken, now=None) -> None:
    """Record that `token` was used now (`last_used_at`, what an administrator reads to find
    tokens nobody uses any more), unless it was recorded less than TOKEN_USE_RESOLUTION ago.
    Not audited: it changes no setting, and the audit log names the token on every write."""
    now = now or timezone.now()
    stale = now - TOKEN_USE_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    token.last_used_at = now
