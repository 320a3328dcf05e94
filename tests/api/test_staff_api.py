"""/api/v1/staff: list, invite, read, edit, status, invitation resend and revoke."""

import pytest
from django.core import mail

from clinicorg.access.actions import create_api_token
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from clinicorg.staff import actions
from clinicorg.staff.models import Invitation, StaffMember, Status
from tests.conftest import ApiClient
from tests.staff.conftest import link_tokens, make_invited


@pytest.fixture
def desk_api(acme):
    return ApiClient(acme.token("front_desk"))


@pytest.fixture
def globex_api(globex):
    return ApiClient(globex.token())


@pytest.fixture
def invited(acme, admin, django_capture_on_commit_callbacks):
    return make_invited(acme, admin, django_capture_on_commit_callbacks)


def new_member(acme, **extra):
    return {
        "email": "api.hire@acme.test",
        "first_name": "Api",
        "last_name": "Hire",
        "display_name": "A. Hire, MD",
        "primary_location": acme.main.pk,
        "role": acme.roles["provider"].pk,
        **extra,
    }


ENDPOINTS = [
    ("get", "/api/v1/staff"),
    ("post", "/api/v1/staff"),
    ("get", "/api/v1/staff/{pk}"),
    ("patch", "/api/v1/staff/{pk}"),
    ("post", "/api/v1/staff/{pk}/status"),
    ("post", "/api/v1/staff/{pk}/invitation/resend"),
    ("delete", "/api/v1/staff/{pk}/invitation"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_requires_a_token(frontdesk, method, path):
    response = getattr(ApiClient(None), method)(path.format(pk=frontdesk.pk))
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_token_without_manage_staff(
    acme, desk_api, frontdesk, method, path
):
    kw = {} if method in ("get", "delete") else {"data": {"status": "suspended", "reason": "x"}}
    if path == "/api/v1/staff" and method == "post":
        kw = {"data": new_member(acme)}
    response = getattr(desk_api, method)(path.format(pk=frontdesk.pk), **kw)
    assert response.status_code == 403
    assert response.json()["reason"] == "missing_permission"
    assert response.json()["permission"] == "administration.manage_staff"


@pytest.mark.parametrize(("method", "path"), [e for e in ENDPOINTS if "{pk}" in e[1]])
def test_another_organizations_member_is_not_found(globex_api, frontdesk, method, path):
    kw = {} if method in ("get", "delete") else {"data": {"status": "suspended", "reason": "x"}}
    response = getattr(globex_api, method)(path.format(pk=frontdesk.pk), **kw)
    assert response.status_code == 404
    frontdesk.refresh_from_db()
    assert frontdesk.status == Status.ACTIVE


def test_the_list_is_paginated_filtered_and_scoped(acme, admin, frontdesk, api, outsider):
    acme.member("gone@acme.test", role="front_desk", status=Status.DEACTIVATED)
    body = api.get("/api/v1/staff", {"limit": 1}).json()
    assert body["count"] == 2 and body["limit"] == 1 and len(body["items"]) == 1
    emails = [m["email"] for m in api.get("/api/v1/staff", {"status": "all"}).json()["items"]]
    assert set(emails) == {admin.email, frontdesk.email, "gone@acme.test"}
    item = api.get("/api/v1/staff", {"q": "desk"}).json()["items"][0]
    assert item["role"] == {"id": acme.roles["front_desk"].pk, "name": "Front Desk"}
    assert item["primary_location"] == {"id": acme.main.pk, "name": acme.main.name}
    by_role = api.get("/api/v1/staff", {"role": acme.roles["administrator"].pk}).json()
    assert [m["email"] for m in by_role["items"]] == [admin.email]
    assert api.get("/api/v1/staff", {"location": acme.branch.pk}).json()["count"] == 0


def test_bad_filter_values_are_422_naming_the_field(api):
    response = api.get("/api/v1/staff", {"status": "retired"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    assert api.get("/api/v1/staff", {"location": "x"}).status_code == 422


def test_the_list_runs_a_constant_number_of_queries(acme, admin, api, django_assert_num_queries):
    dept = directory.create_department("Nursing", actor=admin)
    for i in range(25):
        acme.member(f"n{i}@acme.test", role="provider", department=dept, location=acme.branch)
    with django_assert_num_queries(3):  # token, count, page
        response = api.get("/api/v1/staff", {"limit": 50})
    assert len(response.json()["items"]) == 26


def test_creating_a_member_invites_them(acme, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/staff", new_member(acme, extra_locations=[acme.branch.pk]))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["extra_locations"] == [{"id": acme.branch.pk, "name": acme.branch.name}]
    assert body["invitation"]["state"] == "open"
    assert link_tokens("api.hire@acme.test")
    assert AuditEvent.objects.filter(action="create_staff", target_id=str(body["id"])).exists()


def test_creating_without_sending_the_invitation(acme, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        body = api.post("/api/v1/staff", new_member(acme, send_invitation=False)).json()
    assert body["invitation"] is None and mail.outbox == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "ADMIN@acme.test"}, "email"),
        ({"role": 999999}, "role"),
        ({"phone": "call me"}, "phone"),
        ({"hire_date": "yesterday"}, "hire_date"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_bad_input_is_422_naming_the_field(acme, admin, api, change, field):
    response = api.post("/api/v1/staff", new_member(acme, **change))
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [("primary_location", 999999), ("extra_locations", [999999])],
)
def test_an_unknown_location_is_404_naming_the_field(acme, api, field, value):
    response = api.post("/api/v1/staff", new_member(acme, **{field: value}))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == field


def test_a_location_outside_the_callers_scope_looks_like_an_unknown_one(acme, globex, api):
    response = api.post("/api/v1/staff", new_member(acme, primary_location=globex.main.pk))
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "primary_location"
    branch_only = ApiClient(acme.token(locations=[acme.branch]))
    hidden = branch_only.post("/api/v1/staff", new_member(acme))
    assert hidden.status_code == 404
    assert hidden.json()["message"] == response.json()["message"].replace(
        str(globex.main.pk), str(acme.main.pk)
    )
    ok = branch_only.post("/api/v1/staff", new_member(acme, primary_location=acme.branch.pk))
    assert ok.status_code == 201


def test_creating_without_an_active_location_is_409_with_the_reason(acme, admin, api):
    for loc in (acme.main, acme.branch):
        directory.set_location_status(loc, "inactive", actor=admin)
    response = api.post("/api/v1/staff", new_member(acme))
    assert response.status_code == 409
    assert response.json()["error"] == "no_active_location"
    assert "create a location first" in response.json()["message"]


def test_reading_and_editing_a_member(acme, api, frontdesk):
    body = api.get(f"/api/v1/staff/{frontdesk.pk}").json()
    assert body["email"] == frontdesk.email and body["invitation"] is None
    response = api.patch(
        f"/api/v1/staff/{frontdesk.pk}",
        {"display_name": "D. Desk", "primary_location": acme.branch.pk},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "D. Desk"
    assert response.json()["primary_location"]["id"] == acme.branch.pk
    bad = api.patch(f"/api/v1/staff/{frontdesk.pk}", {"role": None})
    assert bad.status_code == 422


def test_an_active_members_email_cannot_be_patched(api, frontdesk):
    response = api.patch(f"/api/v1/staff/{frontdesk.pk}", {"email": "x@acme.test"})
    assert response.status_code == 422
    assert "deactivated" in response.json()["errors"][0]["message"]


def test_status_changes_through_the_api(acme, admin, api, frontdesk):
    token, raw = create_api_token(acme.org, acme.roles["front_desk"], "desk's", actor=frontdesk)
    response = api.post(
        f"/api/v1/staff/{frontdesk.pk}/status", {"status": "deactivated", "reason": "Left"}
    )
    assert response.status_code == 200 and response.json()["status"] == "deactivated"
    assert ApiClient(raw).get("/api/v1/staff").status_code == 401  # their token stops working
    refused = api.post(
        f"/api/v1/staff/{frontdesk.pk}/status", {"status": "suspended", "reason": "x"}
    )
    assert refused.status_code == 422
    assert "cannot become suspended" in refused.json()["message"]
    assert api.post(f"/api/v1/staff/{frontdesk.pk}/status", {"status": "active"}).status_code == 422
    freed = api.patch(f"/api/v1/staff/{frontdesk.pk}", {"email": "desk.old@acme.test"})
    assert freed.status_code == 200 and freed.json()["email"] == "desk.old@acme.test"


def test_the_last_administrator_is_protected(admin, api):
    response = api.post(f"/api/v1/staff/{admin.pk}/status", {"status": "suspended", "reason": "x"})
    assert response.status_code == 409
    assert response.json()["error"] == "last_administrator"


def test_resend_and_revoke_invitations(api, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/staff/{invited.pk}/invitation/resend")
    assert response.status_code == 200
    assert len(link_tokens(invited.email)) == 2
    assert api.delete(f"/api/v1/staff/{invited.pk}/invitation").status_code == 204
    assert api.get(f"/api/v1/staff/{invited.pk}").json()["invitation"]["state"] == "revoked"
    again = api.delete(f"/api/v1/staff/{invited.pk}/invitation")
    assert again.status_code == 409 and again.json()["error"] == "no_invitation"


def test_resends_beyond_the_limit_are_429(api, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(actions.RESEND_LIMIT - 1):
            assert api.post(f"/api/v1/staff/{invited.pk}/invitation/resend").status_code == 200
    response = api.post(f"/api/v1/staff/{invited.pk}/invitation/resend")
    assert response.status_code == 429
    assert response.json()["details"]["retry_after_minutes"] >= 1
    assert Invitation.objects.filter(staff=invited).count() == actions.RESEND_LIMIT


def test_resending_to_an_active_member_is_409(api, frontdesk):
    response = api.post(f"/api/v1/staff/{frontdesk.pk}/invitation/resend")
    assert response.status_code == 409 and response.json()["error"] == "not_pending"


def test_the_whole_journey_through_the_api(acme, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member_id = api.post("/api/v1/staff", new_member(acme)).json()["id"]
    actions.accept_invitation(link_tokens()[-1], "plum-Orchard-42-quietly")
    assert api.get(f"/api/v1/staff/{member_id}").json()["status"] == "active"
    api.post(f"/api/v1/staff/{member_id}/status", {"status": "deactivated", "reason": "Left"})
    api.patch(f"/api/v1/staff/{member_id}", {"email": "old.hire@acme.test"})
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post("/api/v1/staff", new_member(acme))
    assert again.status_code == 201
    assert StaffMember.objects.filter(email__iexact="api.hire@acme.test").count() == 1


def test_a_list_item_is_the_detail_without_its_extra_fields(acme, admin, api, outsider):
    dept = directory.create_department("Surgery", actor=admin)
    member = acme.member("full@acme.test", role="provider", department=dept, phone="555-000-1111")
    detail = api.get(f"/api/v1/staff/{member.pk}").json()
    (item,) = api.get("/api/v1/staff", {"q": "full@"}).json()["items"]
    del detail["extra_locations"], detail["invitation"]
    assert item == detail
