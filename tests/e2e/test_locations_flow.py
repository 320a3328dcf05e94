"""An administrator signs in, creates a location, then finds it in the list and the audit log."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.conftest import PASSWORD

from .conftest import screenshot, sign_in


def test_admin_creates_a_location_and_finds_it_in_the_list_and_the_audit_log(page, acme, admin):
    sign_in(page, admin.email, PASSWORD)
    page.goto(reverse("web:location_list"))
    screenshot(page, "locations-list")
    page.get_by_role("link", name="New location").click()
    page.locator("#id_name").fill("Harbor Point Clinic")
    page.locator("#id_code").fill("HARBOR")
    page.get_by_label("Location NPI").fill("1234567893")
    page.get_by_role("button", name="Create location").click()
    expect(page.get_by_role("heading", name="Harbor Point Clinic")).to_be_visible()
    screenshot(page, "location-detail")

    page.goto(reverse("web:location_list") + "?q=harbor")
    expect(page.get_by_role("link", name="Harbor Point Clinic")).to_be_visible()

    # The audit log, reached as a person would: from the navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.locator("input[name=q]").fill("Harbor Point")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.list tbody tr", has_text="Harbor Point Clinic")
    assert rows.count() >= 1
    created = rows.filter(has_text="Created location")
    assert created.count() == 1
    assert admin.email in created.inner_text()
    assert "HARBOR" in created.inner_text()
    screenshot(page, "audit-log-new-location")
    # The audit row links back to the location.
    created.get_by_role("link", name="Harbor Point Clinic").click()
    expect(page.get_by_role("heading", name="Harbor Point Clinic")).to_be_visible()
