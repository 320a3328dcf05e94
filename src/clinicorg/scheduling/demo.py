"""Scheduling for the demo organization: visit types, weekday hours for the providers, online
booking enabled, and a few appointments in the coming days. Built through the actions."""

from datetime import time, timedelta

from clinicorg.staff.models import StaffMember, Status

from . import actions, queries

VISIT_TYPES = [
    {"name": "New patient visit", "duration_minutes": 45, "online_bookable": True},
    {"name": "Follow-up", "duration_minutes": 20, "online_bookable": True},
    {"name": "Annual physical", "duration_minutes": 60, "online_bookable": True},
    {"name": "Procedure", "duration_minutes": 30, "online_bookable": False},
]
WEEKDAY_HOURS = {d: [(time(8), time(12)), (time(13), time(17))] for d in range(5)}
PATIENTS = ["Jordan Miles", "Priya Raman", "Luis Ortega", "Hannah Cole", "Wen Zhao", "Ama Mensah"]


def load_scheduling_demo(organization, actor) -> None:
    """Call inside the demo loader's transaction, with its system actor."""
    actions.update_scheduling_settings(
        organization.pk,
        {"online_booking_enabled": True, "minimum_notice_minutes": 120, "booking_horizon_days": 60},
        actor=actor,
    )
    providers = list(
        StaffMember.objects.filter(organization=organization, status=Status.ACTIVE)
        .exclude(npi="")
        .select_related("primary_location")
        .order_by("id")
    )
    visit_types = [
        actions.create_visit_type({**vt, "providers": providers}, actor=actor) for vt in VISIT_TYPES
    ]
    for provider in providers:
        actions.set_weekly_availability(
            provider, provider.primary_location, WEEKDAY_HOURS, actor=actor
        )
    follow_up = visit_types[1]
    n = 0
    for provider in providers:
        location = provider.primary_location
        first = queries.local_today(location) + timedelta(days=1)
        free = queries.slots_at(
            location, [provider], timedelta(minutes=follow_up.duration_minutes), first, 5
        )[provider.pk]
        for start in free[::7][:4]:
            actions.book_appointment(
                {
                    "provider": provider,
                    "location": location,
                    "visit_type": follow_up,
                    "starts_at": start,
                    "patient_name": PATIENTS[n % len(PATIENTS)],
                    "patient_phone": f"(217) 555-{2000 + n:04d}",
                },
                actor=actor,
            )
            n += 1
