"""The invitation outbox: written with the members, sent after the commit, once, with retries.

And the bulk "resend pending invitations" (action, API, CLI), throttled and audited.
"""

import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from clinicorg.core.errors import Conflict
from clinicorg.core.models import AuditEvent
from clinicorg.staff import actions, outbox
from clinicorg.staff.models import Invitation
from clinicorg.staff.tasks import send_invitation_outbox
from tests.conftest import ApiClient

from .conftest import invite_data, link_tokens


def _pending(acme, admin, n, prefix="p"):
    return [
        actions.create_staff(invite_data(acme, email=f"{prefix}{i}@acme.test"), actor=admin)
        for i in range(n)
    ]


def _unreachable_mail_server(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket closes
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


def test_an_invitation_and_its_email_are_written_with_the_member_and_sent_after_commit(
    acme, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = actions.invite_staff(invite_data(acme), actor=admin)
        invitation = Invitation.objects.get(staff=member)
        assert invitation.next_send_at is not None and invitation.sent_at is None
        assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.send_attempts == 1
    (token,) = link_tokens(member.email)
    assert actions.find_invitation(token).pk == invitation.pk


def test_a_rolled_back_invite_leaves_no_invitation_and_sends_nothing(
    acme, admin, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.invite_staff(invite_data(acme), actor=admin)
        raise RuntimeError("the request failed after the invite")
    assert not Invitation.objects.exists() and mail.outbox == []
    assert outbox.send_due() == 0


def test_the_outbox_sends_each_due_email_once_in_bounded_batches(acme, admin, settings):
    settings.MAIL_OUTBOX_BATCH = 10
    members = _pending(acme, admin, 25)
    actions.issue_invitations(members, actor=admin)
    assert outbox.due().count() == 25
    assert outbox.send_due() == 25
    assert outbox.send_due() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    # Every link opens the invitation of the member it was sent to.
    for message, token in zip(mail.outbox, link_tokens(), strict=True):
        assert actions.find_invitation(token).staff.email == message.to[0]


def test_closed_and_expired_invitations_are_not_sent(acme, admin):
    revoked, superseded, expired, kept = _pending(acme, admin, 4)
    actions.issue_invitations([revoked, superseded, expired, kept], actor=admin)
    actions.revoke_invitation(revoked, actor=admin)
    Invitation.objects.filter(staff=expired).update(expires_at=timezone.now())
    actions.issue_invitations([superseded], actor=admin)
    assert outbox.send_due() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([superseded.email, kept.email])
    assert Invitation.objects.filter(staff=superseded, sent_at__isnull=False).count() == 1


def test_a_batch_held_by_a_sender_that_died_is_sent_once_its_lease_ends(acme, admin):
    members = _pending(acme, admin, 3)
    actions.issue_invitations(members, actor=admin)
    held = outbox._claim(10)  # a sender took the batch, then was killed before sending
    assert len(held) == 3
    assert outbox.send_due() == 0 and mail.outbox == []
    Invitation.objects.filter(pk__in=held).update(next_send_at=timezone.now())  # lease over
    assert outbox.send_due() == 3
    assert outbox.send_due() == 0 and len(mail.outbox) == 3


def test_a_mail_server_outage_retries_with_back_off_and_sends_when_it_is_back(
    acme, admin, settings
):
    members = _pending(acme, admin, 3)
    actions.issue_invitations(members, actor=admin)
    _unreachable_mail_server(settings)
    before = timezone.now()
    assert outbox.send_due() == 0
    waiting = list(Invitation.objects.filter(staff__in=members))
    assert all(inv.sent_at is None and inv.send_error for inv in waiting)
    assert all(inv.next_send_at >= before + timedelta(minutes=1) for inv in waiting)
    assert outbox.due().count() == 0 and outbox.unsent().count() == 3
    out = StringIO()
    with pytest.raises(CommandError, match="3 could not be sent yet"):
        call_command("invitations", "send", stdout=out)
    # The server is back and the back-off is over: the periodic sender sends them, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Invitation.objects.filter(staff__in=members).update(next_send_at=timezone.now())
    assert send_invitation_outbox.run() == 3
    assert send_invitation_outbox.run() == 0
    assert len(mail.outbox) == 3
    assert Invitation.objects.filter(staff__in=members, send_error="").count() == 3


def test_the_back_off_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() // 60 for n in (1, 2, 3, 7, 20)] == [
        1,
        2,
        4,
        60,
        60,
    ]


def test_an_api_invite_while_the_broker_is_down_answers_and_keeps_the_email_due(acme, dead_broker):
    api = ApiClient(acme.token())
    response = api.post(
        "/api/v1/staff",
        {
            "email": "brokerless@acme.test",
            "first_name": "Bro",
            "last_name": "Ker",
            "primary_location": acme.main.pk,
            "role": acme.roles["front_desk"].pk,
        },
    )
    assert response.status_code == 201, response.content
    invitation = Invitation.objects.get(staff__email="brokerless@acme.test")
    assert invitation.sent_at is None and invitation in outbox.due()


# Resend pending invitations


def test_resending_pending_invitations_invites_only_those_without_a_usable_link(
    acme, admin, django_capture_on_commit_callbacks
):
    lost = _pending(acme, admin, 3, prefix="lost")  # imported, their invitations never issued
    expired, holding = _pending(acme, admin, 2, prefix="other")
    actions.issue_invitations([expired, holding], actor=admin)
    Invitation.objects.filter(staff=expired).update(expires_at=timezone.now())
    assert outbox.send_due() == 1  # the holder's email
    mail.outbox.clear()
    active = acme.member("active@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.resend_pending_invitations(actor=admin) == 4
    invited = {m.to[0] for m in mail.outbox}
    assert invited == {m.email for m in lost} | {expired.email}
    assert holding.email not in invited and active.email not in invited
    event = AuditEvent.objects.get(action="resend_pending_invitations")
    assert event.organization_id == acme.org.pk and event.actor_id == admin.pk


def test_resending_pending_invitations_is_throttled_per_organization(acme, admin, globex):
    _pending(acme, admin, 2)
    assert actions.resend_pending_invitations(actor=admin) == 2
    with pytest.raises(Conflict) as refused:
        actions.resend_pending_invitations(actor=admin)
    assert refused.value.code == "rate_limited"
    assert refused.value.details["retry_after_minutes"] >= 1
    # Another organization is not held back by it.
    other = globex.member("g.admin@globex.test")
    assert actions.resend_pending_invitations(actor=other) == 0


def test_a_location_scoped_admin_resends_only_to_the_staff_they_manage(acme, admin):
    branch_admin = acme.member("branch.admin@acme.test", location=acme.branch)
    main_pending = _pending(acme, admin, 1, prefix="main")
    branch_pending = actions.create_staff(
        invite_data(acme, email="b@acme.test", primary_location=acme.branch), actor=admin
    )
    assert actions.resend_pending_invitations(actor=branch_admin) == 1
    assert Invitation.objects.filter(staff=branch_pending).exists()
    assert not Invitation.objects.filter(staff__in=main_pending).exists()


def test_the_api_resends_pending_invitations_and_answers_429_when_throttled(acme, admin):
    _pending(acme, admin, 2)
    api = ApiClient(acme.token())
    response = api.post("/api/v1/staff/invitations/resend-pending", {})
    assert response.status_code == 200 and response.json() == {"invited": 2}
    again = api.post("/api/v1/staff/invitations/resend-pending", {})
    assert again.status_code == 429 and again.json()["error"] == "rate_limited"
    assert (
        ApiClient(acme.token("front_desk"))
        .post("/api/v1/staff/invitations/resend-pending", {})
        .status_code
        == 403
    )


def test_the_command_line_resends_pending_invitations_and_sends_the_outbox(acme, admin):
    _pending(acme, admin, 2)
    out = StringIO()
    call_command("invitations", "resend-pending", "--org", acme.org.slug, stdout=out)
    assert out.getvalue().startswith("Invited 2 pending members again")
    call_command("invitations", "send", stdout=out)
    assert "Sent 2 invitation emails." in out.getvalue() and len(mail.outbox) == 2
    with pytest.raises(CommandError, match="less than 15 minutes ago"):
        call_command("invitations", "resend-pending", "--org", acme.org.slug, stdout=out)


def test_a_sender_whose_lease_runs_out_sends_no_more_and_hands_the_rest_on(acme, admin, settings):
    members = _pending(acme, admin, 3)
    actions.issue_invitations(members, actor=admin)
    settings.MAIL_OUTBOX_LEASE_SECONDS = 0  # over before the first email
    assert outbox.send_due() == 0 and mail.outbox == []
    assert outbox.due().count() == 3  # due again at once, for a sender with time left
    settings.MAIL_OUTBOX_LEASE_SECONDS = 300
    assert outbox.send_due() == 3 and len(mail.outbox) == 3


def test_one_sender_drains_at_a_time_on_postgresql(acme, admin, settings):
    """While another process holds the sender's lock, a sender sends nothing and says so (the
    task then leaves the outbox to it); once the lock is free the emails go, each once. With
    one sender, a crash interrupts at most one mail transaction."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the sender's lock is PostgreSQL's advisory lock (SQLite has one writer)")
    import psycopg

    members = _pending(acme, admin, 3)
    actions.issue_invitations(members, actor=admin)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [outbox.SENDER_LOCK])
        assert outbox.send_due() is None
        assert send_invitation_outbox() == 0
        assert mail.outbox == [] and outbox.due().count() == 3
        out = StringIO()
        call_command("invitations", "send", stdout=out)
        assert "Another sender" in out.getvalue() and mail.outbox == []
        other.execute("SELECT pg_advisory_unlock(%s)", [outbox.SENDER_LOCK])
    assert outbox.send_due() == 3 and len(mail.outbox) == 3
