"""Schedule pages: a location's day (providers as columns), a provider's week, booking from a
free time, an appointment (cancel with a reason, mark), availability on a provider's profile,
and the organization's scheduling settings with its visit types."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core.errors import Conflict
from clinicorg.directory.queries import active_locations
from clinicorg.scheduling import actions, queries, rules
from clinicorg.scheduling.filters import appointments_for, visit_types_for
from clinicorg.scheduling.models import (
    WEEKDAYS,
    AppointmentStatus,
    AvailabilityOverride,
    TimeOff,
)
from clinicorg.staff.models import Status
from clinicorg.staff.queries import get_staff

from ..forms.scheduling import (
    WEEKDAY_FIELDS,
    CancelForm,
    OverrideForm,
    PatientForm,
    SchedulingSettingsForm,
    TimeOffForm,
    VisitTypeForm,
    WeeklyForm,
)
from .base import apply_errors, confirm_page, requires


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """ "9:15 AM" in the zone."""
    local = moment.astimezone(zone)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def long_day(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def _local_day(appt) -> date:
    return appt.starts_at.astimezone(ZoneInfo(appt.location.timezone)).date()


def _day_param(request, name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def _pick_visit_type(request, visit_types):
    wanted = request.GET.get("visit_type", "")
    for vt in visit_types:
        if str(vt.pk) == wanted:
            return vt
    return visit_types[0] if visit_types else None


def _appointment_item(appt, zone) -> dict:
    return {
        "kind": "appointment",
        "appt": appt,
        "at": appt.starts_at,
        "time": clock(appt.starts_at, zone),
        "until": clock(appt.ends_at, zone),
    }


def _book_url(provider, location, vt, start) -> str:
    query = urlencode(
        {
            "provider": provider.pk,
            "location": location.pk,
            "visit_type": vt.pk,
            "start": start.isoformat(),
        }
    )
    return f"{reverse('web:schedule_book')}?{query}"


@requires(P.VIEW_APPOINTMENTS)
def schedule_home(request):
    locations = list(queries.schedule_locations(request.user))
    if len(locations) == 1:
        return redirect("web:schedule_day", locations[0].pk)
    return render(request, "web/scheduling/home.html", {"locations": locations})


@requires(P.VIEW_APPOINTMENTS)
def schedule_day(request, pk):
    user = request.user
    location = queries.get_schedule_location(user, pk)
    zone = ZoneInfo(location.timezone)
    today = queries.local_today(location)
    day = _day_param(request, "date", today)
    visit_types = list(visit_types_for(user, {"status": "active"}))
    vt = _pick_visit_type(request, visit_types)
    appts = list(
        appointments_for(user, {"location": location.pk, "date_from": day, "date_to": day})
    )
    providers = list(queries.bookable_providers(location))
    known = {p.pk for p in providers}
    for appt in appts:
        if appt.provider_id not in known:
            known.add(appt.provider_id)
            providers.append(appt.provider)
    can_book = policy.can(user, P.CREATE_APPOINTMENTS, location)
    free: dict[int, list] = {}
    if can_book and vt is not None:
        offering = {p.pk for p in vt.providers.all()}
        free = queries.slots_at(
            location,
            [p for p in providers if p.pk in offering],
            timedelta(minutes=vt.duration_minutes),
            day,
            1,
        )
    columns = []
    for p in providers:
        columns.append(
            {
                "provider": p,
                "appointments": [
                    _appointment_item(a, zone) for a in appts if a.provider_id == p.pk
                ],
                "free": [
                    {"time": clock(s, zone), "url": _book_url(p, location, vt, s)}
                    for s in free.get(p.pk, [])
                ],
                "offers": vt is not None and p.pk in free,
            }
        )
    return render(
        request,
        "web/scheduling/day.html",
        {
            "location": location,
            "day": day,
            "day_label": long_day(day),
            "is_today": day == today,
            "prev": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "today": today,
            "visit_types": visit_types,
            "visit_type": vt,
            "columns": columns,
            "can_book": can_book,
            "zone_name": location.timezone,
            "locations": list(queries.schedule_locations(user)),
        },
    )


@requires(P.VIEW_APPOINTMENTS)
def schedule_week(request, pk):
    user = request.user
    provider = get_staff(user, pk)
    today = queries.local_today(provider.primary_location)
    first = _day_param(request, "week", today)
    first -= timedelta(days=first.weekday())
    days = [first + timedelta(days=i) for i in range(7)]
    visit_types = [
        vt for vt in visit_types_for(user, {"status": "active"}) if provider in vt.providers.all()
    ]
    vt = _pick_visit_type(request, visit_types)
    appts = list(
        appointments_for(user, {"provider": provider.pk, "date_from": first, "date_to": days[-1]})
    )
    by_day: dict[date, list] = {d: [] for d in days}
    for appt in appts:
        zone = ZoneInfo(appt.location.timezone)
        local_day = appt.starts_at.astimezone(zone).date()
        if local_day in by_day:
            by_day[local_day].append(_appointment_item(appt, zone))
    free_by_day: dict[date, list] = {d: [] for d in days}
    if vt is not None:
        for location in queries.provider_locations(provider):
            if not policy.can(user, P.CREATE_APPOINTMENTS, location):
                continue
            zone = ZoneInfo(location.timezone)
            found = queries.slots_at(
                location, [provider], timedelta(minutes=vt.duration_minutes), first, 7
            )[provider.pk]
            for s in found:
                local_day = s.astimezone(zone).date()
                if local_day in free_by_day:
                    free_by_day[local_day].append(
                        {
                            "time": clock(s, zone),
                            "url": _book_url(provider, location, vt, s),
                            "location": location,
                        }
                    )
    columns = [
        {
            "day": d,
            "label": f"{d:%a} {d:%b} {d.day}",
            "is_today": d == today,
            "appointments": by_day[d],
            "free": free_by_day[d],
        }
        for d in days
    ]
    return render(
        request,
        "web/scheduling/week.html",
        {
            "provider": provider,
            "columns": columns,
            "first": first,
            "prev": first - timedelta(days=7),
            "next": first + timedelta(days=7),
            "today": today,
            "visit_types": visit_types,
            "visit_type": vt,
            "multi_location": len({f["location"].pk for c in columns for f in c["free"]}) > 1,
        },
    )


def _booking_target(request, params):
    """The provider, location, visit type and start named by the query of a free time."""
    user = request.user
    location = queries.get_schedule_location(user, params.get("location"), P.CREATE_APPOINTMENTS)
    provider = get_object_or_404(
        queries.schedule_providers(user, P.CREATE_APPOINTMENTS), pk=_int(params.get("provider"))
    )
    vt = queries.get_visit_type(user, params.get("visit_type"))
    try:
        start = datetime.fromisoformat(params.get("start", ""))
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise ValidationError({"start": "Choose a free time from the schedule."})
    return provider, location, vt, start


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@requires(P.CREATE_APPOINTMENTS)
def schedule_book(request):
    params = request.POST if request.method == "POST" else request.GET
    if not params.get("location"):
        messages.info(request, "Choose a free time on a schedule to book it.")
        return redirect("web:schedule_home")
    try:
        provider, location, vt, start = _booking_target(request, params)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:schedule_home")
    zone = ZoneInfo(location.timezone)
    form = PatientForm(request.POST if request.method == "POST" else None)
    day_url = f"{reverse('web:schedule_day', args=[location.pk])}?" + urlencode(
        {"date": start.astimezone(zone).date().isoformat(), "visit_type": vt.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            appt = actions.book_appointment(
                {
                    **form.cleaned_data,
                    "provider": provider,
                    "location": location,
                    "visit_type": vt,
                    "starts_at": start,
                },
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect(day_url)
        else:
            messages.success(
                request,
                f"Booked {appt.patient_name} with {provider.shown_name} at "
                f"{clock(appt.starts_at, zone)}.",
            )
            return redirect(day_url)
    return render(
        request,
        "web/scheduling/book.html",
        {
            "form": form,
            "provider": provider,
            "location": location,
            "visit_type": vt,
            "start": start,
            "when": f"{long_day(start.astimezone(zone).date())}, {clock(start, zone)}",
            "params": {
                "provider": provider.pk,
                "location": location.pk,
                "visit_type": vt.pk,
                "start": start.isoformat(),
            },
            "back": day_url,
        },
    )


@requires(P.VIEW_APPOINTMENTS)
def appointment_detail(request, pk):
    appt = queries.get_appointment(request.user, pk)
    zone = ZoneInfo(appt.location.timezone)
    marks = [
        (s, AppointmentStatus(s).label)
        for s in AppointmentStatus.values
        if s in rules.STATUS_TRANSITIONS[appt.status]
    ]
    return render(
        request,
        "web/scheduling/appointment.html",
        {
            "appt": appt,
            "when": f"{long_day(appt.starts_at.astimezone(zone).date())}, "
            f"{clock(appt.starts_at, zone)}–{clock(appt.ends_at, zone)}",
            "zone_name": appt.location.timezone,
            "cancel_form": CancelForm(),
            "can_cancel": appt.status == AppointmentStatus.BOOKED
            and policy.can(request.user, P.DELETE_APPOINTMENTS, appt.location),
            "can_mark": policy.can(request.user, P.CREATE_APPOINTMENTS, appt.location),
            "marks": marks,
            "day": appt.starts_at.astimezone(zone).date(),
        },
    )


@require_POST
@requires(P.DELETE_APPOINTMENTS)
def appointment_cancel(request, pk):
    appt = queries.get_appointment(request.user, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the appointment is cancelled.")
        return redirect("web:schedule_appointment", appt.pk)
    try:
        actions.cancel_appointment(appt, form.cleaned_data["reason"], actor=request.user)
    except (ValidationError, Conflict) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
    else:
        messages.success(request, f"Cancelled the appointment of {appt.patient_name}.")
    return redirect("web:schedule_appointment", appt.pk)


@require_POST
@requires(P.CREATE_APPOINTMENTS)
def appointment_status(request, pk):
    appt = queries.get_appointment(request.user, pk)
    status = request.POST.get("status", "")
    try:
        actions.set_appointment_status(appt, status, actor=request.user)
    except (ValidationError, Conflict) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
    else:
        messages.success(request, f"Marked {AppointmentStatus(status).label.lower()}.")
    return redirect("web:schedule_appointment", appt.pk)


# Availability, on the provider's profile


def _availability_provider(request, pk):
    provider = get_staff(request.user, pk)
    policy.require(request.user, P.MANAGE_STAFF, provider.primary_location)
    return provider


def _weekly_initial(windows, location) -> dict:
    spans: dict[int, list[str]] = {}
    for w in windows:
        if w.location_id == location.pk:
            spans.setdefault(w.weekday, []).append(f"{w.start_time:%H:%M}-{w.end_time:%H:%M}")
    return {name: ", ".join(spans.get(i, [])) for i, name in enumerate(WEEKDAY_FIELDS)}


@requires(P.MANAGE_STAFF)
def staff_availability(request, pk):
    provider = _availability_provider(request, pk)
    locations = list(active_locations(request.user))
    chosen = next(
        (x for x in locations if str(x.pk) == request.GET.get("location", "")),
        next((x for x in locations if x.pk == provider.primary_location_id), None),
    )
    if chosen is None and locations:
        chosen = locations[0]
    data = queries.availability_of(provider)
    form = WeeklyForm(
        request.POST or None, initial=_weekly_initial(data["windows"], chosen) if chosen else {}
    )
    if request.method == "POST" and chosen is not None and form.is_valid():
        try:
            spans = {
                i: rules.parse_spans(form.cleaned_data[name], name)
                for i, name in enumerate(WEEKDAY_FIELDS)
            }
            outside = actions.set_weekly_availability(provider, chosen, spans, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Saved the hours at {chosen.name}.")
            if outside:
                listed = "; ".join(
                    f"{a.patient_name} on {long_day(_local_day(a))}" for a in outside[:10]
                )
                messages.warning(
                    request,
                    f"{len(outside)} booked appointment(s) now lie outside availability and "
                    f"were kept: {listed}.",
                )
            return redirect(
                f"{reverse('web:staff_availability', args=[provider.pk])}?location={chosen.pk}"
            )
    return _availability_page(request, provider, locations, chosen, form, data)


def _availability_page(request, provider, locations, chosen, form, data, **forms):
    choices = [(str(x.pk), x.name) for x in locations]
    summary: dict[int, dict[int, list[str]]] = {}
    for w in data["windows"]:
        summary.setdefault(w.location_id, {}).setdefault(w.weekday, []).append(
            f"{w.start_time:%H:%M}–{w.end_time:%H:%M}"
        )
    by_location = [
        {
            "location": loc,
            "days": [(WEEKDAYS[d], ", ".join(summary[loc.pk].get(d, []))) for d in range(7)],
        }
        for loc in locations
        if loc.pk in summary
    ]
    zone = ZoneInfo(provider.primary_location.timezone)
    return render(
        request,
        "web/scheduling/availability.html",
        {
            "member": provider,
            "locations": locations,
            "chosen": chosen,
            "form": form,
            "by_location": by_location,
            "overrides": data["overrides"],
            "time_off": [
                {
                    "item": t,
                    "label": f"{t.starts_at.astimezone(zone):%b %d, %H:%M} – "
                    f"{t.ends_at.astimezone(zone):%b %d, %H:%M}",
                }
                for t in data["time_off"]
            ],
            "override_form": forms.get("override_form")
            or OverrideForm(
                location_choices=choices, initial={"location": str(chosen.pk) if chosen else ""}
            ),
            "time_off_form": forms.get("time_off_form") or TimeOffForm(),
            "outside": queries.outside_availability(provider),
            "zone_name": provider.primary_location.timezone,
        },
    )


def _availability_again(request, provider, locations, **forms):
    """The availability page again, with the errors of a posted override or time-off form."""
    data = queries.availability_of(provider)
    chosen = locations[0] if locations else None
    weekly = WeeklyForm(initial=_weekly_initial(data["windows"], chosen) if chosen else {})
    return _availability_page(request, provider, locations, chosen, weekly, data, **forms)


@require_POST
@requires(P.MANAGE_STAFF)
def availability_override_add(request, pk):
    provider = _availability_provider(request, pk)
    locations = list(active_locations(request.user))
    form = OverrideForm(request.POST, location_choices=[(str(x.pk), x.name) for x in locations])
    if form.is_valid():
        location = next(x for x in locations if str(x.pk) == form.cleaned_data["location"])
        try:
            actions.add_availability_override(
                provider, location, form.cleaned_data, actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Added the hours for that date.")
            return redirect("web:staff_availability", provider.pk)
    return _availability_again(request, provider, locations, override_form=form)


# Removing dated hours or time off asks first, naming the provider, the dates and the booked
# appointments they concern (those the actor may see).

SHOWN_APPOINTMENTS = 20


def _booked_effects(actor, provider, *, where: str, after: str, filters=None, span=None):
    """The provider's booked appointments matching `filters` (the appointment filter set's)
    and overlapping `span` (start, end) when given, as far as the actor may see appointments
    (scheduling.filters.appointments_for): a count, then one line each."""
    found = appointments_for(
        actor, {"provider": provider.pk, "status": AppointmentStatus.BOOKED, **(filters or {})}
    )
    if span is not None:
        found = queries.between(*span, found)
    appts = list(found[: SHOWN_APPOINTMENTS + 1])
    if not appts:
        return [f"No booked appointment {where}."]
    total = found.count() if len(appts) > SHOWN_APPOINTMENTS else len(appts)
    lines = [
        f"{total} booked appointment{pluralize(total)} {where} "
        f"stay{pluralize(total, 's,')} booked{after}:"
    ]
    for a in appts[:SHOWN_APPOINTMENTS]:
        zone = ZoneInfo(a.location.timezone)
        lines.append(
            f"{a.patient_name}: {long_day(a.starts_at.astimezone(zone).date())}, "
            f"{clock(a.starts_at, zone)}–{clock(a.ends_at, zone)} at {a.location.name} "
            f"({a.visit_type.name})"
        )
    if total > SHOWN_APPOINTMENTS:
        lines.append(f"and {total - SHOWN_APPOINTMENTS} more")
    return lines


def _hours(spans) -> str:
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in spans) or "none"


def _override_confirmation(request, provider, override):
    location = override.location
    day = override.date
    others = AvailabilityOverride.objects.filter(
        provider=provider, location=location, date=day
    ).exclude(pk=override.pk)
    weekly = provider.availability_windows.filter(location=location, weekday=day.weekday())
    if others.exists():
        after = (
            f"The other hours on that date at {location.name} "
            f"({_hours((o.start_time, o.end_time) for o in others)}) still replace the weekly "
            "hours."
        )
    else:
        after = (
            f"The weekly hours at {location.name} apply again that day: "
            f"{_hours((w.start_time, w.end_time) for w in weekly)}."
        )
    effects = [
        after,
        *_booked_effects(
            request.user,
            provider,
            filters={"location": location.pk, "date_from": day, "date_to": day},
            where=f"that day at {location.name}",
            after="; any outside the hours left are listed under "
            "“Appointments outside availability”",
        ),
    ]
    back = reverse("web:staff_availability", args=[provider.pk])
    when = f"{long_day(day)}, {override.start_time:%H:%M}–{override.end_time:%H:%M}"
    return confirm_page(
        request,
        heading=f"Remove {provider.full_name}’s hours on {day:%b} {day.day}?",
        lead=f"{provider.full_name} will no longer have the hours {when} at {location.name} "
        f"({location.timezone}).",
        effects=effects,
        note=""
        if policy.can(request.user, P.VIEW_APPOINTMENTS, location)
        else f"You cannot see the schedule at {location.name}, so its appointments are not listed.",
        button="Remove these hours",
        cancel=back,
        crumbs=_availability_crumbs(provider),
    )


def _availability_crumbs(provider):
    detail = reverse("web:staff_detail", args=[provider.pk])
    return [
        ("Employee Center", reverse("web:staff_list")),
        (provider.full_name, detail),
        ("Availability", reverse("web:staff_availability", args=[provider.pk])),
    ]


@requires(P.MANAGE_STAFF)
def availability_override_remove(request, pk, oid):
    """GET asks; POST removes the dated hours."""
    provider = _availability_provider(request, pk)
    override = get_object_or_404(
        AvailabilityOverride.objects.select_related("location", "provider__primary_location"),
        provider=provider,
        pk=oid,
    )
    if request.method != "POST":
        return _override_confirmation(request, provider, override)
    actions.remove_availability_override(override, actor=request.user)
    messages.success(request, "Removed the hours for that date.")
    return redirect("web:staff_availability", provider.pk)


@require_POST
@requires(P.MANAGE_STAFF)
def time_off_add(request, pk):
    provider = _availability_provider(request, pk)
    form = TimeOffForm(request.POST)
    if form.is_valid():
        zone = ZoneInfo(provider.primary_location.timezone)
        data = {
            **form.cleaned_data,
            "starts_at": form.cleaned_data["starts_at"].replace(tzinfo=zone),
            "ends_at": form.cleaned_data["ends_at"].replace(tzinfo=zone),
        }
        try:
            actions.add_time_off(provider, data, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Added the time off.")
            return redirect("web:staff_availability", provider.pk)
    return _availability_again(
        request, provider, list(active_locations(request.user)), time_off_form=form
    )


def _time_off_confirmation(request, provider, off):
    zone = ZoneInfo(provider.primary_location.timezone)
    start, end = off.starts_at.astimezone(zone), off.ends_at.astimezone(zone)
    span = (
        f"{long_day(start.date())}, {clock(off.starts_at, zone)} to "
        f"{long_day(end.date())}, {clock(off.ends_at, zone)} ({provider.primary_location.timezone})"
    )
    effects = [
        "Those hours become bookable again wherever the provider’s weekly or dated hours "
        "cover them.",
        *_booked_effects(
            request.user,
            provider,
            span=(off.starts_at, off.ends_at),
            where="in that time",
            after=" (they were kept when the time off was added)",
        ),
    ]
    hidden = any(
        not policy.can(request.user, P.VIEW_APPOINTMENTS, location)
        for location in queries.provider_locations(provider)
    )
    back = reverse("web:staff_availability", args=[provider.pk])
    reason = f" ({off.reason})" if off.reason else ""
    return confirm_page(
        request,
        heading=f"Remove {provider.full_name}’s time off?",
        lead=f"{provider.full_name} will no longer be away from {span}{reason}.",
        effects=effects,
        note="Appointments at locations whose schedule you cannot see are not listed."
        if hidden
        else "",
        button="Remove the time off",
        cancel=back,
        crumbs=_availability_crumbs(provider),
    )


@requires(P.MANAGE_STAFF)
def time_off_remove(request, pk, tid):
    """GET asks; POST removes the time off."""
    provider = _availability_provider(request, pk)
    off = get_object_or_404(
        TimeOff.objects.select_related("provider__primary_location"), provider=provider, pk=tid
    )
    if request.method != "POST":
        return _time_off_confirmation(request, provider, off)
    actions.remove_time_off(off, actor=request.user)
    messages.success(request, "Removed the time off.")
    return redirect("web:staff_availability", provider.pk)


# Organization settings: online booking and visit types


@requires(P.MANAGE_SETTINGS)
def scheduling_settings(request):
    org_id = request.user.organization_id
    current = queries.settings_for(org_id)
    form = SchedulingSettingsForm(
        request.POST or None,
        initial={f: getattr(current, f) for f in actions.SETTINGS_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.update_scheduling_settings(
                org_id, form.cleaned_data, actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, "Scheduling settings saved." if changes else "Nothing to change."
            )
            return redirect("web:scheduling_settings")
    return render(
        request,
        "web/scheduling/settings.html",
        {
            "form": form,
            "visit_types": list(visit_types_for(request.user)),
            "public_url": request.build_absolute_uri(
                reverse("web:book", args=[request.user.organization.slug])
            ),
            "enabled": current.online_booking_enabled,
        },
    )


def _provider_choices(request, vt=None):
    qs = queries.schedule_providers(request.user, P.MANAGE_SETTINGS).exclude(
        status=Status.DEACTIVATED
    )
    clinical = Role.objects.visible_to(request.user).clinical()
    cond = Q(npi__gt="") | Q(availability_windows__isnull=False) | Q(role__in=clinical)
    if vt is not None:
        cond |= Q(visit_types=vt)
    return [
        (str(m.pk), m.shown_name)
        for m in qs.filter(cond).distinct().order_by("last_name", "first_name")
    ]


def _visit_type_form(request, vt=None):
    initial = {"is_active": True}
    if vt is not None:
        initial = {
            "name": vt.name,
            "duration_minutes": vt.duration_minutes,
            "is_active": vt.is_active,
            "online_bookable": vt.online_bookable,
            "providers": [str(p.pk) for p in vt.providers.all()],
        }
    form = VisitTypeForm(
        request.POST or None, initial=initial, provider_choices=_provider_choices(request, vt)
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "providers": [int(x) for x in form.cleaned_data["providers"]]}
        try:
            if vt is None:
                actions.create_visit_type(data, actor=request.user)
            else:
                actions.update_visit_type(vt, data, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Saved the visit type {data['name']}.")
            return redirect("web:scheduling_settings")
    return render(request, "web/scheduling/visit_type_form.html", {"form": form, "vt": vt})


@requires(P.MANAGE_SETTINGS)
def visit_type_create(request):
    return _visit_type_form(request)


@requires(P.MANAGE_SETTINGS)
def visit_type_edit(request, pk):
    return _visit_type_form(request, queries.get_visit_type(request.user, pk))
