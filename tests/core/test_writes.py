"""What creation audit events say, and tokens made by operator commands."""

from clinicorg.access.actions import create_api_token
from clinicorg.core.models import AuditEvent
from tests.conftest import ApiClient


def test_creating_a_member_records_given_values_and_status_but_not_untouched_defaults(acme, admin):
    member = acme.member("plain@acme.test", role="front_desk")
    changes = AuditEvent.objects.get(action="create_staff", target_id=str(member.pk)).changes
    assert changes["email"] == [None, "plain@acme.test"]
    assert changes["status"] == [None, "active"]
    assert "capacity" not in changes and "scheduling_step" not in changes


def test_a_capacity_that_differs_from_the_default_is_recorded(acme):
    member = acme.member("busy@acme.test", role="provider", capacity=3)
    changes = AuditEvent.objects.get(action="create_staff", target_id=str(member.pk)).changes
    assert changes["capacity"] == [None, 3]


def test_an_operator_command_can_create_a_token_as_the_system(acme):
    token, raw = create_api_token(acme.org, acme.roles["administrator"], "cli", actor=acme.system)
    assert token.created_by is None
    assert ApiClient(raw).get("/api/v1/locations").status_code == 200
    event = AuditEvent.objects.get(action="create_api_token", target_id=str(token.pk))
    assert event.actor is None and event.actor_label == "system"


def test_a_zero_is_a_value_and_only_empties_and_defaults_are_left_out(db):
    """The one rule of what a creation records, for single writes and imports alike: a zero
    (or a zero-minute notice) is recorded like any value other than the field's default."""
    from datetime import date

    from clinicorg.core.writes import created_value_filter
    from clinicorg.scheduling.models import SchedulingSettings
    from clinicorg.staff.models import StaffMember

    member = created_value_filter(StaffMember)
    assert member("capacity", 0) and member("capacity", 3)
    assert not member("capacity", 1)  # the default
    assert member("hire_date", date(2024, 1, 2)) and member("all_locations", True)
    for empty in (None, "", [], False):
        assert not member("phone", empty), empty
    settings = created_value_filter(SchedulingSettings)
    assert settings("minimum_notice_minutes", 0)
    assert not settings("minimum_notice_minutes", 120)
