"""Guessing is throttled: sign-in locks out per account and per address (django-axes) with an
audit event and an administrator's unlock; wrong bearer tokens and invitation links get 429 with
Retry-After."""

import pytest
from django.test import Client

from clinicorg.core.models import AuditEvent
from tests.conftest import PASSWORD, signed_in


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.THROTTLE_BEARER_TOKENS = (5, 300)
    settings.THROTTLE_INVITATION_LINKS = (4, 900)
    return settings


def _sign_in(client, email, password, ip="10.0.0.1"):
    return client.post("/signin/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_wrong_passwords_lock_the_account_even_for_the_right_one(limits, frontdesk):
    client = Client()
    for _ in range(2):
        assert _sign_in(client, frontdesk.email, "wrong-password-x").status_code == 200
    assert _sign_in(client, frontdesk.email, "wrong-password-x").status_code == 429
    response = _sign_in(client, frontdesk.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_account_lock_holds_from_another_address(limits, frontdesk):
    for i in range(3):
        _sign_in(Client(), frontdesk.email, "wrong-password-x", ip=f"10.0.1.{i}")
    assert _sign_in(Client(), frontdesk.email, PASSWORD, ip="10.9.9.9").status_code == 429


def test_one_address_guessing_many_accounts_is_locked_out(limits, acme, admin, frontdesk):
    client = Client()
    for i in range(3):
        _sign_in(client, f"nobody{i}@acme.test", "wrong-password-x", ip="10.0.2.1")
    assert _sign_in(client, frontdesk.email, PASSWORD, ip="10.0.2.1").status_code == 429
    assert _sign_in(Client(), frontdesk.email, PASSWORD, ip="10.0.2.2").status_code == 302


def test_a_lockout_is_audited_and_an_administrator_unlocks_it(limits, acme, admin, frontdesk):
    for i in range(3):
        _sign_in(Client(), frontdesk.email, "wrong-password-x", ip=f"10.0.3.{i}")
    locked = AuditEvent.objects.get(action="lock_out_sign_in")
    assert locked.target_id == str(frontdesk.pk)
    admin_client = signed_in(admin)
    page = admin_client.get(f"/staff/{frontdesk.pk}/").content.decode()
    assert "Unlock sign-in" in page
    response = admin_client.post(f"/staff/{frontdesk.pk}/unlock/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="unlock_sign_in", actor=admin).exists()
    assert _sign_in(Client(), frontdesk.email, PASSWORD, ip="10.0.3.9").status_code == 302
    assert "Unlock sign-in" not in admin_client.get(f"/staff/{frontdesk.pk}/").content.decode()


def test_a_member_without_manage_staff_cannot_unlock(limits, acme, admin, frontdesk):
    response = signed_in(frontdesk).post(f"/staff/{admin.pk}/unlock/")
    assert response.status_code == 403


def test_cooloff_and_limit_come_from_the_environment(monkeypatch):
    import importlib

    import clinicorg.settings as project_settings

    monkeypatch.setenv("SIGNIN_FAILURE_LIMIT", "7")
    monkeypatch.setenv("SIGNIN_COOLOFF_MINUTES", "30")
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.AXES_FAILURE_LIMIT == 7
        assert reloaded.AXES_COOLOFF_TIME == 0.5
    finally:
        monkeypatch.delenv("SIGNIN_FAILURE_LIMIT")
        monkeypatch.delenv("SIGNIN_COOLOFF_MINUTES")
        importlib.reload(project_settings)


def test_repeated_wrong_bearer_tokens_get_429_with_retry_after(limits, acme, admin):
    client = Client()
    for i in range(5):
        response = client.get("/api/v1/locations", headers={"Authorization": f"Bearer cot_x{i}"})
        assert response.status_code == 401
    good = acme.token()
    response = client.get("/api/v1/locations", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 300
    assert response.json()["error"] == "too_many_requests"
    other = Client(REMOTE_ADDR="10.7.7.7")
    answer = other.get("/api/v1/locations", headers={"Authorization": f"Bearer {good}"})
    assert answer.status_code == 200


def test_repeated_unknown_invitation_links_get_429_with_retry_after(limits, db):
    client = Client()
    for i in range(4):
        assert client.get(f"/invite/not-a-token-{i}/").status_code == 410
    response = client.get("/invite/another/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_the_audit_log_records_the_address_behind_a_trusted_proxy(settings, admin):
    settings.TRUSTED_PROXY_COUNT = 1
    client = signed_in(admin)
    client.post(
        "/organization/departments/new/",
        {"name": "Radiology"},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
    )
    event = AuditEvent.objects.get(action="create_department")
    assert event.ip == "203.0.113.9"


@pytest.mark.parametrize("address", [None, ""])
def test_a_request_without_an_address_is_counted_not_refused_with_a_500(limits, db, address):
    """Behind a unix socket, or from a client that sends none, a request has no address: the
    throttles count it with the others that have none, and answer as usual."""
    client = Client(REMOTE_ADDR=address)
    for i in range(5):
        response = client.get("/api/v1/locations", headers={"Authorization": f"Bearer cot_n{i}"})
        assert response.status_code == 401
    assert client.get("/api/v1/locations", headers={"Authorization": "Bearer x"}).status_code == 429
    for i in range(4):
        assert client.get(f"/invite/none-{i}/").status_code == 410
    assert client.get("/invite/none-more/").status_code == 429
