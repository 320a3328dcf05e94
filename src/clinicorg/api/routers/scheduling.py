"""/api/v1/visit-types, /api/v1/staff/{id}/availability, /api/v1/slots, /api/v1/appointments."""

from datetime import date, datetime, timedelta
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.scheduling import actions, queries
from clinicorg.scheduling.filters import (
    AppointmentFilterSet,
    VisitTypeFilterSet,
    appointments_for,
    visit_types_for,
)
from clinicorg.scheduling.models import AvailabilityOverride, TimeOff
from clinicorg.staff.queries import get_staff

from ..filters import query_schema
from ..pagination import LimitOffset
from ..schemas import ERRORS, Input
from .people import Ref

router = Router(tags=["Scheduling"])

MAX_SLOT_DAYS = 31


class VisitTypeOut(Schema):
    id: int
    name: str
    duration_minutes: int
    is_active: bool
    online_bookable: bool
    providers: list[Ref]


class VisitTypeIn(Input):
    name: str
    duration_minutes: int
    is_active: bool = True
    online_bookable: bool = False
    providers: list[int] = Field([], description="Ids of the staff members who offer it.")


class VisitTypePatch(Input):
    name: str | None = None
    duration_minutes: int | None = None
    is_active: bool | None = None
    online_bookable: bool | None = None
    providers: list[int] | None = None


def _ref(obj, name=None) -> dict:
    return {"id": obj.pk, "name": name if name is not None else str(obj)}


def _visit_type_out(vt) -> dict:
    return {
        "id": vt.pk,
        "name": vt.name,
        "duration_minutes": vt.duration_minutes,
        "is_active": vt.is_active,
        "online_bookable": vt.online_bookable,
        "providers": [_ref(p, p.full_name) for p in vt.providers.all()],
    }


VisitTypeFilters = query_schema(VisitTypeFilterSet, "VisitTypeFilters")


@router.get(
    "/visit-types", response={200: list[VisitTypeOut], **ERRORS}, summary="List visit types"
)
@paginate(LimitOffset, serialize=_visit_type_out)
def list_visit_types(request, filters: Query[VisitTypeFilters]):
    """The organization's visit types; `status` is `active` or `inactive` (empty for both),
    as the department and position lists take it."""
    policy.require(request.auth, P.VIEW_APPOINTMENTS)
    return visit_types_for(request.auth, filters.dict())


@router.post("/visit-types", response={201: VisitTypeOut, **ERRORS}, summary="Create a visit type")
def create_visit_type(request, payload: VisitTypeIn):
    vt = actions.create_visit_type(payload.dict(), actor=request.auth)
    return Status(201, _visit_type_out(queries.get_visit_type(request.auth, vt.pk)))


@router.get("/visit-types/{int:visit_type_id}", response={200: VisitTypeOut, **ERRORS})
def get_visit_type(request, visit_type_id: int):
    policy.require(request.auth, P.VIEW_APPOINTMENTS)
    return _visit_type_out(queries.get_visit_type(request.auth, visit_type_id))


@router.patch("/visit-types/{int:visit_type_id}", response={200: VisitTypeOut, **ERRORS})
def update_visit_type(request, visit_type_id: int, payload: VisitTypePatch):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    vt = queries.get_visit_type(request.auth, visit_type_id)
    actions.update_visit_type(vt, payload.dict(exclude_unset=True), actor=request.auth)
    return _visit_type_out(queries.get_visit_type(request.auth, visit_type_id))


# Availability


class WindowIO(Input):
    weekday: int = Field(ge=0, le=6, description="0 is Monday, 6 is Sunday.")
    start: str = Field(description="Wall-clock time at the location, HH:MM.")
    end: str = Field(description="HH:MM, after the start.")


class WindowOut(WindowIO):
    location: int


class OverrideIn(Input):
    location: int
    date: date
    start_time: str = Field(description="HH:MM")
    end_time: str = Field(description="HH:MM")


class OverrideOut(Schema):
    id: int
    location: int
    date: date
    start_time: str
    end_time: str


class TimeOffIn(Input):
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


class TimeOffOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


class AvailabilityOut(Schema):
    windows: list[WindowOut]
    overrides: list[OverrideOut]
    time_off: list[TimeOffOut]
    outside_availability: list[int] = Field(
        [], description="Booked appointments no longer inside availability (kept, not dropped)."
    )


class WeeklyIn(Input):
    location: int
    windows: list[WindowIO]


def _hm(t) -> str:
    return t.strftime("%H:%M")


def _override_out(o) -> dict:
    return {
        "id": o.pk,
        "location": o.location_id,
        "date": o.date,
        "start_time": _hm(o.start_time),
        "end_time": _hm(o.end_time),
    }


def _availability_out(provider, outside=()) -> dict:
    data = queries.availability_of(provider)
    return {
        "windows": [
            {
                "location": w.location_id,
                "weekday": w.weekday,
                "start": _hm(w.start_time),
                "end": _hm(w.end_time),
            }
            for w in data["windows"]
        ],
        "overrides": [_override_out(o) for o in data["overrides"]],
        "time_off": data["time_off"],
        "outside_availability": [a.pk for a in outside],
    }


def _provider(actor, staff_id: int, permission: str):
    policy.require(actor, permission)
    return get_staff(actor, staff_id)


@router.get("/staff/{int:staff_id}/availability", response={200: AvailabilityOut, **ERRORS})
def get_availability(request, staff_id: int):
    return _availability_out(_provider(request.auth, staff_id, P.VIEW_APPOINTMENTS))


@router.put(
    "/staff/{int:staff_id}/availability",
    response={200: AvailabilityOut, **ERRORS},
    summary="Replace a provider's weekly windows at one location",
)
def set_availability(request, staff_id: int, payload: WeeklyIn):
    from clinicorg.scheduling.rules import parse_spans

    provider = _provider(request.auth, staff_id, P.MANAGE_STAFF)
    location = queries.get_schedule_location(request.auth, payload.location, P.MANAGE_STAFF)
    spans: dict[int, list] = {}
    for i, w in enumerate(payload.windows):
        spans.setdefault(w.weekday, []).extend(parse_spans(f"{w.start}-{w.end}", f"windows.{i}"))
    outside = actions.set_weekly_availability(provider, location, spans, actor=request.auth)
    return _availability_out(provider, outside)


@router.post("/staff/{int:staff_id}/availability/overrides", response={201: OverrideOut, **ERRORS})
def add_override(request, staff_id: int, payload: OverrideIn):
    provider = _provider(request.auth, staff_id, P.MANAGE_STAFF)
    location = queries.get_schedule_location(request.auth, payload.location, P.MANAGE_STAFF)
    override = actions.add_availability_override(
        provider, location, payload.dict(), actor=request.auth
    )
    return Status(201, _override_out(override))


@router.delete(
    "/staff/{int:staff_id}/availability/overrides/{int:override_id}",
    response={204: None, **ERRORS},
)
def remove_override(request, staff_id: int, override_id: int):
    provider = _provider(request.auth, staff_id, P.MANAGE_STAFF)
    override = get_object_or_404(
        AvailabilityOverride.objects.select_related("provider__primary_location", "location"),
        provider=provider,
        pk=override_id,
    )
    actions.remove_availability_override(override, actor=request.auth)
    return Status(204, None)


@router.post("/staff/{int:staff_id}/time-off", response={201: TimeOffOut, **ERRORS})
def add_time_off(request, staff_id: int, payload: TimeOffIn):
    provider = _provider(request.auth, staff_id, P.MANAGE_STAFF)
    return Status(201, actions.add_time_off(provider, payload.dict(), actor=request.auth))


@router.delete("/staff/{int:staff_id}/time-off/{int:time_off_id}", response={204: None, **ERRORS})
def remove_time_off(request, staff_id: int, time_off_id: int):
    provider = _provider(request.auth, staff_id, P.MANAGE_STAFF)
    off = get_object_or_404(
        TimeOff.objects.select_related("provider__primary_location"),
        provider=provider,
        pk=time_off_id,
    )
    actions.remove_time_off(off, actor=request.auth)
    return Status(204, None)


# Slots


class SlotFilters(Input):
    location: int | None = Field(None, description="A location id; default: every location.")
    provider: int | None = Field(None, description="A staff id; default: every provider.")
    visit_type: int | None = Field(
        None, description="Its duration sizes the slots; default: the provider's step."
    )
    start: date | None = Field(None, description="First local day; default: today there.")
    days: int = Field(7, ge=1, le=MAX_SLOT_DAYS)


class ProviderSlots(Schema):
    provider: Ref
    location: Ref
    timezone: str = Field(description="The location's IANA zone, in which starts are shown.")
    duration_minutes: int
    starts: list[datetime] = Field(description="Free starts, UTC, ascending.")


class SlotList(Schema):
    count: int = Field(description="Free starts in all.")
    items: list[ProviderSlots]


@router.get("/slots", response={200: SlotList, **ERRORS}, summary="Free start times")
def list_slots(request, filters: Query[SlotFilters]):
    """Free starts per provider and location: on the provider's step grid, inside availability,
    clear of time off, while fewer appointments overlap than the provider's capacity."""
    actor = request.auth
    policy.require(actor, P.VIEW_APPOINTMENTS)
    locations = queries.schedule_locations(actor)
    if filters.location is not None:
        locations = [queries.get_schedule_location(actor, filters.location)]
    visit_type = queries.get_visit_type(actor, filters.visit_type) if filters.visit_type else None
    items = []
    for location in locations:
        providers = queries.bookable_providers(location, visit_type)
        if filters.provider is not None:
            providers = providers.filter(pk=filters.provider)
        providers = list(providers)
        if not providers:
            continue
        first = filters.start or queries.local_today(location)
        last = first + timedelta(days=filters.days - 1)
        sched = queries.load_schedules(location, [p.pk for p in providers], first, last)
        earliest, _ = queries.booking_bounds(
            queries.settings_for(location.organization_id), online=False
        )
        for p in providers:
            minutes = visit_type.duration_minutes if visit_type else p.scheduling_step
            items.append(
                {
                    "provider": _ref(p, p.shown_name),
                    "location": _ref(location, location.name),
                    "timezone": location.timezone,
                    "duration_minutes": minutes,
                    "starts": sched.free(p, timedelta(minutes=minutes), earliest=earliest),
                }
            )
    return {"count": sum(len(i["starts"]) for i in items), "items": items}


# Appointments


class AppointmentOut(Schema):
    id: int
    provider: Ref
    location: Ref
    visit_type: Ref
    starts_at: datetime
    ends_at: datetime
    status: str
    source: str
    patient_name: str
    patient_email: str
    patient_phone: str
    notes: str
    cancel_reason: str
    capacity_at_booking: int
    created_at: datetime


AppointmentFilters = query_schema(AppointmentFilterSet, "AppointmentFilters")


class AppointmentIn(Input):
    provider: int
    location: int
    visit_type: int
    starts_at: datetime = Field(description="With its offset, e.g. 2026-03-02T15:00:00Z.")
    patient_name: str
    patient_email: str = ""
    patient_phone: str = ""
    notes: str = ""


class AppointmentCancelIn(Input):
    reason: str


class AppointmentStatusIn(Input):
    status: Literal["completed", "no_show", "booked"]


def _appointment_out(a) -> dict:
    return {
        **{
            f: getattr(a, f)
            for f in (
                "id",
                "starts_at",
                "ends_at",
                "status",
                "source",
                "patient_name",
                "patient_email",
                "patient_phone",
                "notes",
                "cancel_reason",
                "capacity_at_booking",
                "created_at",
            )
        },
        "provider": _ref(a.provider, a.provider.shown_name),
        "location": _ref(a.location, a.location.name),
        "visit_type": _ref(a.visit_type, a.visit_type.name),
    }


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
@paginate(LimitOffset, serialize=_appointment_out)
def list_appointments(request, filters: Query[AppointmentFilters]):
    policy.require(request.auth, P.VIEW_APPOINTMENTS)
    return appointments_for(request.auth, filters.dict())


@router.post("/appointments", response={201: AppointmentOut, **ERRORS, 409: dict})
def book_appointment(request, payload: AppointmentIn):
    actor = request.auth
    policy.require(actor, P.CREATE_APPOINTMENTS)
    data = payload.dict()
    data["location"] = queries.get_schedule_location(actor, payload.location, P.CREATE_APPOINTMENTS)
    data["provider"] = get_object_or_404(
        queries.schedule_providers(actor, P.CREATE_APPOINTMENTS), pk=payload.provider
    )
    data["visit_type"] = queries.get_visit_type(actor, payload.visit_type)
    appt = actions.book_appointment(data, actor=actor)
    return Status(201, _appointment_out(appt))


@router.get("/appointments/{int:appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request, appointment_id: int):
    policy.require(request.auth, P.VIEW_APPOINTMENTS)
    return _appointment_out(queries.get_appointment(request.auth, appointment_id))


@router.post(
    "/appointments/{int:appointment_id}/cancel",
    response={200: AppointmentOut, **ERRORS, 409: dict},
)
def cancel_appointment(request, appointment_id: int, payload: AppointmentCancelIn):
    policy.require(request.auth, P.DELETE_APPOINTMENTS)
    appt = queries.get_appointment(request.auth, appointment_id)
    return _appointment_out(actions.cancel_appointment(appt, payload.reason, actor=request.auth))


@router.post(
    "/appointments/{int:appointment_id}/status",
    response={200: AppointmentOut, **ERRORS, 409: dict},
)
def set_status(request, appointment_id: int, payload: AppointmentStatusIn):
    policy.require(request.auth, P.CREATE_APPOINTMENTS)
    appt = queries.get_appointment(request.auth, appointment_id)
    return _appointment_out(
        actions.set_appointment_status(appt, payload.status, actor=request.auth)
    )
