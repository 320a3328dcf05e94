"""The access actions themselves: what they refuse and what they record."""

import pytest
from django.core.exceptions import ValidationError

from clinicorg.access import policy
from clinicorg.access.actions import create_role, update_role
from clinicorg.access.catalogue import P
from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.models import AuditEvent
from clinicorg.staff.actions import change_staff_role, set_location_access


def test_changing_a_role_records_the_permissions_gained_and_lost(acme, admin):
    m = acme.member("p@acme.test", role="provider")
    change_staff_role(m, acme.roles["front_desk"], actor=admin)
    event = AuditEvent.objects.get(action="change_staff_role")
    assert event.changes["permissions_added"] == [P.PROCESS_PAYMENTS, P.DELETE_APPOINTMENTS]
    assert P.WRITE_NOTES in event.changes["permissions_removed"]
    assert event.location_id == acme.main.pk
    assert event.actor_id == admin.pk


def test_a_role_of_another_organization_cannot_be_given(acme, admin, globex):
    m = acme.member("p@acme.test", role="provider")
    with pytest.raises(ValidationError) as exc:
        change_staff_role(m, globex.roles["front_desk"], actor=admin)
    assert "role" in exc.value.message_dict


def test_the_last_administrator_cannot_be_demoted(acme, admin):
    with pytest.raises(Conflict):
        change_staff_role(admin, acme.roles["provider"], actor=admin)
    second = acme.member("second@acme.test", all_locations=True)
    change_staff_role(admin, acme.roles["provider"], actor=second)
    admin.refresh_from_db()
    assert admin.role.key == "provider"


def test_a_member_without_manage_staff_cannot_change_roles(acme, frontdesk):
    m = acme.member("p@acme.test", role="provider")
    with pytest.raises(Denied) as exc:
        change_staff_role(m, acme.roles["front_desk"], actor=frontdesk)
    assert exc.value.decision.reason == "missing_permission"


def test_the_primary_location_is_always_on_and_not_stored_as_a_grant(acme, admin):
    m = acme.member("p@acme.test", role="provider")
    set_location_access(m, all_locations=False, locations=[acme.main, acme.branch], actor=admin)
    assert list(m.extra_locations.all()) == [acme.branch]
    set_location_access(m, all_locations=False, locations=[], actor=admin)
    assert policy.can(m, P.WRITE_NOTES, acme.main)
    assert not policy.can(m, P.WRITE_NOTES, acme.branch)


def test_nothing_changed_records_nothing(acme, admin):
    m = acme.member("p@acme.test", role="provider")
    set_location_access(m, all_locations=False, locations=[], actor=admin)
    assert not AuditEvent.objects.filter(action="set_location_access").exists()


def test_another_organizations_location_is_refused(acme, admin, globex):
    m = acme.member("p@acme.test", role="provider")
    with pytest.raises(ValidationError):
        set_location_access(m, all_locations=False, locations=[globex.main], actor=admin)


def test_access_changes_take_effect_on_the_instance_at_once(acme, admin):
    m = acme.member("p@acme.test", role="provider")
    assert not policy.can(m, P.WRITE_NOTES, acme.branch)
    m = set_location_access(m, all_locations=True, locations=[], actor=admin)
    assert policy.can(m, P.WRITE_NOTES, acme.branch)


def test_role_names_are_unique_whatever_the_case(acme, admin):
    with pytest.raises(ValidationError) as exc:
        create_role("FRONT DESK", [], actor=admin)
    assert exc.value.message_dict["name"]
    with pytest.raises(ValidationError):
        create_role("   ", [], actor=admin)


def test_renaming_the_administrator_role_keeps_its_permissions(acme, admin):
    role = update_role(acme.roles["administrator"], name="Owner", actor=admin)
    assert role.is_administrator
    admin.refresh_from_db()
    assert policy.can(admin, P.MANAGE_INTEGRATIONS)
