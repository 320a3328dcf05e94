"""A patient books on a phone, gets the email; staff see it in the day view and cancel it; the
patient's cancel link then says it was cancelled."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from clinicorg.scheduling import actions
from clinicorg.scheduling.models import Appointment
from tests.scheduling.conftest import WEEKDAYS_9_TO_5

from .conftest import log_in, screenshot

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def bookable(acme):
    provider = acme.member(
        "ada@acme.test", role="provider", first_name="Ada", last_name="Lovelace",
        display_name="Dr. Ada Lovelace",
    )  # fmt: skip
    actions.create_visit_type(
        {
            "name": "Check-up",
            "duration_minutes": 30,
            "online_bookable": True,
            "providers": [provider],
        },
        actor=acme.system,
    )
    actions.set_weekly_availability(provider, acme.main, WEEKDAYS_9_TO_5, actor=acme.system)
    actions.update_scheduling_settings(
        acme.org.pk, {"online_booking_enabled": True}, actor=acme.system
    )
    return provider


def test_patient_books_on_a_phone_and_staff_cancel_it(browser, live_server, acme, admin, bookable):
    patient = browser.new_context(viewport=PHONE, base_url=live_server.url, is_mobile=True)
    phone = patient.new_page()
    phone.set_default_timeout(15_000)
    phone.goto("/book/acme/")
    expect(phone.get_by_role("heading", name="Choose a provider")).to_be_visible()
    expect(phone.get_by_role("heading", name="Dr. Ada Lovelace")).to_be_visible()
    screenshot(phone, "booking-1-providers-phone")
    phone.get_by_role("link", name="See times").click()
    expect(phone.get_by_role("heading", name="Choose a time")).to_be_visible()
    screenshot(phone, "booking-2-times-phone")
    phone.locator("a.slot").first.click()
    phone.get_by_label("Your name").fill("Pat Doe")
    phone.get_by_label("Email").fill("pat@example.test")
    phone.get_by_label("Phone").fill("555-0101")
    screenshot(phone, "booking-3-details-phone")
    phone.get_by_role("button", name="Review").click()
    expect(phone.get_by_role("heading", name="Check and confirm")).to_be_visible()
    screenshot(phone, "booking-4-review-phone")
    phone.get_by_role("button", name="Confirm booking").click()
    expect(phone.get_by_role("heading", name="You’re booked")).to_be_visible()
    screenshot(phone, "booking-5-done-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways ({width}px)"

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pat@example.test"]
    link = re.search(r"http://[^/\s]+(/book/cancel/[\w-]+/)", mail.outbox[0].body).group(1)
    appt = Appointment.objects.get()
    day = appt.starts_at.astimezone(ZoneInfo(acme.main.timezone)).date()

    # Staff see it in the day view and cancel it.
    staff = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=live_server.url)
    desk = staff.new_page()
    desk.clinicorg_url = live_server.url
    log_in(desk, admin)
    desk.goto(f"/schedule/locations/{acme.main.pk}/?date={day.isoformat()}")
    expect(desk.get_by_role("heading", name="Dr. Ada Lovelace")).to_be_visible()
    screenshot(desk, "schedule-day-desktop")
    desk.set_viewport_size(PHONE)
    screenshot(desk, "schedule-day-phone")
    desk.set_viewport_size({"width": 1360, "height": 900})
    desk.get_by_role("link", name=re.compile("Pat Doe")).click()
    desk.get_by_label("Reason").fill("Provider unavailable")
    desk.get_by_role("button", name="Cancel appointment").click()
    expect(desk.get_by_text("Cancelled the appointment of Pat Doe.")).to_be_visible()
    screenshot(desk, "appointment-cancelled")
    desk.goto(f"/schedule/staff/{bookable.pk}/?week={day.isoformat()}")
    expect(desk.get_by_role("heading", name=re.compile("Week of"))).to_be_visible()
    screenshot(desk, "schedule-week-desktop")
    desk.goto(f"/staff/{bookable.pk}/availability/")
    expect(desk.get_by_label("Monday")).to_have_value("09:00-17:00")
    desk.set_viewport_size(PHONE)
    screenshot(desk, "availability-phone")
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the availability page scrolls sideways ({width}px)"
    staff.close()

    phone.goto(link)
    expect(phone.get_by_text("This appointment was cancelled.")).to_be_visible()
    screenshot(phone, "booking-6-cancel-link-phone")
    patient.close()
