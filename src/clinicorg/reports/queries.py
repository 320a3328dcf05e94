"""Scoped reads of the reports: the dashboard's aggregates and the license expiry list.

Every figure starts from a scoped queryset (`StaffMember.objects.visible_to`,
`Location.objects.visible_to`, the audit log's scope) and applies the same filter function as
the list it links to (`filter_staff`, `filter_locations`), so a number always equals the length
of the list behind it, and a location-limited manager never counts what they may not see.
Aggregates run in SQL: the dashboard costs a constant number of queries whatever the size.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.queries import audit_events_for
from clinicorg.directory.models import (
    Department,
    EmployeeCategory,
    EnrollmentStatus,
    Location,
    Position,
)
from clinicorg.directory.queries import filter_locations, pending_enrollment_condition
from clinicorg.staff.models import Invitation, License, StaffMember, Status
from clinicorg.staff.queries import (
    INVITATION_ACCEPTED,
    INVITATION_EXPIRED,
    INVITATION_OPEN,
    MISSING_NPI,
    MISSING_TAXONOMY,
    NONE,
    STATUS_ALL,
    filter_staff,
    invitation_state_filter,
    missing_condition,
)

from .models import ReminderDigest, ReminderSettings

# Who opens the dashboard: members who manage staff or the organization's settings.
DASHBOARD_PERMISSIONS = (P.MANAGE_STAFF, P.MANAGE_SETTINGS)
# Bars shown per chart; the rest is summed in a last, unlinked row.
TOP = 10
LATEST_CHANGES = 8


def can_view_dashboard(actor) -> bool:
    return any(policy.can(actor, name) for name in DASHBOARD_PERMISSIONS)


def org_today(organization) -> date:
    """Today in the organization's time zone: expiry dates are dates, read where people work."""
    return datetime.now(zoneinfo.ZoneInfo(organization.timezone)).date()


# The dashboard


@dataclass
class Row:
    """One line of a dashboard table: a label, a number, and the list query behind it."""

    label: str
    value: int
    query: str = ""  # query string of the linked list ("" for a row without a list)
    segments: list[tuple[str, str, int]] = field(default_factory=list)  # (key, label, n)


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row]
    link: str = "web:staff_list"  # the list the rows link to
    stacked: bool = False
    head: str = "Name"  # heading of the label column

    @property
    def total(self) -> int:
        return sum(r.value for r in self.rows)


@dataclass
class Dashboard:
    tables: list[Table] = field(default_factory=list)
    figures: list[Table] = field(default_factory=list)  # single numbers, grouped
    changes: list = field(default_factory=list)
    shows_staff: bool = False
    shows_locations: bool = False
    shows_changes: bool = False

    def table(self, key: str) -> Table | None:
        return next((t for t in (*self.tables, *self.figures) if t.key == key), None)


def _q(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _top(rows: list[Row], noun: str) -> list[Row]:
    """The TOP largest rows; the rest summed into a last row without a link."""
    rows.sort(key=lambda r: -r.value)
    if len(rows) <= TOP:
        return rows
    rest = rows[TOP - 1 :]
    other = Row(f"{len(rest)} other {noun}", sum(r.value for r in rest))
    return [*rows[: TOP - 1], other]


def _name(rows: list[Row], ids: list, names: dict, none_label: str = "") -> None:
    for row, pk in zip(rows, ids, strict=False):
        row.label = none_label if pk is None else names.get(pk, row.label)


def _by_location(current, locations) -> list[Row]:
    """Headcount per primary location, stacked by status: one grouped query read from the
    (organization, location, status) index, then the names of the locations shown."""
    grouped = current.values_list("primary_location_id", "status").annotate(n=Count("pk"))
    rows: dict[int, Row] = {}
    labels = dict(Status.choices)
    for pk, status, n in grouped.order_by():
        row = rows.setdefault(pk, Row("", 0, _q(location=pk)))
        row.value += n
        row.segments.append((status, labels.get(status, status), n))
    order = {s: i for i, s in enumerate(Status.values)}
    for row in rows.values():
        row.segments.sort(key=lambda s: order.get(s[0], 99))
    ranked = sorted(rows.items(), key=lambda item: -item[1].value)
    shown = [pk for pk, _row in ranked[:TOP]]
    _name([r for _pk, r in ranked[:TOP]], shown, _names(locations, shown))
    return _top([r for _pk, r in ranked], "locations")


def _names(queryset, ids) -> dict:
    return dict(queryset.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "name"))


def _by_named(current, fk: str, model, actor, none_label: str, noun: str) -> list[Row]:
    """Headcount per department (position, category): grouped on the (organization, fk,
    status) index, then the names of the records shown, read through their scope."""
    grouped = current.values_list(f"{fk}_id").annotate(n=Count("pk")).order_by()
    ranked = sorted(grouped, key=lambda g: -g[1])
    rows = [Row("", n, _q(**{fk: NONE if pk is None else pk})) for pk, n in ranked]
    shown = [pk for pk, _n in ranked[:TOP]]
    _name(rows, shown, _names(model.objects.visible_to(actor), shown), none_label)
    return _top(rows, noun)


def _by_status(everyone) -> list[Row]:
    counts = dict(everyone.values_list("status").annotate(n=Count("pk")).order_by())
    return [
        # One segment each, so that the bar takes its status's colour.
        Row(label, n, _q(status=value), [(value, label, n)])
        for value, label in Status.choices
        for n in [counts.get(value, 0)]
    ]


def dashboard(actor, *, now=None) -> Dashboard:
    """The dashboard of `actor`: each part only when the actor may open the list behind it."""
    from django.utils import timezone

    now = now or timezone.now()
    out = Dashboard()
    if policy.can(actor, P.MANAGE_STAFF):
        out.shows_staff = True
        staff = StaffMember.objects.visible_to(actor)
        current = filter_staff(staff).order_by()
        out.tables = [
            Table(
                "location",
                "Headcount by location",
                _by_location(current, Location.objects.visible_to(actor)),
                stacked=True,
                head="Location",
            ),
            Table(
                "department",
                "Headcount by department",
                _by_named(current, "department", Department, actor, "No department", "departments"),
                head="Department",
            ),
            Table(
                "position",
                "Headcount by position",
                _by_named(current, "position", Position, actor, "No position", "positions"),
                head="Position",
            ),
            Table(
                "category",
                "Headcount by employee category",
                _by_named(
                    current, "category", EmployeeCategory, actor, "No category", "categories"
                ),
                head="Category",
            ),
            Table(
                "status",
                "Staff by status",
                _by_status(filter_staff(staff, status=STATUS_ALL)),
                head="Status",
            ),
        ]
        counts = current.aggregate(
            total=Count("pk"),
            no_npi=Count("pk", filter=missing_condition(MISSING_NPI)),
            no_taxonomy=Count("pk", filter=missing_condition(MISSING_TAXONOMY)),
        )
        # Counted from the invitations (few) of the members in scope (many), per member.
        invited = Invitation.objects.filter(staff__in=current.values("pk"))
        counts |= invited.aggregate(
            **{
                state: Count("staff", distinct=True, filter=invitation_state_filter(state, now))
                for state in (INVITATION_OPEN, INVITATION_EXPIRED, INVITATION_ACCEPTED)
            }
        )
        out.figures += [
            Table("headcount", "Headcount", [Row("Current staff", counts["total"], "")]),
            Table(
                "invitations",
                "Invitations",
                [
                    Row("Pending", counts[INVITATION_OPEN], _q(invitation=INVITATION_OPEN)),
                    Row(
                        "Expired unused",
                        counts[INVITATION_EXPIRED],
                        _q(invitation=INVITATION_EXPIRED),
                    ),
                    Row(
                        "Accepted in the last 30 days",
                        counts[INVITATION_ACCEPTED],
                        _q(invitation=INVITATION_ACCEPTED),
                    ),
                ],
            ),
            Table(
                "providers",
                "Providers missing credentials",
                [
                    Row("No NPI", counts["no_npi"], _q(missing=MISSING_NPI)),
                    Row(
                        "No primary taxonomy",
                        counts["no_taxonomy"],
                        _q(missing=MISSING_TAXONOMY),
                    ),
                ],
            ),
        ]
    if policy.can(actor, P.MANAGE_LOCATIONS):
        out.shows_locations = True
        locations = filter_locations(Location.objects.visible_to(actor)).order_by()
        counts = locations.aggregate(
            credentialing=Count("pk", filter=Q(credentialing_enabled=True)),
            pending=Count("pk", filter=pending_enrollment_condition()),
        )
        out.figures.append(
            Table(
                "locations",
                "Credentialing and enrollments",
                [
                    Row("Credentialing on", counts["credentialing"], _q(credentialing="on")),
                    Row(
                        "Payer enrollments pending",
                        counts["pending"],
                        _q(enrollment=EnrollmentStatus.PENDING),
                    ),
                ],
                link="web:location_list",
            )
        )
    if policy.can(actor, P.VIEW_AUDIT_LOG):
        out.shows_changes = True
        out.changes = list(audit_events_for(actor)[:LATEST_CHANGES])
    return out


# Credential (license) expiry

WINDOW_CHOICES = (30, 60, 90)
DEFAULT_WINDOW = 90
MAX_WINDOW = 3650
SHOW_ALL = ""  # expired and expiring
SHOW_EXPIRED = "expired"
SHOW_EXPIRING = "expiring"
SHOW_CHOICES = (SHOW_ALL, SHOW_EXPIRED, SHOW_EXPIRING)
LICENSE_SORTS = {
    "expires": ("expires_on",),
    "provider": ("staff__last_name", "staff__first_name"),
    "location": ("staff__primary_location__name",),
    "state": ("state", "number"),
}


def parse_window(value) -> int:
    """Days ahead: a whole number from 1 to 3650; raises ValueError with the reason."""
    if value in (None, ""):
        return DEFAULT_WINDOW
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ValueError("The window is a whole number of days.") from None
    if not 1 <= days <= MAX_WINDOW:
        raise ValueError(f"The window is from 1 to {MAX_WINDOW} days.")
    return days


def filter_licenses(
    queryset,
    *,
    today: date,
    window: int = DEFAULT_WINDOW,
    show: str = SHOW_ALL,
    location=None,
    state: str = "",
    q: str = "",
    sort: str = "",
):
    """Licenses expired, or expiring within `window` days of `today`, filtered and ordered.

    `show` narrows to expired or expiring ones; `location` is the holder's primary location id;
    `q` matches the holder's name or email, or the license number; an unusable value matches
    nothing.
    """
    horizon = today + timedelta(days=window)
    queryset = queryset.filter(expires_on__isnull=False, expires_on__lte=horizon)
    if show == SHOW_EXPIRED:
        queryset = queryset.filter(expires_on__lt=today)
    elif show == SHOW_EXPIRING:
        queryset = queryset.filter(expires_on__gte=today)
    elif show != SHOW_ALL:
        return queryset.none()
    if location not in (None, ""):
        try:
            queryset = queryset.filter(staff__primary_location_id=int(location))
        except (TypeError, ValueError):
            return queryset.none()
    state = (state or "").strip()
    if state:
        queryset = queryset.filter(state__iexact=state)
    q = (q or "").strip()
    if q:
        cond = Q(number__icontains=q) | Q(staff__email__icontains=q)
        name = Q()
        for word in q.split():
            name &= Q(staff__first_name__icontains=word) | Q(staff__last_name__icontains=word)
        queryset = queryset.filter(cond | name)
    sort = (sort or "").strip()
    fields = LICENSE_SORTS.get(sort.lstrip("-"), LICENSE_SORTS["expires"])
    order = [f"-{f}" if sort.startswith("-") else f for f in fields]
    return queryset.order_by(*order, "expires_on", "id")


def licenses_in_scope(actor):
    """Licenses of the current (not deactivated) staff the actor may see."""
    holders = filter_staff(StaffMember.objects.visible_to(actor)).order_by().values("pk")
    return License.objects.filter(staff__in=holders)


def licenses_for(actor, *, today: date, **filters):
    """The expiry list of `actor`, with what a row shows (constant queries)."""
    qs = licenses_in_scope(actor).select_related("staff", "staff__primary_location")
    return filter_licenses(qs, today=today, **filters)


def license_state(expires_on: date | None, today: date, window: int = DEFAULT_WINDOW) -> str:
    """ "expired", "expiring" (within `window` days) or "" for a license of that expiry date."""
    if expires_on is None:
        return ""
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=window):
        return "expiring"
    return ""


def days_left(expires_on: date, today: date) -> int:
    return (expires_on - today).days


# Reminders


def reminder_settings(organization) -> ReminderSettings:
    """The organization's settings, or unsaved defaults when none were saved yet."""
    found = ReminderSettings.objects.filter(organization=organization).first()
    return found or ReminderSettings(organization=organization)


def digests_for(actor):
    """Reminder digests sent to people the actor may see, newest first."""
    recipients = StaffMember.objects.visible_to(actor).values("pk")
    return (
        ReminderDigest.objects.filter(
            organization_id=actor.organization_id, recipient__in=recipients
        )
        .select_related("recipient")
        .order_by("-day", "-id")
    )


def get_digest(actor, pk) -> ReminderDigest:
    return get_object_or_404(digests_for(actor), pk=pk)


def is_reminder_day(left: int, windows) -> bool:
    """Whether a license with `left` days to go is announced today: when the days left reach
    a window, on its expiry day, then weekly while it stays expired."""
    if left > 0:
        return left in windows
    return left % 7 == 0


@dataclass
class PlannedDigest:
    recipient: StaffMember
    items: list[dict]  # every license in the recipient's scope, as the digest lists it
    announced: int  # how many of them reach a reminder day today


def _item(lic, today: date, windows, recipient_id: int) -> dict:
    left = days_left(lic.expires_on, today)
    return {
        "license_id": lic.pk,
        "staff_id": lic.staff_id,
        "staff_name": lic.staff.full_name,
        "location": lic.staff.primary_location.name,
        "state": lic.state,
        "number": lic.number,
        "expires_on": lic.expires_on.isoformat(),
        "days_left": left,
        "announced": is_reminder_day(left, windows),
        "own": lic.staff_id == recipient_id,
    }


def plan_reminders(organization, *, today: date, settings: ReminderSettings) -> list:
    """Who gets a digest today and what it lists: [PlannedDigest].

    Recipients are the organization's administrators and each location's managers (licenses of
    the staff they may see; a manager's limited to the locations they manage), and each
    holder (their own licenses). A person gets one digest, and only when a license in it
    reaches a reminder day.
    """
    from clinicorg.access.catalogue import ADMINISTRATOR
    from clinicorg.access.system import SystemActor
    from clinicorg.staff.models import SIGN_IN_STATUSES

    horizon, windows = settings.horizon, settings.windows
    everything = list(licenses_for(SystemActor(organization.pk), today=today, window=horizon))
    if not any(is_reminder_day(days_left(x.expires_on, today), windows) for x in everything):
        return []
    by_id = {x.pk: x for x in everything}
    holders = {x.staff_id for x in everything}
    managed: dict[int, set[int]] = {}
    for staff_id, location_id in Location.managers.through.objects.filter(
        location__organization=organization, location__status="active"
    ).values_list("staffmember_id", "location_id"):
        managed.setdefault(staff_id, set()).add(location_id)
    people = (
        StaffMember.objects.filter(organization=organization, status__in=SIGN_IN_STATUSES)
        .filter(Q(role__key=ADMINISTRATOR) | Q(pk__in=managed) | Q(pk__in=holders))
        .select_related("role")
        .order_by("pk")
    )
    plan = []
    for person in people:
        ids = {x.pk for x in everything if x.staff_id == person.pk}
        if person.role.is_administrator or person.pk in managed:
            scoped = licenses_in_scope(person).filter(pk__in=by_id)
            if not person.role.is_administrator:
                scoped = scoped.filter(staff__primary_location_id__in=managed[person.pk])
            ids |= set(scoped.values_list("pk", flat=True))
        items = [_item(by_id[i], today, windows, person.pk) for i in ids]
        announced = sum(1 for i in items if i["announced"])
        if announced:
            items.sort(key=lambda i: (i["expires_on"], i["staff_name"], i["number"]))
            plan.append(PlannedDigest(person, items, announced))
    return plan
