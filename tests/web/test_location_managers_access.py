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
    assert (
        "Appointing a manager grants nothing by itself: after you save, the location page" in page
    )
    assert "offers to give a manager who cannot see this location access to it." in page


def _third_location(acme, code="EAST"):
    from clinicorg.directory.actions import create_location

    return create_location({"name": f"Acme {code.title()}", "code": code}, actor=acme.system)


def test_the_location_page_offers_access_and_the_grant_adds_only_this_location(acme, admin):
    from clinicorg.core.models import AuditEvent

    east = _third_location(acme)
    limited = acme.member("limited@acme.test", location=acme.main, extra_locations=[east])
    set_location_managers(acme.branch, [limited.pk], actor=admin)
    client = signed_in(admin)
    page = client.get(f"/locations/{acme.branch.pk}/").text
    grant = f"/locations/{acme.branch.pk}/managers/{limited.pk}/grant-access/"
    assert f'action="{grant}"' in page
    assert "Give Limited access to Acme Health Branch" in page

    response = client.post(grant, follow=True)
    assert "Limited Tester now has access to Acme Health Branch." in response.text
    assert "Cannot manage staff here." not in response.text
    limited.refresh_from_db()
    limited.forget_access_cache()
    assert set(limited.extra_locations.values_list("code", flat=True)) == {"BRANCH", "EAST"}
    event = AuditEvent.objects.filter(action="set_location_access").latest("pk")
    assert event.target_id == str(limited.pk)
    assert event.changes["locations_added"] == ["BRANCH"]
    assert event.changes["locations_removed"] == []

    # Granting again changes nothing and records nothing.
    client.post(grant)
    assert AuditEvent.objects.filter(action="set_location_access").count() == 1


def test_no_offer_and_no_grant_when_the_actor_may_not_change_the_managers_access(acme, admin):
    """A limited administrator who cannot change a manager's access (the manager also works
    where they cannot see) is shown the gap without the offer, and a forged post is refused."""
    east = _third_location(acme)
    branch_admin = acme.member("branchadmin@acme.test", location=acme.branch)
    manager = acme.member("wide@acme.test", location=acme.main, extra_locations=[east])
    set_location_managers(acme.branch, [manager.pk], actor=admin)
    # The branch administrator sees the branch page but not the manager's record.
    client = signed_in(branch_admin)
    page = client.get(f"/locations/{acme.branch.pk}/").text
    assert "grant-access" not in page
    response = client.post(f"/locations/{acme.branch.pk}/managers/{manager.pk}/grant-access/")
    assert response.status_code in (403, 404)
    assert not manager.extra_locations.filter(pk=acme.branch.pk).exists()

    # An administrator of Main and Branch, who can see the manager but not East: the gap
    # is shown with a link, not an offer, and a forged grant is refused.
    both = acme.member("both@acme.test", location=acme.main, extra_locations=[acme.branch])
    client = signed_in(both)
    page = client.get(f"/locations/{acme.branch.pk}/").text
    assert "They have no access to this location" in page
    assert "grant-access" not in page
    response = client.post(f"/locations/{acme.branch.pk}/managers/{manager.pk}/grant-access/")
    assert response.status_code == 403
    assert not manager.extra_locations.filter(pk=acme.branch.pk).exists()


def test_no_offer_when_the_role_is_what_is_missing(acme, admin):
    desk = acme.member("desk3@acme.test", role="front_desk", location=acme.main)
    set_location_managers(acme.branch, [desk.pk], actor=admin)
    page = signed_in(admin).get(f"/locations/{acme.branch.pk}/").text
    # Access alone would not let them manage staff: the page does not offer it.
    assert "does not include Manage staff" in page
    assert "grant-access" not in page


def test_saving_managers_says_how_many_cannot_act_yet(acme, admin):
    limited = acme.member("limited@acme.test", location=acme.main)
    boss = acme.member("boss@acme.test", all_locations=True)
    response = signed_in(admin).post(
        f"/locations/{acme.branch.pk}/managers/",
        {"add": f"{limited.pk},{boss.pk}"},
        follow=True,
    )
    assert "Managers saved. 1 manager cannot manage staff here yet; see why below." in (
        response.text
    )


def test_a_manager_of_a_foreign_location_cannot_be_granted_through_another(acme, admin):
    """The grant reads the manager through the location in the address: a member who does
    not manage that location is not found."""
    limited = acme.member("limited@acme.test", location=acme.main)
    set_location_managers(acme.branch, [limited.pk], actor=admin)
    east = _third_location(acme)
    response = signed_in(admin).post(f"/locations/{east.pk}/managers/{limited.pk}/grant-access/")
    assert response.status_code == 404
    assert not limited.extra_locations.exists()


def test_the_location_page_and_its_api_detail_count_its_staff_alike(acme, admin, api):
    """One count of a location's primary staff, read by the page and the API detail alike."""
    for i in range(3):
        acme.member(f"b{i}@acme.test", location=acme.branch)
    page = signed_in(admin).get(f"/locations/{acme.branch.pk}/").text
    assert "<dt>Staff (primary)</dt><dd>3</dd>" in page
    assert api.get(f"/api/v1/locations/{acme.branch.pk}").json()["staff_count"] == 3
