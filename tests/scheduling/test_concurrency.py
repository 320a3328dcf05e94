"""N parallel bookings of one start for a provider of capacity k: exactly k succeed and the
others are told the time is no longer available. Needs PostgreSQL (SQLite serializes writers)."""

import threading

import pytest
from django.db import connection, connections

from clinicorg.core.errors import Conflict
from clinicorg.scheduling import actions, rules
from clinicorg.scheduling.models import Appointment
from clinicorg.staff.actions import update_credentials

from .conftest import at, booking, next_weekday

N = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capacity", [1, 3])
def test_parallel_bookings_never_exceed_capacity(acme, admin, provider, visit, hours, capacity):
    if connection.vendor != "postgresql":
        pytest.skip("The concurrency test needs PostgreSQL (set DATABASE_URL).")
    update_credentials(provider, {"capacity": capacity}, actor=acme.system)
    start = at(acme.main, next_weekday(acme.main), 10)
    barrier = threading.Barrier(N)
    results: list = []

    def book(i: int):
        try:
            barrier.wait(timeout=10)
            data = booking(acme, provider, visit, start, patient_name=f"Patient {i}")
            results.append(("ok", actions.book_appointment(data, actor=admin).pk))
        except Conflict as exc:
            results.append(("full", exc.message))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results.append(("crash", repr(exc)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["full"] * (N - capacity) + ["ok"] * capacity, results
    assert {m for kind, m in results if kind == "full"} <= {rules.NO_LONGER_AVAILABLE}
    assert Appointment.objects.filter(starts_at=start, status="booked").count() == capacity
