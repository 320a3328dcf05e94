"""Password reset by email through the pages: the same answer whether or not the address
belongs to anyone, a link that works once and expires, sessions ended after a reset, only
members who may sign in, throttled per client address and per email address, audited."""

import re

import pytest
from django.core import mail
from django.test import Client

from clinicorg.core.models import AuditEvent
from clinicorg.staff.actions import change_staff_status
from clinicorg.staff.models import Status
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-much-longer-passphrase-42"


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for a reset link as someone at `ip` would (the email goes after the commit)."""

    def post(email, ip="10.2.0.1"):
        with django_capture_on_commit_callbacks(execute=True):
            return Client(REMOTE_ADDR=ip).post("/password/reset/", {"email": email})

    return post


def link_in(message) -> str:
    return re.search(r"http://[^/]+(/password/reset/[^/]+/[^/]+/)", message.body).group(1)


def follow_link(path, password=NEW_PASSWORD):
    """Open the emailed link and choose a new password; answers (client, last response)."""
    client = Client()
    opened = client.get(path)
    assert opened.status_code == 302  # Django moves the token out of the address
    form_url = opened["Location"]
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    return client, response


def test_the_sign_in_page_offers_it(db):
    assert 'href="/password/reset/"' in Client().get("/signin/").content.decode()


def test_the_answer_is_the_same_whether_or_not_the_email_exists(acme, frontdesk, ask):
    known = ask(frontdesk.email)
    unknown = ask("nobody@acme.test", ip="10.2.0.2")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [frontdesk.email]
    sent = Client().get("/password/reset/sent/").content.decode()
    assert "If the address belongs to an account" in sent
    assert AuditEvent.objects.filter(
        action="request_password_reset", target_id=str(frontdesk.pk)
    ).exists()


def test_the_link_sets_a_new_password_once_and_ends_every_session(acme, frontdesk, ask):
    before = Client()
    before.post("/signin/", {"username": frontdesk.email, "password": PASSWORD})
    assert before.get("/me/").status_code == 200
    ask(frontdesk.email.upper())
    path = link_in(mail.outbox[0])
    _client, response = follow_link(path)
    assert response.status_code == 302 and response["Location"] == "/password/reset/done/"
    assert before.get("/me/").status_code == 302  # signed out
    frontdesk.refresh_from_db()
    assert frontdesk.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="reset_password")
    assert event.actor == frontdesk and event.changes["sessions_ended"] == [None, 1]
    # Used once, the link no longer works.
    again = Client().get(path, follow=True)
    assert "This link does not work" in again.content.decode()
    signed = Client()
    signed.post("/signin/", {"username": frontdesk.email, "password": NEW_PASSWORD})
    assert signed.get("/me/").status_code == 200


def test_the_new_password_follows_the_password_policy(acme, frontdesk, ask):
    ask(frontdesk.email)
    _client, response = follow_link(link_in(mail.outbox[0]), password="Summer2024")
    assert response.status_code == 200
    frontdesk.refresh_from_db()
    assert frontdesk.check_password(PASSWORD)


def test_the_link_expires(settings, acme, frontdesk, ask):
    ask(frontdesk.email)
    settings.PASSWORD_RESET_TIMEOUT = -1
    response = Client().get(link_in(mail.outbox[0]), follow=True)
    assert "This link does not work" in response.content.decode()


def test_a_forged_link_does_not_work(acme, frontdesk):
    response = Client().get("/password/reset/MQ/abc-123/", follow=True)
    assert "This link does not work" in response.content.decode()


@pytest.mark.parametrize("status", [Status.DEACTIVATED, Status.SUSPENDED])
def test_a_member_who_may_not_sign_in_gets_no_link(acme, admin, frontdesk, status, ask):
    change_staff_status(frontdesk, status, "Left", actor=admin)
    assert ask(frontdesk.email)["Location"] == "/password/reset/sent/"
    assert mail.outbox == []


def test_an_invited_member_gets_no_link(acme, admin, ask):
    from clinicorg.staff.actions import invite_staff

    invited = invite_staff(
        {
            "email": "new@acme.test",
            "first_name": "New",
            "last_name": "Person",
            "primary_location": acme.main,
            "role": acme.roles["front_desk"],
        },
        actor=admin,
        send=False,
    )
    ask(invited.email)
    assert mail.outbox == []


def test_a_link_sent_before_deactivation_stops_working(acme, admin, frontdesk, ask):
    ask(frontdesk.email)
    path = link_in(mail.outbox[0])
    change_staff_status(frontdesk, Status.DEACTIVATED, "Left", actor=admin)
    change_staff_status(frontdesk, Status.ACTIVE, "Back", actor=admin)
    change_staff_status(frontdesk, Status.SUSPENDED, "Investigation", actor=admin)
    response = Client().get(path, follow=True)
    assert "This link does not work" in response.content.decode()


def test_a_reset_keeps_two_factor(acme, admin, ask):
    from tests.conftest import signed_in
    from tests.security.test_two_factor import enroll

    enroll(signed_in(admin), admin)
    ask(admin.email)
    follow_link(link_in(mail.outbox[0]))
    client = Client()
    response = client.post("/signin/", {"username": admin.email, "password": NEW_PASSWORD})
    assert response["Location"] == "/signin/code/"


def test_requests_from_one_address_are_throttled_with_retry_after(settings, acme, ask):
    settings.THROTTLE_PASSWORD_RESETS = (3, 900)
    for i in range(3):
        assert ask(f"someone{i}@acme.test").status_code == 302
    response = ask("someone9@acme.test")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900
    assert "Too many password reset requests" in response.content.decode()
    assert ask("someone9@acme.test", ip="10.2.9.9").status_code == 302


def test_requests_for_one_email_are_throttled_from_any_address(settings, acme, frontdesk, ask):
    settings.THROTTLE_PASSWORD_RESET_EMAILS = (2, 3600)
    assert ask(frontdesk.email, ip="10.2.1.1").status_code == 302
    assert ask(frontdesk.email.upper(), ip="10.2.1.2").status_code == 302
    response = ask(frontdesk.email, ip="10.2.1.3")
    assert response.status_code == 429 and "Retry-After" in response
    assert len(mail.outbox) == 2
    # An address nobody has is throttled alike: the answer does not tell which exist.
    for i in range(2):
        ask("ghost@acme.test", ip=f"10.2.2.{i}")
    assert ask("ghost@acme.test", ip="10.2.2.9").status_code == 429


def test_a_reset_clears_a_sign_in_lockout(settings, acme, frontdesk, ask):
    settings.AXES_FAILURE_LIMIT = 2
    for i in range(2):
        Client(REMOTE_ADDR=f"10.2.3.{i}").post(
            "/signin/", {"username": frontdesk.email, "password": "wrong-password-x"}
        )
    ask(frontdesk.email)
    follow_link(link_in(mail.outbox[0]))
    client = Client(REMOTE_ADDR="10.2.3.9")
    response = client.post("/signin/", {"username": frontdesk.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
