"""The audit trail: append-only, and each event carries the request id and client address."""

import re

import pytest
from django.db import transaction

from clinicorg.core import audit
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions
from tests.conftest import ApiClient


@pytest.fixture
def event(acme, admin):
    actions.create_department("Cardiology", actor=admin)
    return AuditEvent.objects.get(action="create_department")


def test_saving_an_existing_event_again_is_refused(event):
    event.action = "something_else"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "create_department"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    events = AuditEvent.objects.filter(pk=event.pk)
    with pytest.raises(TypeError, match="append-only"):
        events.update(action="forged")
    with pytest.raises(TypeError, match="append-only"):
        events.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "create_department"


def test_bulk_update_and_update_or_create_are_refused(event):
    event.action = "forged"
    # bulk_update joins the caller's transaction without a savepoint; give it its own.
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update_or_create(pk=event.pk, defaults={"action": "forged"})
    assert AuditEvent.objects.get(pk=event.pk).action == "create_department"


def test_an_event_records_the_change_with_old_and_new_values(acme, admin):
    dept = actions.create_department("Cardiology", actor=admin)
    actions.update_department(dept, {"name": "Cardiac care", "is_active": False}, actor=admin)
    update = AuditEvent.objects.get(action="update_department")
    assert update.organization_id == acme.org.pk
    assert update.actor == admin
    assert update.actor_label == "admin@acme.test"
    assert (update.target_type, update.target_id) == ("department", str(dept.pk))
    assert update.changes == {"name": ["Cardiology", "Cardiac care"], "is_active": [True, False]}


def test_an_update_that_changes_nothing_writes_no_event(acme, admin):
    dept = actions.create_department("Cardiology", actor=admin)
    actions.update_department(dept, {"name": "Cardiology"}, actor=admin)
    assert not AuditEvent.objects.filter(action="update_department").exists()


def test_a_write_through_the_api_records_the_request_id_and_address(acme, api):
    response = api.client.post(
        "/api/v1/departments",
        {"name": "Radiology"},
        content_type="application/json",
        headers={**api.headers, "X-Request-ID": "req-7f3a.42"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-7f3a.42"
    event = AuditEvent.objects.get(action="create_department", target_id=response.json()["id"])
    assert event.request_id == "req-7f3a.42"
    assert event.ip == "203.0.113.9"
    assert event.actor_token is not None
    assert event.actor_label == "token:test"


def test_a_malformed_request_id_is_replaced_by_a_generated_one(acme, api):
    response = api.client.post(
        "/api/v1/departments",
        {"name": "Radiology"},
        content_type="application/json",
        headers={**api.headers, "X-Request-ID": "<script>" + "x" * 80},
    )
    generated = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    event = AuditEvent.objects.get(action="create_department")
    assert event.request_id == generated


def test_without_a_request_id_header_each_request_gets_its_own(acme, api):
    first = api.post("/api/v1/departments", {"name": "One"})
    second = api.post("/api/v1/departments", {"name": "Two"})
    ids = {first["X-Request-ID"], second["X-Request-ID"]}
    assert len(ids) == 2
    assert (
        set(
            AuditEvent.objects.filter(action="create_department").values_list(
                "request_id", flat=True
            )
        )
        == ids
    )


def test_a_write_outside_a_request_has_no_request_id(acme, admin):
    actions.create_department("Cardiology", actor=admin)
    event = AuditEvent.objects.get(action="create_department")
    assert event.request_id == ""
    assert event.ip is None


def test_a_refused_write_leaves_no_event(acme):
    desk_api = ApiClient(acme.token("front_desk"))
    before = AuditEvent.objects.count()
    assert desk_api.post("/api/v1/departments", {"name": "Nope"}).status_code == 403
    assert AuditEvent.objects.count() == before


def test_diff_lists_only_the_fields_that_changed():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}
    assert audit.diff({}, {"a": 1}) == {"a": [None, 1]}
