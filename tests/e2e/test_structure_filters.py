"""The department list's status filter in the browser: the select sends `status`, the
parameter the API takes too, and the list keeps the choice."""

import pytest

from clinicorg.directory import actions

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_inactive_lists_the_inactive_departments_only(page, acme, admin):
    actions.create_department("Cardiology", actor=acme.system)
    old = actions.create_department("Archive", actor=acme.system)
    actions.update_department(old, {"is_active": False}, actor=acme.system)
    log_in(page, admin)
    page.goto("/organization/departments/")
    page.get_by_label("Status").select_option("inactive")
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert "status=inactive" in page.url
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1 and "Archive" in rows.first.inner_text()
    assert page.get_by_label("Status").input_value() == "inactive"
    screenshot(page, "desktop-departments-inactive")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "phone-departments-inactive")
