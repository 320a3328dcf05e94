"""One staff filter set (staff.filters.StaffFilterSet) behind the list page, the API list, the
export and the export command: the same filter finds the same members everywhere."""

import re

import pytest
from django.core.management import call_command

from clinicorg.api.urls import api as ninja_api
from clinicorg.staff import actions
from clinicorg.staff.filters import STAFF_FILTERS
from clinicorg.staff.models import Status
from tests.conftest import signed_in
from tests.lists import exported, exported_by_command


@pytest.fixture
def office(acme, admin):
    dept = acme.org.departments.create(name="Cardiology")
    acme.member("ana.chen@acme.test", first_name="Ana", last_name="Chen", department=dept)
    acme.member("bo.chen@acme.test", first_name="Bo", last_name="Chenoweth", role="provider")
    acme.member("cy@acme.test", first_name="Cy", last_name="Diaz", location=acme.branch)
    gone = acme.member("dee@acme.test", first_name="Dee", last_name="Chen", role="front_desk")
    actions.change_staff_status(gone, Status.DEACTIVATED, "Left", actor=admin)
    acme.member("eve@acme.test", first_name="Eve", last_name="Evans", status=Status.PENDING)
    return acme


def _cases(acme):
    return [
        {},
        {"q": "chen"},
        {"q": "chen", "status": "all"},
        {"status": "deactivated"},
        {"status": "pending"},
        {"location": str(acme.branch.pk)},
        {"department": "none", "q": "chen"},
        {"role": str(acme.roles["provider"].pk)},
        {"missing": "npi"},
        {"q": "chen", "sort": "-name"},
    ]


def page_emails(client, params) -> list[str]:
    page = client.get("/staff/", {**params, "per": "200"})
    assert page.status_code == 200
    return re.findall(r'href="mailto:([^"]+)"', page.text)


def api_emails(api, params) -> list[str]:
    body = api.get("/api/v1/staff", {**params, "limit": 500}).json()
    return [item["email"] for item in body["items"]]


def test_every_front_end_finds_the_same_members_for_the_same_filter(office, admin, api, tmp_path):
    client = signed_in(admin)
    for params in _cases(office):
        page = page_emails(client, params)
        assert api_emails(api, params) == page, params
        assert exported(client, "staff", params) == page, params
        assert exported_by_command("staff", params, tmp_path) == page, params


def test_the_search_finds_the_chens_and_not_the_deactivated_one_by_default(office, admin):
    found = page_emails(signed_in(admin), {"q": "chen"})
    assert found == ["ana.chen@acme.test", "bo.chen@acme.test"]


def test_a_selection_of_ids_is_one_more_filter_of_the_set(office, admin, api):
    chosen = office.org.staff.filter(email__in=["cy@acme.test", "ana.chen@acme.test"])
    ids = ",".join(str(m.pk) for m in chosen)
    assert api_emails(api, {"ids": ids}) == ["ana.chen@acme.test", "cy@acme.test"]
    assert api_emails(api, {"ids": "12,x"}) == []
    too_many = ",".join([ids, *(str(n) for n in range(10_000, 11_000))])
    assert api_emails(api, {"ids": too_many}) == []


def test_the_api_publishes_exactly_the_filter_sets_parameters():
    spec = ninja_api.get_openapi_schema()
    params = spec["paths"]["/api/v1/staff"]["get"]["parameters"]
    names = [p["name"] for p in params]
    assert names == [*STAFF_FILTERS, "limit", "offset"]
    status = next(p for p in params if p["name"] == "status")
    assert set(status["schema"]["enum"]) == {"", "all", *Status.values}


def test_the_api_refuses_a_value_outside_a_filters_choices_naming_it(api):
    response = api.get("/api/v1/staff", {"status": "retired"})
    assert response.status_code == 422
    assert "status" in response.text


def test_the_api_page_keeps_its_shape_with_ninjas_pagination(office, api):
    body = api.get("/api/v1/staff", {"limit": 2, "offset": 1, "status": "all"}).json()
    assert set(body) == {"count", "count_exact", "limit", "offset", "items"}
    assert (body["count"], body["limit"], body["offset"], len(body["items"])) == (6, 2, 1, 2)
    assert body["count_exact"] is True
    assert api.get("/api/v1/staff", {"limit": 501}).status_code == 422


def test_the_command_refuses_an_unknown_filter(office):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--filter colour=red"):
        call_command("export", "staff", "--org", "acme", "--filter", "colour=red")
