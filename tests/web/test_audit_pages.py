"""Audit log pages: the filtered list, one event, and the CSV export."""

import csv
import io
from datetime import UTC, datetime

import pytest

from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions
from clinicorg.transfer.cells import neutralize as safe_cell
from tests.conftest import signed_in

PERMISSION = "administration.view_audit_log"


def _at(acme, when: datetime, action="import_staff", **fields) -> AuditEvent:
    """An event at a fixed moment, as the log would hold it (the log is append-only)."""
    fields.setdefault("actor_label", "system")
    return AuditEvent.objects.create(
        organization=acme.org, occurred_at=when, action=action, **fields
    )


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def event(acme, admin):
    actions.create_department("Cardiology", actor=admin)
    return AuditEvent.objects.get(action="create_department")


# Access.


def test_audit_pages_send_anonymous_visitors_to_sign_in(client, event):
    for url in ("/audit/", f"/audit/{event.pk}/", "/audit/export.csv"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/signin/" in response["Location"]


def test_a_member_without_the_permission_is_refused_with_its_name(frontdesk, event):
    desk = signed_in(frontdesk)
    for url in ("/audit/", f"/audit/{event.pk}/", "/audit/export.csv"):
        response = desk.get(url)
        assert response.status_code == 403, url
        assert PERMISSION in response.text


def test_an_outsider_gets_404_for_another_organizations_event(outsider, event):
    assert signed_in(outsider).get(f"/audit/{event.pk}/").status_code == 404


def test_an_outsider_sees_none_of_another_organizations_events(outsider, event):
    client = signed_in(outsider)
    assert "Cardiology" not in client.get("/audit/").text
    rows = _csv(client.get("/audit/export.csv"))
    assert all(r["target"] != "Cardiology" for r in rows)


def test_a_location_scoped_reader_sees_only_events_of_their_locations(acme, admin):
    actions.update_location(acme.main, {"phone": "555-0100"}, actor=admin)
    actions.update_location(acme.branch, {"phone": "555-0199"}, actor=admin)
    scoped = acme.member("scoped@acme.test", location=acme.main)
    page = signed_in(scoped).get("/audit/", {"action": "update_location"})
    assert page.status_code == 200
    assert acme.main.name in page.text
    assert acme.branch.name not in page.text


# The list.


def test_the_list_shows_actor_action_target_and_changes(admin, admin_client, event):
    dept = actions.create_department("Peds", actor=admin)
    actions.update_department(dept, {"name": "Pediatrics"}, actor=admin)
    page = admin_client.get("/audit/")
    assert page.status_code == 200
    assert "admin@acme.test" in page.text
    assert "Changed department" in page.text
    assert (
        '<span class="field-name">Name</span>: <span class="old">Peds</span> → '
        '<span class="new">Pediatrics</span>' in page.text
    )
    assert f'href="/audit/{event.pk}/"' in page.text


def test_times_are_shown_in_the_organizations_timezone(acme, admin, admin_client):
    actions.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    _at(acme, datetime(2026, 3, 10, 3, 30, tzinfo=UTC), target_label="Night import")
    page = admin_client.get("/audit/", {"q": "Night import"}).text
    assert "Times in America/Chicago" in page
    assert "Mar 9, 2026" in page and "22:30:00" in page


def test_date_filters_read_days_in_the_organizations_timezone(acme, admin, admin_client):
    actions.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    _at(acme, datetime(2026, 3, 10, 3, 30, tzinfo=UTC), target_label="Late evening")
    _at(acme, datetime(2026, 3, 10, 15, 0, tzinfo=UTC), target_label="Next morning")
    on_9th = admin_client.get("/audit/", {"date_from": "2026-03-09", "date_to": "2026-03-09"})
    assert "Late evening" in on_9th.text and "Next morning" not in on_9th.text
    from_10th = admin_client.get("/audit/", {"date_from": "2026-03-10"})
    assert "Next morning" in from_10th.text and "Late evening" not in from_10th.text


def test_filters_by_actor_text_and_id_action_target_and_free_text(acme, admin, admin_client):
    other = acme.member("other@acme.test")
    mine = actions.create_department("Mine", actor=admin)
    actions.create_department("Theirs", actor=other)
    actions.create_position("Nurse", actor=admin)

    by_text = admin_client.get("/audit/", {"actor": "other@"}).text
    assert "Theirs" in by_text and "Mine" not in by_text
    by_id = admin_client.get("/audit/", {"actor": str(admin.pk)}).text
    assert "Mine" in by_id and "Theirs" not in by_id
    by_action = admin_client.get("/audit/", {"action": "create_position"}).text
    assert "Nurse" in by_action and "Mine" not in by_action
    by_target = admin_client.get(
        "/audit/", {"target_type": "department", "target_id": str(mine.pk)}
    ).text
    assert "Mine" in by_target and "Theirs" not in by_target and "Nurse" not in by_target
    by_q = admin_client.get("/audit/", {"q": "theirs"}).text
    assert "Theirs" in by_q and "Mine" not in by_q


def test_the_action_filter_offers_the_actions_in_the_log(admin_client, event):
    page = admin_client.get("/audit/").text
    assert '<option value="create_department">Created department</option>' in page
    assert '<option value="department">Department</option>' in page


@pytest.mark.parametrize(
    "params,field",
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"action": "launch_rockets"}, "action"),
    ],
)
def test_bad_filters_are_shown_beside_the_field_not_a_500(admin_client, event, params, field):
    page = admin_client.get("/audit/", params)
    assert page.status_code == 200
    assert f'id="id_{field}-error"' in page.text
    assert admin_client.get("/audit/export.csv", params).status_code == 200


def test_a_location_target_links_to_the_location_while_it_exists(acme, admin, admin_client):
    actions.update_location(acme.branch, {"phone": "555-0100"}, actor=admin)
    gone = actions.create_location({"name": "Popup", "code": "POP"}, actor=admin)
    actions.delete_location(gone, actor=admin)
    page = admin_client.get("/audit/").text
    assert f'<a href="/locations/{acme.branch.pk}/">{acme.branch.name}</a>' in page
    assert f'href="/locations/{gone.pk}/"' not in page


def test_the_list_is_paginated(acme, admin_client):
    for i in range(60):
        _at(acme, datetime(2026, 1, 1, 12, i % 60, tzinfo=UTC), target_label=f"item-{i:02d}")
    first = admin_client.get("/audit/", {"q": "item-"}).text
    assert "1–50 of 60" in first
    assert "q=item-&amp;page=2" in first
    second = admin_client.get("/audit/", {"q": "item-", "page": 2}).text
    assert "51–60 of 60" in second


def test_the_list_runs_a_constant_number_of_queries(
    acme, admin, admin_client, django_assert_max_num_queries
):
    for i in range(40):
        loc = actions.create_location({"name": f"Site {i}", "code": f"S{i}"}, actor=admin)
        actions.update_location(loc, {"phone": f"555-01{i:02d}"}, actor=admin)
    with django_assert_max_num_queries(10):
        page = admin_client.get("/audit/")
    assert page.status_code == 200
    assert page.text.count('href="/locations/') >= 40


# One event.


def test_the_detail_page_shows_every_change_and_the_request(admin, admin_client):
    client = admin_client
    client.post(
        "/organization/settings/",
        {"name": "Acme Health Group", "timezone": "America/Denver", "tax_id": "12-3456789"},
        headers={"X-Request-ID": "req-abc-123"},
    )
    event = AuditEvent.objects.get(action="update_organization")
    page = client.get(f"/audit/{event.pk}/")
    assert page.status_code == 200
    text = page.text
    assert (
        '<td>Time zone <code class="small">timezone</code></td>'
        '<td class="old">America/New_York</td><td class="new">America/Denver</td>' in text
    )
    assert '<td class="muted">(empty)</td><td class="new">12-3456789</td>' in text
    assert "<code>update_organization</code>" in text  # the stored name stays in the detail
    assert "req-abc-123" in text
    assert "admin@acme.test" in text


def test_a_missing_event_is_a_404(admin_client):
    assert admin_client.get("/audit/999999/").status_code == 404


# CSV export.


def test_the_export_holds_the_filtered_list(acme, admin, admin_client):
    actions.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    dept = actions.create_department("Peds", actor=admin)
    actions.update_department(dept, {"name": "Pediatrics"}, actor=admin)
    actions.create_position("Nurse", actor=admin)
    response = admin_client.get("/audit/export.csv", {"action": "update_department"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["action"] == "update_department"
    assert row["actor"] == "admin@acme.test"
    assert row["actor_id"] == str(admin.pk)
    assert row["target_id"] == str(dept.pk)
    assert row["changes"] == "name: Peds → Pediatrics"
    assert row["time"].endswith(("-05:00", "-06:00"))


def test_the_export_neutralizes_cells_a_spreadsheet_would_run(acme, admin, admin_client):
    actions.create_department('=HYPERLINK("http://evil.example","x")', actor=admin)
    _at(acme, datetime(2026, 1, 1, tzinfo=UTC), actor_label="@SUM(1+1)", target_label="+1")
    rows = _csv(admin_client.get("/audit/export.csv"))
    targets = {r["target"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in targets
    assert "'+1" in targets
    assert "'@SUM(1+1)" in {r["actor"] for r in rows}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_cell_prefixes_every_formula_start(start):
    assert safe_cell(f"{start}cmd") == f"'{start}cmd"


def test_safe_cell_leaves_plain_text_alone():
    assert safe_cell("Pediatrics") == "Pediatrics"
    assert safe_cell(None) == ""
    assert safe_cell(42) == "42"


def test_the_log_reads_in_peoples_words_and_keeps_the_stored_names(acme, admin, admin_client):
    """Labelled actions, fields and status values in the list; stored names in the detail
    and the export."""
    from clinicorg.core.labels import ACTION_LABELS

    category = actions.create_employee_category("Per diem", actor=admin)
    actions.update_employee_category(category, {"status": "deprecated"}, actor=admin)
    actions.update_location(acme.branch, {"credentialing_enabled": True}, actor=admin)
    page = admin_client.get("/audit/").text
    assert "Changed employee category" in page
    assert "update_employee_category" not in page.split("<table", 1)[1]
    assert '<span class="field-name">Status</span>: <span class="old">Active</span>' in page
    assert '<span class="field-name">Credentialing</span>: <span class="old">no</span>' in page
    event = AuditEvent.objects.get(action="update_employee_category")
    detail = admin_client.get(f"/audit/{event.pk}/").text
    assert "<h1>Changed employee category</h1>" in detail
    assert "<code>update_employee_category</code>" in detail
    rows = _csv(admin_client.get("/audit/export.csv", {"action": "update_employee_category"}))
    assert rows[0]["action"] == "update_employee_category"
    assert rows[0]["changes"] == "status: active → deprecated"
    # Every action the product records has a label in the one table.
    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    assert recorded <= set(ACTION_LABELS)
