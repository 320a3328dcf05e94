"""One appointment filter set (scheduling.filters.AppointmentFilterSet) behind the API list
and the schedule pages: the same location or provider and days find the same appointments,
and a day is a day at the appointment's location, in its time zone, as its schedule shows it."""

import re
from datetime import time, timedelta

import pytest

from clinicorg.api.urls import api as ninja_api
from clinicorg.directory import actions as directory
from clinicorg.scheduling import actions
from clinicorg.scheduling.filters import APPOINTMENT_FILTERS
from tests.conftest import signed_in

from .conftest import at, booking, next_weekday

# One place at a time by the clock on the wall: early mornings in Tokyo, afternoons in LA.
HOURS = {"MAIN": (time(14), time(21)), "BRANCH": (time(6), time(13))}


@pytest.fixture
def booked(acme, admin, provider, visit):
    """Main in Los Angeles, Branch in Tokyo; the provider works at both, with appointments
    that UTC would put on another day than the location's (evening in LA, early in Tokyo)."""
    directory.update_location(acme.main, {"timezone": "America/Los_Angeles"}, actor=admin)
    directory.update_location(acme.branch, {"timezone": "Asia/Tokyo"}, actor=admin)
    for location in (acme.main, acme.branch):
        hours = {d: [HOURS[location.code]] for d in range(7)}
        actions.set_weekly_availability(provider, location, hours, actor=acme.system)
    monday = next_weekday(acme.main)
    plan = [
        (acme.main, monday, 14, "Afternoon Main", "booked"),
        (acme.main, monday, 20, "Evening Main", "booked"),
        (acme.branch, monday, 7, "Tokyo Monday", "booked"),
        (acme.main, monday + timedelta(days=1), 15, "Tuesday Main", "cancelled"),
        (acme.branch, monday + timedelta(days=2), 7, "Tokyo Wednesday", "booked"),
    ]
    made = {}
    for location, day, hour, name, status in plan:
        data = booking(acme, provider, visit, at(location, day, hour), patient_name=name)
        data["location"] = location
        appt = actions.book_appointment(data, actor=admin)
        if status == "cancelled":
            actions.cancel_appointment(appt, "Called in", actor=admin)
        made[name] = appt
    return monday, made


def page_ids(client, url, params) -> list[int]:
    page = client.get(url, params)
    assert page.status_code == 200
    found = re.findall(r'href="/schedule/appointments/(\d+)/"', page.text)
    return [int(i) for i in dict.fromkeys(found)]


def api_ids(api, params) -> list[int]:
    body = api.get("/api/v1/appointments", {**params, "limit": 500}).json()
    return [item["id"] for item in body["items"]]


def test_the_day_page_and_the_api_find_the_same_appointments(booked, acme, admin, api):
    monday, _made = booked
    client = signed_in(admin)
    seen = set()
    for location in (acme.main, acme.branch):
        for day in (monday + timedelta(days=n) for n in range(3)):
            page = page_ids(client, f"/schedule/locations/{location.pk}/", {"date": day})
            seen.add(tuple(page))
            filters = {"location": location.pk, "date_from": day, "date_to": day}
            assert api_ids(api, filters) == page, (location.code, day)
    assert len(seen) >= 4, "the cases must tell the days apart"


def test_the_week_page_and_the_api_find_the_same_appointments(booked, provider, admin, api):
    monday, made = booked
    page = page_ids(signed_in(admin), f"/schedule/staff/{provider.pk}/", {"week": monday})
    week = {"provider": provider.pk, "date_from": monday, "date_to": monday + timedelta(days=6)}
    assert sorted(api_ids(api, week)) == sorted(page) == sorted(a.pk for a in made.values())


def test_a_day_is_the_day_at_the_appointments_location(booked, api):
    monday, made = booked
    names = {a.pk: name for name, a in made.items()}
    on_monday = api_ids(api, {"date_from": monday, "date_to": monday})
    # 20:00 in Los Angeles is Tuesday in UTC; 07:00 in Tokyo is Sunday evening in UTC.
    assert [names[i] for i in on_monday] == ["Tokyo Monday", "Afternoon Main", "Evening Main"]
    tuesday = monday + timedelta(days=1)
    assert [names[i] for i in api_ids(api, {"date_from": tuesday, "date_to": tuesday})] == [
        "Tuesday Main"
    ]


def test_the_other_filters_narrow_the_api_list(booked, acme, api):
    _monday, made = booked
    names = {a.pk: name for name, a in made.items()}
    assert [names[i] for i in api_ids(api, {"status": "cancelled"})] == ["Tuesday Main"]
    assert [names[i] for i in api_ids(api, {"q": "tokyo"})] == ["Tokyo Monday", "Tokyo Wednesday"]
    assert api_ids(api, {"source": "online"}) == []
    assert len(api_ids(api, {"location": acme.branch.pk})) == 2


def test_the_api_publishes_exactly_the_filter_sets_parameters():
    params = ninja_api.get_openapi_schema()["paths"]["/api/v1/appointments"]["get"]["parameters"]
    assert [p["name"] for p in params] == [*APPOINTMENT_FILTERS, "limit", "offset"]
    date_from = next(p for p in params if p["name"] == "date_from")
    assert "at the appointment's location" in date_from["description"]


@pytest.mark.parametrize("name,value", [("status", "postponed"), ("source", "fax")])
def test_the_api_refuses_a_value_outside_a_filters_choices_naming_it(api, name, value):
    response = api.get("/api/v1/appointments", {name: value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == name
