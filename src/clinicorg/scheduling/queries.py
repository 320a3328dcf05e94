"""Scoped reads of scheduling data, the appointment filterset, and the loading of everything the
slot engine needs in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clinicorg.access.catalogue import P
from clinicorg.core.queries import day_start, next_day_start, parse_day
from clinicorg.directory.models import Location
from clinicorg.staff.models import SIGN_IN_STATUSES, StaffMember
from clinicorg.staff.queries import _id

from . import slots
from .models import (
    Appointment,
    AppointmentStatus,
    AvailabilityOverride,
    AvailabilityWindow,
    SchedulingSettings,
    TimeOff,
    VisitType,
)

APPOINTMENT_RELATED = ("provider", "location", "visit_type")


def settings_for(organization_id: int) -> SchedulingSettings:
    """The organization's scheduling settings (the defaults, unsaved, until first changed)."""
    found = SchedulingSettings.objects.filter(organization_id=organization_id).first()
    return found or SchedulingSettings(organization_id=organization_id)


# Visit types


def scoped_visit_types(actor):
    """The organization's visit types with their providers, before any filter (the lists
    filter them through scheduling.filters)."""
    return VisitType.objects.visible_to(actor).prefetch_related(
        Prefetch("providers", queryset=StaffMember.objects.only("id", "first_name", "last_name"))
    )


def get_visit_type(actor, pk) -> VisitType:
    return get_object_or_404(VisitType.objects.visible_to(actor), pk=_id(pk) or 0)


# Appointments


def _local_days(queryset, first: date | None, last: date | None):
    """Appointments starting on the days `first` to `last` (either may be open) at their
    location: each location's days begin at midnight in its own time zone, as its schedule
    shows them."""
    located = Location.objects.filter(pk__in=queryset.order_by().values("location_id"))
    zones = list(located.order_by().values_list("timezone", flat=True).distinct())
    if not zones:
        return queryset  # no appointment at any location: nothing to narrow
    condition = Q()
    for name in zones:
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        part = Q(location__timezone=name)
        start = day_start(first, zone) if first else None
        if start:
            part &= Q(starts_at__gte=start)
        end = next_day_start(last, zone) if last else None
        if end:
            part &= Q(starts_at__lt=end)
        condition |= part
    return queryset.filter(condition)


def filter_appointments(
    queryset,
    *,
    location=None,
    provider=None,
    status: str = "",
    source: str = "",
    date_from=None,
    date_to=None,
    q: str = "",
):
    """Filter appointments: ids for location and provider; inclusive days at each
    appointment's location, in its time zone (as the schedule pages show them). A value a
    filter cannot use matches nothing."""
    for name, value in (("location_id", location), ("provider_id", provider)):
        wanted = _id(value)
        if wanted is False:
            return queryset.none()
        if wanted is not None:
            queryset = queryset.filter(**{name: wanted})
    if status:
        queryset = queryset.filter(status=status)
    if source:
        queryset = queryset.filter(source=source)
    first, last = parse_day(date_from), parse_day(date_to)
    if first is False or last is False:
        return queryset.none()
    if first or last:
        queryset = _local_days(queryset, first, last)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(
            Q(patient_name__icontains=q) | Q(patient_email__icontains=q) | Q(patient_phone=q)
        )
    return queryset.order_by("starts_at", "id")


def scoped_appointments(actor, permission: str = P.VIEW_APPOINTMENTS):
    """Appointments at the locations where the actor holds `permission`, with what a list
    shows, before any filter (the lists filter them through scheduling.filters)."""
    return Appointment.objects.visible_to(actor, permission).select_related(*APPOINTMENT_RELATED)


def get_appointment(actor, pk, permission: str = P.VIEW_APPOINTMENTS) -> Appointment:
    """An appointment the actor may see, or 404 (another organization's is never a 403)."""
    qs = Appointment.objects.visible_to(actor, permission).select_related(*APPOINTMENT_RELATED)
    return get_object_or_404(qs, pk=_id(pk) or 0)


def between(start: datetime, end: datetime, queryset):
    return queryset.filter(starts_at__lt=end, ends_at__gt=start)


# Providers


def bookable_providers(location: Location, visit_type: VisitType | None = None, *, online=False):
    """Active staff with availability at `location` (offering `visit_type` when given), by
    name. Online, only providers of online-bookable, active visit types."""
    qs = StaffMember.objects.filter(
        organization_id=location.organization_id,
        status__in=SIGN_IN_STATUSES,
        availability_windows__location=location,
    )
    if visit_type is not None:
        qs = qs.filter(visit_types=visit_type)
    if online:
        qs = qs.filter(visit_types__online_bookable=True, visit_types__is_active=True)
    return qs.distinct().order_by("last_name", "first_name", "id")


# Loading for the engine


@dataclass
class Schedules:
    """Everything the engine needs for some providers at one location over some days."""

    location: Location
    zone: ZoneInfo
    first: date
    last: date
    weekly: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    overrides: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    busy: dict = field(default_factory=lambda: defaultdict(list))
    time_off: dict = field(default_factory=lambda: defaultdict(list))

    def windows(self, provider_id: int, first: date | None = None, last: date | None = None):
        return slots.windows_between(
            self.weekly.get(provider_id, {}),
            self.overrides.get(provider_id, {}),
            first or self.first,
            last or self.last,
        )

    def free(
        self,
        provider: StaffMember,
        duration: timedelta,
        *,
        earliest=None,
        latest=None,
        limit=None,
        first: date | None = None,
        last: date | None = None,
    ) -> list[datetime]:
        return slots.free_starts(
            self.windows(provider.pk, first, last),
            zone=self.zone,
            step=provider.scheduling_step,
            duration=duration,
            capacity=provider.capacity,
            busy=self.busy.get(provider.pk, ()),
            time_off=self.time_off.get(provider.pk, ()),
            earliest=earliest,
            latest=latest,
            limit=limit,
        )


def load_schedules(location: Location, provider_ids, first: date, last: date) -> Schedules:
    """Windows, overrides, time off and booked appointments of the providers (four queries,
    whatever their number). Appointments at every location count: a provider is one person."""
    provider_ids = list(provider_ids)
    zone = ZoneInfo(location.timezone)
    out = Schedules(location, zone, first, last)
    if not provider_ids:
        return out
    # The local days, widened by a day each side, cover every offset a zone may have.
    start = datetime.combine(first - timedelta(days=1), time.min, UTC)
    end = datetime.combine(last + timedelta(days=2), time.min, UTC)
    windows = AvailabilityWindow.objects.filter(provider_id__in=provider_ids, location=location)
    for pid, weekday, s, e in windows.values_list(
        "provider_id", "weekday", "start_time", "end_time"
    ):
        out.weekly[pid][weekday].append((s, e))
    overrides = AvailabilityOverride.objects.filter(
        provider_id__in=provider_ids, location=location, date__range=(first, last)
    )
    for pid, day, s, e in overrides.values_list("provider_id", "date", "start_time", "end_time"):
        out.overrides[pid][day].append((s, e))
    off = TimeOff.objects.filter(provider_id__in=provider_ids, starts_at__lt=end, ends_at__gt=start)
    for pid, s, e in off.values_list("provider_id", "starts_at", "ends_at"):
        out.time_off[pid].append((s, e))
    booked = (
        Appointment.objects.filter(provider_id__in=provider_ids, status=AppointmentStatus.BOOKED)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .values_list("provider_id", "starts_at", "ends_at", "capacity_at_booking")
    )
    for pid, s, e, cap in booked:
        out.busy[pid].append(slots.Busy(s, e, cap))
    return out


def booking_bounds(settings: SchedulingSettings, *, online: bool, now: datetime | None = None):
    """(earliest, latest) start: online bookings keep the minimum notice and the horizon;
    staff may book from now on, without a horizon."""
    now = now or timezone.now()
    if not online:
        return now, None
    return (
        now + timedelta(minutes=settings.minimum_notice_minutes),
        now + timedelta(days=settings.booking_horizon_days),
    )


def local_today(location: Location, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(location.timezone)).date()


def slots_at(
    location: Location,
    providers,
    duration: timedelta,
    first: date,
    days: int,
    *,
    online: bool = False,
    settings: SchedulingSettings | None = None,
    now: datetime | None = None,
) -> dict[int, list[datetime]]:
    """Free starts per provider id at `location` over `days` local days from `first`."""
    providers = list(providers)
    last = first + timedelta(days=max(days, 1) - 1)
    settings = settings or settings_for(location.organization_id)
    earliest, latest = booking_bounds(settings, online=online, now=now)
    sched = load_schedules(location, [p.pk for p in providers], first, last)
    return {p.pk: sched.free(p, duration, earliest=earliest, latest=latest) for p in providers}


def next_available(
    location: Location,
    providers,
    duration: timedelta,
    *,
    settings: SchedulingSettings,
    now: datetime | None = None,
) -> dict[int, datetime | None]:
    """The first free online start of each provider within the booking horizon."""
    providers = list(providers)
    first = local_today(location, now)
    last = first + timedelta(days=settings.booking_horizon_days)
    earliest, latest = booking_bounds(settings, online=True, now=now)
    sched = load_schedules(location, [p.pk for p in providers], first, last)
    out = {}
    for p in providers:
        found = sched.free(p, duration, earliest=earliest, latest=latest, limit=1)
        out[p.pk] = found[0] if found else None
    return out


def outside_availability(provider: StaffMember, *, now: datetime | None = None):
    """The provider's booked, future appointments that no longer lie inside their availability
    (listed after an availability change, never dropped)."""
    now = now or timezone.now()
    upcoming = list(
        Appointment.objects.filter(
            provider=provider, status=AppointmentStatus.BOOKED, ends_at__gt=now
        )
        .select_related("location", "visit_type")
        .order_by("starts_at")[:500]
    )
    by_location = defaultdict(list)
    for appt in upcoming:
        by_location[appt.location_id].append(appt)
    out = []
    for appts in by_location.values():
        location = appts[0].location
        zone = ZoneInfo(location.timezone)
        days = [a.starts_at.astimezone(zone).date() for a in appts]
        sched = load_schedules(location, [provider.pk], min(days), max(days))
        for appt, day in zip(appts, days, strict=True):
            inside = any(
                slots.window_edge(d, s, zone) <= appt.starts_at
                and appt.ends_at <= slots.window_edge(d, e, zone)
                for d, s, e in sched.windows(provider.pk, day, day)
            )
            off = any(
                a < appt.ends_at and b > appt.starts_at for a, b in sched.time_off[provider.pk]
            )
            if not inside or off:
                out.append(appt)
    return sorted(out, key=lambda a: a.starts_at)


def schedule_locations(actor, permission: str = P.VIEW_APPOINTMENTS):
    """Active locations where the actor holds `permission`, by name."""
    from clinicorg.access import policy

    return policy.location_scope(Location.objects.all(), actor, permission).order_by("name", "id")


def get_schedule_location(actor, pk, permission: str = P.VIEW_APPOINTMENTS) -> Location:
    """A location where the actor holds `permission`, or 404."""
    return get_object_or_404(schedule_locations(actor, permission), pk=_id(pk) or 0)


def schedule_providers(actor, permission: str = P.VIEW_APPOINTMENTS):
    """Staff the actor may name on a schedule kept with `permission`: the members the actor can
    see, and those who keep hours (weekly windows or dated overrides) at a location where the
    actor holds `permission` — a provider may work at a location whose schedule the actor keeps
    though their primary location is elsewhere. Nobody else in the organization."""
    from clinicorg.access import policy

    locations = schedule_locations(actor, permission).values("pk")
    return policy.org_scope(StaffMember.objects.all(), actor).filter(
        Q(pk__in=StaffMember.objects.visible_to(actor).values("pk"))
        | Q(pk__in=AvailabilityWindow.objects.filter(location__in=locations).values("provider"))
        | Q(pk__in=AvailabilityOverride.objects.filter(location__in=locations).values("provider"))
    )


def provider_locations(provider: StaffMember) -> list[Location]:
    """Locations where the provider has weekly windows or overrides, by name."""
    return list(
        Location.objects.filter(
            Q(availability_windows__provider=provider)
            | Q(availability_overrides__provider=provider)
        )
        .distinct()
        .order_by("name", "id")
    )


def availability_of(provider: StaffMember, *, today: date | None = None) -> dict:
    """The provider's weekly windows, coming overrides and coming time off (three queries)."""
    today = today or timezone.now().date()
    return {
        "windows": list(
            AvailabilityWindow.objects.filter(provider=provider).select_related("location")
        ),
        "overrides": list(
            AvailabilityOverride.objects.filter(
                provider=provider, date__gte=today - timedelta(days=1)
            ).select_related("location")
        ),
        "time_off": list(TimeOff.objects.filter(provider=provider, ends_at__gt=timezone.now())),
    }
