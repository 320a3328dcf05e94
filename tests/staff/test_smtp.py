"""An invitation sent over real SMTP to a local server started by the test, and read back."""

import email
import socket
import time
from email import policy

import pytest
from django.core import mail

from clinicorg.staff import actions
from clinicorg.staff.models import StaffMember

from .conftest import invite_data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield collector
    controller.stop()


def test_an_invitation_goes_out_over_smtp(
    acme, admin, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = actions.invite_staff(invite_data(acme, email="smtp.person@acme.test"), actor=admin)
    deadline = time.monotonic() + 5
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mail.outbox == []  # really sent through the SMTP backend, not locmem
    ((rcpt, raw),) = smtp_server.messages
    assert rcpt == ["smtp.person@acme.test"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert "Acme Health" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Admin Tester" in text and "Acme Health" in text
    assert "/invite/" in text and "/invite/" in html
    token = text.split("/invite/")[1].split("/")[0]
    assert actions.accept_invitation(token, "plum-Orchard-42-quietly").pk == member.pk


def test_an_unreachable_mail_server_does_not_fail_the_invite(
    acme, admin, settings, django_capture_on_commit_callbacks, caplog
):
    from django.test import Client

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    client = Client()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/new/",
            {
                "email": "offline@acme.test",
                "first_name": "Off",
                "last_name": "Line",
                "primary_location": acme.main.pk,
                "role": acme.roles["front_desk"].pk,
                "send_invitation": "on",
            },
        )
    assert response.status_code == 302
    member = StaffMember.objects.get(email="offline@acme.test")
    assert member.invitations.get().sent_at is None
    assert "has not gone out yet" in client.get(f"/staff/{member.pk}/").text
