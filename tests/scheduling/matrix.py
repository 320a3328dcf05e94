"""Scheduling objects for the access matrix (tests/test_access_matrix.py), all at Main."""

from datetime import time

from clinicorg.scheduling import actions

from .conftest import at, next_weekday


def scheduling_world(acme, member) -> dict:
    """Ids of a provider, a visit type, an appointment, and an override and a time off of
    `member` (the matrix's staff fixture, whose availability paths name them)."""
    system = acme.system
    provider = acme.member("matrix.doc@acme.test", role="provider")
    visit_type = actions.create_visit_type(
        {"name": "Matrix visit", "duration_minutes": 30, "providers": [provider]}, actor=system
    )
    every_day = {d: [(time(8), time(18))] for d in range(7)}
    actions.set_weekly_availability(provider, acme.main, every_day, actor=system)
    day = next_weekday(acme.main)
    appointment = actions.book_appointment(
        {
            "provider": provider,
            "location": acme.main,
            "visit_type": visit_type,
            "starts_at": at(acme.main, day, 9),
            "patient_name": "Matrix Patient",
        },
        actor=system,
    )
    override = actions.add_availability_override(
        member, acme.main, {"date": day, "start_time": "09:00", "end_time": "10:00"}, actor=system
    )
    off = actions.add_time_off(
        member,
        {"starts_at": at(acme.main, day, 12), "ends_at": at(acme.main, day, 13)},
        actor=system,
    )
    return {
        "provider": provider.pk,
        "visit_type": visit_type.pk,
        "appointment": appointment.pk,
        "override": override.pk,
        "time_off": off.pk,
    }
