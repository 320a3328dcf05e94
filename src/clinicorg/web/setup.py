"""The setup checklist an empty organization's dashboard shows its first administrator:
locations, the taxonomy code set, roles, inviting staff, importing the rest.

Each step is done when the organization's own records or audit log say so; the list shows
until the organization has staff beyond its first member, or every step is done.
"""

from dataclasses import dataclass

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.models import AuditEvent
from clinicorg.staff import taxonomy
from clinicorg.staff.models import StaffMember
from clinicorg.transfer.models import ImportJob, State


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    done: bool
    url_name: str = ""  # empty: nothing to open (an operator's command)
    link: str = ""


def _changed_by_a_person(actor, actions) -> bool:
    events = AuditEvent.objects.visible_to(actor).filter(action__in=actions)
    return events.filter(actor_id__isnull=False).exists()


def setup_checklist(actor, *, staff_count: int | None = None) -> list[Step]:
    """The steps, or [] when the organization is past setting up (or the reader cannot act
    on any of them). `staff_count` (the members the reader sees, when a page has counted
    them) spares a query."""
    if not (policy.can(actor, P.MANAGE_STAFF) or policy.can(actor, P.MANAGE_SETTINGS)):
        return []
    if staff_count is None:
        staff_count = StaffMember.objects.visible_to(actor).count()
    if staff_count > 1:
        return []
    steps = [
        Step(
            "Set up your locations",
            "Check the first location's address, NPI and time zone, and add the other sites.",
            _changed_by_a_person(actor, ("create_location", "update_location")),
            "web:location_list" if policy.can(actor, P.MANAGE_LOCATIONS) else "",
            "Locations",
        ),
        Step(
            "Load the provider taxonomy",
            "Providers' taxonomy codes are checked against the NUCC code set once it is "
            "loaded. An operator loads the official CSV with the command: "
            "clinicorg taxonomy load FILE.",
            taxonomy.code_set_loaded(),
        ),
        Step(
            "Review roles and permissions",
            "Four roles come ready (Administrator, Front Desk, Provider, Billing Manager); "
            "adjust what each may do, or add your own.",
            _changed_by_a_person(actor, ("create_role", "update_role")),
            "web:access_role_list" if policy.can(actor, P.MANAGE_ROLES) else "",
            "Roles & permissions",
        ),
        Step(
            "Invite your first staff",
            "Each person gets an email with a link to set their password.",
            False,
            "web:staff_create" if policy.can(actor, P.MANAGE_STAFF) else "",
            "Invite a member",
        ),
        Step(
            "Import everyone else",
            "Download the staff template, fill it in and upload it: every row is checked "
            "before anything is saved.",
            ImportJob.objects.visible_to(actor).filter(state=State.COMMITTED).exists(),
            "web:import_start" if policy.can(actor, P.IMPORT_EXPORT) else "",
            "Import staff",
        ),
    ]
    return [] if all(s.done for s in steps) else steps
