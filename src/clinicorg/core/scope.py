"""Where an actor may act: the one reading of an actor's location access.

An actor (a signed-in member, an API token or the system) exposes `organization_id`,
`all_locations` and `granted_location_ids()`. This lives in core, the lowest app, because the
audit log (core) and the policy (access) both scope by it; `access.policy` builds every
decision on it.
"""


def is_authenticated(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", True)


def accessible_location_ids(actor) -> frozenset[int] | None:
    """Ids of the active locations the actor may act at; None means every location of the org."""
    if actor.all_locations:
        return None
    return actor.granted_location_ids()


def audit_scope(queryset, actor):
    """Audit events of the organization; a location-scoped reader sees only their locations'."""
    if not is_authenticated(actor):
        return queryset.none()
    queryset = queryset.filter(organization_id=actor.organization_id)
    ids = accessible_location_ids(actor)
    if ids is not None:
        queryset = queryset.filter(location_id__in=ids)
    return queryset
