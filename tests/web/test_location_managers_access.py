"""The location page never promises what the policy refuses: a manager who cannot manage the
location's staff (no access to it, or a role without Manage staff) is named with the reason
and a link to change their access."""

from clinicorg.staff.actions import set_location_managers
from tests.conftest import signed_in


def test_a_manager_without_access_to_the_location_is_flagged(acme, admin):
    limited = acme.member("limited@acme.test", location=acme.main)  # no access to Branch
    set_location_managers(acme.branch, [limited.pk], actor=admin)
    page = signed_in(admin).get(f"/locations/{acme.branch.pk}/").text
    assert "Cannot manage staff here." in page
    assert "They have no access to this location" in page
    assert f'href="/staff/{limited.pk}/access/"' in page


def test_a_manager_whose_role_lacks_manage_staff_is_flagged(acme, admin):
    desk = acme.member("desk2@acme.test", role="front_desk", all_locations=True)
    set_location_managers(acme.main, [desk.pk], actor=admin)
    page = signed_in(admin).get(f"/locations/{acme.main.pk}/").text
    assert "Their role (Front Desk) does not include Manage staff" in page


def test_a_manager_the_policy_allows_gets_no_warning(acme, admin):
    boss = acme.member("boss@acme.test", all_locations=True)
    set_location_managers(acme.branch, [boss.pk], actor=admin)
    page = signed_in(admin).get(f"/locations/{acme.branch.pk}/").text
    assert "boss@acme.test" in page
    assert "Cannot manage staff here." not in page


def test_the_managers_page_does_not_promise_access(acme, admin):
    page = signed_in(admin).get(f"/locations/{acme.main.pk}/managers/").text
    assert "Managers see and manage the staff of this location." not in page
    assert "Appointing a manager grants nothing by itself." in page
