"""Scheduling: free slots for one provider and for 50 providers of a location over 7 days, the
slots API, and a booking (re-check under the provider lock, insert, audit).

Fifty active members of the benchmark organization get weekday hours (08:00-12:00,
13:00-17:00) at one location and a 30-minute visit type; 500 appointments are then booked
through the action, and the slot figures are taken again to show that the number of queries
does not grow with the appointments in the range. Targets: one provider <= 20 ms, 50
providers <= 200 ms, a booking <= 30 ms.
"""

import os
from datetime import time, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from . import timed
from .seed import seeded

PROVIDERS = 50
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))
TARGETS_MS = {"one": 20, "fifty": 200, "book": 30}


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def run(report) -> None:
    from clinicorg.directory.models import Location
    from clinicorg.scheduling import actions, queries
    from clinicorg.staff.models import StaffMember

    data = seeded()
    admin = StaffMember.objects.get(pk=data.admin_id)
    location = Location.objects.get(pk=data.location_ids[-1])
    providers = list(
        StaffMember.objects.filter(organization_id=data.organization_id, status="active")
        .exclude(pk=admin.pk)
        .order_by("id")[:PROVIDERS]
    )
    visit = actions.create_visit_type(
        {"name": "Bench visit", "duration_minutes": 30, "providers": providers}, actor=admin
    )
    hours = {d: [(time(8), time(12)), (time(13), time(17))] for d in range(5)}
    for p in providers:
        actions.set_weekly_availability(p, location, hours, actor=admin)
    duration = timedelta(minutes=30)
    first = queries.local_today(location) + timedelta(days=1)
    one = providers[:1]

    def slots_one(_i=0):
        return queries.slots_at(location, one, duration, first, 7)

    def slots_fifty(_i=0):
        return queries.slots_at(location, providers, duration, first, 7)

    empty_q = (_queries(slots_one), _queries(slots_fifty))

    # A booking: distinct free starts, spread over the providers.
    free = slots_fifty()
    starts = [(p, s) for p in providers for s in free[p.pk][::3]]

    def book(i):
        p, start = starts[i]
        actions.book_appointment(
            {
                "provider": p,
                "location": location,
                "visit_type": visit,
                "starts_at": start,
                "patient_name": f"Bench patient {i}",
            },
            actor=admin,
        )

    book_q = _queries(lambda: book(0))
    warmup = min(20, REQUESTS)
    figures = timed(
        lambda i: book(i + 1), requests=min(2 * REQUESTS, len(starts) - warmup - 1), warmup=warmup
    )
    booked = 1 + warmup + figures["n"]
    report(
        "book an appointment",
        {**figures, "queries": book_q, "target_ms": TARGETS_MS["book"],
         "ok": figures["p95_ms"] <= TARGETS_MS["book"]},
    )  # fmt: skip

    full_q = (_queries(slots_one), _queries(slots_fifty))
    count = sum(len(v) for v in slots_fifty().values())
    for name, call, key, q_empty, q_full in (
        ("slots 1 provider 7 days", slots_one, "one", empty_q[0], full_q[0]),
        ("slots 50 providers 7 days", slots_fifty, "fifty", empty_q[1], full_q[1]),
    ):
        figures = timed(call, requests=min(50, REQUESTS) if key == "fifty" else REQUESTS, warmup=3)
        report(
            name,
            {**figures, "queries": q_full, "queries_no_appts": q_empty,
             "appointments": booked, "free_starts": count if key == "fifty" else None,
             "target_ms": TARGETS_MS[key], "ok": figures["p95_ms"] <= TARGETS_MS[key]},
        )  # fmt: skip

    url = f"/api/v1/slots?location={location.pk}&visit_type={visit.pk}&start={first}&days=7"
    headers = {"Authorization": f"Bearer {data.token}"}
    api_q = _queries(lambda: Client().get(url, headers=headers))
    figures = timed(
        lambda _i: Client().get(url, headers=headers), requests=min(30, REQUESTS), warmup=3
    )
    report("GET /api/v1/slots 50 providers", {**figures, "queries": api_q})
