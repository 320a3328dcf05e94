"""The permission catalogue: modules and their permissions, defined in code.

Permission names are `module.action`. Roles store a list of these names.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    name: str
    module: str
    label: str


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    permissions: tuple[Permission, ...]


def _module(key: str, label: str, items: list[tuple[str, str]]) -> Module:
    return Module(key, label, tuple(Permission(f"{key}.{a}", key, lbl) for a, lbl in items))


MODULES: tuple[Module, ...] = (
    _module(
        "calendar",
        "Calendar",
        [
            ("view_appointments", "View appointments"),
            ("create_appointments", "Create appointments"),
            ("delete_appointments", "Delete appointments"),
        ],
    ),
    _module(
        "billing",
        "Billing",
        [
            ("process_payments", "Process payments"),
            ("issue_refunds", "Issue refunds"),
            ("view_revenue_reports", "View revenue reports"),
        ],
    ),
    _module(
        "clinical",
        "Clinical",
        [
            ("access_patient_charts", "Access patient charts"),
            ("write_notes", "Write notes"),
            ("manage_medications", "Manage medications"),
        ],
    ),
    _module(
        "administration",
        "Administration",
        [
            ("manage_staff", "Manage staff"),
            ("manage_roles", "Manage roles"),
            ("manage_locations", "Manage locations"),
            ("manage_organization_settings", "Manage organization settings"),
            ("import_export", "Import and export"),
            ("view_audit_log", "View audit log"),
            ("manage_integrations", "Manage integrations"),
        ],
    ),
)

PERMISSIONS: dict[str, Permission] = {p.name: p for m in MODULES for p in m.permissions}
ALL_PERMISSIONS: frozenset[str] = frozenset(PERMISSIONS)


class P:
    """Constants for the permissions code checks, so a typo fails at import time."""

    VIEW_APPOINTMENTS = "calendar.view_appointments"
    CREATE_APPOINTMENTS = "calendar.create_appointments"
    DELETE_APPOINTMENTS = "calendar.delete_appointments"
    PROCESS_PAYMENTS = "billing.process_payments"
    ISSUE_REFUNDS = "billing.issue_refunds"
    VIEW_REVENUE_REPORTS = "billing.view_revenue_reports"
    ACCESS_PATIENT_CHARTS = "clinical.access_patient_charts"
    WRITE_NOTES = "clinical.write_notes"
    MANAGE_MEDICATIONS = "clinical.manage_medications"
    MANAGE_STAFF = "administration.manage_staff"
    MANAGE_ROLES = "administration.manage_roles"
    MANAGE_LOCATIONS = "administration.manage_locations"
    MANAGE_SETTINGS = "administration.manage_organization_settings"
    IMPORT_EXPORT = "administration.import_export"
    VIEW_AUDIT_LOG = "administration.view_audit_log"
    MANAGE_INTEGRATIONS = "administration.manage_integrations"


for _key, _name in vars(P).items():
    if _key.isupper():
        assert _name in PERMISSIONS, _name


# Roles every organization starts with: key -> (name, permissions).
SEEDED_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "administrator": ("Administrator", ALL_PERMISSIONS),
    "front_desk": (
        "Front Desk",
        frozenset(
            {P.VIEW_APPOINTMENTS, P.CREATE_APPOINTMENTS, P.DELETE_APPOINTMENTS, P.PROCESS_PAYMENTS}
        ),
    ),
    "provider": (
        "Provider",
        frozenset(
            {
                P.VIEW_APPOINTMENTS,
                P.CREATE_APPOINTMENTS,
                P.ACCESS_PATIENT_CHARTS,
                P.WRITE_NOTES,
                P.MANAGE_MEDICATIONS,
            }
        ),
    ),
    "billing_manager": (
        "Billing Manager",
        frozenset(
            {P.VIEW_APPOINTMENTS, P.PROCESS_PAYMENTS, P.ISSUE_REFUNDS, P.VIEW_REVENUE_REPORTS}
        ),
    ),
}
ADMINISTRATOR = "administrator"
