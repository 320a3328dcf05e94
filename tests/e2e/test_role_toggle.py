"""An administrator turns a permission off for a role; a member of that role loses the page on
their next click and is told which permission is missing."""

from playwright.sync_api import expect

from clinicorg.access.actions import create_role
from clinicorg.access.catalogue import P
from tests.conftest import PASSWORD

from .conftest import screenshot, sign_in


def test_turning_a_permission_off_takes_the_page_away_with_the_reason(
    page, browser, live_server, acme, admin
):
    role = create_role(
        "Site Coordinator", [P.VIEW_APPOINTMENTS, P.MANAGE_LOCATIONS], actor=acme.system
    )
    coordinator = acme.member("coord@acme.test", role=role, first_name="Casey")

    other = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=live_server.url)
    member_page = other.new_page()
    try:
        sign_in(member_page, coordinator.email, PASSWORD)
        member_page.goto("/locations/")
        expect(member_page.get_by_role("heading", name="Locations")).to_be_visible()

        sign_in(page, admin.email, PASSWORD)
        page.goto("/roles/")
        screenshot(page, "roles-matrix")
        with page.expect_navigation():
            page.get_by_role("link", name="Site Coordinator").click()
        toggle = page.get_by_label("Manage locations")
        assert toggle.is_checked()
        toggle.uncheck()
        screenshot(page, "role-toggle-off")
        with page.expect_navigation():
            page.get_by_role("button", name="Save role").click()
        expect(page.get_by_text("Role saved.")).to_be_visible()

        member_page.reload()
        expect(member_page.get_by_role("heading", name="You can’t open this page")).to_be_visible()
        body = member_page.locator("main").inner_text()
        assert "Site Coordinator" in body
        assert "Manage locations" in body
        assert "missing_permission" in body
        assert "administration.manage_locations" in body
        assert member_page.get_by_role("link", name="Locations").count() == 0
        screenshot(member_page, "role-toggle-denied")
    finally:
        other.close()

    page.goto("/audit/")
    expect(
        page.locator("table.audit").get_by_text("Changed role permissions").first
    ).to_be_visible()
