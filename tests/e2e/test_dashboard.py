"""The dashboard and the license expiry page in Chromium, at desktop (1280) and phone (390)
width: screenshots test-output/screenshots/dashboard-<width>.png and licenses-<width>.png.

The data is the demo organization, plus licenses of its providers expiring around today.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from clinicorg.demo.loader import DEMO_ADMIN_EMAIL, load_demo
from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import StaffMember

from .conftest import log_in, screenshot


@pytest.fixture
def demo(db, globex, outsider):
    org, _created = load_demo()
    from clinicorg.access.system import SystemActor

    system = SystemActor(org.pk)
    today = org_today(org)
    providers = StaffMember.objects.filter(organization=org).exclude(npi="").order_by("pk")
    for n, (member, days) in enumerate(zip(providers, (-12, 9, 27, 58, 85), strict=False)):
        staff_actions.add_license(
            member,
            {"state": "IL", "number": f"036.{n:06d}", "expires_on": today + timedelta(days)},
            actor=system,
        )
    return org


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_dashboard_reads_at_desktop_and_phone_width(page, demo, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, StaffMember.objects.get(email=DEMO_ADMIN_EMAIL))
    response = page.goto("/")
    assert response.status == 200 and page.url.endswith("/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    charts = page.locator("svg.chart-svg")
    assert charts.count() == 5
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 200 and box["height"] > 20
    assert _no_horizontal_scroll(page), "the dashboard scrolls sideways"
    assert "globex" not in page.locator("body").inner_text().lower()
    screenshot(page, f"dashboard-{width}")
    page.locator("section.dash-panel").first.screenshot(
        path=str(screenshot(page, f"dashboard-{width}").with_name(f"dashboard-{width}-chart.png"))
    )

    # A number leads to the list it counts.
    pending = page.locator("a", has_text="Pending").first
    shown = int(pending.locator(".figure-value").inner_text())
    with page.expect_navigation():
        pending.click()
    expect(page.get_by_role("heading", name="Employee Center")).to_be_visible()
    assert page.locator("table.staff-list tbody tr:not(:has(td.empty))").count() == shown


@pytest.mark.parametrize("width", [1280, 390])
def test_the_license_expiry_page_reads_at_desktop_and_phone_width(page, demo, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, StaffMember.objects.get(email=DEMO_ADMIN_EMAIL))
    page.goto("/licenses/?window=60")
    expect(page.get_by_role("heading", name="License expiry")).to_be_visible()
    rows = page.locator("table.licenses tbody tr", has_text="036.")
    assert rows.count() == 4  # expired 12 days ago, in 9, 27 and 58 days (not 85)
    expect(rows.first.locator(".badge.expired")).to_be_visible()
    assert _no_horizontal_scroll(page), "the license list scrolls sideways"
    screenshot(page, f"licenses-{width}")
