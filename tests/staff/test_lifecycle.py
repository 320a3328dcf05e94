"""Staff lifecycle actions: invite, invitations, acceptance, status machine, email change."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinicorg.access.actions import create_api_token
from clinicorg.access.models import ApiToken, hash_token
from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from clinicorg.staff import actions
from clinicorg.staff.models import TRANSITIONS, Invitation, StaffMember, Status

from .conftest import invite_data, link_tokens

GOOD_PASSWORD = "plum-Orchard-42-quietly"


# Inviting


def test_inviting_creates_a_pending_member_and_emails_a_link_after_commit(
    acme, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        member = actions.invite_staff(invite_data(acme), actor=admin)
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    assert member.status == Status.PENDING
    assert not member.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["new.hire@acme.test"]
    assert "Acme Health" in message.subject and "Admin Tester" in message.subject
    assert "Acme Health" in message.body and "Admin Tester" in message.body
    html = message.alternatives[0][0]
    assert "Acme Health" in html and "/invite/" in html
    raw = link_tokens()[0]
    assert f"/invite/{raw}/" in message.body
    invitation = Invitation.objects.get(staff=member)
    assert invitation.token_hash == hash_token(raw)
    assert raw not in invitation.token_hash
    assert invitation.sent_at is not None
    assert invitation.sent_by == admin


def test_the_link_uses_the_site_url_and_expires_after_the_configured_days(
    acme, admin, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://staff.example.org"
    settings.INVITATION_TTL_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        member = actions.invite_staff(invite_data(acme), actor=admin)
    assert f"https://staff.example.org/invite/{link_tokens()[0]}/" in mail.outbox[0].body
    inv = Invitation.objects.get(staff=member)
    assert abs((inv.expires_at - inv.created_at) - timedelta(days=3)) < timedelta(seconds=1)


def test_inviting_without_sending_leaves_no_invitation(
    acme, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member = actions.invite_staff(invite_data(acme), actor=admin, send=False)
    assert mail.outbox == []
    assert not Invitation.objects.filter(staff=member).exists()
    assert member.status == Status.PENDING


def test_inviting_is_refused_when_the_organization_has_no_active_location(acme, admin):
    for loc in (acme.main, acme.branch):
        directory.set_location_status(loc, "inactive", actor=admin)
    with pytest.raises(Conflict) as exc:
        actions.invite_staff(invite_data(acme), actor=admin)
    assert exc.value.code == "no_active_location"
    assert "create a location first" in exc.value.message


def test_inviting_an_email_in_use_anywhere_is_a_field_error(acme, admin, outsider):
    with pytest.raises(ValidationError) as exc:
        actions.invite_staff(invite_data(acme, email="ADMIN@globex.TEST"), actor=admin)
    assert exc.value.message_dict["email"] == [actions.EMAIL_TAKEN]


def test_a_deprecated_category_cannot_be_assigned_on_invite(acme, admin):
    category = directory.create_employee_category("Locum", actor=admin, status="deprecated")
    with pytest.raises(ValidationError) as exc:
        actions.invite_staff(invite_data(acme, category=category), actor=admin)
    assert "category" in exc.value.message_dict


def test_front_desk_cannot_invite(acme, frontdesk):
    with pytest.raises(Denied):
        actions.invite_staff(invite_data(acme), actor=frontdesk)


def test_a_location_scoped_admin_cannot_invite_to_a_location_they_cannot_access(acme, admin):
    scoped = acme.member("scoped@acme.test", location=acme.main)
    with pytest.raises(Denied) as exc:
        actions.invite_staff(invite_data(acme, primary_location=acme.branch), actor=scoped)
    assert exc.value.decision.reason == "no_location_access"


def test_bulk_invitations_take_a_constant_number_of_queries(
    acme, admin, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    members = [
        actions.create_staff(invite_data(acme, email=f"bulk{i}@acme.test"), actor=admin)
        for i in range(60)
    ]
    with django_assert_max_num_queries(12), django_capture_on_commit_callbacks() as callbacks:
        ids = actions.issue_invitations(members, actor=admin)
    assert len(ids) == 60 and Invitation.objects.filter(pk__in=ids).count() == 60
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 60
    event = AuditEvent.objects.get(action="send_invitations")
    assert sorted(event.changes["staff_ids"][1]) == sorted(m.pk for m in members)


def test_each_bulk_invitation_is_a_stored_open_link_for_its_own_member(
    acme, admin, django_capture_on_commit_callbacks
):
    members = [
        actions.create_staff(invite_data(acme, email=f"link{i}@acme.test"), actor=admin)
        for i in range(3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ids = actions.issue_invitations(members, actor=admin)
    stored = Invitation.objects.in_bulk(ids)
    assert [stored[pk].staff_id for pk in ids] == [m.pk for m in members]
    assert set(Invitation.objects.filter(staff__in=members).values_list("pk", flat=True)) == set(
        ids
    )
    expires = {inv.expires_at for inv in stored.values()}
    assert len(expires) == 1
    for inv in stored.values():
        # The link's token is drawn when its email is written: only its hash is kept.
        assert inv.sent_at is not None and inv.sent_by == admin
        assert inv.accepted_at is None and inv.superseded_at is None
    # Every emailed link opens the invitation of the member it was sent to.
    by_email = {m.email: m for m in members}
    for message, token in zip(mail.outbox, link_tokens(), strict=True):
        assert actions.find_invitation(token).staff == by_email[message.to[0]]


# Accepting


def test_accepting_sets_the_password_and_activates(invited):
    member = actions.accept_invitation(invited.raw, GOOD_PASSWORD)
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    assert member.check_password(GOOD_PASSWORD)
    assert Invitation.objects.get(staff=member).accepted_at is not None
    assert AuditEvent.objects.filter(action="accept_invitation", actor=member).exists()


def test_a_weak_password_is_refused_beside_the_field(invited):
    with pytest.raises(ValidationError) as exc:
        actions.accept_invitation(invited.raw, "12345678")
    assert "password" in exc.value.message_dict
    invited.refresh_from_db()
    assert invited.status == Status.PENDING


def test_a_used_link_says_so(invited):
    actions.accept_invitation(invited.raw, GOOD_PASSWORD)
    with pytest.raises(actions.InvitationInvalid) as exc:
        actions.accept_invitation(invited.raw, GOOD_PASSWORD)
    assert exc.value.code == "used"
    assert "already been used" in exc.value.message


def test_an_expired_link_says_so_and_points_to_the_administrator(invited):
    Invitation.objects.filter(staff=invited).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(actions.InvitationInvalid) as exc:
        actions.accept_invitation(invited.raw, GOOD_PASSWORD)
    assert exc.value.code == "expired"
    assert "expired" in exc.value.message and "administrator" in exc.value.message


def test_resending_supersedes_the_previous_link(invited, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend_invitation(invited, actor=admin)
    old, new = link_tokens(invited.email)
    with pytest.raises(actions.InvitationInvalid) as exc:
        actions.accept_invitation(old, GOOD_PASSWORD)
    assert exc.value.code == "superseded"
    assert "newer invitation" in exc.value.message
    assert actions.accept_invitation(new, GOOD_PASSWORD).status == Status.ACTIVE


def test_resends_are_rate_limited_per_member(invited, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(actions.RESEND_LIMIT - 1):
            actions.resend_invitation(invited, actor=admin)
    with pytest.raises(Conflict) as exc:
        actions.resend_invitation(invited, actor=admin)
    assert exc.value.code == "rate_limited"
    assert "Try again in" in exc.value.message
    Invitation.objects.filter(staff=invited).update(created_at=timezone.now() - timedelta(hours=2))
    actions.resend_invitation(invited, actor=admin)


def test_a_revoked_link_says_so(invited, admin):
    actions.revoke_invitation(invited, actor=admin)
    with pytest.raises(actions.InvitationInvalid) as exc:
        actions.accept_invitation(invited.raw, GOOD_PASSWORD)
    assert exc.value.code == "revoked"
    with pytest.raises(Conflict):
        actions.revoke_invitation(invited, actor=admin)


def test_an_unknown_token_is_invalid(db):
    with pytest.raises(actions.InvitationInvalid) as exc:
        actions.accept_invitation("nope", GOOD_PASSWORD)
    assert exc.value.code == "invalid"


def test_an_active_member_with_a_password_has_no_invitation_to_resend(acme, admin, frontdesk):
    with pytest.raises(Conflict) as exc:
        actions.resend_invitation(frontdesk, actor=admin)
    assert exc.value.code == "not_pending"


# The status machine: every allowed and every refused transition.

ALL_PAIRS = [(a, b) for a in Status.values for b in Status.values if a != b]


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_every_status_transition_is_allowed_or_refused_as_designed(acme, admin, old, new):
    member = acme.member("moving@acme.test", role="front_desk", status=old)
    if new in TRANSITIONS[old]:
        actions.change_staff_status(member, new, "Scheduled change", actor=admin)
        member.refresh_from_db()
        assert member.status == new
        event = AuditEvent.objects.filter(target_id=str(member.pk)).latest("id")
        assert event.changes["status"] == [old, new]
        assert event.changes["reason"] == [None, "Scheduled change"]
    else:
        with pytest.raises(ValidationError) as exc:
            actions.change_staff_status(member, new, "Scheduled change", actor=admin)
        assert "cannot become" in exc.value.message_dict["status"][0]
        member.refresh_from_db()
        assert member.status == old


def test_staying_in_the_same_status_is_refused(acme, admin, frontdesk):
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_status(frontdesk, Status.ACTIVE, "x", actor=admin)
    assert "already Active" in exc.value.message_dict["status"][0]


def test_a_reason_is_required(acme, admin, frontdesk):
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_status(frontdesk, Status.SUSPENDED, "  ", actor=admin)
    assert "reason" in exc.value.message_dict


def test_an_unknown_status_names_the_field(acme, admin, frontdesk):
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_status(frontdesk, "retired", "x", actor=admin)
    assert "status" in exc.value.message_dict


@pytest.mark.parametrize("status", [Status.DEACTIVATED, Status.SUSPENDED, Status.ON_LEAVE])
def test_the_last_active_administrator_keeps_their_status(acme, admin, status):
    with pytest.raises(Conflict) as exc:
        actions.change_staff_status(admin, status, "Leaving", actor=acme.system)
    assert exc.value.code == "last_administrator"


def test_an_administrator_can_leave_once_another_is_active(acme, admin):
    acme.member("second@acme.test")
    actions.change_staff_status(admin, Status.DEACTIVATED, "Leaving", actor=acme.system)
    admin.refresh_from_db()
    assert admin.status == Status.DEACTIVATED


def test_the_last_administrator_cannot_be_given_another_role(acme, admin):
    with pytest.raises(Conflict):
        actions.update_staff(admin, {"role": acme.roles["front_desk"]}, actor=acme.system)


def test_members_cannot_change_their_own_status(acme, admin):
    acme.member("second@acme.test")
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_status(admin, Status.DEACTIVATED, "bye", actor=admin)
    assert "your own status" in exc.value.message_dict["status"][0]


def test_deactivation_revokes_the_members_tokens_and_open_invitation(acme, admin, invited):
    token, _raw = create_api_token(acme.org, acme.roles["administrator"], "t", actor=admin)
    second = acme.member("second@acme.test", all_locations=True)
    other_token, _ = create_api_token(acme.org, acme.roles["administrator"], "u", actor=second)
    actions.change_staff_status(admin, Status.DEACTIVATED, "Left", actor=second)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=other_token.pk).revoked_at is None
    actions.change_staff_status(invited, Status.DEACTIVATED, "Never started", actor=second)
    with pytest.raises(actions.InvitationInvalid) as exc:
        actions.accept_invitation(invited.raw, GOOD_PASSWORD)
    assert exc.value.code in ("revoked", "inactive")


def test_deactivation_keeps_the_members_history(acme, admin, frontdesk):
    actions.update_staff(frontdesk, {"phone": "555-123-4567"}, actor=admin)
    before = AuditEvent.objects.filter(target_id=str(frontdesk.pk)).count()
    actions.change_staff_status(frontdesk, Status.DEACTIVATED, "Left", actor=admin)
    assert StaffMember.objects.filter(pk=frontdesk.pk).exists()
    assert AuditEvent.objects.filter(target_id=str(frontdesk.pk)).count() == before + 1


# Editing and the email change


def test_update_staff_records_the_changes(acme, admin, frontdesk):
    changes = actions.update_staff(
        frontdesk, {"first_name": "Dee", "employee_id": "E-7"}, actor=admin
    )
    assert changes["first_name"] == ["Desk", "Dee"]
    assert AuditEvent.objects.filter(action="update_staff", target_id=str(frontdesk.pk))


def test_a_member_keeps_a_deprecated_category_while_other_fields_change(acme, admin):
    category = directory.create_employee_category("Locum", actor=admin)
    member = acme.member("locum@acme.test", role="front_desk", category=category)
    directory.update_employee_category(category, {"status": "deprecated"}, actor=admin)
    actions.update_staff(member, {"phone": "555-222-3333", "category": category}, actor=admin)
    member.refresh_from_db()
    assert member.category == category and member.phone == "555-222-3333"


def test_employee_ids_are_unique_in_the_organization(acme, admin, frontdesk):
    acme.member("other@acme.test", role="front_desk", employee_id="E-1")
    with pytest.raises(ValidationError) as exc:
        actions.update_staff(frontdesk, {"employee_id": "E-1"}, actor=admin)
    assert "employee_id" in exc.value.message_dict


def test_an_active_members_email_cannot_be_changed(acme, admin, frontdesk):
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_email(frontdesk, "new@acme.test", actor=admin)
    assert "deactivated" in exc.value.message_dict["email"][0]


def test_changing_a_deactivated_members_email_frees_the_address(
    acme, admin, frontdesk, django_capture_on_commit_callbacks
):
    actions.change_staff_status(frontdesk, Status.DEACTIVATED, "Left", actor=admin)
    actions.change_staff_email(frontdesk, "desk.old@acme.test", actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = actions.invite_staff(invite_data(acme, email="Desk@acme.test"), actor=admin)
    assert newcomer.email == "Desk@acme.test"
    assert AuditEvent.objects.get(action="change_staff_email").changes["email"] == [
        "desk@acme.test",
        "desk.old@acme.test",
    ]


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Enter the new email"), ("not-an-email", "valid email"), ("ADMIN@acme.test", "already")],
)
def test_bad_new_emails_are_field_errors(acme, admin, frontdesk, email, message):
    actions.change_staff_status(frontdesk, Status.DEACTIVATED, "Left", actor=admin)
    with pytest.raises(ValidationError) as exc:
        actions.change_staff_email(frontdesk, email, actor=admin)
    assert message in exc.value.message_dict["email"][0]
