"""One audit filter set (core.filters.AuditFilterSet) behind the audit log page, its CSV export
and the API list: the same filter finds the same events everywhere, in the same order, and a
day a person gives is a day in the organization's time zone on each of them."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from clinicorg.api.urls import api as ninja_api
from clinicorg.core.filters import AUDIT_FILTERS
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions
from tests.conftest import signed_in


def _at(acme, when, label, **fields) -> AuditEvent:
    """An event at a fixed moment, as the log would hold it (the log is append-only)."""
    fields.setdefault("actor_label", "system")
    fields.setdefault("action", "import_staff")
    fields.setdefault("target_type", "note")
    return AuditEvent.objects.create(
        organization=acme.org, occurred_at=when, target_label=label, **fields
    )


@pytest.fixture
def log(acme, admin):
    """The organization in Chicago (UTC-5 on 10 March 2026), with events either side of its
    midnight and of UTC's."""
    actions.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    actions.create_department("Cardiology", actor=admin)
    _at(acme, datetime(2026, 3, 8, 12, 0, tzinfo=UTC), "Sunday noon")
    # 22:30 on the 9th in Chicago, but already the 10th in UTC.
    _at(acme, datetime(2026, 3, 10, 3, 30, tzinfo=UTC), "Late evening", action="update_staff")
    # 00:30 on the 10th in Chicago.
    _at(acme, datetime(2026, 3, 10, 5, 30, tzinfo=UTC), "Just after midnight")
    _at(acme, datetime(2026, 3, 10, 15, 0, tzinfo=UTC), "Next morning", actor_label="ops@acme")
    return acme


def _cases(admin):
    return [
        {},
        {"q": "midnight"},
        {"actor": str(admin.pk)},
        {"actor": "ops@"},
        {"action": "update_staff"},
        {"target_type": "department"},
        {"target_type": "note", "date_from": "2026-03-09", "date_to": "2026-03-09"},
        {"target_type": "note", "date_from": "2026-03-10", "date_to": "2026-03-10"},
        {"target_type": "note", "date_to": "2026-03-09"},
    ]


def page_ids(client, params) -> list[int]:
    page = client.get("/audit/", params)
    assert page.status_code == 200
    return [int(i) for i in dict.fromkeys(re.findall(r'href="/audit/(\d+)/"', page.text))]


def api_ids(api, params) -> list[int]:
    body = api.get("/api/v1/audit-events", {**params, "limit": 500}).json()
    return [item["id"] for item in body["items"]]


def exported_targets(client, params) -> list[str]:
    response = client.get("/audit/export.csv", params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return [row["target"] for row in csv.DictReader(io.StringIO(body))]


def _labels(ids) -> list[str]:
    labels = dict(AuditEvent.objects.values_list("pk", "target_label"))
    return [labels[i] for i in ids]


def test_every_front_end_finds_the_same_events_for_the_same_filter(log, admin, api):
    client = signed_in(admin)
    seen = set()
    for params in _cases(admin):
        page = page_ids(client, params)
        seen.add(tuple(page))
        assert page, params
        assert api_ids(api, params) == page, params
        assert exported_targets(client, params) == _labels(page), params
    assert len(seen) >= 8, "the cases must tell the filters apart"


def test_a_day_is_the_organizations_day_on_every_front_end(log, admin, api):
    client = signed_in(admin)
    on_9th = {"target_type": "note", "date_from": "2026-03-09", "date_to": "2026-03-09"}
    on_10th = {"target_type": "note", "date_from": "2026-03-10", "date_to": "2026-03-10"}
    assert _labels(api_ids(api, on_9th)) == ["Late evening"]
    assert _labels(api_ids(api, on_10th)) == ["Next morning", "Just after midnight"]
    assert _labels(page_ids(client, on_9th)) == ["Late evening"]
    assert exported_targets(client, on_10th) == ["Next morning", "Just after midnight"]


def test_a_value_no_filter_can_use_finds_nothing_on_the_page_and_is_a_422_in_the_api(
    log, admin, api
):
    client = signed_in(admin)
    assert page_ids(client, {"date_from": "not a day"}) == []
    assert exported_targets(client, {"date_from": "not a day"}) == []
    response = api.get("/api/v1/audit-events", {"date_from": "2026-02-30"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "date_from"


def test_the_api_publishes_exactly_the_filter_sets_parameters():
    spec = ninja_api.get_openapi_schema()
    params = spec["paths"]["/api/v1/audit-events"]["get"]["parameters"]
    assert [p["name"] for p in params] == [*AUDIT_FILTERS, "limit", "offset"]
    date_from = next(p for p in params if p["name"] == "date_from")
    assert "organization's time zone" in date_from["description"]
