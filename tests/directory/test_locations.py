"""Locations through the actions, the pages and the API."""

import pytest
from django.core.exceptions import ValidationError

from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions
from clinicorg.directory.models import Location
from tests.conftest import ApiClient, signed_in

VALID_NPI = "1234567893"


def test_create_location_records_an_audit_event(acme, admin):
    loc = actions.create_location(
        {"name": "East Side", "code": "EAST", "npi": VALID_NPI, "place_of_service": "11"},
        actor=admin,
    )
    event = AuditEvent.objects.get(action="create_location", target_id=str(loc.pk))
    assert event.actor == admin
    assert event.changes["name"] == [None, "East Side"]
    assert event.location_id == loc.pk


def test_location_names_and_codes_are_unique_case_insensitively(acme, admin):
    with pytest.raises(ValidationError) as exc:
        actions.create_location({"name": "acme health main", "code": "other"}, actor=admin)
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.create_location({"name": "Elsewhere", "code": "main"}, actor=admin)
    assert "code" in exc.value.message_dict


def test_the_same_name_is_fine_in_another_organization(acme, globex, outsider):
    loc = actions.create_location({"name": "Acme Health Main", "code": "AHM"}, actor=outsider)
    assert loc.organization_id == globex.org.pk


def test_bad_npi_names_the_field(admin):
    with pytest.raises(ValidationError) as exc:
        actions.create_location({"name": "X", "code": "X", "npi": "1234567890"}, actor=admin)
    assert "npi" in exc.value.message_dict


def test_deleting_a_location_in_use_is_refused_with_what_blocks_it(acme, admin):
    with pytest.raises(Conflict) as exc:
        actions.delete_location(acme.main, actor=admin)
    assert "primary location of staff members" in exc.value.message
    assert "Deactivate it instead" in exc.value.message
    assert Location.objects.filter(pk=acme.main.pk).exists()


def test_an_unused_location_can_be_deleted_and_the_log_keeps_it(acme, admin):
    actions.delete_location(acme.branch, actor=admin)
    assert not Location.objects.filter(pk=acme.branch.pk).exists()
    assert AuditEvent.objects.filter(action="delete_location", target_label=acme.branch.name)


def test_front_desk_cannot_create_locations(frontdesk):
    with pytest.raises(Denied) as exc:
        actions.create_location({"name": "X", "code": "X"}, actor=frontdesk)
    assert exc.value.decision.reason == "missing_permission"


# Pages


def test_list_page_requires_sign_in(client, acme):
    response = client.get("/locations/")
    assert response.status_code == 302
    assert "/signin/" in response["Location"]


def test_list_page_shows_locations_and_filters_them(acme, admin):
    actions.set_location_status(acme.branch, "inactive", actor=admin)
    page = signed_in(admin).get("/locations/", {"status": "inactive"})
    assert page.status_code == 200
    assert acme.branch.name in page.text
    assert acme.main.name not in page.text


def test_list_page_runs_a_constant_number_of_queries(acme, admin, django_assert_max_num_queries):
    client = signed_in(admin)
    client.get("/locations/")
    for i in range(30):
        actions.create_location({"name": f"Site {i}", "code": f"S{i}"}, actor=admin)
    with django_assert_max_num_queries(8):
        assert client.get("/locations/").status_code == 200


def test_create_page_shows_errors_beside_the_field(admin):
    page = signed_in(admin).post(
        "/locations/new/", {"name": "New", "code": "NEW", "npi": "123", "timezone": "UTC"}
    )
    assert page.status_code == 200
    assert 'id="id_npi-error"' in page.text
    assert "exactly 10 digits" in page.text


def test_create_page_creates_and_redirects(acme, admin):
    page = signed_in(admin).post(
        "/locations/new/", {"name": "Riverside", "code": "RIV", "timezone": "America/Denver"}
    )
    loc = Location.objects.get(organization=acme.org, code="RIV")
    assert page.status_code == 302
    assert page["Location"] == f"/locations/{loc.pk}/"


def test_outsider_gets_404_on_another_organizations_location(acme, outsider):
    assert signed_in(outsider).get(f"/locations/{acme.main.pk}/").status_code == 404


def test_member_without_permission_gets_403_with_the_reason(acme, frontdesk):
    page = signed_in(frontdesk).get(f"/locations/{acme.main.pk}/")
    assert page.status_code == 403
    assert "administration.manage_locations" in page.text


# API


def test_api_lists_with_count_and_pagination(acme, api):
    body = api.get("/api/v1/locations", {"limit": 1}).json()
    assert body["count"] == 2
    assert len(body["items"]) == 1


def test_api_create_reports_the_field(api):
    response = api.post("/api/v1/locations", {"name": "X", "code": "X", "npi": "12"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "npi"


def test_api_outsider_gets_404(acme, globex):
    outsider_api = ApiClient(globex.token())
    assert outsider_api.get(f"/api/v1/locations/{acme.main.pk}").status_code == 404


def test_api_without_permission_gets_403_with_reason(acme):
    desk_api = ApiClient(acme.token("front_desk"))
    response = desk_api.get("/api/v1/locations")
    assert response.status_code == 403
    assert response.json()["reason"] == "missing_permission"
    assert response.json()["permission"] == "administration.manage_locations"


def test_api_without_token_gets_401(acme):
    assert ApiClient(None).get("/api/v1/locations").status_code == 401


def test_api_delete_in_use_is_409(acme, admin, api):
    response = api.delete(f"/api/v1/locations/{acme.main.pk}")
    assert response.status_code == 409
    assert response.json()["error"] == "location_in_use"


def test_a_new_location_takes_the_organizations_time_zone_unless_given_one(db):
    from clinicorg.access.actions import create_api_token, create_organization
    from clinicorg.access.models import Role
    from clinicorg.access.system import SystemActor

    org = create_organization("Prairie Health", "prairie", timezone="America/Chicago")
    system = SystemActor(org.pk)
    plain = actions.create_location({"name": "Plain", "code": "P1"}, actor=system)
    given = actions.create_location(
        {"name": "Coast", "code": "C1", "timezone": "America/Los_Angeles"}, actor=system
    )
    assert (plain.timezone, given.timezone) == ("America/Chicago", "America/Los_Angeles")
    _t, raw = create_api_token(org, Role.objects.get(organization=org, key="administrator"), "t")
    r = ApiClient(raw).post("/api/v1/locations", {"name": "Api", "code": "A1"})
    assert r.status_code == 201 and r.json()["timezone"] == "America/Chicago"
