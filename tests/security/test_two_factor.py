"""Two-factor sign-in through the pages: set-up with a QR code, the code step after the
password, recovery codes, replayed and wrong codes, the lockout, turning it off, the
organization's requirement and an administrator's reset (page, API, CLI)."""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinicorg.core.models import AuditEvent
from clinicorg.security import actions
from clinicorg.security.models import MemberSession
from tests.conftest import PASSWORD, ApiClient, signed_in


def code_for(device, step_offset=0) -> str:
    """The code the member's authenticator app shows now (or `step_offset` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def enroll(client, member) -> list[str]:
    """Set up two-factor through the pages; answers the recovery codes shown."""
    assert client.get("/account/two-factor/set-up/").status_code == 200
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    response = client.post("/account/two-factor/set-up/", {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/recovery-codes/"
    page = client.get("/account/two-factor/recovery-codes/").content.decode()
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


def password_step(member, ip="10.1.0.1") -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/signin/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _is_signed_in(client) -> bool:
    return client.get("/me/").status_code == 200


@pytest.fixture
def enrolled(admin):
    """Acme's administrator with an authenticator, and their recovery codes."""
    codes = enroll(signed_in(admin), admin)
    return admin, codes


def test_setting_up_shows_a_qr_code_inline_and_the_key(admin):
    client = signed_in(admin)
    response = client.get("/account/two-factor/set-up/")
    page = response.content.decode()
    assert "<svg" in page and "QR code for your authenticator app" in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    from base64 import b32encode

    assert b32encode(device.bin_key).decode()[:4] in page
    # Nothing inline for the CSP to refuse: no style attribute, no inline script.
    assert "style=" not in page and "<script>" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # Reloading keeps the same secret, so a code already scanned stays good.
    client.get("/account/two-factor/set-up/")
    assert TOTPDevice.objects.filter(user=admin).count() == 1


def test_a_wrong_code_does_not_turn_it_on(admin):
    client = signed_in(admin)
    client.get("/account/two-factor/set-up/")
    response = client.post("/account/two-factor/set-up/", {"code": "000000"})
    assert response.status_code == 200
    assert "That code does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_turning_it_on_shows_ten_recovery_codes_once_and_audits(admin):
    client = signed_in(admin)
    codes = enroll(client, admin)
    assert len(codes) == 10
    download = client.get("/account/two-factor/recovery-codes/download/")
    assert download["Content-Disposition"].startswith("attachment")
    assert all(code in download.content.decode() for code in codes)
    assert client.post("/account/two-factor/recovery-codes/").status_code == 302
    # Once kept, they are not shown again.
    assert client.get("/account/two-factor/recovery-codes/").status_code == 302
    assert client.get("/account/two-factor/recovery-codes/download/").status_code == 302
    event = AuditEvent.objects.get(action="enable_two_factor")
    assert event.actor == admin and event.changes["two_factor"] == ["off", "on"]


def test_the_password_alone_no_longer_signs_in(enrolled):
    admin, _codes = enrolled
    client = password_step(admin)
    assert client.get("/signin/code/").status_code == 200
    assert not _is_signed_in(client)
    assert client.get("/staff/").status_code == 302


def test_the_right_code_signs_in_and_goes_on_to_next(enrolled):
    admin, _codes = enrolled
    client = Client()
    response = client.post(
        "/signin/", {"username": admin.email, "password": PASSWORD, "next": "/locations/"}
    )
    assert response["Location"] == "/signin/code/"
    device = TOTPDevice.objects.get(user=admin)
    # The code of the enrollment's time step was used up; the app's next one is accepted.
    response = client.post("/signin/code/", {"code": code_for(device, 1)})
    assert response.status_code == 302 and response["Location"] == "/locations/"
    assert _is_signed_in(client)
    assert MemberSession.objects.filter(member=admin).exists()


def test_a_wrong_code_is_refused(enrolled):
    admin, _codes = enrolled
    client = password_step(admin)
    response = client.post("/signin/code/", {"code": "123456"})
    assert response.status_code == 200
    assert "That code does not match" in response.content.decode()
    assert not _is_signed_in(client)


def test_a_code_used_once_is_refused_after(enrolled):
    admin, _codes = enrolled
    device = TOTPDevice.objects.get(user=admin)
    # Enrollment used the current code already.
    enrolled_with = password_step(admin, ip="10.1.0.5")
    assert enrolled_with.post("/signin/code/", {"code": code_for(device)}).status_code == 200
    first = password_step(admin)
    code = code_for(device, step_offset=1)
    assert first.post("/signin/code/", {"code": code}).status_code == 302
    replay = password_step(admin, ip="10.1.0.2")
    assert replay.post("/signin/code/", {"code": code}).status_code == 200
    assert not _is_signed_in(replay)


def test_a_recovery_code_signs_in_once(enrolled):
    admin, codes = enrolled
    client = password_step(admin)
    response = client.post("/signin/code/", {"code": codes[0].upper()})
    assert response.status_code == 302
    assert _is_signed_in(client)
    assert StaticToken.objects.filter(device__user=admin).count() == 9
    assert AuditEvent.objects.filter(action="use_recovery_code", actor=admin).exists()
    again = password_step(admin, ip="10.1.0.3")
    assert again.post("/signin/code/", {"code": codes[0]}).status_code == 200
    assert not _is_signed_in(again)


def test_wrong_codes_lock_the_account_like_wrong_passwords(settings, enrolled):
    settings.AXES_FAILURE_LIMIT = 3
    admin, _codes = enrolled
    client = password_step(admin)
    for _ in range(2):
        assert client.post("/signin/code/", {"code": "111111"}).status_code == 200
    assert client.post("/signin/code/", {"code": "111111"}).status_code == 429
    device = TOTPDevice.objects.get(user=admin)
    assert client.post("/signin/code/", {"code": code_for(device, 1)}).status_code == 429
    assert not _is_signed_in(client)
    assert AuditEvent.objects.filter(action="lock_out_sign_in", target_id=str(admin.pk)).exists()
    # The password step is locked as well, from any address.
    again = Client(REMOTE_ADDR="10.1.9.9")
    response = again.post("/signin/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 429


def test_the_code_step_expires(settings, enrolled):
    admin, _codes = enrolled
    client = password_step(admin)
    settings.TWO_FACTOR_STEP_SECONDS = -1
    device = TOTPDevice.objects.get(user=admin)
    response = client.post("/signin/code/", {"code": code_for(device, 1)})
    assert response.status_code == 302 and response["Location"] == "/signin/"
    assert not _is_signed_in(client)


def test_the_code_step_without_a_password_goes_to_sign_in(db):
    response = Client().get("/signin/code/")
    assert response.status_code == 302 and response["Location"] == "/signin/"


def test_a_member_deactivated_between_the_steps_is_not_signed_in(acme, admin, enrolled):
    other = acme.member("other-admin@acme.test", all_locations=True)
    _admin, _codes = enrolled
    client = password_step(admin)
    from clinicorg.staff.actions import change_staff_status

    change_staff_status(admin, "deactivated", "Left", actor=other)
    device = TOTPDevice.objects.get(user=admin)
    assert client.post("/signin/code/", {"code": code_for(device, 1)}).status_code == 302
    assert not _is_signed_in(client)


def test_new_recovery_codes_need_the_password_and_replace_the_old(enrolled):
    admin, codes = enrolled
    client = signed_in(admin)
    refused = client.post("/account/two-factor/recovery-codes/new/", {"password": "nope-nope"})
    assert "That is not your password" in refused.content.decode()
    response = client.post("/account/two-factor/recovery-codes/new/", {"password": PASSWORD})
    assert response["Location"] == "/account/two-factor/recovery-codes/"
    page = client.get("/account/two-factor/recovery-codes/").content.decode()
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(codes)
    old = password_step(admin)
    assert old.post("/signin/code/", {"code": codes[1]}).status_code == 200
    assert AuditEvent.objects.filter(action="regenerate_recovery_codes").exists()


def test_turning_it_off_needs_the_password_and_a_code(enrolled):
    admin, codes = enrolled
    client = signed_in(admin)
    url = "/account/two-factor/turn-off/"
    refused = client.post(url, {"password": "wrong-one-x", "code": codes[0]})
    assert "That is not your password" in refused.content.decode()
    refused = client.post(url, {"password": PASSWORD, "code": "000000"})
    assert "That code does not match" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert client.post(url, {"password": PASSWORD, "code": codes[0]}).status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.filter(action="disable_two_factor", actor=admin).exists()
    # The password alone signs in again.
    assert _is_signed_in(password_step(admin))


def test_it_cannot_be_turned_off_while_the_organization_requires_it(admin, enrolled):
    actions.set_two_factor_requirement("administrators", actor=admin)
    _admin, codes = enrolled
    client = signed_in(admin)
    page = client.get("/account/two-factor/").content.decode()
    assert "cannot be turned off" in page
    response = client.post(
        "/account/two-factor/turn-off/", {"password": PASSWORD, "code": codes[0]}
    )
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert StaticToken.objects.filter(device__user=admin).count() == 10


# The organization's requirement.


def test_the_requirement_is_set_on_the_sign_in_settings_page_and_audited(admin, frontdesk):
    client = signed_in(admin)
    assert client.get("/organization/settings/sign-in/").status_code == 200
    response = client.post(
        "/organization/settings/sign-in/", {"two_factor_required_for": "administrators"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="set_two_factor_requirement")
    assert event.changes == {"two_factor_required_for": ["nobody", "administrators"]}
    assert signed_in(frontdesk).get("/organization/settings/sign-in/").status_code == 403
    bad = client.post("/organization/settings/sign-in/", {"two_factor_required_for": "x"})
    assert bad.status_code == 200


def test_administrators_who_must_use_it_set_it_up_before_anything_else(admin, frontdesk):
    actions.set_two_factor_requirement("administrators", actor=admin)
    client = password_step(admin)
    for path in ("/", "/staff/", "/me/", "/organization/settings/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/account/two-factor/set-up/", path
    page = client.get("/account/two-factor/set-up/").content.decode()
    assert "Your organization requires two-factor sign-in" in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert client.post("/account/two-factor/set-up/", {"code": code_for(device)}).status_code == 302
    assert client.get("/staff/").status_code == 200
    # A member without Administration permissions is not asked.
    desk = password_step(frontdesk, ip="10.1.0.4")
    assert desk.get("/me/").status_code == 200


def test_everyone_means_every_member(admin, frontdesk):
    actions.set_two_factor_requirement("everyone", actor=admin)
    desk = password_step(frontdesk)
    assert desk.get("/me/")["Location"] == "/account/two-factor/set-up/"
    # Signing out stays possible.
    assert desk.post("/signout/").status_code == 302


def test_api_tokens_keep_working_whatever_the_requirement(acme, admin):
    actions.set_two_factor_requirement("everyone", actor=admin)
    api = ApiClient(acme.token())
    assert api.get("/api/v1/staff").status_code == 200


# An administrator's reset: page, API, CLI.


def test_an_administrator_resets_a_members_two_factor_and_ends_their_sessions(acme, admin):
    member = acme.member("nurse-admin@acme.test")
    enroll(signed_in(member), member)
    their_session = Client()
    device = TOTPDevice.objects.get(user=member)
    their_session.post("/signin/", {"username": member.email, "password": PASSWORD})
    their_session.post("/signin/code/", {"code": code_for(device, 1)})
    assert _is_signed_in(their_session)
    client = signed_in(admin)
    assert "Reset two-factor sign-in" in client.get(f"/staff/{member.pk}/").content.decode()
    response = client.post(f"/staff/{member.pk}/two-factor/reset/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticToken.objects.filter(device__user=member).exists()
    assert not _is_signed_in(their_session)
    event = AuditEvent.objects.get(action="reset_two_factor")
    assert event.actor == admin and event.changes["two_factor"] == ["on", "off"]
    assert event.changes["sessions_ended"][1] >= 1
    # The password alone signs in again.
    assert _is_signed_in(password_step(member))


def test_only_members_with_manage_staff_reset_and_never_in_another_org(
    acme, admin, frontdesk, outsider
):
    assert signed_in(frontdesk).post(f"/staff/{admin.pk}/two-factor/reset/").status_code == 403
    assert signed_in(outsider).post(f"/staff/{admin.pk}/two-factor/reset/").status_code == 404
    assert signed_in(admin).get(f"/staff/{admin.pk}/two-factor/reset/").status_code == 405
    assert not AuditEvent.objects.filter(action="reset_two_factor").exists()


def test_the_api_reads_and_resets_two_factor(acme, admin, globex, outsider):
    enroll(signed_in(admin), admin)
    api = ApiClient(acme.token())
    state = api.get(f"/api/v1/staff/{admin.pk}/two-factor").json()
    assert state == {"staff_id": admin.pk, "two_factor": True, "required": False}
    response = api.post(f"/api/v1/staff/{admin.pk}/two-factor/reset")
    assert response.status_code == 200 and response.json()["two_factor"] is False
    assert AuditEvent.objects.get(action="reset_two_factor").actor_token_id is not None
    other = ApiClient(globex.token())
    assert other.post(f"/api/v1/staff/{admin.pk}/two-factor/reset").status_code == 404
    desk = ApiClient(acme.token("front_desk"))
    assert desk.post(f"/api/v1/staff/{admin.pk}/two-factor/reset").status_code == 403


def test_the_api_sets_the_requirement(acme, admin):
    api = ApiClient(acme.token())
    response = api.put("/api/v1/organization/sign-in", {"two_factor_required_for": "everyone"})
    assert response.status_code == 200
    assert api.get("/api/v1/organization/sign-in").json() == {"two_factor_required_for": "everyone"}
    bad = api.put("/api/v1/organization/sign-in", {"two_factor_required_for": "some"})
    assert bad.status_code == 422
    desk = ApiClient(acme.token("front_desk"))
    assert desk.get("/api/v1/organization/sign-in").status_code == 403


def test_an_operator_resets_two_factor_from_the_command_line(admin):
    enroll(signed_in(admin), admin)
    out = StringIO()
    call_command("twofactor", "reset", admin.email.upper(), stdout=out)
    assert "was reset" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=admin).exists()
    event = AuditEvent.objects.get(action="reset_two_factor")
    assert event.actor_label == "clinicorg twofactor reset"


def test_the_command_line_names_an_unknown_email(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No member signs in with"):
        call_command("twofactor", "reset", "nobody@nowhere.test")


def test_members_manage_only_their_own_second_factor(acme, admin, frontdesk):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.begin_two_factor_enrollment(frontdesk, actor=admin)
    with pytest.raises(ValidationError):
        actions.disable_two_factor(frontdesk, actor=admin)


def test_an_invited_administrator_sets_it_up_right_after_accepting(
    acme, admin, django_capture_on_commit_callbacks
):
    from django.core import mail

    from clinicorg.staff.actions import invite_staff

    actions.set_two_factor_requirement("administrators", actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        invite_staff(
            {
                "email": "new-admin@acme.test",
                "first_name": "New",
                "last_name": "Admin",
                "primary_location": acme.main,
                "role": acme.roles["administrator"],
            },
            actor=admin,
        )
    token = re.search(r"/invite/([A-Za-z0-9_\-]+)/", mail.outbox[-1].body).group(1)
    client = Client()
    password = "a-much-longer-passphrase-42"
    response = client.post(f"/invite/{token}/", {"password": password, "password2": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get("/staff/")["Location"] == "/account/two-factor/set-up/"
