"""Every rule that decides whether a change to a staff member is allowed, once.

Single-record actions call these one record at a time; bulk planners (imports, and later SCIM)
call the same functions with lookups they preloaded, so no rule is written twice. Each rule
answers with the message a person reads (None when the change is fine); callers put it beside
the field, in the API's 422, or in the import's `row N, column C: message`.

Scope and escalation (who may act on whom, who may grant what) are the policy's:
`access.policy.explain_member` and `explain_grant`.
"""

from collections.abc import Callable, Iterable

from .models import TRANSITIONS, Status

EMAIL_TAKEN = "A staff account with this email already exists."
EMPLOYEE_ID_TAKEN = "Another staff member has this employee id."
NPI_TAKEN = "Another staff member of the organization has this NPI."
STAFF_CONSTRAINTS = {
    "staff_email_unique_ci": ("email", EMAIL_TAKEN),
    "staff_employee_id_unique": ("employee_id", EMPLOYEE_ID_TAKEN),
    "staff_npi_unique": ("npi", NPI_TAKEN),
}

OTHER_ORG_RECORD = "Choose one of this organization's records."
OTHER_ORG_ROLE = "Choose one of this organization's roles."
OTHER_ORG_LOCATIONS = "Choose locations of this organization."
REFERENCE_INACTIVE = {
    "primary_location": "This location is inactive; choose an active location.",
    "department": "This department is inactive.",
    "position": "This position is inactive.",
    "category": "This category is deprecated; only Active categories can be assigned.",
}
SUPERVISOR_SELF = "A member cannot supervise themselves."
SUPERVISOR_NOT_APPOINTED = "Choose one of the organization's appointed supervisors."
SUPERVISOR_LOOP = (
    "The chosen supervisor reports to this member (directly or through others); choose a "
    "supervisor outside this member's reporting line."
)
# Deeper chains than this are treated as a loop: no real organization has them.
_MAX_CHAIN = 200


def reference_error(field: str, obj, org_id: int, *, changing: bool = True) -> str | None:
    """Why `obj` cannot be a member's `field` (another organization's, inactive), or None.

    `obj` needs `organization_id` and `is_active`. The "must be active" rule applies only to
    references being set now (`changing`): a member keeps an assignment that was valid when
    made (a deprecated category, a location deactivated since) while other fields change.
    """
    if obj is None:
        return None
    if obj.organization_id != org_id:
        return OTHER_ORG_ROLE if field == "role" else OTHER_ORG_RECORD
    if changing and field in REFERENCE_INACTIVE and not obj.is_active:
        return REFERENCE_INACTIVE[field]
    return None


def supervisor_error(
    member_id: int | None,
    supervisor_id: int,
    *,
    is_appointed: Callable[[int], bool],
    supervisor_of: Callable[[int], int | None],
) -> str | None:
    """Why `supervisor_id` cannot supervise `member_id`, or None.

    `is_appointed(id)` says whether that member is one of the organization's appointed
    supervisors that the acting person can see (an out-of-scope supervisor reads as not
    appointed, so nothing about them leaks); `supervisor_of(id)` gives a member's supervisor
    as it will be after the change, to refuse reporting loops.
    """
    if member_id is not None and supervisor_id == member_id:
        return SUPERVISOR_SELF
    if not is_appointed(supervisor_id):
        return SUPERVISOR_NOT_APPOINTED
    if member_id is None:
        return None
    seen = 0
    above = supervisor_of(supervisor_id)
    while above is not None:
        if above == member_id or seen > _MAX_CHAIN:
            return SUPERVISOR_LOOP
        seen += 1
        above = supervisor_of(above)
    return None


def reassignment_error(
    person, reports, new_person, *, supervisor_of: Callable[[int], int | None]
) -> str | None:
    """Why `new_person` cannot take over the direct `reports` of `person` (a supervisor being
    removed), or None: they are one of those reports, or the move would close a reporting loop
    (`supervisor_error`). Members need `pk` and `full_name`; `supervisor_of(id)` gives a
    member's supervisor before the move."""
    moved = {m.pk for m in reports}
    if new_person.pk in moved:
        return (
            f"{new_person.full_name} is one of {person.full_name}'s direct reports and cannot "
            "supervise themselves. Choose a supervisor outside them, or clear the link."
        )
    for m in reports:
        message = supervisor_error(
            m.pk,
            new_person.pk,
            is_appointed=lambda _pk: True,
            supervisor_of=lambda pk: new_person.pk if pk in moved else supervisor_of(pk),
        )
        if message:
            return (
                f"{new_person.full_name} cannot take over {person.full_name}'s direct reports: "
                f"for {m.full_name}: {message}"
            )
    return None


def unique_error(value, own_id, taken: dict, message: str) -> str | None:
    """`taken` maps values already used in the organization to the member holding them."""
    if not value:
        return None
    holder = taken.get(value)
    return message if holder is not None and holder != own_id else None


def status_change_error(old: str, new: str, *, label: str) -> str | None:
    """The status machine of DESIGN.md (staff.models.TRANSITIONS)."""
    if new not in Status.values:
        return f"Choose one of: {', '.join(Status.values)}."
    if new == old:
        return f"{label} is already {Status(old).label}."
    if new not in TRANSITIONS.get(old, ()):
        allowed = ", ".join(Status(s).label for s in Status.values if s in TRANSITIONS.get(old, ()))
        return (
            f"A {Status(old).label.lower()} member cannot become {Status(new).label.lower()}. "
            f"Allowed next: {allowed or 'none'}."
        )
    return None


IMPORT_STATUS_NEW = "New members are imported as Pending."


def import_status_error(current_status: str | None, wanted: str) -> str | None:
    """An import sets no status: new members are Pending; changes need a reason on the profile."""
    now = current_status or Status.PENDING
    if not wanted or wanted == now:
        return None
    if current_status is None:
        return IMPORT_STATUS_NEW
    return (
        f"This member is {Status(now).label}; status changes need a reason and are made on the "
        "member's profile."
    )


LAST_ADMIN = (
    "{name} is the last active Administrator. Give another active member the Administrator "
    "role first."
)
LAST_ADMIN_IN_FILE = (
    "This would leave the organization without an active Administrator; keep the "
    "Administrator role for at least one active member."
)


def resulting_extra_locations(
    wanted: Iterable[int], *, current: Iterable[int], primary_id: int, actor_location_ids
) -> set[int]:
    """The additional locations (ids) a member holds once an actor sets them to `wanted`:
    never their primary location, which they hold anyway; and grants at locations outside a
    limited actor's view (`actor_location_ids`; None for an actor of every location) stay as
    they are, since that actor can neither see nor remove them. The one rule of
    actions.set_location_access and of staff imports."""
    result = set(wanted) - {primary_id}
    if actor_location_ids is not None:
        result |= {pk for pk in current if pk not in actor_location_ids and pk != primary_id}
    return result


def leaves_no_admin(active_admin_ids: Iterable[int], losing_ids: Iterable[int]) -> bool:
    """Whether taking the Administrator role or active status from `losing_ids` leaves none."""
    return not (set(active_admin_ids) - set(losing_ids))
