"""Scheduling actions: booking re-checks capacity, cancellation, marks, availability, audit."""

import re
from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from clinicorg.access.models import hash_token
from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.models import AuditEvent
from clinicorg.scheduling import actions, queries
from clinicorg.scheduling.models import Appointment, AppointmentStatus
from clinicorg.staff.actions import update_credentials

from .conftest import at, booking, next_weekday

pytestmark = pytest.mark.django_db


def test_booking_takes_a_free_slot_and_records_the_event(acme, admin, provider, visit, hours):
    day = next_weekday(acme.main)
    start = at(acme.main, day, 9)
    appt = actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    assert (appt.ends_at - appt.starts_at) == timedelta(minutes=30)
    assert appt.capacity_at_booking == 1 and appt.source == "staff"
    event = AuditEvent.objects.get(action="book_appointment", target_id=str(appt.pk))
    assert event.location_id == acme.main.pk and event.actor == admin
    free = queries.slots_at(acme.main, [provider], timedelta(minutes=30), day, 1)[provider.pk]
    assert start not in free and at(acme.main, day, 9, 30) in free


def test_a_full_start_is_no_longer_available(acme, admin, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 10)
    actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    with pytest.raises(Conflict) as exc:
        actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    assert exc.value.code == "no_longer_available"
    # An overlapping start is full as well.
    with pytest.raises(Conflict):
        actions.book_appointment(
            booking(acme, provider, visit, start + timedelta(minutes=15)), actor=admin
        )


def test_capacity_shapes_how_many_share_a_start(acme, admin, provider, visit, hours):
    update_credentials(provider, {"capacity": 2}, actor=acme.system)
    start = at(acme.main, next_weekday(acme.main), 11)
    actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    with pytest.raises(Conflict):
        actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    # Lowering the capacity keeps both appointments; it only stops new ones.
    update_credentials(provider, {"capacity": 1}, actor=acme.system)
    assert Appointment.objects.filter(starts_at=start, status="booked").count() == 2


def test_step_shapes_the_starts(acme, provider, visit, hours):
    day = next_weekday(acme.main)
    update_credentials(provider, {"scheduling_step": 60}, actor=acme.system)
    provider.refresh_from_db()
    free = queries.slots_at(acme.main, [provider], timedelta(minutes=30), day, 1)[provider.pk]
    assert [s.minute for s in free] == [0] * 8


def test_off_grid_outside_hours_and_time_off_are_refused(acme, admin, provider, visit, hours):
    day = next_weekday(acme.main)
    for start in (at(acme.main, day, 9, 5), at(acme.main, day, 16, 45), at(acme.main, day, 7)):
        with pytest.raises(Conflict):
            actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    actions.add_time_off(
        provider,
        {"starts_at": at(acme.main, day, 12), "ends_at": at(acme.main, day, 13), "reason": "Lunch"},
        actor=admin,
    )
    with pytest.raises(Conflict):
        actions.book_appointment(
            booking(acme, provider, visit, at(acme.main, day, 11, 45)), actor=admin
        )


def test_booking_needs_the_permission_at_the_location(acme, provider, visit, hours):
    desk_at_branch = acme.member("branchdesk@acme.test", role="front_desk", location=acme.branch)
    start = at(acme.main, next_weekday(acme.main), 9)
    with pytest.raises(Denied) as exc:
        actions.book_appointment(booking(acme, provider, visit, start), actor=desk_at_branch)
    assert exc.value.decision.reason == "no_location_access"
    billing = acme.member("billing@acme.test", role="billing_manager")
    with pytest.raises(Denied) as exc:
        actions.book_appointment(booking(acme, provider, visit, start), actor=billing)
    assert exc.value.decision.reason == "missing_permission"


def test_a_provider_must_offer_the_visit_type(acme, admin, visit, hours):
    other = acme.member("other@acme.test", role="provider")
    actions.set_weekly_availability(other, acme.main, {0: [(time(9), time(17))]}, actor=admin)
    start = at(acme.main, next_weekday(acme.main), 9)
    with pytest.raises(ValidationError) as exc:
        actions.book_appointment(booking(acme, other, visit, start), actor=admin)
    assert "visit_type" in exc.value.message_dict


def test_bad_patient_details_name_the_fields(acme, admin, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 9)
    with pytest.raises(ValidationError) as exc:
        actions.book_appointment(
            booking(acme, provider, visit, start, patient_name=" ", patient_email="nope"),
            actor=admin,
        )
    assert set(exc.value.message_dict) == {"patient_name", "patient_email"}


def test_cancelling_needs_a_reason_and_frees_the_start(acme, admin, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 9)
    appt = actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    with pytest.raises(ValidationError):
        actions.cancel_appointment(appt, "  ", actor=admin)
    actions.cancel_appointment(appt, "Patient called", actor=admin)
    appt.refresh_from_db()
    assert appt.status == "cancelled" and appt.cancel_reason == "Patient called"
    assert AuditEvent.objects.filter(action="cancel_appointment", target_id=str(appt.pk)).exists()
    with pytest.raises(Conflict):
        actions.cancel_appointment(appt, "Twice", actor=admin)
    actions.book_appointment(booking(acme, provider, visit, start), actor=admin)


def test_provider_cannot_cancel_without_the_delete_permission(acme, admin, provider, visit, hours):
    appt = actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, next_weekday(acme.main), 9)), actor=admin
    )
    with pytest.raises(Denied):
        actions.cancel_appointment(appt, "No", actor=provider)


def test_marks_follow_the_status_machine(acme, admin, provider, visit, hours):
    appt = actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, next_weekday(acme.main), 9)), actor=admin
    )
    actions.set_appointment_status(appt, "completed", actor=admin)
    actions.set_appointment_status(appt, "booked", actor=admin)
    actions.set_appointment_status(appt, "no_show", actor=admin)
    with pytest.raises(ValidationError):
        actions.set_appointment_status(appt, "cancelled", actor=admin)
    actions.set_appointment_status(appt, "booked", actor=admin)
    actions.cancel_appointment(appt, "Moved away", actor=admin)
    with pytest.raises(Conflict):
        actions.set_appointment_status(appt, "completed", actor=admin)


def test_the_confirmation_email_carries_a_single_use_cancel_link(
    acme, admin, provider, visit, hours, django_capture_on_commit_callbacks
):
    start = at(acme.main, next_weekday(acme.main), 9)
    with django_capture_on_commit_callbacks(execute=True):
        appt = actions.book_appointment(booking(acme, provider, visit, start), actor=admin)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Ada Lovelace" in body and "9:00 AM" in body
    raw = re.search(r"/book/cancel/([\w-]+)/", body).group(1)
    appt.refresh_from_db()
    # Drawn when the email was written: only its hash rests in the database.
    assert appt.cancel_token_hash == hash_token(raw) and raw not in appt.cancel_token_hash
    assert appt.sent_at is not None
    actions.cancel_by_link(raw)
    appt.refresh_from_db()
    assert appt.status == "cancelled" and appt.cancel_token_used_at is not None
    with pytest.raises(Conflict) as exc:
        actions.cancel_by_link(raw)
    assert exc.value.code == "used"
    with pytest.raises(Conflict):
        actions.cancel_by_link("not-a-token")


def test_online_booking_is_off_until_enabled_and_keeps_the_notice(acme, provider, visit, hours):
    day = next_weekday(acme.main)
    data = booking(acme, provider, visit, at(acme.main, day, 9))
    with pytest.raises(Conflict) as exc:
        actions.book_online(acme.org, data)
    assert exc.value.code == "online_booking_off"
    actions.update_scheduling_settings(
        acme.org.pk,
        {"online_booking_enabled": True, "minimum_notice_minutes": 60 * 24 * 30},
        actor=acme.system,
    )
    with pytest.raises(Conflict):
        actions.book_online(acme.org, data)
    actions.update_scheduling_settings(
        acme.org.pk, {"minimum_notice_minutes": 60, "booking_horizon_days": 1}, actor=acme.system
    )
    with pytest.raises(Conflict):  # beyond the horizon
        actions.book_online(acme.org, data)
    actions.update_scheduling_settings(acme.org.pk, {"booking_horizon_days": 60}, actor=acme.system)
    appt = actions.book_online(acme.org, data)
    assert appt.source == "online" and appt.next_send_at is not None
    event = AuditEvent.objects.get(action="book_appointment", target_id=str(appt.pk))
    assert event.actor_label == "online booking"


def test_changing_availability_keeps_appointments_and_lists_those_outside(
    acme, admin, provider, visit, hours
):
    day = next_weekday(acme.main)
    appt = actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, day, 16)), actor=admin
    )
    outside = actions.set_weekly_availability(
        provider, acme.main, {0: [(time(9), time(12))]}, actor=admin
    )
    assert [a.pk for a in outside] == [appt.pk]
    assert Appointment.objects.get(pk=appt.pk).status == AppointmentStatus.BOOKED


def test_windows_may_not_overlap_across_locations(acme, admin, provider, hours):
    with pytest.raises(ValidationError):
        actions.set_weekly_availability(
            provider, acme.branch, {0: [(time(16), time(18))]}, actor=admin
        )
    actions.set_weekly_availability(provider, acme.branch, {0: [(time(17), time(19))]}, actor=admin)


def test_visit_type_names_are_unique_per_organization(acme, globex, visit):
    with pytest.raises(ValidationError) as exc:
        actions.create_visit_type({"name": "CHECK-UP", "duration_minutes": 20}, actor=acme.system)
    assert exc.value.message_dict == {"name": [actions.VISIT_TYPE_TAKEN]}
    actions.create_visit_type({"name": "Check-up", "duration_minutes": 20}, actor=globex.system)
    with pytest.raises(ValidationError) as exc:
        actions.create_visit_type({"name": "Long", "duration_minutes": 4}, actor=acme.system)
    assert "duration_minutes" in exc.value.message_dict
