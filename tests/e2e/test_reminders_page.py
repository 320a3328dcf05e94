"""The license reminders page and the dashboard's "figures as of" in Chromium, at desktop
(1360) and phone (390) width: screenshots reminders-<width>.png and dashboard-as-of-<width>.png.

The data is the demo organization with licenses of its providers in reminder windows, today's
digests recorded, and one of them held back by a mail server that refused it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinicorg.core import outbox
from clinicorg.demo.loader import DEMO_ADMIN_EMAIL, load_demo
from clinicorg.reports.actions import send_license_reminders
from clinicorg.reports.models import ReminderDigest
from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import StaffMember

from .conftest import log_in, screenshot


@pytest.fixture
def digests(db):
    from clinicorg.access.system import SystemActor

    org, _created = load_demo()
    system = SystemActor(org.pk)
    today = org_today(org)
    providers = StaffMember.objects.filter(organization=org).exclude(npi="").order_by("pk")
    for n, (member, days) in enumerate(zip(providers, (-7, 7, 30), strict=False)):
        staff_actions.add_license(
            member,
            {"state": "IL", "number": f"036.{n:06d}", "expires_on": today + timedelta(days)},
            actor=system,
        )
    send_license_reminders(org, actor=system)
    outbox.send_due()
    # One digest the mail server refused: waiting out its back-off.
    held = ReminderDigest.objects.order_by("pk").first()
    ReminderDigest.objects.filter(pk=held.pk).update(
        sent_at=None,
        next_send_at=timezone.now() + timedelta(minutes=2),
        send_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    return held


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [1360, 390])
def test_the_reminders_page_shows_sent_and_waiting_digests(page, digests, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, StaffMember.objects.get(email=DEMO_ADMIN_EMAIL))
    page.goto("/licenses/reminders/")
    expect(page.get_by_role("heading", name="License reminders")).to_be_visible()
    rows = page.locator("table.list tbody tr")
    assert rows.count() == ReminderDigest.objects.count() > 1
    waiting = rows.filter(has_text=digests.email)
    expect(waiting.get_by_text("Not sent")).to_be_visible()
    expect(waiting.get_by_text("retrying")).to_be_visible()
    assert _no_horizontal_scroll(page), "the reminders page scrolls sideways"
    screenshot(page, f"reminders-{width}")


@pytest.mark.parametrize("width", [1360, 390])
def test_the_dashboard_says_when_its_figures_were_counted(page, digests, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, StaffMember.objects.get(email=DEMO_ADMIN_EMAIL))
    page.goto("/dashboard/")
    counted = page.locator(".page-head time")
    expect(counted).to_be_visible()
    assert counted.get_attribute("datetime")
    assert _no_horizontal_scroll(page), "the dashboard scrolls sideways"
    screenshot(page, f"dashboard-as-of-{width}")
