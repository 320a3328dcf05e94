"""The member pickers in a browser: type a name, choose from the list, save; at desktop width
and at 390 px. Many members exist, and the page lists none of them until asked."""

import pytest
from playwright.sync_api import expect

from clinicorg.staff import actions
from clinicorg.staff.models import StaffMember

from .conftest import log_in, screenshot


@pytest.fixture
def crowd(acme, admin):
    """Sixty members and three appointed supervisors, one of them named Quinn Chen."""
    for i in range(60):
        acme.member(f"staff{i:02d}@acme.test", first_name=f"Staff{i:02d}", last_name="Member")
    bosses = [
        acme.member("qchen@acme.test", first_name="Quinn", last_name="Chen", role="provider"),
        acme.member("achen@acme.test", first_name="Ari", last_name="Chenoweth", role="provider"),
        acme.member("zoe@acme.test", first_name="Zoe", last_name="Adams", role="provider"),
    ]
    for boss in bosses:
        actions.appoint_supervisor(boss, actor=admin)
    return bosses


@pytest.mark.parametrize("width", [1360, 390])
def test_choosing_a_supervisor_by_typing_a_name(page, acme, admin, crowd, width):
    page.set_viewport_size({"width": width, "height": 900})
    member = acme.member("newhire@acme.test", first_name="Nia", last_name="Newhire")
    log_in(page, admin)
    page.goto(f"/staff/{member.pk}/edit/")
    search = page.get_by_role("combobox", name="Supervisor")
    expect(search).to_be_visible()
    # Only the id field's script-free hint is gone; no list of supervisors is on the page.
    expect(page.locator(".picker-fallback")).to_be_hidden()
    assert page.locator("select[name=supervisor]").count() == 0

    search.fill("chen")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(2)  # Chen and Chenoweth, appointed; not Zoe Adams
    expect(options.first).to_contain_text("Quinn Chen")
    screenshot(page, f"picker-supervisor-open-{width}")
    search.press("ArrowDown")
    search.press("Enter")
    expect(search).to_have_value("Quinn Chen · qchen@acme.test")
    expect(page.get_by_role("listbox")).to_be_hidden()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    member.refresh_from_db()
    assert member.supervisor_id == crowd[0].pk

    page.goto(f"/staff/{member.pk}/edit/")
    search = page.get_by_role("combobox", name="Supervisor")
    expect(search).to_have_value("Quinn Chen · qchen@acme.test")
    screenshot(page, f"picker-supervisor-chosen-{width}")
    # Typing without choosing changes nothing, and the box says so when left.
    search.fill("Zoe")
    search.press("Tab")
    expect(search).to_have_value("Quinn Chen · qchen@acme.test")


@pytest.mark.parametrize("width", [1360, 390])
def test_adding_location_managers_by_typing_names(page, acme, admin, crowd, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, admin)
    page.goto(f"/locations/{acme.main.pk}/managers/")
    assert page.locator("input[type=checkbox][name=managers]").count() == 0
    search = page.get_by_role("combobox", name="Add managers")
    search.fill("staff07")
    page.get_by_role("option", name="Staff07 Member").click()
    search.fill("chenow")
    page.get_by_role("option").first.click()
    chips = page.locator(".picker-chip")
    expect(chips).to_have_count(2)
    screenshot(page, f"picker-managers-{width}")
    chips.filter(has_text="Staff07").get_by_role("button").click()
    expect(chips).to_have_count(1)
    with page.expect_navigation():
        page.get_by_role("button", name="Save managers").click()
    expect(page.get_by_text("Managers saved.")).to_be_visible()
    managers = StaffMember.objects.filter(managed_locations=acme.main)
    assert [m.email for m in managers] == ["achen@acme.test"]


@pytest.mark.parametrize("width", [1360, 390])
def test_handing_a_removed_supervisors_reports_over_by_typing_a_name(
    page, acme, admin, crowd, width
):
    """The picker offers only who may take over: not the supervisor being removed, nor one of
    their reports, nor anyone below those reports."""
    page.set_viewport_size({"width": width, "height": 900})
    quinn, ari, zoe = crowd
    # Ari reports to Quinn; Zoe reports to Ari: neither may take over Quinn's reports.
    actions.update_staff(ari, {"supervisor": quinn}, actor=admin)
    actions.update_staff(zoe, {"supervisor": ari}, actor=admin)
    cole = acme.member("cole@acme.test", first_name="Cole", last_name="Chenley", role="provider")
    actions.appoint_supervisor(cole, actor=admin)
    log_in(page, admin)
    page.goto(f"/supervisors/{quinn.supervisor_appointment.pk}/remove/")
    assert page.locator("select[name=reassign_to]").count() == 0
    search = page.get_by_role("combobox", name="Supervisor who takes over")
    expect(search).to_be_visible()
    search.fill("chen")
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options).to_have_count(1)  # Cole Chenley; not Quinn Chen, not Ari Chenoweth
    expect(options.first).to_contain_text("Cole Chenley")
    screenshot(page, f"picker-remove-supervisor-{width}")
    search.press("ArrowDown")
    search.press("Enter")
    expect(search).to_have_value("Cole Chenley · cole@acme.test")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove supervisor").click()
    expect(page.get_by_text("Quinn Chen is no longer a supervisor.")).to_be_visible()
    ari.refresh_from_db()
    assert ari.supervisor_id == cole.pk
