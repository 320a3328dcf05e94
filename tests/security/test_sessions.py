"""Sessions and API tokens end when a member may no longer sign in; sessions time out; the
password policy fits health data."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from clinicorg.access.actions import create_api_token
from clinicorg.security.models import MemberSession
from clinicorg.security.sessions import SEEN_AT, SIGNED_IN_AT
from clinicorg.staff import actions
from clinicorg.staff.models import Status
from tests.conftest import PASSWORD


def _signed_in_with_password(member) -> Client:
    client = Client()
    assert client.post("/signin/", {"username": member.email, "password": PASSWORD}).status_code
    assert client.get("/me/").status_code == 200
    return client


def _two_devices(member):
    return _signed_in_with_password(member), _signed_in_with_password(member)


@pytest.mark.parametrize("status", [Status.DEACTIVATED, Status.SUSPENDED])
def test_losing_sign_in_ends_every_session_so_reactivation_revives_none(
    acme, admin, frontdesk, status
):
    devices = _two_devices(frontdesk)
    actions.change_staff_status(frontdesk, status, "Left the practice", actor=admin)
    assert MemberSession.objects.filter(member=frontdesk).count() == 0
    back = Status.ACTIVE
    actions.change_staff_status(frontdesk, back, "Back", actor=admin)
    for client in devices:
        response = client.get("/me/")
        assert response.status_code == 302
        assert "/signin/" in response["Location"]


@pytest.mark.parametrize("status", [Status.DEACTIVATED, Status.SUSPENDED])
def test_losing_sign_in_stops_the_members_own_api_tokens(acme, admin, status):
    other_admin = acme.member("second@acme.test", all_locations=True)
    _token, raw = create_api_token(acme.org, acme.roles["administrator"], "mine", actor=other_admin)
    headers = {"Authorization": f"Bearer {raw}"}
    assert Client().get("/api/v1/locations", headers=headers).status_code == 200
    actions.change_staff_status(other_admin, status, "Investigation", actor=admin)
    assert Client().get("/api/v1/locations", headers=headers).status_code == 401
    event = acme.org.audit_events.filter(target_id=str(other_admin.pk)).first()
    assert event.changes["api_tokens_revoked"] == [None, ["mine"]]


def test_going_on_leave_keeps_sessions(acme, admin, frontdesk):
    client = _signed_in_with_password(frontdesk)
    actions.change_staff_status(frontdesk, Status.ON_LEAVE, "Parental leave", actor=admin)
    assert client.get("/me/").status_code == 200


def test_signing_out_forgets_the_session(frontdesk):
    client = _signed_in_with_password(frontdesk)
    assert MemberSession.objects.filter(member=frontdesk).count() == 1
    client.post("/signout/")
    assert MemberSession.objects.filter(member=frontdesk).count() == 0


def test_a_session_ends_after_its_absolute_lifetime_however_active(settings, frontdesk):
    settings.SESSION_ABSOLUTE_SECONDS = 3600
    client = _signed_in_with_password(frontdesk)
    session = client.session
    session[SIGNED_IN_AT] = int(time.time()) - 3601
    session.save()
    response = client.get("/me/")
    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_a_request_a_minute_later_renews_the_idle_timeout(settings, frontdesk):
    client = _signed_in_with_password(frontdesk)
    session = client.session
    session[SEEN_AT] = int(time.time()) - 61
    session.save()
    response = client.get("/me/")
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE


def test_an_idle_session_expires(settings, frontdesk):
    client = _signed_in_with_password(frontdesk)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get("/me/")
    assert response.status_code == 302 and "/signin/" in response["Location"]


def test_idle_and_absolute_lifetimes_come_from_the_environment(monkeypatch):
    import importlib

    import clinicorg.settings as project_settings

    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_ABSOLUTE_HOURS", "8")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.SESSION_COOKIE_AGE == 15 * 60
        assert reloaded.SESSION_ABSOLUTE_SECONDS == 8 * 3600
    finally:
        monkeypatch.delenv("SESSION_IDLE_MINUTES")
        monkeypatch.delenv("SESSION_ABSOLUTE_HOURS")
        importlib.reload(project_settings)


@pytest.mark.parametrize(
    "password",
    ["Summer2024", "short-pw-1", "password1234", "123456789012", "frontdesk-acme"],
)
def test_weak_passwords_are_refused(frontdesk, password):
    frontdesk.first_name, frontdesk.email = "Frontdesk", "frontdesk-acme@acme.test"
    with pytest.raises(ValidationError):
        validate_password(password, frontdesk)


def test_a_long_uncommon_passphrase_is_accepted(frontdesk):
    validate_password("plum-Orchard-42-quietly", frontdesk)
