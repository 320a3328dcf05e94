"""Every main page at phone width (390 px) and on a desktop: nothing runs past the right edge of
the screen, the navigation folds behind a Menu button on the phone, and axe-core finds no
serious or critical accessibility violation. Screenshots: test-output/screenshots/
phone-<name>.png and desktop-<name>.png.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from clinicorg.web.context import NAVIGATION

from .conftest import SCREENSHOTS, log_in, screenshot
from .test_main_pages import _admin, _existing_pages, _url
from .test_main_pages import demo as demo  # noqa: F401  (the fixture)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}
# Tablets and small laptops, the menu beside the page: an iPad held upright, one on its side,
# and the first width at which the Employee Center is a table again.
TABLETS = [
    {"width": 820, "height": 1180},
    {"width": 1024, "height": 768},
    {"width": 1101, "height": 900},
]
AXE = Axe()


def _main_pages():
    """(name, url name, args) of the main pages: the listed ones and every navigation entry."""
    pages = [(name, url_name, args) for name, url_name, args, _heading in _existing_pages()]
    seen = {url_name for _n, url_name, _a in pages}
    for url_name, label, _perm, _prefix in NAVIGATION:
        if url_name not in seen:
            slug = label.lower().replace(" & ", "-").replace(" ", "-")
            pages.append((slug, url_name, None))
            seen.add(url_name)
    return pages


def _overflow(page) -> int | None:
    """How far the document runs past the right edge of the window (None when it does not)."""
    wide, window = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return wide - window if wide > window else None


_SCROLLERS = """() => Array.from(document.querySelectorAll('main *')).filter(el => {
  const s = getComputedStyle(el);
  return ['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1
    && !s.backgroundImage.includes('gradient') && !el.closest('.tabs');
}).map(el => el.tagName.toLowerCase() + '.' + String(el.className).trim().replace(/ +/g, '.'))"""


def _scrollers_without_hint(page) -> list[str]:
    """Boxes that scroll sideways with nothing to show that more lies beyond the edge (a tab
    strip shows it by a cut label)."""
    return page.evaluate(_SCROLLERS)


# The staff list page is being rebuilt in parallel (paging, bulk actions); its headers get
# their scope there.
def _headers_without_scope(page) -> int:
    return page.locator("th:not([scope])").count()


def _serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:4])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _walk(browser, live_server, demo, viewport, prefix, *, axe=True):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.clinicorg_url = live_server.url
    log_in(page, _admin(demo))
    failures = []
    for name, url_name, args in _main_pages():
        url = _url(url_name, args, demo)
        response = page.goto(url)
        if response is None or response.status != 200:
            failures.append(f"{url}: status {response.status if response else 'none'}")
            continue
        screenshot(page, f"{prefix}-{name}")
        if prefix == "phone":  # what a phone shows first, at its real size
            page.screenshot(path=str(SCREENSHOTS / f"phone-top-{name}.png"))
        over = _overflow(page)
        if over:
            failures.append(f"{url}: the page is {over} px wider than the {prefix} screen")
        for box in _scrollers_without_hint(page):
            failures.append(f"{url}: {box} scrolls sideways without a hint")
        if not axe:
            continue
        failures += [f"{url}: {v}" for v in _serious_violations(page)]
        if _headers_without_scope(page):
            failures.append(f"{url}: {_headers_without_scope(page)} table headers lack scope")
    context.close()
    return failures


def test_every_main_page_fits_a_phone_and_passes_axe(browser, live_server, demo):  # noqa: F811
    failures = _walk(browser, live_server, demo, PHONE, "phone")
    assert not failures, "\n".join(failures)


def test_every_main_page_fits_a_desktop_and_passes_axe(browser, live_server, demo):  # noqa: F811
    failures = _walk(browser, live_server, demo, DESKTOP, "desktop")
    assert not failures, "\n".join(failures)


def test_no_main_page_runs_past_a_tablet_screen(browser, live_server, demo):  # noqa: F811
    """Beside the menu, between the phone and the desktop layouts, a wide table scrolls
    inside its box and a side column drops under the main one: the page itself never
    scrolls sideways."""
    failures = []
    for viewport in TABLETS:
        failures += _walk(
            browser, live_server, demo, viewport, f"tablet-{viewport['width']}", axe=False
        )
    assert not failures, "\n".join(failures)


def test_the_phone_menu_opens_and_leads_to_a_page(browser, live_server, demo):  # noqa: F811
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.clinicorg_url = live_server.url
    log_in(page, _admin(demo))
    page.goto(reverse("web:location_list"))
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.locator("summary", has_text="Menu")
    link = nav.get_by_role("link", name="Audit log", exact=True)
    expect(menu).to_be_visible()
    expect(link).to_be_hidden()
    screenshot(page, "phone-menu-closed")
    menu.click()
    expect(link).to_be_visible()
    screenshot(page, "phone-menu-open")
    with page.expect_navigation():
        link.click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    # The menu is folded again on the next page.
    expect(nav.get_by_role("link", name="Locations", exact=True)).to_be_hidden()
    context.close()


def test_the_desktop_shows_the_navigation_without_a_menu_button(page, demo):  # noqa: F811
    log_in(page, _admin(demo))
    page.goto(reverse("web:location_list"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("summary", has_text="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Audit log", exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()


def test_the_skip_link_moves_to_the_content(page, demo):  # noqa: F811
    log_in(page, _admin(demo))
    page.goto(reverse("web:location_list"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


@pytest.mark.parametrize("viewport,prefix", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_missing_page_is_in_the_layout(browser, live_server, demo, viewport, prefix):  # noqa: F811
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.clinicorg_url = live_server.url
    log_in(page, _admin(demo))
    response = page.goto("/locations/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page doesn’t exist")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_attached()
    expect(page.get_by_role("link", name="Go to your start page")).to_be_visible()
    screenshot(page, f"{prefix}-error-404")
    assert not _overflow(page)
    assert not _serious_violations(page)
    context.close()


@pytest.mark.parametrize("viewport,prefix", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_new_organizations_dashboard_shows_the_setup_checklist(
    browser, live_server, admin, viewport, prefix
):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.clinicorg_url = live_server.url
    log_in(page, admin)
    assert page.goto(reverse("web:dashboard")).status == 200
    expect(page.get_by_role("heading", name="Get your organization ready")).to_be_visible()
    expect(page.get_by_role("link", name="Invite a member")).to_be_visible()
    screenshot(page, f"{prefix}-setup-checklist")
    assert not _overflow(page)
    assert not _serious_violations(page)
    context.close()


def test_the_location_form_shows_every_error_at_once_on_a_phone(browser, live_server, demo):  # noqa: F811
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.clinicorg_url = live_server.url
    log_in(page, _admin(demo))
    page.goto(reverse("web:location_create"))
    page.locator("#id_code").fill("main")
    page.locator("#id_npi").fill("1234567890")
    with page.expect_navigation():
        page.get_by_role("button", name="Create location").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    for label in ("Name", "Code"):
        expect(summary.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_text("A location with this code already exists.")).to_be_visible()
    expect(page.get_by_text("This NPI fails its check digit", exact=False)).to_be_visible()
    screenshot(page, "phone-location-form-errors")
    assert not _overflow(page)
    assert not _serious_violations(page)
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, TABLETS[0]], ids=["phone", "tablet"])
def test_the_role_matrix_keeps_the_permission_names_in_view_scrolled_to_the_last_role(
    browser, live_server, demo, viewport
):  # noqa: F811
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.clinicorg_url = live_server.url
    log_in(page, _admin(demo))
    assert page.goto(reverse("web:access_role_list")).status == 200
    box = page.locator("section.card .table-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the matrix fits: nothing to test"
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    last_role = page.locator("table.role-matrix thead th.role-col").last
    expect(last_role).to_be_in_viewport()
    left = box.evaluate("el => el.getBoundingClientRect().left")
    permission = page.locator("table.role-matrix tbody th", has_text="View appointments")
    module = page.locator("table.role-matrix tr.module-row th span", has_text="Calendar")
    for label in (permission, module):
        assert label.evaluate("el => el.getBoundingClientRect().left") >= left - 1
        expect(label).to_be_in_viewport()
    screenshot(page, f"roles-scrolled-{viewport['width']}")
    context.close()
