"""The access API: catalogue, roles, access rules and the decision API."""

import pytest

from clinicorg.access.actions import create_role
from clinicorg.access.catalogue import ALL_PERMISSIONS, P
from clinicorg.core.models import AuditEvent
from tests.conftest import ApiClient


def test_the_catalogue_lists_modules_with_labels(api):
    r = api.get("/api/v1/permissions")
    assert r.status_code == 200
    modules = {m["key"]: m for m in r.json()}
    assert list(modules) == ["calendar", "billing", "clinical", "administration"]
    perms = {p["name"]: p["label"] for p in modules["calendar"]["permissions"]}
    assert perms["calendar.create_appointments"] == "Create appointments"


def test_roles_list_answers_a_page_with_permissions(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        r = api.get("/api/v1/roles")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 4
    admin_role = next(i for i in body["items"] if i["key"] == "administrator")
    assert set(admin_role["permissions"]) == ALL_PERMISSIONS


def test_a_role_is_created_read_patched_and_deleted(api):
    r = api.post("/api/v1/roles", {"name": "Scheduler", "permissions": [P.VIEW_APPOINTMENTS]})
    assert r.status_code == 201, r.json()
    rid = r.json()["id"]
    r = api.patch(
        f"/api/v1/roles/{rid}", {"permissions": [P.VIEW_APPOINTMENTS, P.CREATE_APPOINTMENTS]}
    )
    assert r.status_code == 200
    assert r.json()["permissions"] == [P.CREATE_APPOINTMENTS, P.VIEW_APPOINTMENTS]
    event = AuditEvent.objects.filter(action="update_role").get()
    assert event.changes["permissions_added"] == [P.CREATE_APPOINTMENTS]
    assert event.changes["permissions_removed"] == []
    assert api.get(f"/api/v1/roles/{rid}").json()["name"] == "Scheduler"
    assert api.delete(f"/api/v1/roles/{rid}").status_code == 204
    assert api.get(f"/api/v1/roles/{rid}").status_code == 404


def test_a_role_can_be_copied(api, acme):
    src = acme.roles["provider"]
    r = api.post("/api/v1/roles", {"name": "Provider 2", "copy_from": src.pk})
    assert r.status_code == 201
    assert set(r.json()["permissions"]) == src.permission_set


def test_an_unknown_permission_is_a_422_naming_the_field(api):
    r = api.post("/api/v1/roles", {"name": "X", "permissions": ["calendar.fly"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "permissions"


def test_a_duplicate_role_name_is_refused(api):
    r = api.post("/api/v1/roles", {"name": "front desk"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "name"


def test_a_role_in_use_cannot_be_deleted_and_the_count_is_given(api, acme):
    acme.member("a@acme.test", role="provider")
    acme.member("b@acme.test", role="provider")
    r = api.delete(f"/api/v1/roles/{acme.roles['provider'].pk}")
    assert r.status_code == 409
    assert "2 members hold" in r.json()["message"]


def test_the_administrator_role_keeps_everything_and_stays(api, acme):
    rid = acme.roles["administrator"].pk
    r = api.patch(f"/api/v1/roles/{rid}", {"permissions": [P.VIEW_APPOINTMENTS]})
    assert r.status_code == 422
    assert api.delete(f"/api/v1/roles/{rid}").status_code == 409


def test_another_organizations_role_is_a_404(api, globex):
    rid = globex.roles["front_desk"].pk
    assert api.get(f"/api/v1/roles/{rid}").status_code == 404
    assert api.patch(f"/api/v1/roles/{rid}", {"name": "x"}).status_code == 404
    assert api.delete(f"/api/v1/roles/{rid}").status_code == 404


def test_access_rules_are_read_and_set(api, acme):
    m = acme.member("p@acme.test", role="provider")
    r = api.get(f"/api/v1/staff/{m.pk}/access")
    assert r.json() == {
        "staff": m.pk,
        "primary_location": acme.main.pk,
        "all_locations": False,
        "locations": [],
        "effective_locations": [acme.main.pk],
    }
    r = api.put(f"/api/v1/staff/{m.pk}/access", {"locations": [acme.branch.pk]})
    assert r.status_code == 200
    assert r.json()["effective_locations"] == sorted([acme.main.pk, acme.branch.pk])
    event = AuditEvent.objects.filter(action="set_location_access").get()
    assert event.changes["locations_added"] == ["BRANCH"]


def test_another_organizations_location_cannot_be_granted(api, acme, globex):
    m = acme.member("p@acme.test", role="provider")
    r = api.put(f"/api/v1/staff/{m.pk}/access", {"locations": [globex.main.pk]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "locations"


def test_a_members_role_is_changed_and_the_last_admin_is_protected(api, acme, admin):
    m = acme.member("p@acme.test", role="provider")
    r = api.put(f"/api/v1/staff/{m.pk}/role", {"role": acme.roles["front_desk"].pk})
    assert r.status_code == 200
    m.refresh_from_db()
    assert m.role.key == "front_desk"
    r = api.put(f"/api/v1/staff/{admin.pk}/role", {"role": acme.roles["front_desk"].pk})
    assert r.status_code == 409
    assert "last active Administrator" in r.json()["message"]


@pytest.fixture
def desk_at_main(acme):
    return acme.member("desk2@acme.test", role="front_desk")


def test_the_decision_api_allows_with_an_empty_reason(integrator, desk_at_main, acme):
    body = {"staff": desk_at_main.pk, "permission": P.CREATE_APPOINTMENTS, "location": acme.main.pk}
    r = integrator.post("/api/v1/authz/check", body)
    assert r.status_code == 200, r.content
    assert r.json()["allowed"] is True
    assert r.json()["reason"] == ""


@pytest.mark.parametrize(
    "permission,where,reason",
    [
        (P.WRITE_NOTES, "main", "missing_permission"),
        (P.CREATE_APPOINTMENTS, "branch", "no_location_access"),
        ("calendar.fly", "main", "unknown_permission"),
    ],
)
def test_the_decision_api_names_the_reason(
    integrator, desk_at_main, acme, permission, where, reason
):
    loc = getattr(acme, where)
    r = integrator.post(
        "/api/v1/authz/check",
        {"staff": desk_at_main.pk, "permission": permission, "location": loc.pk},
    )
    assert r.json()["allowed"] is False
    assert r.json()["reason"] == reason


def test_the_decision_api_says_location_inactive(integrator, acme):
    from clinicorg.directory.actions import set_location_status

    m = acme.member("d@acme.test", role="front_desk", extra_locations=[acme.branch])
    set_location_status(acme.branch, "inactive", actor=acme.system)
    r = integrator.post(
        "/api/v1/authz/check",
        {"staff": m.pk, "permission": P.CREATE_APPOINTMENTS, "location": acme.branch.pk},
    )
    assert r.json()["reason"] == "location_inactive"


def test_the_decision_api_says_inactive_account(integrator, acme):
    m = acme.member("gone@acme.test", role="front_desk", status="suspended")
    r = integrator.post(
        "/api/v1/authz/check",
        {"staff": m.pk, "permission": P.CREATE_APPOINTMENTS, "location": acme.main.pk},
    )
    assert r.json()["reason"] == "inactive_account"


def test_a_batch_is_answered_in_order(integrator, desk_at_main, acme, globex):
    outsider = globex.member("o@globex.test")
    checks = [
        {"staff": desk_at_main.pk, "permission": P.CREATE_APPOINTMENTS, "location": acme.main.pk},
        {"staff": desk_at_main.pk, "permission": P.WRITE_NOTES, "location": acme.main.pk},
        {"staff": desk_at_main.pk, "permission": P.VIEW_APPOINTMENTS, "location": acme.branch.pk},
        {"staff": outsider.pk, "permission": P.VIEW_APPOINTMENTS},
        {"staff": desk_at_main.pk, "permission": P.VIEW_APPOINTMENTS},
    ]
    r = integrator.post("/api/v1/authz/check", checks)
    assert r.status_code == 200
    assert [(a["allowed"], a["reason"]) for a in r.json()] == [
        (True, ""),
        (False, "missing_permission"),
        (False, "no_location_access"),
        (False, "not_found"),
        (True, ""),
    ]


def test_a_single_check_about_another_organization_is_a_404(integrator, globex):
    outsider = globex.member("o@globex.test")
    r = integrator.post(
        "/api/v1/authz/check", {"staff": outsider.pk, "permission": P.VIEW_APPOINTMENTS}
    )
    assert r.status_code == 404


def test_a_malformed_check_is_a_422_naming_the_field(integrator):
    r = integrator.post("/api/v1/authz/check", {"permission": P.VIEW_APPOINTMENTS})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].endswith("staff")
    r = integrator.post("/api/v1/authz/check", "not json", content_type="application/json")
    assert r.status_code == 422


def test_the_decision_api_needs_manage_integrations(acme, desk_at_main):
    role = create_role("Roles only", [P.MANAGE_ROLES], actor=acme.system)
    client = ApiClient(acme.token(role))
    r = client.post(
        "/api/v1/authz/check", {"staff": desk_at_main.pk, "permission": P.VIEW_APPOINTMENTS}
    )
    assert r.status_code == 403
    assert r.json()["reason"] == "missing_permission"
    assert r.json()["permission"] == P.MANAGE_INTEGRATIONS


def test_a_single_decision_costs_two_queries_with_authentication(
    integrator, desk_at_main, acme, django_assert_num_queries
):
    body = {"staff": desk_at_main.pk, "permission": P.CREATE_APPOINTMENTS, "location": acme.main.pk}
    with django_assert_num_queries(2):
        r = integrator.post("/api/v1/authz/check", body)
    assert r.json()["allowed"] is True


def test_a_batch_of_a_hundred_costs_a_constant_number_of_queries(
    integrator, acme, django_assert_max_num_queries
):
    members = [acme.member(f"m{i}@acme.test", role="front_desk") for i in range(10)]
    checks = [
        {"staff": members[i % 10].pk, "permission": P.VIEW_APPOINTMENTS, "location": loc.pk}
        for i in range(50)
        for loc in (acme.main, acme.branch)
    ]
    with django_assert_max_num_queries(4):
        r = integrator.post("/api/v1/authz/check", checks)
    assert len(r.json()) == 100
    assert sum(a["allowed"] for a in r.json()) == 50


def test_effective_permissions_at_a_location(integrator, desk_at_main, acme):
    r = integrator.get(f"/api/v1/staff/{desk_at_main.pk}/permissions", {"location": acme.main.pk})
    assert r.status_code == 200
    assert set(r.json()["permissions"]) == acme.roles["front_desk"].permission_set
    r = integrator.get(f"/api/v1/staff/{desk_at_main.pk}/permissions", {"location": acme.branch.pk})
    assert r.json()["permissions"] == []
    assert r.json()["reason"] == "no_location_access"


def test_a_token_limited_to_a_location_sees_only_its_staff(acme):
    role = create_role("Integrator", [P.MANAGE_INTEGRATIONS, P.MANAGE_STAFF], actor=acme.system)
    client = ApiClient(acme.token(role, locations=[acme.branch]))
    at_main = acme.member("main@acme.test", role="front_desk")
    at_branch = acme.member("br@acme.test", role="front_desk", location=acme.branch)
    assert client.get(f"/api/v1/staff/{at_main.pk}/permissions").status_code == 404
    assert client.get(f"/api/v1/staff/{at_main.pk}/access").status_code == 404
    assert client.get(f"/api/v1/staff/{at_branch.pk}/permissions").status_code == 200
    r = client.post(
        "/api/v1/authz/check",
        {"staff": at_branch.pk, "permission": P.VIEW_APPOINTMENTS, "location": acme.main.pk},
    )
    assert r.status_code == 404


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/roles").status_code == 401
    assert (
        client.post("/api/v1/authz/check", {}, content_type="application/json").status_code == 401
    )


def test_a_granted_location_allows_and_another_organizations_location_is_a_404(
    integrator, acme, globex
):
    m = acme.member("d@acme.test", role="front_desk", extra_locations=[acme.branch])
    r = integrator.post(
        "/api/v1/authz/check",
        {"staff": m.pk, "permission": P.CREATE_APPOINTMENTS, "location": acme.branch.pk},
    )
    assert r.json()["allowed"] is True
    r = integrator.post(
        "/api/v1/authz/check",
        {"staff": m.pk, "permission": P.CREATE_APPOINTMENTS, "location": globex.main.pk},
    )
    assert r.status_code == 404


def test_single_and_batch_answers_agree_with_the_policy(integrator, acme):
    from clinicorg.access import policy
    from clinicorg.access.catalogue import PERMISSIONS
    from clinicorg.staff.models import StaffMember

    m = acme.member("d@acme.test", role="billing_manager", extra_locations=[acme.branch])
    checks = [
        {"staff": m.pk, "permission": name, "location": loc.pk}
        for name in PERMISSIONS
        for loc in (acme.main, acme.branch)
    ]
    batch = integrator.post("/api/v1/authz/check", checks).json()
    fresh = StaffMember.objects.get(pk=m.pk)
    for check, answer in zip(checks, batch, strict=True):
        single = integrator.post("/api/v1/authz/check", check).json()
        loc = acme.main if check["location"] == acme.main.pk else acme.branch
        expected = policy.explain(fresh, check["permission"], loc)
        assert single["allowed"] == answer["allowed"] == expected.allowed
        assert single["reason"] == answer["reason"] == expected.reason


def test_a_role_with_api_tokens_is_not_deleted(api, acme):
    from clinicorg.access.actions import create_api_token, revoke_api_token

    role = create_role("Robots", [P.MANAGE_INTEGRATIONS], actor=acme.system)
    token, _raw = create_api_token(acme.org, role, "robot")
    r = api.delete(f"/api/v1/roles/{role.pk}")
    assert r.status_code == 409
    assert "Revoke them first" in r.json()["message"]
    revoke_api_token(token)
    r = api.delete(f"/api/v1/roles/{role.pk}")
    assert r.status_code == 409
    assert "Rename it" in r.json()["message"]
