"""One license filter set (reports.filters.LicenseFilterSet) behind the license expiry page,
its CSV and XLSX export and the API list: the same filter finds the same licenses everywhere,
in the same order."""

import csv
import io
from datetime import timedelta

import pytest

from clinicorg.api.urls import api as ninja_api
from clinicorg.reports.filters import LICENSE_FILTERS
from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from tests.conftest import signed_in

API = "/api/v1/reports/licenses"


@pytest.fixture
def licensed(world, acme):
    today = org_today(acme.org)
    plan = [
        ("main_provider", "CA", "EXP-5", -5),
        ("main_provider", "NY", "IN-10", 10),
        ("branch_provider", "TX", "IN-45", 45),
        ("branch_provider", "CA", "IN-80", 80),
        ("main_provider", "WA", "IN-200", 200),
    ]
    for who, state, number, days in plan:
        staff_actions.add_license(
            world[who],
            {"state": state, "number": number, "expires_on": today + timedelta(days=days)},
            actor=acme.system,
        )
    return acme


def _cases(acme):
    return [
        {},
        {"window": "30"},
        {"window": "365", "show": "expired"},
        {"window": "60", "show": "expiring"},
        {"window": "365", "state": "ca"},
        {"window": "365", "q": "np@acme"},
        {"window": "365", "location": str(acme.branch.pk)},
        {"window": "365", "sort": "-expires"},
        {"window": "365", "sort": "state"},
        {"window": "365", "sort": "-provider"},
    ]


def page_numbers(client, params) -> list[str]:
    page = client.get("/licenses/", params)
    assert page.status_code == 200
    return [lic.number for lic in page.context["page"]]


def api_numbers(api, params) -> list[str]:
    body = api.get(API, {**params, "limit": 100}).json()
    return [item["number"] for item in body["items"]]


def exported_numbers(client, params) -> list[str]:
    download = client.get("/licenses/export.csv", params)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    return [row[4] for row in rows[1:]]


def test_every_front_end_finds_the_same_licenses_for_the_same_filter(licensed, admin, api):
    client = signed_in(admin)
    seen = set()
    for params in _cases(licensed):
        page = page_numbers(client, params)
        seen.add(tuple(page))
        assert page, params
        assert api_numbers(api, params) == page, params
        assert exported_numbers(client, params) == page, params
    assert len(seen) >= 8, "the cases must tell the filters apart"


def test_a_filter_the_page_form_refuses_still_filters_the_same_everywhere(licensed, admin, api):
    """An unknown order is the default order on the page and the export; a location that is no
    id finds nothing there (the API refuses both with a 422)."""
    client = signed_in(admin)
    assert page_numbers(client, {"sort": "colour"}) == exported_numbers(client, {"sort": ""})
    assert page_numbers(client, {"location": "main"}) == []
    assert exported_numbers(client, {"location": "main"}) == []


def test_the_api_publishes_exactly_the_filter_sets_parameters():
    params = ninja_api.get_openapi_schema()["paths"][API]["get"]["parameters"]
    assert [p["name"] for p in params] == [*LICENSE_FILTERS, "limit", "offset"]
    show = next(p for p in params if p["name"] == "show")
    assert set(show["schema"]["enum"]) == {"", "expired", "expiring"}


@pytest.mark.parametrize("name,value", [("show", "lapsed"), ("sort", "colour")])
def test_the_api_refuses_a_value_outside_a_filters_choices_naming_it(api, name, value):
    response = api.get(API, {name: value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == name
