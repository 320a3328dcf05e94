"""Password-reset emails leave through the mail outbox, as invitations and confirmations do:
written with the request, sent after its commit by the one sender, retried while the mail
server or the broker is down, sent once, and never to a member who may no longer reset, or
after the link would have expired."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from clinicorg.core import outbox
from clinicorg.core.tasks import send_outbox
from clinicorg.security import rules
from clinicorg.security.models import PasswordResetEmail
from clinicorg.staff.actions import change_staff_status
from clinicorg.staff.models import Status
from tests.staff.test_outbox import _unreachable_mail_server

from .test_password_reset import NEW_PASSWORD, follow_link, link_in


def _ask(email, captured):
    with captured(execute=True):
        return Client(REMOTE_ADDR="10.3.0.1").post("/password/reset/", {"email": email})


def test_with_the_broker_down_the_request_answers_as_always_and_the_link_goes_once_it_is_back(
    acme, frontdesk, dead_broker, django_capture_on_commit_callbacks
):
    response = _ask(frontdesk.email, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    assert mail.outbox == []
    # The broker is back: the periodic sender sends the link, once.
    assert send_outbox.run() == 1
    assert send_outbox.run() == 0
    assert [m.to for m in mail.outbox] == [[frontdesk.email]]
    _client, done = follow_link(link_in(mail.outbox[0]))
    frontdesk.refresh_from_db()
    assert frontdesk.check_password(NEW_PASSWORD), done


def test_with_the_mail_server_down_the_link_is_retried_later(
    settings, acme, frontdesk, django_capture_on_commit_callbacks
):
    _unreachable_mail_server(settings)
    assert _ask(frontdesk.email, django_capture_on_commit_callbacks).status_code == 302
    row = PasswordResetEmail.objects.get(member=frontdesk)
    assert row.sent_at is None and row.send_attempts == 1 and row.send_error
    assert row.next_send_at > timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    PasswordResetEmail.objects.filter(pk=row.pk).update(next_send_at=timezone.now())
    assert outbox.send_due() == 1
    assert [m.to for m in mail.outbox] == [[frontdesk.email]]


def test_a_member_who_may_no_longer_reset_is_sent_nothing(
    acme, admin, frontdesk, dead_broker, django_capture_on_commit_callbacks
):
    _ask(frontdesk.email, django_capture_on_commit_callbacks)
    change_staff_status(frontdesk, Status.SUSPENDED, "Investigation", actor=admin)
    assert send_outbox.run() == 0
    assert mail.outbox == []


def test_a_request_older_than_the_links_lifetime_is_not_sent(
    settings, acme, frontdesk, dead_broker, django_capture_on_commit_callbacks
):
    _ask(frontdesk.email, django_capture_on_commit_callbacks)
    PasswordResetEmail.objects.update(
        requested_at=timezone.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    )
    assert send_outbox.run() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("usable", [True, False])
def test_the_outbox_and_the_reset_page_hold_one_rule_of_who_may_reset(acme, status, usable):
    """The outbox's condition (`rules.may_reset_password`) and the pages' check
    (`rules.can_reset_password`) agree for every status, with and without a password."""
    member = acme.member(f"{status}-{usable}@acme.test", status=status)
    if not usable:
        member.set_unusable_password()
        member.save(update_fields=["password"])
    row = PasswordResetEmail.objects.create(member=member, next_send_at=timezone.now())
    queued = PasswordResetEmail.objects.filter(rules.may_reset_password(), pk=row.pk).exists()
    assert queued == rules.can_reset_password(member)
