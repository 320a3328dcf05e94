"""Template context for the layout: the navigation the signed-in member may use."""

from clinicorg.access import policy
from clinicorg.access.catalogue import P

# (url name, label, permission (or a tuple of which any one will do) or None for everyone
# signed in, url-name prefix it highlights)
NAVIGATION = [
    ("web:dashboard", "Dashboard", (P.MANAGE_STAFF, P.MANAGE_SETTINGS), "dashboard"),
    ("web:schedule_home", "Schedule", P.VIEW_APPOINTMENTS, "schedule"),
    ("web:staff_list", "Employee Center", P.MANAGE_STAFF, "staff"),
    ("web:license_list", "License expiry", P.MANAGE_STAFF, "license_"),
    ("web:supervisor_list", "Supervisors", P.MANAGE_STAFF, "supervisor"),
    ("web:location_list", "Locations", P.MANAGE_LOCATIONS, "location"),
    ("web:import_history", "Imports", P.IMPORT_EXPORT, "import_"),
    ("web:structure_department_list", "Org structure", P.MANAGE_SETTINGS, "structure_"),
    ("web:org_settings", "Organization settings", P.MANAGE_SETTINGS, "org_settings"),
    ("web:audit_list", "Audit log", P.VIEW_AUDIT_LOG, "audit_"),
    ("web:access_role_list", "Roles & permissions", P.MANAGE_ROLES, "access_role"),
    ("web:my_profile", "My profile", None, "my_"),
]


def allowed(user, perm) -> bool:
    """Whether a NAVIGATION entry's permission lets `user` in."""
    if perm is None:
        return True
    return any(policy.can(user, name) for name in (perm if isinstance(perm, tuple) else (perm,)))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = (match.url_name or "") if match else ""
    items = [
        {"url_name": name, "label": label, "current": current.startswith(prefix)}
        for name, label, perm, prefix in NAVIGATION
        if allowed(user, perm)
    ]
    return {"nav_items": items}
