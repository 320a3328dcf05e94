"""One router per area; `register` mounts them on the API. Paths are written in full inside
each router (e.g. "/departments"), so an area may serve several resources."""

_registered = False


def register() -> None:
    global _registered
    if _registered:
        return
    _registered = True
    from ..base import api
    from . import (
        access,
        audit,
        locations,
        org,
        people,
        reports,
        scheduling,
        security,
        staff,
        transfer,
    )

    api.add_router("/locations", locations.router, tags=["Locations"])
    api.add_router("", org.router)  # departments, positions, employee-categories, organization
    api.add_router("", audit.router)  # audit-events
    api.add_router("", staff.router)  # staff
    api.add_router("", people.router)  # supervisors, taxonomy, credentials
    api.add_router("", access.router)  # roles, permissions, authz, staff access
    api.add_router("", transfer.router)  # imports, templates, exports
    api.add_router("", reports.router)  # reports: dashboard, license expiry, reminders
    api.add_router("", scheduling.router)  # visit types, availability, slots, appointments
    api.add_router("", security.router)  # two-factor requirement and reset
