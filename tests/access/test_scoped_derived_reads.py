"""Numbers, lists and files derived from tenant data respect the reader's locations.

A manager limited to Branch reads templates, member counts, supervisor lists and location
details; none may count, name or list what lies at Main only.
"""

import io

import pytest
from python_calamine import CalamineWorkbook

from clinicorg.directory import actions as directory
from clinicorg.staff import actions
from tests.conftest import ApiClient, signed_in


@pytest.fixture
def world(acme, admin):
    nursing = directory.create_department("Nursing", actor=admin)
    for i in range(3):
        acme.member(f"main{i}@acme.test", role="front_desk", department=nursing)
    acme.member("branch@acme.test", role="front_desk", location=acme.branch, department=nursing)
    mgr = acme.member("mgr@acme.test", location=acme.branch)
    token = acme.token("administrator", locations=[acme.branch])
    return nursing, mgr, token


def _cells(data: bytes) -> str:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return " ".join(
        str(c)
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for c in row
    )


def test_templates_list_only_the_callers_locations_and_grantable_roles(acme, world):
    _nursing, mgr, token = world
    api = ApiClient(token)
    for fmt in ("csv", "xlsx"):
        r = api.get("/api/v1/imports/templates/staff", {"format": fmt})
        assert r.status_code == 200
        text = r.content.decode("utf-8-sig") if fmt == "csv" else _cells(r.content)
        assert "BRANCH" in text and "MAIN" not in text.split()
        page = signed_in(mgr).get(f"/imports/templates/staff.{fmt}")
        assert page.status_code == 200
        body = b"".join(page) if hasattr(page, "streaming_content") else page.content
        text = body.decode("utf-8-sig") if fmt == "csv" else _cells(body)
        assert "MAIN" not in text.split()


def test_member_counts_count_only_the_members_the_reader_can_see(acme, admin, world):
    nursing, _mgr, token = world
    everyone = ApiClient(acme.token()).get(f"/api/v1/departments/{nursing.pk}").json()
    limited = ApiClient(token).get(f"/api/v1/departments/{nursing.pk}").json()
    assert everyone["member_count"] == 4
    assert limited["member_count"] == 1
    roles = {
        r["name"]: r["member_count"] for r in ApiClient(token).get("/api/v1/roles").json()["items"]
    }
    assert roles["Front Desk"] == 1


def test_a_supervisors_scope_names_only_locations_the_reader_can_see(acme, admin, world):
    _nursing, _mgr, token = world
    lead = acme.member("lead@acme.test", role="provider", location=acme.branch)
    actions.appoint_supervisor(lead, locations=[acme.main, acme.branch], actor=admin)
    body = ApiClient(token).get("/api/v1/supervisors").json()
    (row,) = [s for s in body["items"] if s["staff"]["id"] == lead.pk]
    assert acme.main.name not in str(row)
    assert acme.branch.name in str(row)


@pytest.mark.parametrize("kind", ["department", "category"])
def test_pages_about_a_structure_item_count_only_its_holders_the_reader_can_see(
    acme, admin, branch_admin, kind
):
    """The rename, edit and delete pages, and a refused delete, of a department, position or
    category held at Main and at Branch: a Branch-limited administrator learns its Branch
    holders and that others exist, never how many."""
    if kind == "department":
        item = directory.create_department("Nursing", actor=admin)
        pages = [f"/organization/departments/{item.pk}/edit/"]
    else:
        item = directory.create_employee_category("Per diem", actor=admin)
        pages = [
            f"/organization/categories/{item.pk}/edit/",
            f"/organization/categories/{item.pk}/delete/",
        ]
    for i in range(3):
        acme.member(f"main{i}@acme.test", role="front_desk", **{kind: item})
    acme.member("branch@acme.test", role="front_desk", location=acme.branch, **{kind: item})

    limited, everyone = signed_in(branch_admin), signed_in(admin)
    for url in pages:
        seen = limited.get(url)
        assert seen.status_code == 200, url
        assert "1 staff member at your locations, and staff at other locations" in seen.text, url
        assert "4 staff members" not in seen.text and "3 staff members" not in seen.text
        assert "4 staff members" in everyone.get(url).text, url
    if kind == "category":
        refused = ApiClient(acme.token("administrator", locations=[acme.branch])).delete(
            f"/api/v1/employee-categories/{item.pk}"
        )
        assert refused.status_code == 409
        assert refused.json()["details"] == {"assigned": 1}
        assert "4" not in refused.json()["message"]
        page = limited.post(f"/organization/categories/{item.pk}/delete/", follow=True)
        assert "1 staff member at your locations, and staff at other locations" in page.text
