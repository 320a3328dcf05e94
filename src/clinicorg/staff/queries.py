"""Scoped reads of staff members, and the staff filter.

`filter_staff` is the one filter behind every staff list (through staff.filters, whose
`staff_for` starts from `scoped_staff`: the actor's scope, with what a list row shows loaded in
one query).
"""

import functools
from datetime import timedelta

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core import boundary

from . import search
from .models import Invitation, StaffMember, Status, TaxonomyAssignment

# Status filter values besides the statuses themselves.
STATUS_CURRENT = ""  # everyone but deactivated members (the default view)
STATUS_ALL = "all"
STATUS_FILTERS = (STATUS_CURRENT, STATUS_ALL, *Status.values)

STAFF_SORTS = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "employee_id": ("employee_id",),
    "location": ("primary_location__name",),
    "role": ("role__name",),
    "department": ("department__name",),
    "position": ("position__name",),
    "status": ("status",),
    "hire_date": ("hire_date",),
}
SORT_CHOICES = tuple(k for key in STAFF_SORTS for k in (key, f"-{key}"))

# Id filters also take this value: members with no department (position, category).
NONE = "none"

# Invitation filter values: a pending invitation still open, one whose link expired unused, and
# one accepted within the last ACCEPTED_WITHIN_DAYS days.
INVITATION_OPEN = "open"
INVITATION_EXPIRED = "expired"
INVITATION_ACCEPTED = "accepted"
INVITATION_FILTERS = (INVITATION_OPEN, INVITATION_EXPIRED, INVITATION_ACCEPTED)
ACCEPTED_WITHIN_DAYS = 30

# Missing-credential filter values: providers (members of a clinical role) without an NPI, or
# without a primary taxonomy code.
MISSING_NPI = "npi"
MISSING_TAXONOMY = "taxonomy"
MISSING_FILTERS = (MISSING_NPI, MISSING_TAXONOMY)

# A selection (`ids`) holds at most this many members: a few pages of the list.
MAX_IDS = 1000

LIST_RELATED = ("primary_location", "role", "department", "position", "category", "supervisor")


def _looked_up(model, ref: str, field: str = "name") -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(ref)).order_by().values(field)[:1])


@functools.cache
def _list_names() -> dict:
    """What a list row names, each read by id for the page's rows alone (`<ref>_name`, the
    supervisor's first and last name): a scalar lookup per row, where joining five tables and
    the supervisor costs PostgreSQL more to plan than to run. Made once: a query copies the
    expressions it is given, never changing them."""
    from clinicorg.directory.models import Department, EmployeeCategory, Location, Position

    refs = {
        "primary_location": Location,
        "role": Role,
        "department": Department,
        "position": Position,
        "category": EmployeeCategory,
    }
    return {
        **{f"{ref}_name": _looked_up(model, f"{ref}_id") for ref, model in refs.items()},
        "supervisor_first_name": _looked_up(StaffMember, "supervisor_id", "first_name"),
        "supervisor_last_name": _looked_up(StaffMember, "supervisor_id", "last_name"),
    }


def _order(sort: str) -> list[str]:
    sort = (sort or "").strip()
    desc = sort.startswith("-")
    fields = STAFF_SORTS.get(sort.lstrip("-"), STAFF_SORTS["name"])
    order = [f"-{f}" if desc else f for f in fields]
    if fields is not STAFF_SORTS["name"]:
        order += ["last_name", "first_name"]
    return [*order, "id"]


def _id(value) -> int | None | bool:
    """An id filter value: None when absent, False when unusable (matches nothing)."""
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    text = str(value).strip()
    if not boundary.is_int_text(text):
        return False  # not ASCII digits, or past the database's range
    number = int(text)
    return number if number > 0 else False


def invitation_state_filter(state: str, now=None) -> Q:
    """Invitations in `state` (one of INVITATION_FILTERS), as a filter of Invitation."""
    now = now or timezone.now()
    unused = Q(accepted_at__isnull=True, revoked_at__isnull=True, superseded_at__isnull=True)
    if state == INVITATION_OPEN:
        return unused & Q(expires_at__gt=now)
    if state == INVITATION_EXPIRED:
        return unused & Q(expires_at__lte=now)
    if state == INVITATION_ACCEPTED:
        return Q(accepted_at__gte=now - timedelta(days=ACCEPTED_WITHIN_DAYS))
    raise ValueError(state)


def invitation_condition(state: str, now=None) -> Q:
    """Members with an invitation in `state` (one of INVITATION_FILTERS)."""
    mine = Invitation.objects.filter(staff=OuterRef("pk"))
    return Q(Exists(mine.filter(invitation_state_filter(state, now))))


def current_condition() -> Q:
    """Current members: everyone but the deactivated (the STATUS_CURRENT filter)."""
    return ~Q(status=Status.DEACTIVATED)


def provider_condition() -> Q:
    """Providers: members of a clinical role (`Role.is_clinical`)."""
    return Q(role__in=Role.objects.clinical().values("pk"))


def held_by(queryset, members):
    """Records of `queryset` (anything with a `staff` key) held by one of `members`.

    Each record looks its holder up by primary key in a correlated subquery, so the cost
    follows the records read, not the number of members: `IN (subquery)` builds the whole set
    of members first on SQLite, and PostgreSQL turns `IN` and `EXISTS` into a join that may
    scan every member. A scalar subquery is neither.
    """
    holder = members.order_by().filter(pk=OuterRef("staff_id")).values("pk")
    return queryset.filter(staff_id=Subquery(holder))


def missing_condition(what: str) -> Q:
    """Providers (members of a clinical role) missing `what` (one of MISSING_FILTERS)."""
    providers = provider_condition()
    if what == MISSING_NPI:
        return providers & Q(npi="")
    if what == MISSING_TAXONOMY:
        primary = TaxonomyAssignment.objects.filter(staff=OuterRef("pk"), is_primary=True)
        return providers & ~Q(Exists(primary))
    raise ValueError(what)


def filter_staff(
    queryset,
    *,
    q: str = "",
    status: str = "",
    location=None,
    role=None,
    department=None,
    position=None,
    category=None,
    invitation: str = "",
    missing: str = "",
    ids: str = "",
    sort: str = "",
):
    """Filter and order staff.

    `q` matches name, email and employee id. `status` is a status, "all", or empty for
    everyone but deactivated members. `location` (primary location), `role`, `department`,
    `position` and `category` take ids (or model instances); an unusable id matches nothing;
    "none" for department, position or category matches members without one. `invitation` is
    one of INVITATION_FILTERS, `missing` one of MISSING_FILTERS; other values match nothing.
    `ids` (a selection) is member ids separated by commas, at most MAX_IDS of them; an unusable
    one, or more than that, matches nothing.
    """
    q = (q or "").strip()
    if q:
        words = q.split()
        cond = Q(email__icontains=q) | Q(employee_id__iexact=q) | Q(display_name__icontains=q)
        name = Q()
        for word in words:
            name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        # The name first: most searches are for a name, and the database stops at the first
        # alternative that holds (on PostgreSQL each case-folds a column, the costly part).
        queryset = search.searched(queryset, q, name | cond)
    if ids not in (None, "") and not isinstance(ids, (list, tuple)):
        ids = [p for p in str(ids).replace(" ", "").split(",") if p]
    if ids:
        wanted = [_id(v) for v in ids]
        if False in wanted or None in wanted or len(wanted) > MAX_IDS:
            return queryset.none()
        queryset = queryset.filter(pk__in=wanted)
    status = (status or "").strip()
    if status == STATUS_CURRENT:
        queryset = queryset.filter(current_condition())
    elif status in Status.values:
        queryset = queryset.filter(status=status)
    elif status != STATUS_ALL:
        queryset = queryset.none()
    for field, value in (
        ("primary_location_id", location),
        ("role_id", role),
        ("department_id", department),
        ("position_id", position),
        ("category_id", category),
    ):
        if value == NONE and field not in ("primary_location_id", "role_id"):
            queryset = queryset.filter(**{f"{field}__isnull": True})
            continue
        wanted = _id(value)
        if wanted is False:
            return queryset.none()
        if wanted is not None:
            queryset = queryset.filter(**{field: wanted})
    for value, choices, condition in (
        (invitation, INVITATION_FILTERS, invitation_condition),
        (missing, MISSING_FILTERS, missing_condition),
    ):
        value = (value or "").strip()
        if value and value not in choices:
            return queryset.none()
        if value:
            queryset = queryset.filter(condition(value))
    return queryset.order_by(*search.ordering(_order(sort), q))


def _scoped_members(actor):
    """Members the actor may see, each with `supervisor_visible`: whether their supervisor is
    one the actor may see too. A supervisor outside the actor's scope is not shown (their name
    and email are not the actor's to read) and is kept unchanged by the actor's edits."""
    members = StaffMember.objects.visible_to(actor).select_related(*LIST_RELATED)
    return _with_visible_supervisor(members, actor)


def _with_visible_supervisor(members, actor):
    """`members`, each with `supervisor_visible` (see `_scoped_members`)."""
    if policy.accessible_location_ids(actor) is None:
        # The actor sees every member of the organization, so every supervisor too: no
        # per-row subquery (PostgreSQL may hash the whole organization to answer it).
        visible = ExpressionWrapper(Q(supervisor_id__isnull=False), output_field=BooleanField())
        return members.annotate(supervisor_visible=visible)
    boss = StaffMember.objects.visible_to(actor).filter(pk=OuterRef("supervisor_id"))
    return members.annotate(supervisor_visible=Exists(boss))


def scoped_staff(actor):
    """Members the actor may see, with what a list row shows, before any filter."""
    return _scoped_members(actor)


def list_rows(actor):
    """The rows of a staff list page (the Employee Center, the API list): the members the
    actor may see with `supervisor_visible` and the names a row shows (`_list_names`), and no
    join."""
    return _with_visible_supervisor(StaffMember.objects.visible_to(actor), actor).annotate(
        **_list_names()
    )


def access_staff_by_id(actor, pk, permission: str = P.MANAGE_STAFF) -> StaffMember:
    """A member fetched inside the actor's scope (404 outside it) and authorized (403).

    Reading needs `permission` at the member's primary location; changing them is decided by
    each action through `policy.explain_member`.
    """
    member = get_staff(actor, pk)
    policy.require(actor, permission, member.primary_location)
    return member


def get_staff(actor, pk) -> StaffMember:
    """A member the actor may see, or 404 (another organization's is never a 403)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    return get_object_or_404(_scoped_members(actor), pk=pk)


# People pickers: the one scoped search behind every member picker (supervisor field,
# location managers, appointing a supervisor). Each purpose offers exactly who its action would
# accept: current staff the actor sees, and for the supervisor field only appointed supervisors.
PICK_SUPERVISOR = "supervisor"  # a member's supervisor (staff.rules.supervisor_error)
PICK_MANAGER = "manager"  # a location manager (actions.set_location_managers)
PICK_APPOINTEE = "appointee"  # someone to appoint as supervisor (actions.appoint_supervisor)
PICK_MEMBER = "member"  # any current member
PICK_PERMISSIONS = {
    PICK_SUPERVISOR: P.MANAGE_STAFF,
    PICK_MANAGER: P.MANAGE_LOCATIONS,
    PICK_APPOINTEE: P.MANAGE_STAFF,
    PICK_MEMBER: P.MANAGE_STAFF,
}
# Purposes whose action also needs the actor to be allowed to act on the member chosen
# (policy.explain_member): their candidates are screened by that same rule.
_PICK_ACTS_ON_MEMBER = {PICK_MANAGER: P.MANAGE_LOCATIONS, PICK_APPOINTEE: P.MANAGE_STAFF}
PICK_LIMIT = 20


def pickable_staff(actor, purpose: str):
    """Members the actor may choose for `purpose` (one of PICK_PERMISSIONS), before search."""
    from .actions.records import appointed_supervisors
    from .supervisors import appointable_staff

    if purpose == PICK_SUPERVISOR:
        qs = appointed_supervisors(actor, actor.organization_id)
    elif purpose == PICK_APPOINTEE:
        qs = appointable_staff(actor)
    elif purpose in (PICK_MANAGER, PICK_MEMBER):
        qs = StaffMember.objects.visible_to(actor)
    else:
        raise ValueError(purpose)
    return qs.exclude(status=Status.DEACTIVATED)


def pick_staff(
    actor, purpose: str, q: str, *, exclude=None, replacing=None, limit: int = PICK_LIMIT
):
    """Up to `limit` members matching `q` that the actor may choose for `purpose`, by name.

    Requires the purpose's permission (policy.require); a blank `q` offers nobody. The search
    is the staff filter's own `q` (and its index); `exclude` (an id) leaves out the member
    being edited. `replacing` (the id of a supervisor being removed; supervisor purpose only)
    offers only who may take over that supervisor's direct reports: never the supervisor, one
    of the reports, or anyone whose reporting line runs through them
    (staff.rules.reassignment_error, the rule of actions.remove_supervisor).
    """
    policy.require(actor, PICK_PERMISSIONS[purpose])
    if not (q or "").strip():
        return []
    qs = filter_staff(pickable_staff(actor, purpose), q=q, status=STATUS_ALL)
    qs = qs.select_related("primary_location", "role")
    wanted = _id(exclude)
    if wanted:
        qs = qs.exclude(pk=wanted)
    if purpose == PICK_SUPERVISOR and replacing not in (None, ""):
        return _able_to_take_over(actor, qs, replacing, limit)
    acting = _PICK_ACTS_ON_MEMBER.get(purpose)
    if acting is None:
        return list(qs[:limit])
    # The action refuses members the actor cannot act on (broader access, a stronger role):
    # screen a few more candidates than needed with that same rule.
    return [m for m in qs[: limit * 3] if policy.explain_member(actor, m, acting).allowed][:limit]


def _able_to_take_over(actor, candidates, replacing, limit: int) -> list[StaffMember]:
    """Of `candidates`, those the reassignment rule lets take over the direct reports of the
    supervisor `replacing` (an id; one the actor cannot see offers nobody)."""
    from .rules import reassignment_error

    wanted = _id(replacing)
    person = StaffMember.objects.visible_to(actor).filter(pk=wanted).first() if wanted else None
    if person is None:
        return []
    reports = list(StaffMember.objects.filter(supervisor=person).order_by("id"))
    found = list(candidates.exclude(pk=person.pk)[: limit * 3])
    chain = supervisor_chains(person.organization_id, [m.pk for m in found])
    return [
        m for m in found if reassignment_error(person, reports, m, supervisor_of=chain.get) is None
    ][:limit]


def supervisor_chains(organization_id: int, ids) -> dict[int, int | None]:
    """Each member of `ids` and everyone above them, mapped to their supervisor: the reporting
    lines the loop rule walks, read one level per query."""
    chain: dict[int, int | None] = {}
    level = set(ids)
    while level:
        rows = list(
            StaffMember.objects.filter(organization_id=organization_id, pk__in=level).values_list(
                "id", "supervisor_id"
            )
        )
        chain.update(rows)
        level = {boss for _pk, boss in rows if boss is not None and boss not in chain}
    return chain


STATUS_ACTIONS = ("change_staff_status", "deactivate_staff", "reactivate_staff")


def last_status_change(actor, member):
    """The audit event of the member's last status change with its reason, read within the
    actor's audit scope; None when there was none (a member never moved off Pending)."""
    from clinicorg.core.models import AuditEvent

    return (
        AuditEvent.objects.visible_to(actor)
        .filter(target_type="staffmember", target_id=str(member.pk), action__in=STATUS_ACTIONS)
        .order_by("-occurred_at", "-id")
        .first()
    )
