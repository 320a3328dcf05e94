"""Scoped reads of the reports: the dashboard's aggregates and the license expiry list.

Every figure starts from a scoped queryset (`StaffMember.objects.visible_to`,
`Location.objects.visible_to`, the audit log's scope) and applies the same filter function as
the list it links to (`filter_staff`, `filter_locations`), so a number always equals the length
of the list behind it, and a location-limited manager never counts what they may not see.
Aggregates run in SQL: the dashboard costs a constant number of queries whatever the size.
The pages and the API read it through `cached_dashboard`, which keeps the figures of a
reader of every location a minute per organization and latest change.
"""

import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core import audit
from clinicorg.core.filters import audit_events_for
from clinicorg.core.queries import latest_change
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
    _id,
    current_condition,
    filter_staff,
    held_by,
    invitation_state_filter,
)

from .models import MAX_WINDOW_DAYS, LicenseAnnouncement, ReminderDigest, ReminderSettings

# Who opens the dashboard: members who manage staff or the organization's settings.
DASHBOARD_PERMISSIONS = (P.MANAGE_STAFF, P.MANAGE_SETTINGS)
# Bars shown per chart; the rest is summed in a last, unlinked row.
TOP = 10
LATEST_CHANGES = 8
# How long the pages and the API keep a dashboard (see `cached_dashboard`).
DASHBOARD_CACHE_SECONDS = 60


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
    as_of: datetime | None = None  # when the figures were counted
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


def _ranked(items) -> list:
    """(key, row) pairs, largest row first; ties in the order of their keys (None first)."""
    return sorted(items, key=lambda kr: (-kr[1].value, kr[0] is not None, kr[0] or 0))


def _top(ranked: list, noun: str, param: str) -> list[Row]:
    """The TOP first of `ranked` (key, row) pairs, each row linked to the list filtered by
    `param` = its key (NONE for no key); beyond TOP, the rest summed into a last row without
    a link. Links are built for the rows shown only: an organization has a thousand
    locations."""
    shown, tail = ranked, []
    if len(ranked) > TOP:
        shown, rest = ranked[: TOP - 1], ranked[TOP - 1 :]
        tail = [Row(f"{len(rest)} other {noun}", sum(row.value for _key, row in rest))]
    for key, row in shown:
        row.query = _q(**{param: NONE if key is None else key})
    return [row for _key, row in shown] + tail


def _name(ranked: list, names: dict, none_label: str = "") -> None:
    for key, row in ranked[:TOP]:
        row.label = none_label if key is None else names.get(key, row.label)


def _names(queryset, ranked: list) -> dict:
    ids = [key for key, _row in ranked[:TOP] if key is not None]
    return dict(queryset.filter(pk__in=ids).values_list("pk", "name"))


def _staff_counts(everyone, locations) -> tuple[list[Row], list[Row], dict]:
    """From one grouped scan of the (organization, location, status, ...) index alone:
    headcount per primary location (current staff, stacked by status), staff per status
    (everyone) and the current headcount; then the names of the locations shown. Rows are
    counted by a column of the index (`status`, never null; Django's COUNT(*) takes no
    filter), not by the key, which the index lacks: so PostgreSQL reads the index only."""
    grouped = (
        everyone.values_list("primary_location_id", "status")
        .annotate(n=Count("*"), current=Count("status", filter=current_condition()))
        .order_by()
    )
    rows: dict[int, Row] = {}
    per_status: dict[str, int] = {}
    counts = {"total": 0}
    labels = dict(Status.choices)
    for pk, status, n, n_current in grouped:
        per_status[status] = per_status.get(status, 0) + n
        if n_current:
            row = rows.get(pk)
            if row is None:
                row = rows[pk] = Row("", 0)
            row.value += n_current
            row.segments.append((status, labels.get(status, status), n_current))
            counts["total"] += n_current
    order = {s: i for i, s in enumerate(Status.values)}
    for row in rows.values():
        row.segments.sort(key=lambda s: order.get(s[0], 99))
    ranked = _ranked(rows.items())
    _name(ranked, _names(locations, ranked))
    by_status = [
        # One segment each, so that the bar takes its status's colour.
        Row(label, n, _q(status=value), [(value, label, n)])
        for value, label in Status.choices
        for n in [per_status.get(value, 0)]
    ]
    return _top(ranked, "locations", "location"), by_status, counts


# Headcount per department, position and category:
# (key, model, label of members without one, plural, title, column heading).
NAMED = (
    (
        "department",
        Department,
        "No department",
        "departments",
        "Headcount by department",
        "Department",
    ),
    ("position", Position, "No position", "positions", "Headcount by position", "Position"),
    (
        "category",
        EmployeeCategory,
        "No category",
        "categories",
        "Headcount by employee category",
        "Category",
    ),
)


def _by_named(current, actor) -> dict[str, list[Row]]:
    """Headcount per department, position and category, from one scan grouped by the three
    together (the organization's combinations, read in the order of the partial index of
    current staff alone), summed here per key; then the names of the records shown, read
    through their scope."""
    keys = [f"{key}_id" for key, *_rest in NAMED]
    counts: list[dict] = [{} for _ in NAMED]
    for *ids, n in current.values_list(*keys).annotate(n=Count("*")).order_by():
        for per_key, pk in zip(counts, ids, strict=True):
            per_key[pk] = per_key.get(pk, 0) + n
    out = {}
    for (key, model, none_label, noun, _title, _head), per_key in zip(NAMED, counts, strict=True):
        ranked = _ranked((pk, Row("", n)) for pk, n in per_key.items())
        _name(ranked, _names(model.objects.visible_to(actor), ranked), none_label)
        out[key] = _top(ranked, noun, key)
    return out


def cached_dashboard(actor) -> Dashboard:
    """`dashboard(actor)`, for a reader of every location kept DASHBOARD_CACHE_SECONDS; its
    `as_of` says when it was counted.

    The key holds the organization, the parts the reader's permissions open, the
    organization's latest change (`latest_change`) and its change mark (`audit.change_mark`,
    moved after every commit that records a change, in whatever order they commit), so a
    change shows at once; only what
    moves with the clock alone (an invitation link expiring, an acceptance leaving the last
    30 days) may lag, by DASHBOARD_CACHE_SECONDS at most. A location-limited reader's figures
    are counted on every request: they are cheap to count, and keying them by the
    organization's changes would tell the reader when something changed outside its
    locations. Without the cache (Redis down) every request counts again.
    """
    if policy.accessible_location_ids(actor) is not None:
        return dashboard(actor)
    key = _dashboard_key(actor)
    board = cache.get(key)
    if board is None:
        board = dashboard(actor)
        cache.set(key, board, DASHBOARD_CACHE_SECONDS)
    return board


def _dashboard_key(actor) -> str:
    parts = (
        actor.organization_id,
        *(policy.can(actor, p) for p in (P.MANAGE_STAFF, P.MANAGE_LOCATIONS, P.VIEW_AUDIT_LOG)),
        latest_change(actor),
        audit.change_mark(actor.organization_id),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"dashboard:{actor.organization_id}:{digest}"


def dashboard(actor, *, now=None) -> Dashboard:
    """The dashboard of `actor`: each part only when the actor may open the list behind it."""
    now = now or timezone.now()
    out = Dashboard(as_of=now.replace(microsecond=0))
    if policy.can(actor, P.MANAGE_STAFF):
        out.shows_staff = True
        staff = StaffMember.objects.visible_to(actor)
        current = filter_staff(staff).order_by()
        by_location, by_status, counts = _staff_counts(
            filter_staff(staff, status=STATUS_ALL).order_by(), Location.objects.visible_to(actor)
        )
        named = _by_named(current, actor)
        # The providers missing credentials: each figure counts the very list it links to.
        # Apart, each is cheap: the NPI's from a partial index of current staff alone, the
        # taxonomy's as an anti-join on that index (one pass over the primary codes, not one
        # probe per provider).
        for what in (MISSING_NPI, MISSING_TAXONOMY):
            counts[f"no_{what}"] = filter_staff(staff, missing=what).count()
        out.tables = [
            Table("location", "Headcount by location", by_location, stacked=True, head="Location"),
            *(Table(key, title, named[key], head=head) for key, *_, title, head in NAMED),
            Table("status", "Staff by status", by_status, head="Status"),
        ]
        # Counted from the invitations (few) of the members in scope (many), per member.
        invited = held_by(Invitation.objects.all(), current)
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
        out.changes = list(audit_events_for(actor, {})[:LATEST_CHANGES])
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


def window_or_default(value) -> int:
    """The window a list uses for `value`: the default when it is not a usable window (the
    page says why beside the field)."""
    try:
        return parse_window(value)
    except ValueError:
        return DEFAULT_WINDOW


def filter_licenses(
    queryset,
    *,
    today: date,
    window=DEFAULT_WINDOW,
    show: str = SHOW_ALL,
    location=None,
    state: str = "",
    q: str = "",
    sort: str = "",
):
    """Licenses expired, or expiring within `window` days of `today`, filtered and ordered.

    `show` narrows to expired or expiring ones; `location` is the holder's primary location id;
    `q` matches the holder's name or email, or the license number; an unusable value matches
    nothing, but for the window, which is then the default one.
    """
    horizon = today + timedelta(days=window_or_default(window))
    queryset = queryset.filter(expires_on__isnull=False, expires_on__lte=horizon)
    if show == SHOW_EXPIRED:
        queryset = queryset.filter(expires_on__lt=today)
    elif show == SHOW_EXPIRING:
        queryset = queryset.filter(expires_on__gte=today)
    elif show != SHOW_ALL:
        return queryset.none()
    wanted = _id(location)
    if wanted is False:  # not an id, or past the database's range
        return queryset.none()
    if wanted is not None:
        queryset = queryset.filter(staff__primary_location_id=wanted)
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
    return held_by(License.objects.all(), filter_staff(StaffMember.objects.visible_to(actor)))


def scoped_licenses(actor):
    """The licenses `actor` may see, with what a row of the expiry list shows (constant
    queries), before any filter (the lists filter them through reports.filters)."""
    return licenses_in_scope(actor).select_related("staff", "staff__primary_location")


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


def expiry(lic, today: date):
    """A license of the expiry list with what every front end shows of it: `days_left`
    (negative once expired) and `expiry`, "expired" or "expiring"."""
    lic.days_left = days_left(lic.expires_on, today)
    lic.expiry = "expired" if lic.days_left < 0 else "expiring"
    return lic


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


def reminder_stage(left: int, windows) -> int | None:
    """The reminder stage of a license with `left` days to go: the smallest of `windows` it is
    within (60 for 45 days left with windows 90, 60, 30, 7); from its expiry day, 0 for that
    week, -1 for the next, and so on; None while it is beyond every window. A license is
    announced once per stage (`LicenseAnnouncement`)."""
    if left > 0:
        within = [days for days in windows if days >= left]
        return min(within) if within else None
    return -(-left // 7)


@dataclass
class PlannedDigest:
    recipient: StaffMember
    items: list[dict]  # every license in the recipient's scope, as the digest lists it
    announced: int  # how many of them are announced (reach a stage nobody was told of)


def _item(lic, today: date, stage: int | None, announced: bool, recipient_id: int) -> dict:
    return {
        "license_id": lic.pk,
        "staff_id": lic.staff_id,
        "staff_name": lic.staff.full_name,
        "location": lic.staff.primary_location.name,
        "state": lic.state,
        "number": lic.number,
        "expires_on": lic.expires_on.isoformat(),
        "days_left": days_left(lic.expires_on, today),
        "stage": stage,
        "announced": announced,
        "own": lic.staff_id == recipient_id,
    }


def _told(organization, today: date) -> set[tuple[int, date, int]]:
    """(license, expiry date, stage) of the announcements that may still be current: a
    stage lasts at most the longest window, so older ones are not read."""
    since = today - timedelta(days=MAX_WINDOW_DAYS + 1)
    return set(
        LicenseAnnouncement.objects.filter(organization=organization, day__gte=since).values_list(
            "license_id", "expires_on", "stage"
        )
    )


def plan_reminders(organization, *, today: date, settings: ReminderSettings) -> list:
    """Who gets a digest today and what it lists: [PlannedDigest].

    A license is announced today when its stage of today (`reminder_stage`) was never
    announced, whichever days the job ran before. Recipients are the organization's
    administrators and each location's managers (licenses of the staff they may see; a
    manager's limited to the locations they manage), and each holder (their own licenses). A
    person gets one digest, and only when a license in it is announced.
    """
    from clinicorg.access.catalogue import ADMINISTRATOR
    from clinicorg.access.system import SystemActor
    from clinicorg.staff.models import SIGN_IN_STATUSES

    horizon, windows = settings.horizon, settings.windows
    everything = list(
        filter_licenses(scoped_licenses(SystemActor(organization.pk)), today=today, window=horizon)
    )
    stages = {x.pk: reminder_stage(days_left(x.expires_on, today), windows) for x in everything}
    told = _told(organization, today)
    new = {
        x.pk
        for x in everything
        if stages[x.pk] is not None and (x.pk, x.expires_on, stages[x.pk]) not in told
    }
    if not new:
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
        items = [_item(by_id[i], today, stages[i], i in new, person.pk) for i in ids]
        announced = sum(1 for i in items if i["announced"])
        if announced:
            items.sort(key=lambda i: (i["expires_on"], i["staff_name"], i["number"]))
            plan.append(PlannedDigest(person, items, announced))
    return plan
