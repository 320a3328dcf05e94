"""The confirmations that name what a change affects, in a browser at desktop width and at
390 px: deactivating a department, a member's status change, removing a provider's dated hours
and time off. Each fits the screen, passes axe-core (no serious or critical violation) and
changes nothing until its button is pressed."""

from datetime import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from clinicorg.directory import actions as directory
from clinicorg.directory.models import Department
from clinicorg.scheduling import actions as scheduling
from clinicorg.scheduling.models import TimeOff
from clinicorg.staff.models import Status
from tests.scheduling.conftest import WEEKDAYS_9_TO_5, at, booking, next_weekday

from .conftest import log_in, screenshot

AXE = Axe()


def _fits_and_passes_axe(page) -> None:
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{wide - window} px wider than the window"
    serious = [
        v["id"]
        for v in AXE.run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize("width", [1360, 390])
def test_deactivating_a_department_from_its_list(page, acme, admin, width):
    page.set_viewport_size({"width": width, "height": 900})
    dept = directory.create_department("Cardiology", actor=admin)
    acme.member("heart@acme.test", department=dept)
    log_in(page, admin)
    page.goto("/organization/departments/")
    with page.expect_navigation():
        page.get_by_role("link", name="Deactivate Cardiology").click()
    expect(
        page.get_by_role("heading", name="Deactivate the department “Cardiology”?")
    ).to_be_visible()
    expect(page.get_by_text("1 active staff member holds it; they keep it.")).to_be_visible()
    _fits_and_passes_axe(page)
    screenshot(page, f"confirm-department-{width}")
    assert Department.objects.get(pk=dept.pk).is_active
    with page.expect_navigation():
        page.get_by_role("button", name="Deactivate Cardiology").click()
    expect(page.get_by_text("Department “Cardiology” deactivated.")).to_be_visible()
    assert page.url.endswith("/organization/departments/")
    assert not Department.objects.get(pk=dept.pk).is_active


@pytest.mark.parametrize("width", [1360, 390])
def test_suspending_a_member_from_the_profile(page, acme, admin, width):
    page.set_viewport_size({"width": width, "height": 900})
    member = acme.member("sam@acme.test", first_name="Sam", last_name="Sample")
    log_in(page, admin)
    page.goto(f"/staff/{member.pk}/")
    page.get_by_label("New status").select_option(label="Suspended")
    page.get_by_label("Reason").fill("Badge lost")
    with page.expect_navigation():
        page.get_by_role("button", name="Update status").click()
    expect(page.get_by_role("heading", name="Suspend Sam Sample?")).to_be_visible()
    expect(page.get_by_text("cannot sign in until reactivated")).to_be_visible()
    _fits_and_passes_axe(page)
    screenshot(page, f"confirm-status-{width}")
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    with page.expect_navigation():
        page.get_by_role("button", name="Suspend Sam Sample").click()
    expect(page.get_by_text("Sam Sample is now Suspended.")).to_be_visible()
    member.refresh_from_db()
    assert member.status == Status.SUSPENDED


@pytest.mark.parametrize("width", [1360, 390])
def test_removing_time_off_and_dated_hours(page, acme, admin, width):
    page.set_viewport_size({"width": width, "height": 900})
    doc = acme.member("doc@acme.test", role="provider", first_name="Ada", last_name="Lovelace")
    scheduling.set_weekly_availability(doc, acme.main, WEEKDAYS_9_TO_5, actor=admin)
    visit = scheduling.create_visit_type(
        {"name": "Check-up", "duration_minutes": 30, "providers": [doc]}, actor=admin
    )
    monday = next_weekday(acme.main)
    scheduling.book_appointment(booking(acme, doc, visit, at(acme.main, monday, 10)), actor=admin)
    scheduling.add_time_off(
        doc,
        {"starts_at": at(acme.main, monday, 9), "ends_at": at(acme.main, monday, 12)},
        actor=admin,
    )
    scheduling.add_availability_override(
        doc,
        acme.main,
        {"date": monday, "start_time": time(13), "end_time": time(15)},
        actor=admin,
    )
    log_in(page, admin)
    page.goto(f"/staff/{doc.pk}/availability/")
    with page.expect_navigation():
        page.get_by_role("link", name="Remove the time off").click()
    expect(page.get_by_role("heading", name="Remove Ada Lovelace’s time off?")).to_be_visible()
    expect(page.get_by_text("1 booked appointment in that time stays booked")).to_be_visible()
    expect(page.get_by_text("Pat Patient:")).to_be_visible()
    _fits_and_passes_axe(page)
    screenshot(page, f"confirm-time-off-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove the time off").click()
    expect(page.get_by_text("Removed the time off.")).to_be_visible()
    assert not TimeOff.objects.filter(provider=doc).exists()

    with page.expect_navigation():
        page.get_by_role("link", name=f"Remove the hours on {monday:%b} {monday.day}").click()
    expect(page.get_by_text("The weekly hours at")).to_be_visible()
    _fits_and_passes_axe(page)
    screenshot(page, f"confirm-dated-hours-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove these hours").click()
    expect(page.get_by_text("Removed the hours for that date.")).to_be_visible()
