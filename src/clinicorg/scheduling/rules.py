"""Every check that decides whether a scheduling change is allowed, one record at a time."""

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clinicorg.directory.models import phone_validator

from .models import WEEKDAYS, AppointmentStatus

# Marks staff may set, and the ones they may undo; a cancellation is final.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentStatus.BOOKED: frozenset({AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}),
    AppointmentStatus.COMPLETED: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED}),
    AppointmentStatus.CANCELLED: frozenset(),
}
NO_LONGER_AVAILABLE = (
    "This time is no longer available: the provider is fully booked then, away, or not "
    "working at this location. Choose another time."
)
_SPAN = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")


def check_span(start: time | None, end: time | None, field: str = "end_time") -> None:
    if start is None or end is None:
        raise ValidationError({field: "Give a start and an end time."})
    if end <= start:
        raise ValidationError({field: "The end must be after the start, on the same day."})


def parse_spans(text: str, field: str) -> list[tuple[time, time]]:
    """ "09:00-12:00, 13:00-17:00" as [(09:00, 12:00), (13:00, 17:00)]; errors name `field`."""
    spans = []
    for part in re.split(r"[,;\n]+", text or ""):
        if not part.strip():
            continue
        match = _SPAN.match(part)
        if not match:
            raise ValidationError(
                {field: f"“{part.strip()}” is not a time range; write e.g. 09:00-12:00."}
            )
        h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationError({field: f"“{part.strip()}” is not a time of day."})
        start, end = time(h1, m1), time(h2, m2)
        check_span(start, end, field)
        spans.append((start, end))
    return sorted(spans)


def check_no_overlap(spans_by_weekday: dict[int, list[tuple[time, time]]], field="windows"):
    """A provider works one place at a time: windows of one weekday may not overlap, whatever
    their locations."""
    for weekday, spans in spans_by_weekday.items():
        ordered = sorted(spans)
        for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:], strict=False):
            if s2 < e1:
                raise ValidationError(
                    {
                        field: f"The {WEEKDAYS[weekday]} windows overlap; a provider works at one "
                        "place at a time."
                    }
                )


def check_patient(name: str, email: str, phone: str, *, email_required: bool = False) -> dict:
    """The patient's details, trimmed; raises ValidationError naming the fields."""
    errors = {}
    name, email, phone = (name or "").strip(), (email or "").strip(), (phone or "").strip()
    if not name:
        errors["patient_name"] = "Enter the patient's name."
    elif len(name) > 200:
        errors["patient_name"] = "Keep the name to 200 characters."
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["patient_email"] = "Enter a valid email address."
    elif email_required:
        errors["patient_email"] = "Enter an email address for the confirmation."
    if phone:
        try:
            phone_validator(phone)
        except ValidationError as exc:
            errors["patient_phone"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return {"patient_name": name, "patient_email": email, "patient_phone": phone}


def check_status_change(old: str, new: str) -> None:
    from clinicorg.core.errors import Conflict

    if new not in AppointmentStatus.values or new == AppointmentStatus.CANCELLED:
        raise ValidationError(
            {"status": "Choose booked, completed or no_show; cancel with a reason instead."}
        )
    if new not in STATUS_TRANSITIONS[old]:
        raise Conflict(
            f"A {AppointmentStatus(old).label.lower()} appointment cannot become "
            f"{AppointmentStatus(new).label.lower()}.",
            code="status_transition",
        )
