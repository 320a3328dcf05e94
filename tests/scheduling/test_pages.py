"""Staff schedule pages: the day view books from free times, the appointment page cancels and
marks, availability is edited on the provider's profile; access per location."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicorg.scheduling import actions
from clinicorg.scheduling.models import Appointment
from tests.conftest import signed_in

from .conftest import at, booking, next_weekday

pytestmark = pytest.mark.django_db


def test_day_view_shows_providers_appointments_and_free_times(acme, admin, provider, visit, hours):
    day = next_weekday(acme.main)
    actions.book_appointment(booking(acme, provider, visit, at(acme.main, day, 9)), actor=admin)
    r = signed_in(admin).get(f"/schedule/locations/{acme.main.pk}/", {"date": day.isoformat()})
    body = r.content.decode()
    assert r.status_code == 200
    assert "Ada Lovelace" in body and "Pat Patient" in body and "9:00 AM–9:30 AM" in body
    assert 'aria-label="Book 9:30 AM with Ada Lovelace"' in body
    assert 'aria-label="Book 9:00 AM with Ada Lovelace"' not in body
    assert "style=" not in body and "<script" not in body


def test_day_view_runs_constant_queries(acme, admin, provider, visit, hours):
    day = next_weekday(acme.main)
    client = signed_in(admin)
    url = f"/schedule/locations/{acme.main.pk}/"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"date": day.isoformat()}).status_code == 200
        return len(ctx.captured_queries)

    count()
    few = count()
    for n in range(3):
        other = acme.member(f"doc{n}@acme.test", role="provider")
        actions.set_weekly_availability(other, acme.main, hours, actor=acme.system)
        actions.update_visit_type(visit, {"providers": [provider, other]}, actor=acme.system)
        actions.book_appointment(booking(acme, other, visit, at(acme.main, day, 10)), actor=admin)
    assert count() == few


def test_booking_from_a_free_time(acme, frontdesk, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 10)
    params = {
        "provider": provider.pk,
        "location": acme.main.pk,
        "visit_type": visit.pk,
        "start": start.isoformat(),
    }
    client = signed_in(frontdesk)
    assert "Book an appointment" in client.get("/schedule/book/", params).content.decode()
    r = client.post("/schedule/book/", {**params, "patient_name": "", "patient_email": "x"})
    assert r.status_code == 200 and "Enter a valid email address." in r.content.decode()
    r = client.post("/schedule/book/", {**params, "patient_name": "Sam Sample"})
    assert r.status_code == 302
    appt = Appointment.objects.get(patient_name="Sam Sample")
    assert appt.created_by == frontdesk and appt.starts_at == start
    # The same time again: no longer available, said plainly.
    r = client.post("/schedule/book/", {**params, "patient_name": "Late"}, follow=True)
    assert "no longer available" in r.content.decode()


def test_cancel_with_reason_and_mark(acme, admin, provider, visit, hours):
    appt = actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, next_weekday(acme.main), 9)), actor=admin
    )
    client = signed_in(admin)
    client.post(f"/schedule/appointments/{appt.pk}/status/", {"status": "completed"})
    assert Appointment.objects.get(pk=appt.pk).status == "completed"
    client.post(f"/schedule/appointments/{appt.pk}/status/", {"status": "booked"})
    r = client.post(f"/schedule/appointments/{appt.pk}/cancel/", {"reason": ""}, follow=True)
    assert "Say why" in r.content.decode()
    client.post(f"/schedule/appointments/{appt.pk}/cancel/", {"reason": "Rescheduling"})
    appt.refresh_from_db()
    assert appt.status == "cancelled" and appt.cancel_reason == "Rescheduling"


def test_schedules_are_per_location(acme, admin, provider, visit, hours):
    appt = actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, next_weekday(acme.main), 9)), actor=admin
    )
    branch_desk = signed_in(acme.member("bd@acme.test", role="front_desk", location=acme.branch))
    assert branch_desk.get(f"/schedule/locations/{acme.main.pk}/").status_code == 404
    assert branch_desk.get(f"/schedule/appointments/{appt.pk}/").status_code == 404
    assert branch_desk.get(f"/schedule/locations/{acme.branch.pk}/").status_code == 200
    # A provider sees their own appointments.
    r = signed_in(provider).get(f"/schedule/appointments/{appt.pk}/")
    assert r.status_code == 200
    no_calendar = acme.member("nocal@acme.test", role=acme.roles["billing_manager"])
    assert signed_in(no_calendar).get(f"/schedule/appointments/{appt.pk}/").status_code == 200


def test_availability_is_edited_beside_capacity_and_step(acme, admin, provider, visit, hours):
    client = signed_in(admin)
    credentials = client.get(f"/staff/{provider.pk}/credentials/").content.decode()
    assert f"/staff/{provider.pk}/availability/" in credentials
    day = next_weekday(acme.main)
    actions.book_appointment(booking(acme, provider, visit, at(acme.main, day, 16)), actor=admin)
    url = f"/staff/{provider.pk}/availability/?location={acme.main.pk}"
    r = client.post(url, {"monday": "9-12", "tuesday": "9:00-17:00, 8-8:30"}, follow=True)
    body = r.content.decode()
    assert "Saved the hours" in body and "now lie outside availability" in body
    r = client.post(url, {"monday": "12-9"})
    assert "The end must be after the start" in r.content.decode()
    r = client.post(url, {"monday": "lunch"})
    assert "is not a time range" in r.content.decode()
    r = client.post(
        f"/staff/{provider.pk}/availability/time-off/new/",
        {"starts_at": f"{day}T12:00", "ends_at": f"{day}T13:00", "reason": "Dentist"},
        follow=True,
    )
    assert "Added the time off." in r.content.decode()


def test_settings_and_visit_types(acme, admin, provider):
    client = signed_in(admin)
    r = client.post(
        "/organization/scheduling/",
        {"online_booking_enabled": "on", "minimum_notice_minutes": 60, "booking_horizon_days": 30},
    )
    assert r.status_code == 302
    r = client.post(
        "/organization/visit-types/new/",
        {"name": "Flu shot", "duration_minutes": 2, "is_active": "on"},
    )
    assert r.status_code == 200 and "duration" in r.content.decode().lower()
    r = client.post(
        "/organization/visit-types/new/",
        {"name": "Flu shot", "duration_minutes": 10, "is_active": "on", "providers": [provider.pk]},
    )
    assert r.status_code == 302
    page = client.get("/organization/scheduling/").content.decode()
    assert "Flu shot" in page and "/book/acme/" in page


def test_the_demo_takes_online_bookings(db):
    from django.test import Client

    from clinicorg.demo.loader import load_demo

    org, _created = load_demo()
    assert Appointment.objects.filter(organization=org, status="booked").exists()
    page = Client().get(f"/book/{org.slug}/").content.decode()
    assert "Book an appointment" in page and "Main Street Clinic" in page
