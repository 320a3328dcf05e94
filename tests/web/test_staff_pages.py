"""Employee Center pages: list, profile, invite, edit, status, invitations, email, accept."""

import pytest
from django.core import mail
from django.test import Client

from clinicorg.directory import actions as directory
from clinicorg.staff import actions
from clinicorg.staff.models import Invitation, StaffMember, Status
from clinicorg.web.views.staff import optional_url
from tests.conftest import PASSWORD, signed_in
from tests.staff.conftest import link_tokens, make_invited

NEW_PASSWORD = "plum-Orchard-42-quietly"


@pytest.fixture
def invited(acme, admin, django_capture_on_commit_callbacks):
    return make_invited(acme, admin, django_capture_on_commit_callbacks)


def real_login(email, password=PASSWORD) -> Client:
    client = Client()
    assert client.login(username=email, password=password)
    return client


# Access: anonymous, outsider, without permission, permitted

PAGES = ["/staff/", "/staff/new/", "/staff/{pk}/", "/staff/{pk}/edit/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(client, frontdesk, path):
    response = client.get(path.format(pk=frontdesk.pk))
    assert response.status_code == 302
    assert "/signin/" in response["Location"]


@pytest.mark.parametrize("path", ["/staff/{pk}/", "/staff/{pk}/edit/"])
def test_another_organizations_member_is_not_found(frontdesk, outsider, path):
    assert signed_in(outsider).get(path.format(pk=frontdesk.pk)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/staff/{pk}/status/",
        "/staff/{pk}/invitation/resend/",
        "/staff/{pk}/invitation/revoke/",
        "/staff/{pk}/email/",
    ],
)
def test_another_organizations_member_cannot_be_changed(frontdesk, outsider, path):
    response = signed_in(outsider).post(
        path.format(pk=frontdesk.pk), {"status": "deactivated", "reason": "x", "email": "a@b.c"}
    )
    assert response.status_code == 404
    frontdesk.refresh_from_db()
    assert frontdesk.status == Status.ACTIVE


@pytest.mark.parametrize("path", PAGES)
def test_front_desk_is_refused_with_the_reason(frontdesk, path):
    response = signed_in(frontdesk).get(path.format(pk=frontdesk.pk))
    assert response.status_code == 403
    assert "Manage staff" in response.text
    assert "missing_permission" in response.text


def test_a_location_scoped_admin_cannot_open_staff_of_other_locations(acme, frontdesk):
    scoped = acme.member("scoped@acme.test", location=acme.branch)
    assert signed_in(scoped).get(f"/staff/{frontdesk.pk}/").status_code == 404
    assert frontdesk.email not in signed_in(scoped).get("/staff/").text


def test_outsiders_list_shows_only_their_own_organization(frontdesk, outsider):
    page = signed_in(outsider).get("/staff/")
    assert page.status_code == 200
    assert frontdesk.email not in page.text
    assert outsider.email in page.text


# List


def test_the_list_searches_filters_and_sorts(acme, admin, frontdesk, admin_client):
    gone = acme.member("gone@acme.test", role="front_desk", status=Status.DEACTIVATED)
    page = admin_client.get("/staff/")
    assert frontdesk.email in page.text and gone.email not in page.text
    page = admin_client.get("/staff/", {"status": "deactivated"})
    assert gone.email in page.text and frontdesk.email not in page.text
    page = admin_client.get("/staff/", {"q": "desk"})
    assert frontdesk.email in page.text and admin.email not in page.text
    page = admin_client.get("/staff/", {"role": acme.roles["front_desk"].pk, "sort": "-email"})
    assert frontdesk.email in page.text and admin.email not in page.text
    assert admin_client.get("/staff/", {"location": "junk", "sort": "junk"}).status_code == 200


def test_the_list_is_navigable_and_offers_new_employee(admin_client):
    page = admin_client.get("/staff/")
    assert "Employee Center" in page.text
    assert 'href="/staff/new/"' in page.text


def test_the_list_runs_a_constant_number_of_queries(
    acme, admin, admin_client, django_assert_max_num_queries
):
    def count_for_page():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get("/staff/").status_code == 200
        return len(ctx.captured_queries)

    few = count_for_page()
    for i in range(30):
        acme.member(f"p{i}@acme.test", role="provider", location=acme.branch)
    assert count_for_page() == few
    with django_assert_max_num_queries(15):
        admin_client.get("/staff/", {"q": "p1", "status": "all", "sort": "-location"})


def test_links_to_pages_of_other_areas_appear_only_when_they_exist():
    assert optional_url("web:no_such_page") is None
    assert optional_url("web:staff_list", query="a=1") == "/staff/?a=1"


def test_upload_and_export_buttons_follow_the_other_areas_pages(acme, admin_client, monkeypatch):
    from clinicorg.web.views import staff as views

    page = admin_client.get("/staff/").text
    assert ("?kind=staff" in page) == (optional_url("web:import_start") is not None)
    monkeypatch.setattr(
        views, "optional_url", lambda name, *a, query="": f"/{name.split(':')[1]}/?{query}"
    )
    page = admin_client.get("/staff/", {"status": "deactivated", "q": "ann", "page": "1"}).text
    assert 'href="/import_start/?kind=staff"' in page
    assert 'href="/export_staff/?q=ann&amp;status=deactivated"' in page


# Profile


def test_the_profile_shows_every_section(acme, admin_client, frontdesk):
    page = admin_client.get(f"/staff/{frontdesk.pk}/")
    assert page.status_code == 200
    for heading in ("Details", "Status", "Invitation", "User and password"):
        assert heading in page.text
    assert "Update status" in page.text
    # An active member's email is not editable; the form appears once deactivated.
    assert f'action="/staff/{frontdesk.pk}/email/"' not in page.text


def test_the_profile_of_a_pending_member_offers_resend_and_revoke(admin_client, invited):
    page = admin_client.get(f"/staff/{invited.pk}/")
    assert "Resend invite" in page.text and "Revoke invitation" in page.text


# Invite


def test_inviting_from_the_page_creates_a_pending_member_and_sends_the_email(
    acme, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/staff/new/",
            {
                "email": "page.hire@acme.test",
                "first_name": "Page",
                "last_name": "Hire",
                "display_name": "P. Hire, RN",
                "primary_location": acme.main.pk,
                "role": acme.roles["provider"].pk,
                "extra_locations": [acme.branch.pk],
                "send_invitation": "on",
            },
        )
    member = StaffMember.objects.get(email="page.hire@acme.test")
    assert response.status_code == 302 and response["Location"] == f"/staff/{member.pk}/"
    assert member.status == Status.PENDING
    assert list(member.extra_locations.all()) == [acme.branch]
    assert link_tokens("page.hire@acme.test")


def test_invite_errors_appear_beside_the_fields(acme, admin, admin_client):
    response = admin_client.post(
        "/staff/new/",
        {
            "email": admin.email.upper(),
            "first_name": "Dup",
            "last_name": "X",
            "primary_location": acme.main.pk,
            "role": acme.roles["provider"].pk,
        },
    )
    assert response.status_code == 200
    assert "A staff account with this email already exists." in response.text
    missing = admin_client.post("/staff/new/", {"email": "ok@acme.test"})
    assert missing.text.count("This field is required.") == 4  # names, location, role


def test_inactive_locations_and_deprecated_categories_are_not_offered(acme, admin, admin_client):
    directory.set_location_status(acme.branch, "inactive", actor=admin)
    old = directory.create_employee_category("Old kind", actor=admin, status="deprecated")
    page = admin_client.get("/staff/new/").text
    assert acme.branch.name not in page
    assert old.name not in page


def test_without_an_active_location_the_invite_page_says_to_create_one(acme, admin, admin_client):
    for loc in (acme.main, acme.branch):
        directory.set_location_status(loc, "inactive", actor=admin)
    page = admin_client.get("/staff/new/")
    assert "A location must exist first" in page.text
    assert 'href="/locations/new/"' in page.text
    assert '<form method="post" class="card form"' not in page.text


# Edit


def test_editing_the_record_saves_and_shows_errors(acme, admin_client, frontdesk):
    data = {
        "first_name": "Dee",
        "last_name": "Desk",
        "primary_location": acme.main.pk,
        "role": acme.roles["front_desk"].pk,
        "phone": "555-010-2000",
    }
    assert admin_client.post(f"/staff/{frontdesk.pk}/edit/", data).status_code == 302
    frontdesk.refresh_from_db()
    assert frontdesk.first_name == "Dee" and frontdesk.phone == "555-010-2000"
    bad = admin_client.post(f"/staff/{frontdesk.pk}/edit/", {**data, "phone": "call me"})
    assert bad.status_code == 200
    assert "Enter a phone number" in bad.text


# Status


def test_deactivating_signs_the_member_out_on_their_next_request(acme, admin_client, frontdesk):
    member_client = real_login(frontdesk.email)
    assert member_client.get("/staff/").status_code == 403  # signed in (no permission)
    data = {"status": "deactivated", "reason": "Left the practice"}
    # The form asks first (tests/web/test_confirmations.py); its button sends `confirm`.
    assert admin_client.post(f"/staff/{frontdesk.pk}/status/", data).status_code == 200
    response = admin_client.post(f"/staff/{frontdesk.pk}/status/", {**data, "confirm": "yes"})
    assert response.status_code == 302
    frontdesk.refresh_from_db()
    assert frontdesk.status == Status.DEACTIVATED
    refused = member_client.get("/staff/")
    assert refused.status_code == 302 and "/signin/" in refused["Location"]
    assert not Client().login(username=frontdesk.email, password=PASSWORD)


def test_a_missing_reason_is_shown_beside_the_field(admin_client, frontdesk):
    response = admin_client.post(f"/staff/{frontdesk.pk}/status/", {"status": "suspended"})
    assert response.status_code == 422
    assert "This field is required." in response.text
    frontdesk.refresh_from_db()
    assert frontdesk.status == Status.ACTIVE


def test_a_refused_transition_is_explained(admin_client, frontdesk):
    response = admin_client.post(
        f"/staff/{frontdesk.pk}/status/", {"status": "pending", "reason": "x"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.text


def test_the_last_administrator_cannot_be_deactivated_from_the_page(acme, admin):
    from clinicorg.access.catalogue import ALL_PERMISSIONS
    from clinicorg.access.models import Role

    # Only someone holding every permission of the Administrator role may act on one; a custom
    # role with all of them is not the Administrator role, so the rule still has work to do.
    manager_role = Role.objects.create(
        organization=acme.org, name="Staff Manager", permissions=sorted(ALL_PERMISSIONS)
    )
    manager = acme.member("hr@acme.test", role=manager_role, all_locations=True)
    response = signed_in(manager).post(
        f"/staff/{admin.pk}/status/", {"status": "deactivated", "reason": "Leaving"}
    )
    assert response.status_code == 422
    assert "last active Administrator" in response.text
    admin.refresh_from_db()
    assert admin.status == Status.ACTIVE


# Invitations


def test_resend_and_revoke_from_the_profile(
    admin_client, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/staff/{invited.pk}/invitation/resend/", follow=True)
    assert "A new invitation was sent" in response.text
    assert len(link_tokens(invited.email)) == 2
    response = admin_client.post(f"/staff/{invited.pk}/invitation/revoke/", follow=True)
    assert "was revoked" in response.text
    assert not Invitation.objects.filter(
        staff=invited, revoked_at__isnull=True, accepted_at__isnull=True, superseded_at__isnull=True
    ).exists()


def test_resend_rate_limit_is_shown_as_a_message(
    admin_client, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(actions.RESEND_LIMIT):
            response = admin_client.post(f"/staff/{invited.pk}/invitation/resend/", follow=True)
    assert "Try again in" in response.text


# Email change


def test_a_deactivated_members_email_can_be_changed_from_user_and_password(
    acme, admin, admin_client, frontdesk
):
    actions.change_staff_status(frontdesk, Status.DEACTIVATED, "Left", actor=admin)
    page = admin_client.get(f"/staff/{frontdesk.pk}/")
    assert "Change email" in page.text
    response = admin_client.post(f"/staff/{frontdesk.pk}/email/", {"email": "desk.old@acme.test"})
    assert response.status_code == 302
    frontdesk.refresh_from_db()
    assert frontdesk.email == "desk.old@acme.test"
    taken = admin_client.post(f"/staff/{frontdesk.pk}/email/", {"email": admin.email})
    assert taken.status_code == 422 and "already exists" in taken.text


def test_an_active_members_email_change_is_refused(admin_client, frontdesk):
    response = admin_client.post(f"/staff/{frontdesk.pk}/email/", {"email": "x@acme.test"})
    assert response.status_code == 422
    assert "Only a deactivated member" in response.text


# Accept


def test_the_accept_page_sets_the_password_and_signs_the_member_in(client, invited):
    page = client.get(f"/invite/{invited.raw}/")
    assert page.status_code == 200 and "Acme Health" in page.text
    assert page["Referrer-Policy"] == "same-origin"  # the token never leaves the site
    response = client.post(
        f"/invite/{invited.raw}/", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.status == Status.ACTIVE
    assert client.get("/staff/").status_code == 403  # signed in as a Front Desk member
    again = client.get(f"/invite/{invited.raw}/")
    assert again.status_code == 410 and "already been used" in again.text


def test_the_accept_page_explains_weak_and_mismatched_passwords(client, invited):
    weak = client.post(f"/invite/{invited.raw}/", {"password": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and "entirely numeric" in weak.text
    differ = client.post(f"/invite/{invited.raw}/", {"password": NEW_PASSWORD, "password2": "x"})
    assert "The two passwords differ." in differ.text


def test_a_bad_link_says_to_ask_the_administrator(client, db):
    page = client.get("/invite/not-a-real-token/")
    assert page.status_code == 410
    assert "administrator" in page.text


def test_mail_outbox_is_empty_when_nothing_was_sent(db):
    assert mail.outbox == []


def test_resending_from_the_list_returns_to_the_same_filtered_list(
    admin_client, invited, django_capture_on_commit_callbacks
):
    listing = admin_client.get("/staff/", {"status": "pending"})
    assert f'action="/staff/{invited.pk}/invitation/resend/"' in listing.text
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/staff/{invited.pk}/invitation/resend/", {"next": "/staff/?status=pending"}
        )
    assert response["Location"] == "/staff/?status=pending"
    assert len(link_tokens(invited.email)) == 2
    elsewhere = admin_client.post(
        f"/staff/{invited.pk}/invitation/resend/", {"next": "https://evil.example/"}
    )
    assert elsewhere["Location"] == f"/staff/{invited.pk}/"


def test_on_leave_members_keep_signing_in_and_suspended_ones_do_not(acme, admin, frontdesk):
    member_client = real_login(frontdesk.email)
    actions.change_staff_status(frontdesk, Status.ON_LEAVE, "Parental leave", actor=admin)
    assert member_client.get("/staff/").status_code == 403  # still signed in
    actions.change_staff_status(frontdesk, Status.ACTIVE, "Back", actor=admin)
    actions.change_staff_status(frontdesk, Status.SUSPENDED, "Investigation", actor=admin)
    refused = member_client.get("/staff/")
    assert refused.status_code == 302 and "/signin/" in refused["Location"]
