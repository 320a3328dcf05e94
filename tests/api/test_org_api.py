"""The organization structure through the REST API: departments, positions, employee
categories, the organization's settings and its NPIs."""

import pytest

from clinicorg.core.validators import luhn_check_digit
from clinicorg.directory import actions
from tests.conftest import ApiClient

VALID_NPI = "1234567893"


def npi_from(nine_digits: str) -> str:
    return nine_digits + str(luhn_check_digit("80840" + nine_digits))


OTHER_VALID_NPI = npi_from("124531959")

NAMED = {
    "/api/v1/departments": actions.create_department,
    "/api/v1/positions": actions.create_position,
}
named_paths = pytest.mark.parametrize("path", list(NAMED))


@pytest.fixture
def desk_api(acme):
    """A Front Desk token of Acme: no Administration permission."""
    return ApiClient(acme.token("front_desk"))


@pytest.fixture
def globex_api(globex):
    """An Administrator token of another organization."""
    return ApiClient(globex.token())


# Departments and positions: the same life, the same endpoints.


@named_paths
def test_named_lists_filter_by_text_and_status_and_paginate(acme, api, path):
    create = NAMED[path]
    create("Cardiology", actor=acme.system)
    create("Cardiac Imaging", actor=acme.system)
    old = create("Dermatology", actor=acme.system)
    api.patch(f"{path}/{old.pk}", {"is_active": False})

    body = api.get(path, {"q": "cardi", "limit": 1}).json()
    assert body["count"] == 2
    assert body["limit"] == 1
    assert [i["name"] for i in body["items"]] == ["Cardiac Imaging"]

    inactive = api.get(path, {"status": "inactive"}).json()
    assert [i["name"] for i in inactive["items"]] == ["Dermatology"]
    active = api.get(path, {"status": "active"}).json()
    assert {i["name"] for i in active["items"]} == {"Cardiology", "Cardiac Imaging"}
    assert api.get(path).json()["count"] == 3


@named_paths
def test_named_create_answers_201_with_the_record(api, path):
    response = api.post(path, {"name": "  Pediatrics "})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Pediatrics"
    assert body["is_active"] is True
    assert body["member_count"] == 0


@named_paths
def test_named_duplicate_name_is_422_naming_the_field(acme, api, path):
    NAMED[path]("Surgery", actor=acme.system)
    response = api.post(path, {"name": "SURGERY"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"
    assert "already exists" in response.json()["message"]


@named_paths
def test_named_blank_or_missing_name_is_422_naming_the_field(api, path):
    blank = api.post(path, {"name": "  "})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "name"
    missing = api.post(path, {})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "name"


@named_paths
def test_named_bad_status_filter_is_422_naming_it(api, path):
    response = api.get(path, {"status": "sometimes"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


@named_paths
def test_named_read_and_rename_and_deactivate(acme, api, path):
    obj = NAMED[path]("Lab", actor=acme.system)
    assert api.get(f"{path}/{obj.pk}").json()["name"] == "Lab"
    renamed = api.patch(f"{path}/{obj.pk}", {"name": "Laboratory"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Laboratory"
    off = api.patch(f"{path}/{obj.pk}", {"is_active": False})
    assert off.json()["is_active"] is False
    assert off.json()["name"] == "Laboratory"


@named_paths
def test_named_rename_onto_another_name_is_422(acme, api, path):
    NAMED[path]("Front", actor=acme.system)
    back = NAMED[path]("Back", actor=acme.system)
    response = api.patch(f"{path}/{back.pk}", {"name": "front"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


@named_paths
def test_named_endpoints_need_a_token(acme, path):
    obj = NAMED[path]("Lab", actor=acme.system)
    anonymous = ApiClient(None)
    assert anonymous.get(path).status_code == 401
    assert anonymous.post(path, {"name": "X"}).status_code == 401
    assert anonymous.get(f"{path}/{obj.pk}").status_code == 401
    assert anonymous.patch(f"{path}/{obj.pk}", {"name": "X"}).status_code == 401


@named_paths
def test_named_records_of_another_organization_are_404(acme, globex_api, path):
    obj = NAMED[path]("Lab", actor=acme.system)
    assert globex_api.get(f"{path}/{obj.pk}").status_code == 404
    assert globex_api.patch(f"{path}/{obj.pk}", {"name": "Mine"}).status_code == 404
    assert globex_api.get(path).json()["count"] == 0
    obj.refresh_from_db()
    assert obj.name == "Lab"


@named_paths
def test_named_endpoints_refuse_front_desk_with_reason(acme, desk_api, path):
    obj = NAMED[path]("Lab", actor=acme.system)
    for response in (
        desk_api.get(path),
        desk_api.post(path, {"name": "X"}),
        desk_api.get(f"{path}/{obj.pk}"),
        desk_api.patch(f"{path}/{obj.pk}", {"name": "X"}),
    ):
        assert response.status_code == 403
        assert response.json()["reason"] == "missing_permission"
        assert response.json()["permission"] == "administration.manage_organization_settings"


@named_paths
def test_named_list_runs_a_constant_number_of_queries(
    acme, api, path, django_assert_max_num_queries
):
    for i in range(25):
        NAMED[path](f"Unit {i}", actor=acme.system)
    with django_assert_max_num_queries(3):
        body = api.get(path, {"limit": 100}).json()
    assert body["count"] == 25


@named_paths
def test_named_writes_appear_in_the_audit_log(api, path):
    noun = "department" if "departments" in path else "position"
    created = api.post(path, {"name": "Lab"}).json()
    api.patch(f"{path}/{created['id']}", {"name": "Laboratory", "is_active": False})
    events = api.get("/api/v1/audit-events", {"target_type": noun}).json()["items"]
    assert [e["action"] for e in events] == [f"update_{noun}", f"create_{noun}"]
    update = events[0]
    assert update["target_id"] == str(created["id"])
    assert update["actor_label"] == "token:test"
    assert update["changes"] == {"name": ["Lab", "Laboratory"], "is_active": [True, False]}


# Employee categories.


def test_categories_list_filters_by_text_and_status(acme, api):
    actions.create_employee_category("Full-time", actor=acme.system)
    actions.create_employee_category("Part-time", actor=acme.system)
    actions.create_employee_category("Contractor", actor=acme.system, status="deprecated")
    assert api.get("/api/v1/employee-categories").json()["count"] == 3
    timed = api.get("/api/v1/employee-categories", {"q": "TIME"}).json()
    assert [i["name"] for i in timed["items"]] == ["Full-time", "Part-time"]
    deprecated = api.get("/api/v1/employee-categories", {"status": "deprecated"}).json()
    assert [i["name"] for i in deprecated["items"]] == ["Contractor"]


def test_categories_unknown_status_filter_is_422(api):
    response = api.get("/api/v1/employee-categories", {"status": "retired"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_category_create_read_rename_and_deprecate(api):
    created = api.post("/api/v1/employee-categories", {"name": "Locum"})
    assert created.status_code == 201
    assert created.json()["status"] == "active"
    url = f"/api/v1/employee-categories/{created.json()['id']}"
    assert api.get(url).json()["name"] == "Locum"
    changed = api.patch(url, {"name": "Locum tenens", "status": "deprecated"}).json()
    assert changed["name"] == "Locum tenens"
    assert changed["status"] == "deprecated"


def test_category_bad_status_and_duplicate_name_are_422_naming_the_field(acme, api):
    actions.create_employee_category("Full-time", actor=acme.system)
    bad = api.post("/api/v1/employee-categories", {"name": "X", "status": "retired"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"
    dup = api.post("/api/v1/employee-categories", {"name": "full-TIME"})
    assert dup.status_code == 422
    assert dup.json()["errors"][0]["field"] == "name"


def test_deleting_a_category_in_use_is_409_with_the_count(acme, api):
    category = actions.create_employee_category("Full-time", actor=acme.system)
    acme.member("one@acme.test", category=category)
    acme.member("two@acme.test", category=category)
    response = api.delete(f"/api/v1/employee-categories/{category.pk}")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "category_in_use"
    assert body["details"] == {"assigned": 2}
    assert "2 staff members" in body["message"]
    assert "Deprecate it instead" in body["message"]
    assert api.get(f"/api/v1/employee-categories/{category.pk}").json()["member_count"] == 2


def test_deleting_an_unused_category_answers_204_and_logs_it(acme, api):
    category = actions.create_employee_category("Seasonal", actor=acme.system)
    assert api.delete(f"/api/v1/employee-categories/{category.pk}").status_code == 204
    assert api.get(f"/api/v1/employee-categories/{category.pk}").status_code == 404
    events = api.get(
        "/api/v1/audit-events", {"action": "delete_employee_category", "target_id": category.pk}
    ).json()["items"]
    assert len(events) == 1
    assert events[0]["changes"]["name"] == ["Seasonal", None]


def test_category_endpoints_need_a_token(acme):
    category = actions.create_employee_category("Seasonal", actor=acme.system)
    anonymous = ApiClient(None)
    url = f"/api/v1/employee-categories/{category.pk}"
    assert anonymous.get("/api/v1/employee-categories").status_code == 401
    assert anonymous.post("/api/v1/employee-categories", {"name": "X"}).status_code == 401
    assert anonymous.get(url).status_code == 401
    assert anonymous.patch(url, {"name": "X"}).status_code == 401
    assert anonymous.delete(url).status_code == 401


def test_categories_of_another_organization_are_404(acme, globex_api):
    category = actions.create_employee_category("Seasonal", actor=acme.system)
    url = f"/api/v1/employee-categories/{category.pk}"
    assert globex_api.get(url).status_code == 404
    assert globex_api.patch(url, {"status": "deprecated"}).status_code == 404
    assert globex_api.delete(url).status_code == 404
    assert globex_api.get("/api/v1/employee-categories").json()["count"] == 0
    category.refresh_from_db()
    assert category.status == "active"


def test_category_endpoints_refuse_front_desk_with_reason(acme, desk_api):
    category = actions.create_employee_category("Seasonal", actor=acme.system)
    url = f"/api/v1/employee-categories/{category.pk}"
    for response in (
        desk_api.get("/api/v1/employee-categories"),
        desk_api.post("/api/v1/employee-categories", {"name": "X"}),
        desk_api.get(url),
        desk_api.patch(url, {"name": "X"}),
        desk_api.delete(url),
    ):
        assert response.status_code == 403
        assert response.json()["reason"] == "missing_permission"
        assert response.json()["permission"] == "administration.manage_organization_settings"


def test_category_list_runs_a_constant_number_of_queries(acme, api, django_assert_max_num_queries):
    for i in range(25):
        actions.create_employee_category(f"Kind {i}", actor=acme.system)
    with django_assert_max_num_queries(3):
        assert api.get("/api/v1/employee-categories").json()["count"] == 25


def test_category_writes_appear_in_the_audit_log(api):
    created = api.post("/api/v1/employee-categories", {"name": "Locum"}).json()
    api.patch(f"/api/v1/employee-categories/{created['id']}", {"status": "deprecated"})
    events = api.get(
        "/api/v1/audit-events", {"target_type": "employeecategory", "target_id": created["id"]}
    ).json()["items"]
    assert [e["action"] for e in events] == ["update_employee_category", "create_employee_category"]
    assert events[0]["changes"] == {"status": ["active", "deprecated"]}


# The organization and its NPIs.


def test_organization_reads_its_own_settings(acme, api):
    body = api.get("/api/v1/organization").json()
    assert body["id"] == acme.org.pk
    assert body["name"] == "Acme Health"
    assert body["slug"] == "acme"
    assert body["timezone"] == "America/New_York"
    assert body["npis"] == []


def test_organization_patch_changes_name_timezone_and_tax_id(acme, api):
    response = api.patch(
        "/api/v1/organization",
        {"name": "Acme Health Group", "timezone": "America/Chicago", "tax_id": "12-3456789"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["timezone"], body["tax_id"]) == (
        "Acme Health Group",
        "America/Chicago",
        "12-3456789",
    )
    acme.org.refresh_from_db()
    assert acme.org.timezone == "America/Chicago"


def test_organization_unknown_timezone_is_422_naming_the_field(acme, api):
    response = api.patch("/api/v1/organization", {"timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "timezone"
    acme.org.refresh_from_db()
    assert acme.org.timezone == "America/New_York"


def test_organization_npis_can_be_added_listed_and_removed(api):
    added = api.post("/api/v1/organization/npis", {"label": "Billing", "npi": VALID_NPI})
    assert added.status_code == 201
    assert added.json()["npi"] == VALID_NPI
    api.post("/api/v1/organization/npis", {"label": "Group", "npi": OTHER_VALID_NPI})
    listed = api.get("/api/v1/organization/npis").json()
    assert [(n["label"], n["npi"]) for n in listed] == [
        ("Billing", VALID_NPI),
        ("Group", OTHER_VALID_NPI),
    ]
    assert len(api.get("/api/v1/organization").json()["npis"]) == 2
    removed = api.delete(f"/api/v1/organization/npis/{added.json()['id']}")
    assert removed.status_code == 204
    assert [n["label"] for n in api.get("/api/v1/organization/npis").json()] == ["Group"]


@pytest.mark.parametrize(
    "npi, message",
    [("123", "exactly 10 digits"), ("1234567890", "check digit"), ("", "cannot be blank")],
)
def test_organization_npi_bad_number_is_422_naming_the_field(api, npi, message):
    response = api.post("/api/v1/organization/npis", {"label": "Billing", "npi": npi})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "npi" in fields
    assert message in response.text


def test_organization_npi_listed_twice_is_422(api):
    api.post("/api/v1/organization/npis", {"label": "Billing", "npi": VALID_NPI})
    response = api.post("/api/v1/organization/npis", {"label": "Again", "npi": VALID_NPI})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "npi"


def test_organization_endpoints_need_a_token(acme):
    anonymous = ApiClient(None)
    assert anonymous.get("/api/v1/organization").status_code == 401
    assert anonymous.patch("/api/v1/organization", {"name": "X"}).status_code == 401
    assert anonymous.get("/api/v1/organization/npis").status_code == 401
    assert anonymous.post("/api/v1/organization/npis", {}).status_code == 401
    assert anonymous.delete("/api/v1/organization/npis/1").status_code == 401


def test_another_organizations_token_sees_and_changes_only_its_own(acme, globex, globex_api):
    entry = actions.add_organization_npi("Billing", VALID_NPI, actor=acme.system)
    body = globex_api.get("/api/v1/organization").json()
    assert body["id"] == globex.org.pk
    assert body["npis"] == []
    assert globex_api.get("/api/v1/organization/npis").json() == []
    assert globex_api.delete(f"/api/v1/organization/npis/{entry.pk}").status_code == 404
    globex_api.patch("/api/v1/organization", {"name": "Globex Renamed"})
    acme.org.refresh_from_db()
    assert acme.org.name == "Acme Health"
    assert acme.org.npis.count() == 1


def test_organization_endpoints_refuse_front_desk_with_reason(acme, desk_api):
    entry = actions.add_organization_npi("Billing", VALID_NPI, actor=acme.system)
    for response in (
        desk_api.get("/api/v1/organization"),
        desk_api.patch("/api/v1/organization", {"name": "X"}),
        desk_api.get("/api/v1/organization/npis"),
        desk_api.post("/api/v1/organization/npis", {"label": "X", "npi": OTHER_VALID_NPI}),
        desk_api.delete(f"/api/v1/organization/npis/{entry.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["reason"] == "missing_permission"
        assert response.json()["permission"] == "administration.manage_organization_settings"
    acme.org.refresh_from_db()
    assert acme.org.name == "Acme Health"


def test_organization_read_runs_a_constant_number_of_queries(
    acme, api, django_assert_max_num_queries
):
    for i in range(5):
        actions.add_organization_npi(f"NPI {i}", npi_from(f"12345678{i}"), actor=acme.system)
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/organization").json()["npis"]) == 5


def test_organization_writes_appear_in_the_audit_log(acme, api):
    api.patch("/api/v1/organization", {"timezone": "America/Denver"})
    added = api.post("/api/v1/organization/npis", {"label": "Billing", "npi": VALID_NPI}).json()
    api.delete(f"/api/v1/organization/npis/{added['id']}")
    events = api.get("/api/v1/audit-events", {"actor": "token:test"}).json()["items"]
    assert [e["action"] for e in events] == [
        "remove_organization_npi",
        "add_organization_npi",
        "update_organization",
    ]
    assert events[2]["changes"] == {"timezone": ["America/New_York", "America/Denver"]}
    assert events[1]["changes"] == {"label": [None, "Billing"], "npi": [None, VALID_NPI]}
    assert events[0]["target_id"] == str(added["id"])
