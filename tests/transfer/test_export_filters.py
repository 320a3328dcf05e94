"""The API's exports take their list's filter set (staff.filters, directory.filters): every
filter of the list, typed as the list's, so an export holds what the list shows."""

import csv
import io

import pytest

from clinicorg.api.urls import api as ninja_api
from clinicorg.directory import actions as directory
from clinicorg.directory.filters import LOCATION_FILTERS
from clinicorg.staff.filters import STAFF_FILTERS


def _exported(api, kind, params) -> list[str]:
    response = api.get(f"/api/v1/exports/{kind}", {**params, "format": "csv"})
    assert response.status_code == 200, response.content[:300]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [r[0] for r in rows[1:]]


def _listed(api, kind, params, key) -> list[str]:
    body = api.get(f"/api/v1/{kind}", {**params, "limit": 500}).json()
    return [item[key] for item in body["items"]]


@pytest.mark.parametrize(
    "path,names",
    [("/api/v1/exports/staff", STAFF_FILTERS), ("/api/v1/exports/locations", LOCATION_FILTERS)],
)
def test_an_export_takes_exactly_its_lists_filters(path, names):
    params = ninja_api.get_openapi_schema()["paths"][path]["get"]["parameters"]
    assert [p["name"] for p in params if p["name"] != "format"] == list(names)


def test_the_staff_export_holds_the_list_for_every_filter(acme, admin, api):
    acme.member("doc@acme.test", role="provider")
    acme.member("desk@acme.test", role="front_desk", location=acme.branch)
    for params in ({"missing": "npi"}, {"location": str(acme.branch.pk)}, {"sort": "-name"}):
        listed = _listed(api, "staff", params, "email")
        assert _exported(api, "staff", params) == listed, params
    assert _exported(api, "staff", {"missing": "npi"}) == ["doc@acme.test"]


def test_the_location_export_holds_the_list_for_every_filter(acme, api):
    directory.update_location(acme.branch, {"credentialing_enabled": True}, actor=acme.system)
    for params in ({"credentialing": "on"}, {"credentialing": "off"}, {"sort": "-code"}):
        assert _exported(api, "locations", params) == _listed(api, "locations", params, "code")
    assert _exported(api, "locations", {"credentialing": "on"}) == ["BRANCH"]


def test_an_export_refuses_a_value_outside_a_filters_choices_naming_it(api):
    response = api.get("/api/v1/exports/staff", {"status": "retired"})
    assert response.status_code == 422 and "status" in response.text
