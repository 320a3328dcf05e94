"""Nobody hands out more than they hold: roles, "All locations" and locations."""

import pytest

from clinicorg.access.actions import create_role
from clinicorg.core.errors import Denied
from clinicorg.staff.actions import invite_staff, update_staff
from clinicorg.staff.models import StaffMember


def _invite(kit, actor, email, **kw):
    data = {
        "email": email,
        "first_name": "New",
        "last_name": "Member",
        "primary_location": kw.pop("location", kit.main),
        "role": kw.pop("role", kit.roles["front_desk"]),
    }
    return invite_staff(data, actor=actor, send=False, **kw)


@pytest.fixture
def staff_manager(acme):
    """Manages staff everywhere, but holds no billing permission."""
    role = create_role("Staff manager", ["administration.manage_staff"], actor=acme.system)
    return acme.member("manager@acme.test", role=role, all_locations=True)


@pytest.fixture
def branch_admin(acme):
    """An Administrator limited to the Branch location."""
    return acme.member("branch-admin@acme.test", location=acme.branch)


def test_an_actor_cannot_invite_someone_into_a_role_with_permissions_they_lack(acme, staff_manager):
    with pytest.raises(Denied) as exc:
        _invite(acme, staff_manager, "new@acme.test", role=acme.roles["billing_manager"])
    assert exc.value.decision.reason == "missing_permission"
    assert not StaffMember.objects.filter(email="new@acme.test").exists()


def test_an_actor_cannot_move_a_member_into_a_stronger_role(acme, staff_manager, frontdesk):
    with pytest.raises(Denied):
        update_staff(frontdesk, {"role": acme.roles["administrator"]}, actor=staff_manager)
    frontdesk.refresh_from_db()
    assert frontdesk.role == acme.roles["front_desk"]


def test_a_location_scoped_admin_cannot_grant_all_locations(acme, branch_admin):
    with pytest.raises(Denied) as exc:
        _invite(acme, branch_admin, "wide@acme.test", location=acme.branch, all_locations=True)
    assert exc.value.decision.reason == "no_location_access"


def test_a_location_scoped_admin_cannot_grant_a_location_they_cannot_access(acme, branch_admin):
    with pytest.raises(Denied) as exc:
        _invite(
            acme, branch_admin, "extra@acme.test", location=acme.branch, extra_locations=[acme.main]
        )
    assert exc.value.decision.reason == "no_location_access"


def test_an_administrator_may_grant_what_they_hold(acme, admin):
    member = _invite(
        acme, admin, "ok@acme.test", role=acme.roles["billing_manager"], all_locations=True
    )
    assert member.all_locations and member.role == acme.roles["billing_manager"]
