"""Reminder digests leave through the mail outbox, as invitations do: written in the job's
transaction, sent after the commit by the one sender, retried while the mail server or the
broker is down, and sent exactly once per person per day."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from clinicorg.core import outbox
from clinicorg.core.tasks import send_outbox
from clinicorg.reports.actions import send_license_reminders
from clinicorg.reports.models import LicenseAnnouncement, ReminderDigest
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import Invitation, Status

from .conftest import EXPECTED


def _due_digests():
    from clinicorg.reports.outbox import DIGESTS

    return DIGESTS.due()


def test_digests_are_written_due_with_the_job_and_sent_after_its_commit(
    due, acme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_license_reminders(acme.org, actor=acme.system) == len(EXPECTED)
        digests = list(ReminderDigest.objects.all())
        assert all(d.next_send_at is not None and d.sent_at is None for d in digests)
        assert mail.outbox == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EXPECTED)
    assert all(d.sent_at and d.send_attempts == 1 for d in ReminderDigest.objects.all())


def test_a_rolled_back_job_leaves_no_digest_and_sends_nothing(
    due, acme, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_license_reminders(acme.org, actor=acme.system)
        raise RuntimeError("the run failed after recording")
    assert not ReminderDigest.objects.exists() and not LicenseAnnouncement.objects.exists()
    assert outbox.send_due() == 0 and mail.outbox == []


def test_with_the_broker_down_the_job_records_the_digests_and_they_go_once_it_is_back(
    due, dead_broker
):
    call_command("reminders", "send", stdout=StringIO())
    assert ReminderDigest.objects.count() == len(EXPECTED)
    assert _due_digests().count() == len(EXPECTED)
    assert mail.outbox == []
    # Run again while it is down: nothing more is recorded.
    call_command("reminders", "send", stdout=StringIO())
    assert ReminderDigest.objects.count() == len(EXPECTED)
    # The broker is back: beat hands the periodic sender to a worker, which sends each once.
    assert send_outbox.run() == len(EXPECTED)
    assert send_outbox.run() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EXPECTED)
    assert not ReminderDigest.objects.filter(sent_at__isnull=True).exists()


def test_a_mail_server_outage_backs_off_and_the_digests_go_when_it_is_back(
    due, settings, django_capture_on_commit_callbacks
):
    from tests.staff.test_outbox import _unreachable_mail_server

    _unreachable_mail_server(settings)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reminders", "send", stdout=StringIO())
    waiting = list(ReminderDigest.objects.all())
    assert len(waiting) == len(EXPECTED)
    assert all(d.sent_at is None and d.send_error for d in waiting)
    assert all(d.next_send_at >= before + timedelta(minutes=1) for d in waiting)
    # The next run the same day records nothing more, and the back-off holds the emails.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reminders", "send", stdout=StringIO())
    assert ReminderDigest.objects.count() == len(EXPECTED) and mail.outbox == []
    # The back-off is over: the sender sends each digest once.
    ReminderDigest.objects.update(next_send_at=timezone.now())
    assert send_outbox.run() == len(EXPECTED)
    assert send_outbox.run() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(EXPECTED)
    assert ReminderDigest.objects.filter(send_error="").count() == len(EXPECTED)


def test_invitations_and_digests_leave_through_the_one_sender(due, acme, admin):
    from tests.staff.conftest import invite_data

    send_license_reminders(acme.org, actor=acme.system)
    staff_actions.invite_staff(invite_data(acme, email="new@acme.test"), actor=admin)
    nothing = {
        "invitations": 0,
        "reminder digests": 0,
        "appointment confirmations": 0,
        "password reset emails": 0,
    }
    assert outbox.drain() == {**nothing, "invitations": 1, "reminder digests": len(EXPECTED)}
    assert outbox.drain() == nothing
    assert Invitation.objects.get(staff__email="new@acme.test").sent_at is not None


def test_the_command_line_sends_due_digests_with_the_invitations(due, acme):
    send_license_reminders(acme.org, actor=acme.system)  # no commit hook: nothing sent yet
    out = StringIO()
    call_command("invitations", "send", stdout=out)
    assert "Sent 0 invitation emails and 6 reminder digests." in out.getvalue()
    assert len(mail.outbox) == len(EXPECTED)


def test_a_digest_whose_recipient_was_deactivated_meanwhile_is_not_sent(due, world, acme):
    send_license_reminders(acme.org, actor=acme.system)
    staff_actions.change_staff_status(
        world["branch_provider"], Status.DEACTIVATED, "left", actor=acme.system
    )
    assert outbox.send_due() == len(EXPECTED) - 1
    assert "np@acme.test" not in {m.to[0] for m in mail.outbox}


def test_a_digest_goes_to_the_recipients_address_of_the_moment(due, world, acme):
    send_license_reminders(acme.org, actor=acme.system)
    ReminderDigest.objects.filter(recipient=world["main_provider"]).update(email="old@acme.test")
    outbox.send_due()
    assert "doc@acme.test" in {m.to[0] for m in mail.outbox}
    assert ReminderDigest.objects.get(recipient=world["main_provider"]).email == "doc@acme.test"


def test_one_sender_sends_digests_at_a_time_on_postgresql(due, acme):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the sender's lock is PostgreSQL's advisory lock (SQLite has one writer)")
    import psycopg

    send_license_reminders(acme.org, actor=acme.system)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [outbox.SENDER_LOCK])
        assert outbox.send_due() is None and send_outbox() == 0
        assert mail.outbox == [] and _due_digests().count() == len(EXPECTED)
        other.execute("SELECT pg_advisory_unlock(%s)", [outbox.SENDER_LOCK])
    assert outbox.send_due() == len(EXPECTED) and len(mail.outbox) == len(EXPECTED)
