"""Appointing and removing supervisors, and a member's own profile, through the actions."""

import pytest
from django.core.exceptions import ValidationError

from clinicorg.core.errors import Conflict, Denied
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from clinicorg.staff import actions
from clinicorg.staff.models import StaffMember, Status, Supervisor

from ..conftest import PASSWORD


@pytest.fixture
def nursing(acme):
    return directory.create_department("Nursing", actor=acme.system)


@pytest.fixture
def boss(acme, admin, nursing):
    member = acme.member("boss@acme.test", role="provider", first_name="Bea", last_name="Boss")
    return actions.appoint_supervisor(
        member, locations=[acme.main], departments=[nursing], actor=admin
    )


@pytest.fixture
def reports(acme, boss):
    return [
        acme.member(f"r{i}@acme.test", role="front_desk", supervisor=boss.staff) for i in range(3)
    ]


def test_appointing_a_supervisor_records_their_scope(acme, admin, boss, nursing):
    assert boss.organization_id == acme.org.pk
    assert list(boss.locations.all()) == [acme.main]
    assert list(boss.departments.all()) == [nursing]
    event = AuditEvent.objects.get(action="appoint_supervisor")
    assert event.actor == admin
    assert event.changes == {
        "locations": [None, [acme.main.name]],
        "departments": [None, ["Nursing"]],
    }


def test_a_member_cannot_be_appointed_twice(admin, boss):
    with pytest.raises(ValidationError) as exc:
        actions.appoint_supervisor(boss.staff, actor=admin)
    assert "already a supervisor" in exc.value.message_dict["staff"][0]


def test_deactivated_members_cannot_be_appointed(acme, admin):
    gone = acme.member("gone@acme.test", status=Status.DEACTIVATED)
    with pytest.raises(ValidationError) as exc:
        actions.appoint_supervisor(gone, actor=admin)
    assert "deactivated" in exc.value.message_dict["staff"][0]


def test_another_organizations_location_cannot_be_supervised(acme, globex, admin, provider):
    with pytest.raises(ValidationError) as exc:
        actions.appoint_supervisor(provider, locations=[globex.main], actor=admin)
    assert "locations" in exc.value.message_dict
    assert not Supervisor.objects.exists()


def test_inactive_departments_cannot_be_supervised(acme, admin, provider, nursing):
    directory.update_department(nursing, {"is_active": False}, actor=admin)
    nursing.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actions.appoint_supervisor(provider, departments=[nursing], actor=admin)
    assert "departments" in exc.value.message_dict


def test_front_desk_cannot_appoint(frontdesk, provider):
    with pytest.raises(Denied):
        actions.appoint_supervisor(provider, actor=frontdesk)


def test_the_scope_of_a_supervisor_can_be_changed(acme, admin, boss):
    changes = actions.update_supervisor(boss, locations=[acme.branch], actor=admin)
    assert changes["locations"] == [[acme.main.name], [acme.branch.name]]
    assert list(boss.locations.all()) == [acme.branch]
    assert list(boss.departments.all()) == []


def test_a_supervisor_without_reports_is_removed_at_once(admin, boss):
    assert actions.remove_supervisor(boss, actor=admin) == 0
    assert not Supervisor.objects.exists()
    assert AuditEvent.objects.filter(action="remove_supervisor").count() == 1


def test_removing_a_supervisor_with_reports_asks_what_to_do_with_them(admin, boss, reports):
    with pytest.raises(Conflict) as exc:
        actions.remove_supervisor(boss, actor=admin)
    assert "3 direct reports" in exc.value.message
    assert exc.value.details == {"direct_reports": 3}
    assert Supervisor.objects.filter(pk=boss.pk).exists()


def test_removing_with_reassign_moves_the_reports_in_the_same_step(acme, admin, boss, reports):
    other = actions.appoint_supervisor(acme.member("o@acme.test"), actor=admin)
    assert actions.remove_supervisor(boss, actor=admin, reassign_to=other) == 3
    assert not Supervisor.objects.filter(pk=boss.pk).exists()
    assert set(StaffMember.objects.filter(supervisor=other.staff)) == set(reports)
    moved = AuditEvent.objects.filter(action="set_supervisor")
    assert moved.count() == 3
    assert moved.first().changes["supervisor"] == [str(boss.staff), str(other.staff)]


def test_removing_with_clear_leaves_the_reports_without_a_supervisor(admin, boss, reports):
    actions.remove_supervisor(boss, actor=admin, clear=True)
    assert not StaffMember.objects.filter(pk__in=[r.pk for r in reports], supervisor__isnull=False)
    event = AuditEvent.objects.get(action="remove_supervisor")
    assert event.changes["direct_reports"] == [3, "cleared"]


def test_reports_cannot_be_reassigned_to_the_supervisor_being_removed(admin, boss, reports):
    with pytest.raises(ValidationError) as exc:
        actions.remove_supervisor(boss, actor=admin, reassign_to=boss)
    assert "reassign_to" in exc.value.message_dict


def test_reports_cannot_be_reassigned_to_another_organizations_supervisor(
    globex, outsider, admin, boss, reports
):
    theirs = actions.appoint_supervisor(outsider, actor=outsider)
    with pytest.raises(ValidationError):
        actions.remove_supervisor(boss, actor=admin, reassign_to=theirs)
    assert StaffMember.objects.filter(supervisor=boss.staff).count() == 3


def test_a_removed_supervisor_can_no_longer_be_chosen(acme, admin, boss):
    actions.remove_supervisor(boss, actor=admin)
    with pytest.raises(ValidationError) as exc:
        acme.member("late@acme.test", supervisor=boss.staff)
    assert "appointed supervisors" in exc.value.message_dict["supervisor"][0]


# My profile


def test_a_member_edits_their_own_display_name_phone_and_bio(provider):
    changes = actions.update_own_profile(
        provider,
        {"display_name": "  Dr.  Dana Doc ", "phone": "555-123-4567", "bio": "<b>Hi</b> **there**"},
        actor=provider,
    )
    provider.refresh_from_db()
    assert provider.display_name == "Dr. Dana Doc"
    assert provider.phone == "555-123-4567"
    assert provider.bio == "Hi **there**"
    assert set(changes) == {"display_name", "phone", "bio"}
    event = AuditEvent.objects.get(action="update_own_profile")
    assert event.actor == provider


def test_a_bad_phone_on_my_profile_names_the_field(provider):
    with pytest.raises(ValidationError) as exc:
        actions.update_own_profile(provider, {"phone": "call me"}, actor=provider)
    assert "phone" in exc.value.message_dict


def test_nobody_else_can_use_update_own_profile(admin, provider):
    with pytest.raises(Denied) as exc:
        actions.update_own_profile(provider, {"display_name": "X"}, actor=admin)
    assert exc.value.decision.reason == "not_self"


def test_changing_my_password_is_audited_without_the_value(provider):
    actions.change_own_password(provider, "a-new-long-secret-77", actor=provider)
    provider.refresh_from_db()
    assert provider.check_password("a-new-long-secret-77")
    assert not provider.check_password(PASSWORD)
    event = AuditEvent.objects.get(action="change_own_password")
    assert "a-new-long-secret-77" not in str(event.changes)
