"""Appointment confirmations leave through the mail outbox, as invitations and reminder digests
do: written with the booking, sent after its commit by the one sender, retried while the mail
server or the broker is down, sent once, and never for a visit cancelled or past meanwhile."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from clinicorg.core import outbox
from clinicorg.core.errors import Conflict
from clinicorg.core.tasks import send_outbox
from clinicorg.scheduling import actions
from clinicorg.scheduling.models import Appointment
from tests.staff.test_outbox import _unreachable_mail_server

from .conftest import at, booking, next_weekday


def _book(acme, admin, provider, visit, hour=9, **extra):
    start = at(acme.main, next_weekday(acme.main), hour)
    return actions.book_appointment(booking(acme, provider, visit, start, **extra), actor=admin)


def _cancel_link(message) -> str:
    return re.search(r"/book/cancel/([\w-]+)/", message.body).group(1)


def test_a_confirmation_is_written_due_with_the_booking_and_sent_after_its_commit(
    acme, admin, provider, visit, hours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appt = _book(acme, admin, provider, visit)
        assert appt.next_send_at is not None and appt.cancel_token_hash is None
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [["pat@example.test"]]
    appt.refresh_from_db()
    assert appt.sent_at is not None and appt.send_attempts == 1 and appt.cancel_token_hash


def test_without_a_patient_email_nothing_is_due(
    acme, admin, provider, visit, hours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appt = _book(acme, admin, provider, visit, patient_email="")
    assert appt.next_send_at is None and mail.outbox == []
    assert outbox.send_due() == 0


def test_a_rolled_back_booking_sends_nothing(
    acme, admin, provider, visit, hours, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _book(acme, admin, provider, visit)
        raise RuntimeError("the request failed after booking")
    assert not Appointment.objects.exists()
    assert outbox.send_due() == 0 and mail.outbox == []


def test_with_the_broker_down_the_booking_stands_and_its_confirmation_goes_once_it_is_back(
    acme, admin, provider, visit, hours, dead_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appt = _book(acme, admin, provider, visit)
    assert Appointment.objects.filter(pk=appt.pk, status="booked").exists()
    assert mail.outbox == []
    # The broker is back: the periodic sender sends the confirmation, once.
    assert send_outbox.run() == 1
    assert send_outbox.run() == 0
    assert len(mail.outbox) == 1
    # Its cancel link works: the token drawn for the email is the one stored.
    actions.cancel_by_link(_cancel_link(mail.outbox[0]))
    appt.refresh_from_db()
    assert appt.status == "cancelled"


def test_a_mail_server_outage_backs_off_and_the_confirmation_goes_when_it_is_back(
    acme, admin, provider, visit, hours, settings, django_capture_on_commit_callbacks
):
    _unreachable_mail_server(settings)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        appt = _book(acme, admin, provider, visit)
    appt.refresh_from_db()
    assert appt.sent_at is None and appt.send_error and appt.cancel_token_hash is None
    assert appt.next_send_at >= before + timedelta(minutes=1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send_due() == 0  # the back-off holds it
    Appointment.objects.filter(pk=appt.pk).update(next_send_at=timezone.now())
    assert outbox.send_due() == 1 and outbox.send_due() == 0
    assert len(mail.outbox) == 1


def test_a_visit_cancelled_or_past_before_its_confirmation_went_is_not_confirmed(
    acme, admin, provider, visit, hours
):
    cancelled = _book(acme, admin, provider, visit, hour=9)
    past = _book(acme, admin, provider, visit, hour=11, patient_email="later@example.test")
    actions.cancel_appointment(cancelled, "Called to cancel", actor=admin)
    Appointment.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert outbox.send_due() == 0 and mail.outbox == []
    assert outbox.unsent_counts()["appointment confirmations"] == 0


def test_no_cancel_link_works_before_the_email_was_written(acme, admin, provider, visit, hours):
    _book(acme, admin, provider, visit)
    with pytest.raises(Conflict):
        actions.cancel_by_link("")
