"""Every scheduling write: settings, visit types, availability, bookings, cancellations, marks.

Each action checks the policy, validates, writes in one transaction with its audit event, and
sends email only after commit. Booking locks the provider's row and runs the slot engine again
inside the transaction, so concurrent bookings never exceed a provider's capacity.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import hash_token
from clinicorg.access.system import SystemActor
from clinicorg.core import audit, outbox
from clinicorg.core.errors import Conflict
from clinicorg.core.writes import (
    assign,
    check_unique_ci,
    gather,
    record_create,
    record_delete,
    record_update,
    save_unique,
    validate,
)
from clinicorg.directory.models import Location
from clinicorg.staff.models import SIGN_IN_STATUSES, StaffMember

from . import queries, rules
from .models import (
    Appointment,
    AppointmentStatus,
    AvailabilityOverride,
    AvailabilityWindow,
    SchedulingSettings,
    Source,
    TimeOff,
    VisitType,
)

SETTINGS_FIELDS = ("online_booking_enabled", "minimum_notice_minutes", "booking_horizon_days")
VISIT_TYPE_FIELDS = ("name", "duration_minutes", "is_active", "online_bookable")
_VISIT_TYPE_AUDIT = (*VISIT_TYPE_FIELDS, "providers")
VISIT_TYPE_TAKEN = "A visit type with this name already exists."
_VISIT_TYPE_CONSTRAINTS = {"visit_type_name_unique_ci": ("name", VISIT_TYPE_TAKEN)}
APPOINTMENT_AUDIT_FIELDS = (
    "provider",
    "location",
    "visit_type",
    "starts_at",
    "ends_at",
    "patient_name",
    "status",
    "source",
    "capacity_at_booking",
)
ONLINE_BOOKING_OFF = "Online booking is not available for this practice."


# Settings


def update_scheduling_settings(organization_id: int, data: dict, *, actor) -> dict:
    policy.require(actor, P.MANAGE_SETTINGS)
    if organization_id != actor.organization_id:
        raise Conflict("Settings of another organization.", code="wrong_organization")
    with transaction.atomic():
        current, _ = SchedulingSettings.objects.select_for_update().get_or_create(
            organization_id=organization_id
        )
        before = audit.snapshot(current, list(SETTINGS_FIELDS))
        assign(current, data, SETTINGS_FIELDS)
        validate(current, exclude=["organization"])
        current.save()
        return record_update(
            "update_scheduling_settings",
            current,
            before,
            SETTINGS_FIELDS,
            actor=actor,
            target_type="organization",
            target_id=organization_id,
            target_label="Scheduling settings",
        )


# Visit types


def _providers(actor, providers, current=()) -> list[StaffMember]:
    """The providers to link: those chosen, each one the actor may name on a schedule, plus the
    current links to people outside the actor's scope, which stay as they are (the actor cannot
    see them, so the form cannot have meant to remove them)."""
    ids = {p.pk if hasattr(p, "pk") else int(p) for p in providers or ()}
    reachable = queries.schedule_providers(actor, P.MANAGE_SETTINGS)
    found = list(reachable.filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"providers": "Choose staff members you can see."})
    current_ids = {p.pk for p in current}
    seen = set(reachable.filter(pk__in=current_ids).values_list("pk", flat=True))
    return found + [p for p in current if p.pk not in seen and p.pk not in ids]


def _visit_type_snapshot(vt: VisitType, providers) -> dict:
    return {
        **audit.snapshot(vt, list(VISIT_TYPE_FIELDS)),
        "providers": sorted(str(p) for p in providers),
    }


def _save_visit_type(vt: VisitType, data: dict, *, actor, action: str) -> VisitType:
    policy.require(actor, P.MANAGE_SETTINGS)
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    with transaction.atomic():
        before = None
        old_providers = []
        if vt.pk:
            vt = VisitType.objects.select_for_update().get(pk=vt.pk)
            old_providers = list(vt.providers.all())
            before = _visit_type_snapshot(vt, old_providers)
        providers = None
        if "providers" in data:
            providers = _providers(actor, data["providers"], old_providers)
        assign(vt, data, VISIT_TYPE_FIELDS)
        gather(
            lambda _failed: validate(vt, exclude=["organization"]),
            lambda failed: (
                "name" in failed
                or check_unique_ci(
                    VisitType.objects.filter(organization_id=vt.organization_id),
                    "name",
                    vt.name,
                    VISIT_TYPE_TAKEN,
                    exclude_pk=vt.pk,
                )
            ),
        )
        save_unique(vt, _VISIT_TYPE_CONSTRAINTS)
        if providers is not None:
            vt.providers.set(providers)
        after = providers if providers is not None else old_providers
        if before is None:
            record_create(action, vt, VISIT_TYPE_FIELDS, actor=actor)
        else:
            changes = audit.diff(before, _visit_type_snapshot(vt, after))
            if changes:
                audit.record(action, actor=actor, target=vt, changes=changes)
    return vt


def create_visit_type(data: dict, *, actor) -> VisitType:
    """A visit type: name, duration_minutes, is_active, online_bookable, providers."""
    vt = VisitType(organization_id=actor.organization_id)
    return _save_visit_type(vt, data, actor=actor, action="create_visit_type")


def update_visit_type(visit_type: VisitType, data: dict, *, actor) -> VisitType:
    return _save_visit_type(visit_type, data, actor=actor, action="update_visit_type")


# Availability


def _manage_availability(actor, provider: StaffMember, location: Location | None = None):
    policy.require(actor, P.MANAGE_STAFF, provider.primary_location)
    if location is not None:
        if location.organization_id != provider.organization_id:
            raise ValidationError({"location": "Choose a location of this organization."})
        policy.require(actor, P.MANAGE_STAFF, location)


def _lock(provider: StaffMember) -> StaffMember:
    return (
        StaffMember.objects.select_for_update(of=("self",))
        .select_related("primary_location")
        .get(pk=provider.pk)
    )


def _span_label(spans) -> list[str]:
    return [f"{s:%H:%M}-{e:%H:%M}" for s, e in spans]


def set_weekly_availability(
    provider: StaffMember, location: Location, spans_by_weekday: dict, *, actor
) -> list[Appointment]:
    """Replace the provider's weekly windows at `location` ({weekday: [(start, end)]}, 0 is
    Monday). Appointments are never dropped: returns the booked ones now outside availability.
    """
    _manage_availability(actor, provider, location)
    wanted = {int(d): sorted(v) for d, v in spans_by_weekday.items() if v}
    for day, spans in wanted.items():
        if not 0 <= day <= 6:
            raise ValidationError({"weekday": "A weekday is 0 (Monday) to 6 (Sunday)."})
        for start, end in spans:
            rules.check_span(start, end, "windows")
    with transaction.atomic():
        provider = _lock(provider)
        existing = list(AvailabilityWindow.objects.filter(provider=provider))
        others: dict[int, list] = {}
        for w in existing:
            if w.location_id != location.pk:
                others.setdefault(w.weekday, []).append((w.start_time, w.end_time))
        combined = {d: others.get(d, []) + wanted.get(d, []) for d in set(others) | set(wanted)}
        rules.check_no_overlap(combined)
        before = {
            d: _span_label(
                sorted(
                    (w.start_time, w.end_time)
                    for w in existing
                    if w.location_id == location.pk and w.weekday == d
                )
            )
            for d in range(7)
        }
        AvailabilityWindow.objects.filter(provider=provider, location=location).delete()
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(
                provider=provider, location=location, weekday=d, start_time=s, end_time=e
            )
            for d, spans in wanted.items()
            for s, e in spans
        )
        after = {d: _span_label(wanted.get(d, [])) for d in range(7)}
        from .models import WEEKDAYS

        changes = {WEEKDAYS[d]: [before[d], after[d]] for d in range(7) if before[d] != after[d]}
        if changes:
            audit.record(
                "set_availability",
                actor=actor,
                target=provider,
                target_label=f"{provider} at {location.name}",
                changes=changes,
                location_id=location.pk,
            )
    return queries.outside_availability(provider)


def _parse(value, field: str, kind, message: str):
    """A date or time given as itself or as ISO text; a ValidationError naming `field`."""
    if isinstance(value, kind) and not (kind is date and isinstance(value, datetime)):
        return value
    try:
        return kind.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError({field: message}) from exc


def _parse_time(value, field):
    return _parse(value, field, time, "Enter a time of day such as 09:00.")


def _parse_date(value, field):
    return _parse(value, field, date, "Enter a date as YYYY-MM-DD.")


def _override_values(o: AvailabilityOverride) -> dict:
    return {
        "location": o.location.name,
        "date": o.date.isoformat(),
        "hours": f"{o.start_time:%H:%M}-{o.end_time:%H:%M}",
    }


def add_availability_override(
    provider: StaffMember, location: Location, data: dict, *, actor
) -> AvailabilityOverride:
    """On `data["date"]`, these hours replace the weekly windows at `location`."""
    _manage_availability(actor, provider, location)
    day = _parse_date(data.get("date"), "date")
    start = _parse_time(data.get("start_time"), "start_time")
    end = _parse_time(data.get("end_time"), "end_time")
    rules.check_span(start, end)
    with transaction.atomic():
        provider = _lock(provider)
        same_day = [
            (o.start_time, o.end_time)
            for o in AvailabilityOverride.objects.filter(provider=provider, date=day)
        ]
        rules.check_no_overlap({day.weekday(): [*same_day, (start, end)]}, field="start_time")
        override = AvailabilityOverride.objects.create(
            provider=provider, location=location, date=day, start_time=start, end_time=end
        )
        audit.record(
            "add_availability_override",
            actor=actor,
            target=override,
            target_label=f"{provider}: {override}",
            changes={k: [None, v] for k, v in _override_values(override).items()},
            location_id=location.pk,
        )
    return override


def remove_availability_override(override: AvailabilityOverride, *, actor) -> None:
    _manage_availability(actor, override.provider, override.location)
    with transaction.atomic():
        audit.record(
            "remove_availability_override",
            actor=actor,
            target=override,
            target_label=f"{override.provider}: {override}",
            changes={k: [v, None] for k, v in _override_values(override).items()},
            location_id=override.location_id,
        )
        override.delete()


def _aware(value, field, zone: ZoneInfo) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValidationError({field: "Enter a date and time."}) from exc
    if not isinstance(value, datetime):
        raise ValidationError({field: "Enter a date and time."})
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value


def add_time_off(provider: StaffMember, data: dict, *, actor) -> TimeOff:
    """Time off from `starts_at` to `ends_at` (naive values are in the provider's primary
    location's zone); existing appointments stay and are listed by `outside_availability`."""
    _manage_availability(actor, provider)
    zone = ZoneInfo(provider.primary_location.timezone)
    start = _aware(data.get("starts_at"), "starts_at", zone)
    end = _aware(data.get("ends_at"), "ends_at", zone)
    if end <= start:
        raise ValidationError({"ends_at": "The end must be after the start."})
    reason = str(data.get("reason") or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "Keep the reason to 200 characters."})
    with transaction.atomic():
        provider = _lock(provider)
        off = TimeOff.objects.create(provider=provider, starts_at=start, ends_at=end, reason=reason)
        record_create(
            "add_time_off",
            off,
            ("starts_at", "ends_at", "reason"),
            actor=actor,
            target_label=f"{provider}: {off}",
            location_id=provider.primary_location_id,
        )
    return off


def remove_time_off(off: TimeOff, *, actor) -> None:
    _manage_availability(actor, off.provider)
    with transaction.atomic():
        record_delete(
            "remove_time_off",
            off,
            ("starts_at", "ends_at", "reason"),
            actor=actor,
            target_label=f"{off.provider}: {off}",
            location_id=off.provider.primary_location_id,
        )
        off.delete()


# Appointments


def _check_booking_refs(provider, location, visit_type, organization_id: int) -> None:
    errors = {}
    if provider.organization_id != organization_id or provider.status not in SIGN_IN_STATUSES:
        errors["provider"] = "Choose an active provider of this organization."
    if location.organization_id != organization_id or location.status != "active":
        errors["location"] = "Choose an active location of this organization."
    if visit_type.organization_id != organization_id or not visit_type.is_active:
        errors["visit_type"] = "Choose an active visit type."
    elif not visit_type.providers.filter(pk=provider.pk).exists():
        errors["visit_type"] = f"{provider} does not offer {visit_type.name}."
    if errors:
        raise ValidationError(errors)


def _book(
    provider, location, visit_type, starts_at, patient: dict, *, actor, source, notes=""
) -> Appointment:
    org_id = location.organization_id
    _check_booking_refs(provider, location, visit_type, org_id)
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give the start as a date and time with its zone."})
    online = source == Source.ONLINE
    with transaction.atomic():
        # The lock serializes bookings of one provider; the engine then sees every booking
        # committed before ours.
        provider = _lock(provider)
        settings = queries.settings_for(org_id)
        earliest, latest = queries.booking_bounds(settings, online=online)
        day = starts_at.astimezone(ZoneInfo(location.timezone)).date()
        duration = timedelta(minutes=visit_type.duration_minutes)
        sched = queries.load_schedules(location, [provider.pk], day, day)
        if starts_at not in sched.free(provider, duration, earliest=earliest, latest=latest):
            raise Conflict(rules.NO_LONGER_AVAILABLE, code="no_longer_available")
        appt = Appointment(
            organization_id=org_id,
            provider=provider,
            location=location,
            visit_type=visit_type,
            starts_at=starts_at,
            ends_at=starts_at + duration,
            capacity_at_booking=provider.capacity,
            source=source,
            notes=(notes or "").strip(),
            created_by=actor if isinstance(actor, StaffMember) else None,
            # The confirmation, with its cancel link, is due in the outbox (scheduling.outbox).
            next_send_at=timezone.now() if patient.get("patient_email") else None,
            **patient,
        )
        appt.save()
        record_create("book_appointment", appt, APPOINTMENT_AUDIT_FIELDS, actor=actor)
        if appt.next_send_at:
            # robust: a broker or mail outage must not fail the booking after its commit;
            # the confirmation waits in the outbox for the periodic sender.
            transaction.on_commit(outbox.kick, robust=True)
    return appt


def book_appointment(data: dict, *, actor) -> Appointment:
    """Book for a patient at the front desk: `data` has provider, location, visit_type
    (records), starts_at (aware), patient_name, patient_email, patient_phone, notes."""
    location = data["location"]
    policy.require(actor, P.CREATE_APPOINTMENTS, location)
    patient = rules.check_patient(
        data.get("patient_name"), data.get("patient_email"), data.get("patient_phone")
    )
    appt = _book(
        data["provider"],
        location,
        data["visit_type"],
        data.get("starts_at"),
        patient,
        actor=actor,
        source=Source.STAFF,
        notes=data.get("notes", ""),
    )
    return appt


def online_actor(organization_id: int) -> SystemActor:
    return SystemActor(organization_id, label="online booking")


def book_online(organization, data: dict) -> Appointment:
    """A patient books on the public page: the organization must take online bookings, the
    visit type be bookable online, the start keep the notice and the horizon. The confirmation
    email carries the cancel link (scheduling.outbox; only its token's hash is stored)."""
    settings = queries.settings_for(organization.pk)
    if not settings.online_booking_enabled:
        raise Conflict(ONLINE_BOOKING_OFF, code="online_booking_off")
    visit_type = data["visit_type"]
    if not visit_type.online_bookable:
        raise ValidationError({"visit_type": "This visit type cannot be booked online."})
    patient = rules.check_patient(
        data.get("patient_name"),
        data.get("patient_email"),
        data.get("patient_phone"),
        email_required=True,
    )
    return _book(
        data["provider"],
        data["location"],
        visit_type,
        data.get("starts_at"),
        patient,
        actor=online_actor(organization.pk),
        source=Source.ONLINE,
    )


def _locked_appointment(appt: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("provider", "location", "visit_type")
        .get(pk=appt.pk)
    )


def _cancel(appt: Appointment, reason: str, *, actor, via_link=False) -> Appointment:
    old = appt.status
    if old != AppointmentStatus.BOOKED:
        raise Conflict(
            f"This appointment is {appt.get_status_display().lower()}; only booked "
            "appointments can be cancelled.",
            code="not_booked",
        )
    now = timezone.now()
    appt.status = AppointmentStatus.CANCELLED
    appt.cancel_reason = reason
    appt.cancelled_at = now
    fields = ["status", "cancel_reason", "cancelled_at"]
    if via_link:
        appt.cancel_token_used_at = now
        fields.append("cancel_token_used_at")
    appt.save(update_fields=fields)
    audit.record(
        "cancel_appointment",
        actor=actor,
        target=appt,
        changes={"status": [old, appt.status], "cancel_reason": [None, reason]},
    )
    return appt


def cancel_appointment(appt: Appointment, reason: str, *, actor) -> Appointment:
    policy.require(actor, P.DELETE_APPOINTMENTS, appt.location)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the appointment is cancelled."})
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep the reason to 300 characters."})
    with transaction.atomic():
        return _cancel(_locked_appointment(appt), reason, actor=actor)


def find_by_cancel_link(raw_token: str) -> Appointment | None:
    return (
        Appointment.objects.select_related("provider", "location", "visit_type", "organization")
        .filter(cancel_token_hash=hash_token(raw_token or ""))
        .first()
    )


def cancel_by_link(raw_token: str) -> Appointment:
    """The patient cancels through the link of their confirmation email (once)."""
    found = find_by_cancel_link(raw_token)
    if found is None:
        raise Conflict("This cancel link is not valid.", code="invalid")
    with transaction.atomic():
        appt = _locked_appointment(found)
        if appt.cancel_token_used_at is not None:
            raise Conflict("This link was already used.", code="used")
        if appt.starts_at <= timezone.now():
            raise Conflict(
                "This appointment has already started; call the practice.", code="started"
            )
        return _cancel(
            appt,
            "Cancelled by the patient",
            actor=SystemActor(appt.organization_id, label="patient (cancel link)"),
            via_link=True,
        )


def set_appointment_status(appt: Appointment, status: str, *, actor) -> Appointment:
    """Mark an appointment completed or no-show (or back to booked)."""
    policy.require(actor, P.CREATE_APPOINTMENTS, appt.location)
    with transaction.atomic():
        appt = _locked_appointment(appt)
        rules.check_status_change(appt.status, status)
        old = appt.status
        appt.status = status
        appt.save(update_fields=["status"])
        audit.record(
            "set_appointment_status", actor=actor, target=appt, changes={"status": [old, status]}
        )
    return appt
