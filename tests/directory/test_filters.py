"""One location filter set (directory.filters.LocationFilterSet) behind the Locations page, the
API list, the export and the export command: the same filter finds the same locations
everywhere, in the same order."""

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinicorg.api.urls import api as ninja_api
from clinicorg.directory import actions
from clinicorg.directory.filters import LOCATION_FILTERS
from clinicorg.directory.models import Location
from tests.conftest import signed_in
from tests.lists import exported, exported_by_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(acme, admin):
    system = acme.system
    north = actions.create_location(
        {"name": "North Clinic", "code": "NORTH", "city": "Salem", "credentialing_enabled": True},
        actor=system,
    )
    actions.add_payer_enrollment(north, {"payer_name": "Aetna", "payer_id": "60054"}, actor=system)
    old = actions.create_location(
        {"name": "Old Annex", "code": "OLD", "city": "Salem"}, actor=system
    )
    actions.set_location_status(old, "inactive", actor=system)
    return acme


CASES = [
    {},
    {"q": "salem"},
    {"status": "inactive"},
    {"status": "active", "q": "clinic"},
    {"credentialing": "on"},
    {"credentialing": "off", "sort": "-code"},
    {"enrollment": "pending"},
    {"sort": "city"},
]


def page_codes(client, params) -> list[str]:
    page = client.get("/locations/", params)
    assert page.status_code == 200
    ids = re.findall(r'href="/locations/(\d+)/"', page.text)
    codes = dict(Location.objects.values_list("pk", "code"))
    return [codes[int(i)] for i in dict.fromkeys(ids)]


def api_codes(api, params) -> list[str]:
    body = api.get("/api/v1/locations", {**params, "limit": 500}).json()
    return [item["code"] for item in body["items"]]


def test_every_front_end_finds_the_same_locations_for_the_same_filter(places, admin, api, tmp_path):
    client = signed_in(admin)
    seen = set()
    for params in CASES:
        page = page_codes(client, params)
        seen.add(tuple(page))
        assert api_codes(api, params) == page, params
        assert exported(client, "locations", params) == page, params
        assert exported_by_command("locations", params, tmp_path) == page, params
    assert len(seen) >= 5, "the cases must tell the filters apart"


def test_each_filter_narrows_as_it_says(places, admin):
    client = signed_in(admin)
    assert page_codes(client, {"enrollment": "pending"}) == ["NORTH"]
    assert page_codes(client, {"credentialing": "on"}) == ["NORTH"]
    assert page_codes(client, {"status": "inactive"}) == ["OLD"]
    assert set(page_codes(client, {"q": "salem"})) == {"NORTH", "OLD"}


def test_the_api_publishes_exactly_the_filter_sets_parameters():
    spec = ninja_api.get_openapi_schema()
    params = spec["paths"]["/api/v1/locations"]["get"]["parameters"]
    assert [p["name"] for p in params] == [*LOCATION_FILTERS, "limit", "offset"]
    status = next(p for p in params if p["name"] == "status")
    assert set(status["schema"]["enum"]) == {"", "active", "inactive"}


def test_the_api_refuses_a_value_outside_a_filters_choices_naming_it(api):
    response = api.get("/api/v1/locations", {"credentialing": "maybe"})
    assert response.status_code == 422 and "credentialing" in response.text


def test_the_command_refuses_a_filter_of_another_list(places):
    with pytest.raises(CommandError, match="--filter role=1"):
        call_command("export", "locations", "--org", "acme", "--filter", "role=1")


def test_the_pages_export_link_keeps_every_filter(places, admin):
    """The Export button exports what the page lists: its link carries every filter."""
    client = signed_in(admin)
    for params in CASES:
        page = client.get("/locations/", params)
        link = re.search(r'href="(/exports/locations/\?[^"]*)"', page.text)
        assert link, params
        query = dict(parse_qsl(urlsplit(html.unescape(link.group(1))).query))
        assert query.pop("format") == "xlsx"
        assert query == params
        assert exported(client, "locations", query) == page_codes(client, params), params
