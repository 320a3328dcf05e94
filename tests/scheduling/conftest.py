"""Scheduling fixtures: a provider with weekday hours at Main, a visit type, and helpers."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clinicorg.scheduling import actions

WEEKDAYS_9_TO_5 = {d: [(time(9), time(17))] for d in range(5)}


def next_weekday(location, days_ahead: int = 7) -> date:
    """A Monday at least `days_ahead` days after today in the location's zone."""
    today = timezone.now().astimezone(ZoneInfo(location.timezone)).date()
    day = today + timedelta(days=days_ahead)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def at(location, day: date, hour: int, minute: int = 0) -> datetime:
    local = datetime.combine(day, time(hour, minute), ZoneInfo(location.timezone))
    return local.astimezone(UTC)


@pytest.fixture
def provider(acme):
    return acme.member(
        "doc@acme.test", role="provider", first_name="Ada", last_name="Lovelace", capacity=1
    )


@pytest.fixture
def visit(acme, provider):
    return actions.create_visit_type(
        {
            "name": "Check-up",
            "duration_minutes": 30,
            "online_bookable": True,
            "providers": [provider],
        },
        actor=acme.system,
    )


@pytest.fixture
def hours(acme, provider):
    actions.set_weekly_availability(provider, acme.main, WEEKDAYS_9_TO_5, actor=acme.system)
    return WEEKDAYS_9_TO_5


def booking(acme, provider, visit, start, **extra):
    return {
        "provider": provider,
        "location": acme.main,
        "visit_type": visit,
        "starts_at": start,
        "patient_name": "Pat Patient",
        "patient_email": "pat@example.test",
        "patient_phone": "555-0199",
        **extra,
    }
