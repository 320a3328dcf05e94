"""Scoped reads of roles, and counts of members that respect the reader's scope."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from . import policy
from .models import Role


def visible_member_count(actor, model) -> Count:
    """How many of a record's `members` the actor can see, for `annotate()`.

    A location-limited reader's counts of a role, department, position or category never
    include staff outside their locations.
    """
    staff = model._meta.get_field("members").related_model
    visible = policy.staff_scope(staff.objects.all(), actor).values("pk")
    return Count("members", filter=Q(members__in=visible), distinct=True)


def roles_for(actor):
    """Roles of the organization, each with the number of members the actor can see."""
    return (
        policy.org_scope(Role.objects.all(), actor)
        .annotate(member_count=visible_member_count(actor, Role))
        .order_by("name", "id")
    )


def access_role_by_id(actor, pk, permission: str | None = None) -> Role:
    """A role of the actor's organization (404 otherwise), authorized when `permission`."""
    role = get_object_or_404(roles_for(actor), pk=pk)
    if permission is not None:
        policy.require(actor, permission)
    return role
