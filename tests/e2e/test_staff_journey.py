"""The staff lifecycle in the browser: invite, accept, deactivate, free the email, re-invite."""

import re

from django.core import mail
from playwright.sync_api import expect

from clinicorg.staff.models import StaffMember, Status
from tests.conftest import PASSWORD

from .conftest import screenshot, sign_in

NEW_PASSWORD = "plum-Orchard-42-quietly"
LINK = re.compile(r"/invite/([A-Za-z0-9_\-]+)/")


def invite(page, acme, email):
    page.goto("/staff/")
    page.get_by_role("link", name="New employee").click()
    page.locator("#id_email").fill(email)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Hire")
    page.get_by_label("Display name").fill("Nia Hire, RN")
    page.get_by_label("Primary location").select_option(label=acme.main.name)
    page.locator("#id_role").select_option(label="Front Desk")
    with page.expect_navigation():
        page.get_by_role("button", name="Invite employee").click()


def newest_link_token(email):
    messages = [m for m in mail.outbox if email in m.to]
    assert messages, f"no invitation sent to {email}"
    return LINK.search(messages[-1].body).group(1)


def test_invite_accept_deactivate_free_the_email_and_invite_again(
    page, browser, live_server, acme, admin
):
    email = "nia.hire@acme.test"
    sign_in(page, admin.email, PASSWORD)
    page.goto("/staff/")
    screenshot(page, "staff-list")

    # The admin invites a new member; they appear as Pending.
    invite(page, acme, email)
    expect(page.get_by_role("heading", name="Nia Hire")).to_be_visible()
    expect(page.get_by_text(f"Invitation sent to {email}.")).to_be_visible()
    screenshot(page, "staff-profile-pending")
    token = newest_link_token(email)

    # The new member opens the link in their own browser, sets a password, is signed in.
    member_context = browser.new_context(base_url=live_server.url)
    member_page = member_context.new_page()
    member_page.set_default_timeout(15_000)
    member_page.goto(f"/invite/{token}/")
    expect(member_page.get_by_role("heading", name="Welcome to Acme Health")).to_be_visible()
    screenshot(member_page, "staff-accept-invitation")
    member_page.get_by_label("New password").fill(NEW_PASSWORD)
    member_page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    with member_page.expect_navigation():
        member_page.get_by_role("button", name="Set password and sign in").click()
    assert "/signin/" not in member_page.url
    expect(member_page.locator(".sidebar").get_by_text("Nia Hire")).to_be_visible()
    member = StaffMember.objects.get(email=email)
    assert member.status == Status.ACTIVE

    # The used link now says so.
    member_page.goto(f"/invite/{token}/")
    expect(member_page.get_by_text("already been used")).to_be_visible()
    member_page.go_back()

    # The admin deactivates them from the profile.
    page.goto(f"/staff/{member.pk}/")
    page.get_by_label("New status").select_option(label="Deactivated")
    page.get_by_label("Reason").fill("Left the practice")
    with page.expect_navigation():
        page.get_by_role("button", name="Update status").click()
    # The change is asked about first, naming what it ends.
    expect(page.get_by_role("heading", name="Deactivate Nia Hire?")).to_be_visible()
    expect(page.get_by_text("Nia Hire is signed out everywhere at once")).to_be_visible()
    screenshot(page, "staff-status-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="Deactivate Nia Hire").click()
    expect(page.get_by_text("Nia Hire is now Deactivated.")).to_be_visible()
    screenshot(page, "staff-profile-deactivated")

    # The member's open session is refused on their next click.
    member_page.goto("/")
    assert "/signin/" in member_page.url
    member_context.close()

    # The admin frees the email (User and password), then invites a new person with it.
    page.get_by_label("New email").fill("nia.hire.left@acme.test")
    with page.expect_navigation():
        page.get_by_role("button", name="Change email").click()
    expect(page.get_by_text(f"{email} is free again")).to_be_visible()

    invite(page, acme, email)
    expect(page.get_by_text(f"Invitation sent to {email}.")).to_be_visible()
    assert StaffMember.objects.filter(email__iexact=email, status=Status.PENDING).count() == 1
    assert StaffMember.objects.filter(email="nia.hire.left@acme.test").exists()
    page.goto("/staff/?status=all&q=nia")
    screenshot(page, "staff-list-after-reinvite")
