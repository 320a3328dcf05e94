"""The scheduling API: slots shaped by capacity and step, booking, cancelling, marking, access."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from clinicorg.scheduling import actions
from tests.conftest import ApiClient

from .conftest import at, booking, next_weekday

pytestmark = pytest.mark.django_db


def _slots(api, **params):
    r = api.get("/api/v1/slots", params)
    assert r.status_code == 200, r.content
    return r.json()


def _body(acme, provider, visit, start, **extra):
    return {
        "provider": provider.pk,
        "location": acme.main.pk,
        "visit_type": visit.pk,
        "starts_at": start.isoformat(),
        "patient_name": "Pat Patient",
        "patient_email": "pat@example.test",
        **extra,
    }


def test_slots_follow_step_and_capacity(api, acme, provider, visit, hours):
    day = next_weekday(acme.main)
    params = {"location": acme.main.pk, "visit_type": visit.pk, "start": day, "days": 1}
    slots = _slots(api, **params)
    assert slots["count"] == 31  # 09:00..16:30 every 15 minutes for a 30-minute visit
    (item,) = slots["items"]
    assert item["provider"]["id"] == provider.pk and item["timezone"] == "America/New_York"
    start = at(acme.main, day, 9)
    assert parse_datetime(item["starts"][0]) == start
    r = api.post("/api/v1/appointments", _body(acme, provider, visit, start))
    assert r.status_code == 201, r.content
    after = [parse_datetime(s) for s in _slots(api, **params)["items"][0]["starts"]]
    # 09:00 and 09:15 overlap the booked half hour; 09:30 is free again.
    assert len(after) == 29 and start not in after and at(acme.main, day, 9, 30) in after


def test_a_taken_start_answers_409_no_longer_available(api, acme, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 9)
    assert api.post("/api/v1/appointments", _body(acme, provider, visit, start)).status_code == 201
    r = api.post("/api/v1/appointments", _body(acme, provider, visit, start))
    assert r.status_code == 409 and r.json()["error"] == "no_longer_available"


def test_bad_input_names_the_field(api, acme, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 9)
    r = api.post("/api/v1/appointments", _body(acme, provider, visit, start, patient_email="x"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "patient_email"
    r = api.put(
        f"/api/v1/staff/{provider.pk}/availability",
        {"location": acme.main.pk, "windows": [{"weekday": 0, "start": "17:00", "end": "09:00"}]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("windows")


def test_cancel_and_mark(api, acme, provider, visit, hours):
    start = at(acme.main, next_weekday(acme.main), 9)
    appt = api.post("/api/v1/appointments", _body(acme, provider, visit, start)).json()
    r = api.post(f"/api/v1/appointments/{appt['id']}/status", {"status": "no_show"})
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    r = api.post(f"/api/v1/appointments/{appt['id']}/status", {"status": "booked"})
    r = api.post(f"/api/v1/appointments/{appt['id']}/cancel", {"reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = api.post(f"/api/v1/appointments/{appt['id']}/cancel", {"reason": "Sick"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = api.post(f"/api/v1/appointments/{appt['id']}/cancel", {"reason": "Again"})
    assert r.status_code == 409


def test_list_filters_and_runs_constant_queries(api, acme, admin, provider, visit, hours):
    day = next_weekday(acme.main)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = api.get("/api/v1/appointments", {"provider": provider.pk, "status": "booked"})
        assert r.status_code == 200
        return r.json()["count"], len(ctx.captured_queries)

    actions.book_appointment(booking(acme, provider, visit, at(acme.main, day, 9)), actor=admin)
    one, queries_one = count()
    for hour in (10, 11, 12, 13):
        actions.book_appointment(
            booking(acme, provider, visit, at(acme.main, day, hour)), actor=admin
        )
    five, queries_five = count()
    assert (one, five) == (1, 5)
    assert queries_one == queries_five


def test_access_is_per_location(acme, globex, admin, provider, visit, hours):
    appt = actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, next_weekday(acme.main), 9)), actor=admin
    )
    url = f"/api/v1/appointments/{appt.pk}"
    assert ApiClient(None).get(url).status_code == 401
    assert ApiClient(globex.token()).get(url).status_code == 404
    assert ApiClient(acme.token("front_desk", locations=[acme.branch])).get(url).status_code == 404
    no_calendar = ApiClient(acme.token("billing_manager"))
    assert no_calendar.get(url).status_code == 200  # billing managers view appointments
    r = no_calendar.post(f"{url}/cancel", {"reason": "x"})
    assert r.status_code == 403 and r.json()["permission"] == "calendar.delete_appointments"
    branch = ApiClient(acme.token("front_desk", locations=[acme.branch]))
    assert branch.get("/api/v1/appointments").json()["count"] == 0
    assert ApiClient(acme.token("front_desk")).get(url).status_code == 200


def test_the_visit_type_list_filters_by_status_and_name_as_the_structure_lists_do(
    api, acme, provider, visit
):
    from clinicorg.scheduling import actions as scheduling

    old = scheduling.create_visit_type(
        {"name": "Old check-up", "duration_minutes": 20, "providers": [provider]},
        actor=acme.system,
    )
    scheduling.update_visit_type(old, {"is_active": False}, actor=acme.system)

    def names(**params):
        body = api.get("/api/v1/visit-types", params)
        assert body.status_code == 200, body.content
        return [vt["name"] for vt in body.json()["items"]]

    assert names() == ["Check-up", "Old check-up"]
    assert names(status="active") == ["Check-up"]
    assert names(status="inactive") == ["Old check-up"]
    assert names(q="old") == ["Old check-up"]
    # The parameters are those of the department and position lists: no `active` flag.
    refused = api.get("/api/v1/visit-types", {"status": "true"})
    assert refused.status_code == 422 and "status" in refused.text
