"""The audit log through the REST API: read-only, filtered like the audit log page."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions
from tests.conftest import ApiClient


@pytest.fixture
def history(acme, admin, api):
    """A few changes by a person, by the system, and at each location (after the token)."""
    dept = actions.create_department("Cardiology", actor=admin)
    actions.update_department(dept, {"name": "Cardiac care"}, actor=admin)
    actions.update_location(acme.main, {"phone": "555-0100"}, actor=admin)
    actions.update_location(acme.branch, {"phone": "555-0199"}, actor=acme.system)
    return dept


def test_lists_events_newest_first_with_count_and_pagination(history, api):
    body = api.get("/api/v1/audit-events", {"limit": 2}).json()
    assert body["count"] == AuditEvent.objects.filter(organization=history.organization).count()
    assert body["limit"] == 2
    assert [e["action"] for e in body["items"]] == ["update_location", "update_location"]
    second_page = api.get("/api/v1/audit-events", {"limit": 2, "offset": 2}).json()
    assert [e["action"] for e in second_page["items"]] == [
        "update_department",
        "create_department",
    ]


def test_an_event_carries_who_what_and_old_and_new_values(history, admin, api):
    event = api.get(
        "/api/v1/audit-events", {"action": "update_department", "target_id": history.pk}
    ).json()["items"][0]
    assert event["actor_id"] == admin.pk
    assert event["actor_token_id"] is None
    assert event["actor_label"] == "admin@acme.test"
    assert event["target_type"] == "department"
    assert event["target_label"] == "Cardiac care"
    assert event["changes"] == {"name": ["Cardiology", "Cardiac care"]}
    assert event["occurred_at"]
    one = api.get(f"/api/v1/audit-events/{event['id']}")
    assert one.status_code == 200
    assert one.json() == event


def test_filters_by_actor_id_or_actor_text(history, admin, api):
    by_id = api.get("/api/v1/audit-events", {"actor": admin.pk}).json()["items"]
    assert {e["action"] for e in by_id} == {
        "create_department",
        "update_department",
        "update_location",
    }
    assert all(e["actor_id"] == admin.pk for e in by_id)
    by_text = api.get("/api/v1/audit-events", {"actor": "ADMIN@acme"}).json()["items"]
    assert [e["id"] for e in by_text] == [e["id"] for e in by_id]
    system = api.get("/api/v1/audit-events", {"actor": "system", "action": "update_location"})
    assert [e["target_label"] for e in system.json()["items"]] == ["Acme Health Branch"]


def test_filters_by_action_and_target(acme, history, api):
    updates = api.get("/api/v1/audit-events", {"action": "update_location"}).json()
    assert updates["count"] == 2
    main = api.get(
        "/api/v1/audit-events", {"target_type": "location", "target_id": acme.main.pk}
    ).json()["items"]
    assert {e["action"] for e in main} == {"create_location", "update_location"}
    assert all(e["target_id"] == str(acme.main.pk) for e in main)


def test_free_text_matches_target_actor_or_action(history, api):
    body = api.get("/api/v1/audit-events", {"q": "cardiac"}).json()
    assert [e["action"] for e in body["items"]] == ["update_department"]


def test_date_range_is_inclusive_days_of_the_organization(acme, history, api):
    today = timezone.localdate(timezone=ZoneInfo(acme.org.timezone))
    total = api.get("/api/v1/audit-events").json()["count"]
    inside = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    assert api.get("/api/v1/audit-events", inside).json()["count"] == total
    tomorrow = (today + timedelta(days=1)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert api.get("/api/v1/audit-events", {"date_from": tomorrow}).json()["count"] == 0
    assert api.get("/api/v1/audit-events", {"date_to": yesterday}).json()["count"] == 0


def test_a_bad_date_is_422_naming_the_field(api):
    response = api.get("/api/v1/audit-events", {"date_from": "2024-13-45"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date_from"


def test_a_range_ending_before_it_starts_is_422_naming_date_to(api):
    response = api.get("/api/v1/audit-events", {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date_to"


def test_a_bad_limit_is_422_naming_the_field(api):
    response = api.get("/api/v1/audit-events", {"limit": 0})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_audit_events_need_a_token(history):
    anonymous = ApiClient(None)
    event = AuditEvent.objects.filter(organization=history.organization).first()
    assert anonymous.get("/api/v1/audit-events").status_code == 401
    assert anonymous.get(f"/api/v1/audit-events/{event.pk}").status_code == 401


def test_another_organizations_events_are_404_and_never_listed(acme, globex, history):
    globex_api = ApiClient(globex.token())
    event = AuditEvent.objects.filter(organization=acme.org).first()
    assert globex_api.get(f"/api/v1/audit-events/{event.pk}").status_code == 404
    listed = globex_api.get("/api/v1/audit-events", {"limit": 500}).json()["items"]
    assert listed
    assert all("Acme" not in e["target_label"] for e in listed)
    ids = {e["id"] for e in listed}
    assert not ids & set(AuditEvent.objects.filter(organization=acme.org).values_list("pk"))


def test_front_desk_is_refused_with_the_reason(acme, history):
    desk_api = ApiClient(acme.token("front_desk"))
    event = AuditEvent.objects.filter(organization=acme.org).first()
    for response in (
        desk_api.get("/api/v1/audit-events"),
        desk_api.get(f"/api/v1/audit-events/{event.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["reason"] == "missing_permission"
        assert response.json()["permission"] == "administration.view_audit_log"


def test_a_token_limited_to_one_location_sees_only_that_locations_events(acme, history):
    branch_api = ApiClient(acme.token(locations=[acme.branch]))
    items = branch_api.get("/api/v1/audit-events", {"limit": 500}).json()["items"]
    assert items
    assert {e["location_id"] for e in items} == {acme.branch.pk}
    main_event = AuditEvent.objects.filter(action="update_location", location_id=acme.main.pk)
    assert branch_api.get(f"/api/v1/audit-events/{main_event.get().pk}").status_code == 404


def test_list_runs_a_constant_number_of_queries(acme, admin, api, django_assert_max_num_queries):
    for i in range(30):
        actions.create_position(f"Role {i}", actor=admin)
    with django_assert_max_num_queries(3):
        body = api.get("/api/v1/audit-events", {"limit": 100}).json()
    assert len(body["items"]) > 30


def test_the_log_has_no_write_endpoints(history, api):
    event = AuditEvent.objects.filter(organization=history.organization).first()
    url = f"/api/v1/audit-events/{event.pk}"
    assert api.delete(url).status_code == 405
    assert api.patch(url, {"action": "nothing"}).status_code == 405
    assert api.post("/api/v1/audit-events", {"action": "forged"}).status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).action == event.action
