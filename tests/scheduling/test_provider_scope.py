"""Which providers a scheduler may name: those they can see, and those who keep hours at a
location whose schedule they keep; never anyone else in the organization.

Ada works at Main only. Bo's primary location is Main, but Bo keeps hours at Branch. A front
desk limited to Branch books Bo at Branch, and cannot reach Ada by id (404, as for an id of
another organization); an administrator limited to Branch edits a visit type without seeing Ada
or unlinking her.
"""

import pytest
from django.core.exceptions import ValidationError

from clinicorg.scheduling import actions
from tests.conftest import ApiClient, signed_in

from .conftest import WEEKDAYS_9_TO_5, at, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def bo(acme):
    bo = acme.member("bo@acme.test", role="provider", first_name="Bo", last_name="Visiting")
    actions.set_weekly_availability(bo, acme.branch, WEEKDAYS_9_TO_5, actor=acme.system)
    return bo


@pytest.fixture
def branch_api(acme):
    return ApiClient(acme.token("administrator", locations=[acme.branch]))


def _body(acme, provider, visit, start):
    return {
        "provider": provider.pk,
        "location": acme.branch.pk,
        "visit_type": visit.pk,
        "starts_at": start.isoformat(),
        "patient_name": "Pat Patient",
        "patient_email": "pat@example.test",
    }


def test_a_provider_with_hours_at_the_location_can_be_booked_there(
    acme, provider, visit, hours, bo, branch_api
):
    actions.update_visit_type(visit, {"providers": [provider, bo]}, actor=acme.system)
    start = at(acme.branch, next_weekday(acme.branch), 9)
    r = branch_api.post("/api/v1/appointments", _body(acme, bo, visit, start))
    assert r.status_code == 201, r.content


def test_a_provider_outside_scope_without_hours_there_is_not_found(
    acme, provider, visit, hours, bo, branch_api
):
    start = at(acme.branch, next_weekday(acme.branch), 9)
    r = branch_api.post("/api/v1/appointments", _body(acme, provider, visit, start))
    assert r.status_code == 404, r.content
    assert "Lovelace" not in r.content.decode()


def test_the_booking_page_refuses_a_provider_outside_scope(acme, provider, visit, hours, bo):
    desk = signed_in(acme.member("desk@acme.test", location=acme.branch))
    start = at(acme.branch, next_weekday(acme.branch), 9)
    query = {
        "provider": provider.pk,
        "location": acme.branch.pk,
        "visit_type": visit.pk,
        "start": start.isoformat(),
    }
    assert desk.get("/schedule/book/", query).status_code == 404
    query["provider"] = bo.pk
    assert desk.get("/schedule/book/", query).status_code == 200


def test_a_visit_type_edit_neither_shows_nor_unlinks_providers_outside_scope(
    acme, provider, visit, bo
):
    branch_admin = signed_in(acme.member("ba@acme.test", location=acme.branch))
    url = f"/organization/visit-types/{visit.pk}/edit/"
    page = branch_admin.get(url).content.decode()
    assert "Visiting" in page and "Lovelace" not in page

    form = {"name": "Check-up", "duration_minutes": 30, "is_active": "on", "providers": [bo.pk]}
    assert branch_admin.post(url, form).status_code == 302
    assert set(visit.providers.all()) == {provider, bo}

    form["providers"] = [provider.pk]
    r = branch_admin.post(url, form)
    assert r.status_code == 200 and "is not one of the available choices" in r.content.decode()
    assert set(visit.providers.all()) == {provider, bo}


def test_the_visit_type_action_refuses_a_provider_outside_scope(acme, provider, visit, bo):
    branch_admin = acme.member("ba@acme.test", location=acme.branch)
    with pytest.raises(ValidationError) as caught:
        actions.update_visit_type(visit, {"providers": [provider, bo]}, actor=branch_admin)
    assert caught.value.message_dict == {"providers": ["Choose staff members you can see."]}
    actions.update_visit_type(visit, {"providers": []}, actor=branch_admin)
    assert set(visit.providers.all()) == {provider}
