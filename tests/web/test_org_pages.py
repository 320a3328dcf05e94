"""Organization pages: departments, positions, employee categories and organization settings."""

import pytest

from clinicorg.core.models import AuditEvent, Organization, OrganizationNPI
from clinicorg.directory import actions
from clinicorg.directory.models import Department, EmployeeCategory, Position
from tests.conftest import signed_in

VALID_NPI = "1234567893"
OTHER_VALID_NPI = "1245319599"

NAMED = [
    ("department", "departments", Department, actions.create_department),
    ("position", "positions", Position, actions.create_position),
]
UPDATE = {"department": actions.update_department, "position": actions.update_position}


@pytest.fixture
def desk_client(frontdesk):
    return signed_in(frontdesk)


@pytest.fixture
def outsider_client(outsider):
    return signed_in(outsider)


def _events(action, obj):
    return AuditEvent.objects.filter(action=action, target_id=str(obj.pk))


# Every page: anonymous, member without the permission, outsider, admin.


def _pages(acme):
    dept = actions.create_department("Cardiology", actor=acme.system)
    pos = actions.create_position("Physician", actor=acme.system)
    cat = actions.create_employee_category("Full-time", actor=acme.system)
    npi = actions.add_organization_npi("Billing", VALID_NPI, actor=acme.system)
    return {
        "get": [
            "/organization/departments/",
            f"/organization/departments/{dept.pk}/edit/",
            "/organization/positions/",
            f"/organization/positions/{pos.pk}/edit/",
            "/organization/categories/",
            f"/organization/categories/{cat.pk}/edit/",
            f"/organization/categories/{cat.pk}/delete/",
            "/organization/settings/",
        ],
        "object_posts": [
            (f"/organization/departments/{dept.pk}/status/", {"is_active": "false"}),
            (f"/organization/departments/{dept.pk}/edit/", {"name": "Renamed"}),
            (f"/organization/positions/{pos.pk}/status/", {"is_active": "false"}),
            (f"/organization/positions/{pos.pk}/edit/", {"name": "Renamed"}),
            (f"/organization/categories/{cat.pk}/edit/", {"name": "X", "status": "active"}),
            (f"/organization/categories/{cat.pk}/status/", {"status": "deprecated"}),
            (f"/organization/categories/{cat.pk}/delete/", {}),
            (f"/organization/settings/npis/{npi.pk}/remove/", {}),
        ],
        "objects": (dept, pos, cat, npi),
    }


def test_every_page_sends_anonymous_visitors_to_sign_in(client, acme):
    pages = _pages(acme)
    for url in pages["get"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/signin/" in response["Location"]
    for url, data in pages["object_posts"]:
        assert client.post(url, data).status_code == 302, url


def test_every_page_refuses_a_member_without_the_permission_and_names_it(acme, desk_client):
    pages = _pages(acme)
    for url in pages["get"]:
        response = desk_client.get(url)
        assert response.status_code == 403, url
        assert "administration.manage_organization_settings" in response.text
    for url, data in pages["object_posts"]:
        assert desk_client.post(url, data).status_code == 403, url
    for url in ("/organization/departments/new/", "/organization/categories/new/"):
        assert desk_client.post(url, {"name": "Sneaky"}).status_code == 403
    assert desk_client.post("/organization/settings/", {"name": "Hacked"}).status_code == 403
    assert not Department.objects.filter(name="Sneaky").exists()
    assert Organization.objects.get(pk=acme.org.pk).name == "Acme Health"


def test_an_outsider_gets_404_for_another_organizations_records(acme, outsider_client):
    pages = _pages(acme)
    for url in pages["get"]:
        if "/edit/" in url or "/delete/" in url:
            assert outsider_client.get(url).status_code == 404, url
    for url, data in pages["object_posts"]:
        assert outsider_client.post(url, data).status_code == 404, url
    dept, pos, cat, npi = pages["objects"]
    assert Department.objects.get(pk=dept.pk).is_active
    assert EmployeeCategory.objects.filter(pk=cat.pk).exists()
    assert OrganizationNPI.objects.filter(pk=npi.pk).exists()


def test_an_outsider_sees_only_their_own_organization_in_lists(acme, globex, outsider_client):
    actions.create_department("Acme Secret Dept", actor=acme.system)
    actions.create_employee_category("Acme Secret Cat", actor=acme.system)
    actions.add_organization_npi("Acme billing", VALID_NPI, actor=acme.system)
    assert "Acme Secret Dept" not in outsider_client.get("/organization/departments/").text
    assert "Acme Secret Cat" not in outsider_client.get("/organization/categories/").text
    page = outsider_client.get("/organization/settings/")
    assert VALID_NPI not in page.text
    assert "Globex Care" in page.text


# Departments and positions: one set of views.


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_list_shows_member_counts_search_and_status_filter(
    acme, admin, admin_client, key, plural, model, create
):
    busy = create("Surgery", actor=admin)
    create("Lab", actor=admin)
    quiet = create("Archive", actor=admin)
    UPDATE[key](quiet, {"is_active": False}, actor=admin)
    acme.member("a@acme.test", **{key: busy})
    acme.member("b@acme.test", **{key: busy})

    page = admin_client.get(f"/organization/{plural}/")
    assert page.status_code == 200
    row = page.text.split("<td>Surgery</td>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in row

    found = admin_client.get(f"/organization/{plural}/", {"q": "surg"}).text
    assert "Surgery" in found and "Lab" not in found

    inactive = admin_client.get(f"/organization/{plural}/", {"status": "inactive"}).text
    assert "Archive" in inactive and "Surgery" not in inactive
    active = admin_client.get(f"/organization/{plural}/", {"status": "active"}).text
    assert "Archive" not in active and "Surgery" in active


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_admin_creates_one_and_the_audit_log_records_it(
    acme, admin, admin_client, key, plural, model, create
):
    response = admin_client.post(f"/organization/{plural}/new/", {"name": "  Oncology "})
    assert response.status_code == 302
    assert response["Location"] == f"/organization/{plural}/"
    obj = model.objects.get(organization=acme.org, name="Oncology")
    event = _events(f"create_{key}", obj).get()
    assert event.actor == admin


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_a_duplicate_name_is_shown_beside_the_field(
    acme, admin, admin_client, key, plural, model, create
):
    create("Oncology", actor=admin)
    page = admin_client.post(f"/organization/{plural}/new/", {"name": "oncology"})
    assert page.status_code == 200
    assert 'id="id_name-error"' in page.text
    assert f"A {key} with this name already exists." in page.text
    assert model.objects.filter(organization=acme.org).count() == 1


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_a_blank_name_is_shown_beside_the_field(admin_client, key, plural, model, create):
    page = admin_client.post(f"/organization/{plural}/new/", {"name": "   "})
    assert page.status_code == 200
    assert 'id="id_name-error"' in page.text


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_admin_renames_one_and_the_change_is_audited(
    acme, admin, admin_client, key, plural, model, create
):
    obj = create("Peds", actor=admin)
    assert admin_client.get(f"/organization/{plural}/{obj.pk}/edit/").status_code == 200
    response = admin_client.post(f"/organization/{plural}/{obj.pk}/edit/", {"name": "Pediatrics"})
    assert response.status_code == 302
    assert model.objects.get(pk=obj.pk).name == "Pediatrics"
    assert _events(f"update_{key}", obj).get().changes == {"name": ["Peds", "Pediatrics"]}


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_renaming_to_a_taken_name_is_shown_beside_the_field(
    acme, admin, admin_client, key, plural, model, create
):
    create("Billing", actor=admin)
    obj = create("Front", actor=admin)
    page = admin_client.post(f"/organization/{plural}/{obj.pk}/edit/", {"name": "BILLING"})
    assert page.status_code == 200
    assert 'id="id_name-error"' in page.text
    assert model.objects.get(pk=obj.pk).name == "Front"


@pytest.mark.parametrize("key,plural,model,create", NAMED)
def test_admin_deactivates_and_reactivates_one(
    acme, admin, admin_client, key, plural, model, create
):
    obj = create("Radiology", actor=admin)
    url = f"/organization/{plural}/{obj.pk}/status/"
    back = f"/organization/{plural}/?q=rad"
    response = admin_client.post(url, {"is_active": "false", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert not model.objects.get(pk=obj.pk).is_active
    assert _events(f"update_{key}", obj).get().changes == {"is_active": [True, False]}
    admin_client.post(url, {"is_active": "true"})
    assert model.objects.get(pk=obj.pk).is_active


def test_status_change_never_redirects_off_site(admin, admin_client):
    obj = actions.create_department("Radiology", actor=admin)
    response = admin_client.post(
        f"/organization/departments/{obj.pk}/status/",
        {"is_active": "false", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/organization/departments/"


def test_a_status_change_without_a_choice_changes_nothing(admin, admin_client):
    obj = actions.create_department("Radiology", actor=admin)
    response = admin_client.post(f"/organization/departments/{obj.pk}/status/", {})
    assert response.status_code == 302
    assert Department.objects.get(pk=obj.pk).is_active
    assert not _events("update_department", obj).exists()


def test_status_pages_accept_only_post(admin, admin_client):
    obj = actions.create_department("Radiology", actor=admin)
    assert admin_client.get(f"/organization/departments/{obj.pk}/status/").status_code == 405


@pytest.mark.parametrize(
    "plural,create",
    [("departments", actions.create_department), ("categories", actions.create_employee_category)],
)
def test_list_pages_run_a_constant_number_of_queries(
    acme, admin, admin_client, django_assert_max_num_queries, plural, create
):
    admin_client.get(f"/organization/{plural}/")
    for i in range(30):
        create(f"Item {i}", actor=admin)
    with django_assert_max_num_queries(8):
        assert admin_client.get(f"/organization/{plural}/").status_code == 200


def test_the_position_list_runs_a_constant_number_of_queries(
    acme, admin, admin_client, django_assert_max_num_queries
):
    for i in range(30):
        actions.create_position(f"Title {i}", actor=admin)
    with django_assert_max_num_queries(8):
        assert admin_client.get("/organization/positions/").status_code == 200


# Employee categories.


def test_category_list_shows_status_badges_and_member_counts(acme, admin, admin_client):
    used = actions.create_employee_category("Salaried", actor=admin)
    old = actions.create_employee_category("Seasonal", actor=admin)
    actions.update_employee_category(old, {"status": "deprecated"}, actor=admin)
    acme.member("a@acme.test", category=used)
    page = admin_client.get("/organization/categories/")
    assert page.status_code == 200
    assert '<span class="badge deprecated">Deprecated</span>' in page.text
    row = page.text.split("Salaried", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">1</td>' in row
    only = admin_client.get("/organization/categories/", {"status": "deprecated"}).text
    assert "Seasonal" in only and "Salaried" not in only


def test_admin_creates_a_category(acme, admin, admin_client):
    response = admin_client.post("/organization/categories/new/", {"name": "Per diem"})
    assert response.status_code == 302
    category = EmployeeCategory.objects.get(organization=acme.org, name="Per diem")
    assert category.status == "active"
    assert _events("create_employee_category", category).exists()


def test_a_duplicate_category_is_shown_beside_the_field(acme, admin, admin_client):
    actions.create_employee_category("Contractor", actor=admin)
    page = admin_client.post("/organization/categories/new/", {"name": "CONTRACTOR"})
    assert page.status_code == 200
    assert 'id="id_name-error"' in page.text
    assert "An employee category with this name already exists." in page.text


def test_admin_renames_and_deprecates_a_category_on_its_page(acme, admin, admin_client):
    category = actions.create_employee_category("Part time", actor=admin)
    response = admin_client.post(
        f"/organization/categories/{category.pk}/edit/",
        {"name": "Part-time", "status": "deprecated"},
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.status) == ("Part-time", "deprecated")
    assert _events("update_employee_category", category).get().changes == {
        "name": ["Part time", "Part-time"],
        "status": ["active", "deprecated"],
    }


def test_a_bad_category_status_is_shown_beside_the_field(admin, admin_client):
    category = actions.create_employee_category("Part time", actor=admin)
    page = admin_client.post(
        f"/organization/categories/{category.pk}/edit/", {"name": "Part time", "status": "gone"}
    )
    assert page.status_code == 200
    assert 'id="id_status-error"' in page.text


def test_the_status_button_deprecates_and_reactivates_a_category(acme, admin, admin_client):
    category = actions.create_employee_category("Locum", actor=admin)
    url = f"/organization/categories/{category.pk}/status/"
    assert admin_client.post(url, {"status": "deprecated"}).status_code == 302
    assert EmployeeCategory.objects.get(pk=category.pk).status == "deprecated"
    admin_client.post(url, {"status": "active"})
    assert EmployeeCategory.objects.get(pk=category.pk).status == "active"
    assert _events("update_employee_category", category).count() == 2


def test_a_bad_status_value_is_reported_not_a_500(admin, admin_client):
    category = actions.create_employee_category("Locum", actor=admin)
    response = admin_client.post(
        f"/organization/categories/{category.pk}/status/", {"status": "nonsense"}, follow=True
    )
    assert response.status_code == 200
    assert "is not a valid choice" in response.text
    assert EmployeeCategory.objects.get(pk=category.pk).status == "active"


def test_admin_deletes_an_unused_category(acme, admin, admin_client):
    category = actions.create_employee_category("Temp", actor=admin)
    page = admin_client.get(f"/organization/categories/{category.pk}/delete/")
    assert "No staff member has it" in page.text
    response = admin_client.post(f"/organization/categories/{category.pk}/delete/")
    assert response.status_code == 302
    assert not EmployeeCategory.objects.filter(pk=category.pk).exists()
    assert AuditEvent.objects.filter(
        action="delete_employee_category", target_label="Temp"
    ).exists()


def test_deleting_a_category_in_use_is_refused_with_the_count(acme, admin, admin_client):
    category = actions.create_employee_category("Full-time", actor=admin)
    acme.member("a@acme.test", category=category)
    acme.member("b@acme.test", category=category)
    page = admin_client.get(f"/organization/categories/{category.pk}/delete/")
    assert "is assigned to 2 staff members, so it cannot be deleted" in page.text
    assert "Deprecate" in page.text

    response = admin_client.post(f"/organization/categories/{category.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert '<div class="message error" role="status">' in response.text
    assert "is assigned to 2 staff members, so it cannot be deleted" in response.text
    assert "Deprecate it instead" in response.text
    assert EmployeeCategory.objects.filter(pk=category.pk).exists()
    assert not AuditEvent.objects.filter(action="delete_employee_category").exists()


# Organization settings.


def test_settings_page_shows_the_organization_and_its_npis(acme, admin, admin_client):
    actions.add_organization_npi("Group practice", VALID_NPI, actor=admin)
    page = admin_client.get("/organization/settings/")
    assert page.status_code == 200
    assert 'value="Acme Health"' in page.text
    assert '<option value="America/New_York" selected>' in page.text
    assert "Group practice" in page.text and VALID_NPI in page.text


def test_admin_changes_name_timezone_and_tax_id(acme, admin, admin_client):
    response = admin_client.post(
        "/organization/settings/",
        {"name": "Acme Health Group", "timezone": "America/Denver", "tax_id": "12-3456789"},
    )
    assert response.status_code == 302
    org = Organization.objects.get(pk=acme.org.pk)
    assert (org.name, org.timezone, org.tax_id) == (
        "Acme Health Group",
        "America/Denver",
        "12-3456789",
    )
    event = AuditEvent.objects.get(action="update_organization")
    assert event.changes["timezone"] == ["America/New_York", "America/Denver"]
    assert event.actor == admin


def test_bad_settings_are_shown_beside_the_field(acme, admin_client):
    page = admin_client.post(
        "/organization/settings/", {"name": "", "timezone": "Mars/Olympus", "tax_id": ""}
    )
    assert page.status_code == 200
    assert 'id="id_name-error"' in page.text
    assert 'id="id_timezone-error"' in page.text
    assert Organization.objects.get(pk=acme.org.pk).name == "Acme Health"


def test_admin_adds_an_organizational_npi(acme, admin, admin_client):
    response = admin_client.post(
        "/organization/settings/npis/new/", {"label": "Billing", "npi": VALID_NPI}
    )
    assert response.status_code == 302
    entry = OrganizationNPI.objects.get(organization=acme.org, npi=VALID_NPI)
    assert entry.label == "Billing"
    assert _events("add_organization_npi", entry).get().actor == admin


@pytest.mark.parametrize(
    "npi,message",
    [
        ("123", "An NPI is exactly 10 digits."),
        ("1234567890", "This NPI fails its check digit"),
        ("", "This field is required."),
    ],
)
def test_a_bad_npi_is_shown_beside_the_field(acme, admin_client, npi, message):
    page = admin_client.post("/organization/settings/npis/new/", {"label": "Billing", "npi": npi})
    assert page.status_code == 200
    assert 'id="id_npi-error"' in page.text
    assert message in page.text
    assert not OrganizationNPI.objects.filter(organization=acme.org).exists()


def test_the_same_npi_twice_is_shown_beside_the_field(acme, admin, admin_client):
    actions.add_organization_npi("Billing", VALID_NPI, actor=admin)
    page = admin_client.post(
        "/organization/settings/npis/new/", {"label": "Group", "npi": VALID_NPI}
    )
    assert 'id="id_npi-error"' in page.text
    assert "The organization already lists this NPI." in page.text


def test_an_organization_can_list_several_npis(acme, admin, admin_client):
    admin_client.post("/organization/settings/npis/new/", {"label": "Billing", "npi": VALID_NPI})
    admin_client.post(
        "/organization/settings/npis/new/", {"label": "Group", "npi": OTHER_VALID_NPI}
    )
    assert OrganizationNPI.objects.filter(organization=acme.org).count() == 2


def test_admin_removes_an_organizational_npi(acme, admin, admin_client):
    entry = actions.add_organization_npi("Billing", VALID_NPI, actor=admin)
    response = admin_client.post(f"/organization/settings/npis/{entry.pk}/remove/")
    assert response.status_code == 302
    assert not OrganizationNPI.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="remove_organization_npi").exists()


def test_removing_another_organizations_npi_is_a_404(acme, globex, admin_client):
    theirs = actions.add_organization_npi("Billing", VALID_NPI, actor=globex.system)
    assert admin_client.post(f"/organization/settings/npis/{theirs.pk}/remove/").status_code == 404
    assert OrganizationNPI.objects.filter(pk=theirs.pk).exists()


def test_the_settings_page_runs_a_constant_number_of_queries(
    acme, admin, admin_client, django_assert_max_num_queries
):
    for i in range(10):
        # Valid NPIs: nine digits plus the Luhn check digit over 80840.
        from clinicorg.core.validators import NPI_PREFIX, luhn_check_digit

        base = f"1{i:08d}"
        actions.add_organization_npi(
            f"NPI {i}", base + str(luhn_check_digit(NPI_PREFIX + base)), actor=admin
        )
    with django_assert_max_num_queries(8):
        assert admin_client.get("/organization/settings/").status_code == 200


def test_navigation_links_to_the_organization_pages_for_admins_only(admin_client, desk_client):
    page = admin_client.get("/organization/departments/")
    assert 'href="/organization/departments/" aria-current="page">Org structure' in page.text
    assert 'href="/organization/settings/"' in page.text
    home = desk_client.get("/", follow=True)
    assert "/organization/settings/" not in home.text
