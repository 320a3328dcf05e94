"""One filter set per structure list (directory.filters): departments and positions share
NamedFilterSet, employee categories have CategoryFilterSet. The page and the API list read
their parameters from it, so the same filter finds the same records in the same order, and
departments and positions take the location list's `status=active|inactive`."""

import re

import pytest

from clinicorg.api.urls import api as ninja_api
from clinicorg.directory import actions
from clinicorg.directory.filters import CATEGORY_FILTERS, NAMED_FILTERS
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

NAMED = {
    "departments": (actions.create_department, actions.update_department),
    "positions": (actions.create_position, actions.update_position),
}


@pytest.fixture
def structure(acme):
    system = acme.system
    for create, update in NAMED.values():
        for name in ("Cardiology", "Cardiac Imaging", "Dermatology"):
            create(name, actor=system)
        old = create("Archive", actor=system)
        update(old, {"is_active": False}, actor=system)
    for name in ("Full time", "Per diem", "Part time"):
        actions.create_employee_category(name, actor=system)
    gone = actions.create_employee_category("Contractor", actor=system)
    actions.update_employee_category(gone, {"status": "deprecated"}, actor=system)
    return acme


NAMED_CASES = [
    {},
    {"q": "cardi"},
    {"status": "active"},
    {"status": "inactive"},
    {"status": "active", "q": "ology"},
]
CATEGORY_CASES = [
    {},
    {"q": "time"},
    {"status": "active"},
    {"status": "deprecated"},
    {"status": "active", "q": "per"},
]


def page_names(client, url, params) -> list[str]:
    page = client.get(url, params)
    assert page.status_code == 200
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", body)


def api_names(api, path, params) -> list[str]:
    body = api.get(path, {**params, "limit": 500}).json()
    return [item["name"] for item in body["items"]]


@pytest.mark.parametrize("plural", NAMED)
def test_the_page_and_the_api_find_the_same_departments_and_positions(
    structure, admin, api, plural
):
    client = signed_in(admin)
    seen = set()
    for params in NAMED_CASES:
        page = page_names(client, f"/organization/{plural}/", params)
        seen.add(tuple(page))
        assert api_names(api, f"/api/v1/{plural}", params) == page, params
    assert len(seen) == len(NAMED_CASES), "the cases must tell the filters apart"
    assert page_names(client, f"/organization/{plural}/", {"status": "inactive"}) == ["Archive"]


def test_the_page_and_the_api_find_the_same_categories(structure, admin, api):
    client = signed_in(admin)
    seen = set()
    for params in CATEGORY_CASES:
        page = page_names(client, "/organization/categories/", params)
        seen.add(tuple(page))
        assert api_names(api, "/api/v1/employee-categories", params) == page, params
    assert len(seen) == len(CATEGORY_CASES), "the cases must tell the filters apart"


@pytest.mark.parametrize(
    "path,names,statuses",
    [
        ("/api/v1/departments", NAMED_FILTERS, {"", "active", "inactive"}),
        ("/api/v1/positions", NAMED_FILTERS, {"", "active", "inactive"}),
        ("/api/v1/employee-categories", CATEGORY_FILTERS, {"", "active", "deprecated"}),
    ],
)
def test_the_api_publishes_exactly_the_filter_sets_parameters(path, names, statuses):
    params = ninja_api.get_openapi_schema()["paths"][path]["get"]["parameters"]
    assert [p["name"] for p in params] == [*names, "limit", "offset"]
    status = next(p for p in params if p["name"] == "status")
    assert set(status["schema"]["enum"]) == statuses


@pytest.mark.parametrize(
    "path", ["/api/v1/departments", "/api/v1/positions", "/api/v1/employee-categories"]
)
def test_the_api_refuses_a_value_outside_a_filters_choices_naming_it(api, path):
    response = api.get(path, {"status": "retired"})
    assert response.status_code == 422 and "status" in response.text
