"""Two-factor sign-in in the browser: an administrator whose organization requires it is sent
to set it up, scans (reads) the QR code's key, keeps the recovery codes, then signs in with a
password and a code; a member who forgot the password resets it by email."""

import re

from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from clinicorg.security import actions
from tests.conftest import PASSWORD
from tests.security.test_two_factor import code_for

from .conftest import screenshot, sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


def test_enroll_when_required_then_sign_in_with_a_code(page, acme, admin):
    actions.set_two_factor_requirement("administrators", actor=admin)
    sign_in(page, admin.email, PASSWORD)

    # Sent to set-up before anything else.
    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up/$"))
    expect(page.get_by_text("Your organization requires two-factor sign-in")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.locator("svg").bounding_box()["width"] >= 150
    screenshot(page, "two-factor-enroll")
    page.set_viewport_size(PHONE)
    screenshot(page, "two-factor-enroll-390")
    page.set_viewport_size(DESKTOP)
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/account/two-factor/set-up/$"))

    # The key shown on the page is the one the server keeps.
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    shown = page.locator("code.secret").inner_text().replace(" ", "")
    from base64 import b32encode

    assert shown == b32encode(device.bin_key).decode()
    page.get_by_label("Code from the app").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("That code does not match")).to_be_visible()
    page.get_by_label("Code from the app").fill(code_for(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "two-factor-recovery-codes")
    page.set_viewport_size(PHONE)
    screenshot(page, "two-factor-recovery-codes-390")
    page.set_viewport_size(DESKTOP)
    with page.expect_navigation():
        page.get_by_role("button", name="I have kept my codes").click()
    expect(page.get_by_text("On", exact=True)).to_be_visible()
    screenshot(page, "two-factor-overview")
    page.goto("/staff/")
    expect(page.get_by_role("heading", name="Employee Center")).to_be_visible()

    # Sign out, then sign in: the password leads to the code step.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    sign_in(page, admin.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/signin/code/$"))
    screenshot(page, "two-factor-code-step")
    page.set_viewport_size(PHONE)
    screenshot(page, "two-factor-code-step-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Code").fill(code_for(device, 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert "/signin" not in page.url


def test_forgot_password_by_email(page, acme, frontdesk):
    page.goto("/signin/")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(frontdesk.email)
    screenshot(page, "password-reset-request")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.set_viewport_size(PHONE)
    screenshot(page, "password-reset-sent-390")
    page.set_viewport_size(DESKTOP)
    link = re.search(r"http://[^/]+(/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.locator("#id_new_password1").fill("a-much-longer-passphrase-42")
    page.locator("#id_new_password2").fill("a-much-longer-passphrase-42")
    screenshot(page, "password-reset-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    sign_in(page, frontdesk.email, "a-much-longer-passphrase-42")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
