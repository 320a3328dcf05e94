"""Every main page opens for an administrator of the demo organization, with its heading, no
server error and nothing of another organization; a screenshot of each is saved under
test-output/screenshots/page-<name>.png.

The data is the demo organization, built through the actions (`clinicorg demo`). Pages whose
URL name does not exist (yet) are left out, so the list can name pages still being built.
"""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from clinicorg.access.models import Role
from clinicorg.demo.loader import DEMO_ADMIN_EMAIL, load_demo
from clinicorg.directory.models import Location
from clinicorg.staff.models import StaffMember
from clinicorg.web.context import NAVIGATION

from .conftest import log_in, screenshot, sign_in


def _admin(org):
    return StaffMember.objects.get(email=DEMO_ADMIN_EMAIL)


def _provider(org):
    return StaffMember.objects.filter(organization=org).exclude(npi="").order_by("pk").first()


# (screenshot name, URL names to try in order, args from the demo org, expected heading)
PAGES = [
    ("staff-list", ["web:staff_list"], None, "Employee Center"),
    ("staff-profile", ["web:staff_detail"], lambda org: [_admin(org).pk], "Dana Whitfield"),
    ("staff-new", ["web:staff_create"], None, "New employee"),
    (
        "staff-credentials",
        ["web:staff_credentials"],
        lambda org: [_provider(org).pk],
        "Provider credentials",
    ),
    ("supervisors", ["web:supervisor_list"], None, "Supervisors"),
    ("locations", ["web:location_list"], None, "Locations"),
    (
        "location-detail",
        ["web:location_detail"],
        lambda org: [org_location(org, "MAIN").pk],
        "Main Street Clinic",
    ),
    ("departments", ["web:structure_department_list", "web:department_list"], None, "Departments"),
    ("positions", ["web:structure_position_list", "web:position_list"], None, "Positions"),
    (
        "categories",
        ["web:structure_category_list", "web:category_list"],
        None,
        "Employee categories",
    ),
    (
        "organization-settings",
        ["web:org_settings", "web:organization_settings"],
        None,
        "Organization settings",
    ),
    ("audit-log", ["web:audit_list"], None, "Audit log"),
    ("roles", ["web:access_role_list", "web:role_list"], None, "Roles & permissions"),
    (
        "role-administrator",
        ["web:access_role_detail", "web:role_detail"],
        lambda org: [Role.objects.get(organization=org, name="Administrator").pk],
        "Administrator",
    ),
    ("my-profile", ["web:my_profile"], None, "My profile"),
    (
        "imports",
        ["web:import_start", "web:transfer_import_start", "web:import_list", "web:import_new"],
        None,
        re.compile(r"import|upload", re.I),
    ),
]


def org_location(org, code):
    return Location.objects.get(organization=org, code=code)


def _defined(url_name) -> bool:
    for args in (None, [1]):
        try:
            reverse(url_name, args=args)
            return True
        except NoReverseMatch:
            pass
    return False


def _existing_url_name(candidates):
    """The first candidate URL name the project defines."""
    return next((c for c in candidates if _defined(c)), None)


def _existing_pages():
    """(screenshot name, URL name, args, heading) of the listed pages the project defines."""
    found = []
    for name, candidates, args, heading in PAGES:
        url_name = _existing_url_name(candidates)
        if url_name is not None:
            found.append((name, url_name, args, heading))
    return found


@pytest.fixture
def demo(db, globex, outsider):
    """The demo organization, and another organization whose data must never show."""
    org, created = load_demo()
    assert created
    return org


def _url(url_name, args, org):
    try:
        return reverse(url_name, args=args(org) if args else None)
    except NoReverseMatch as exc:  # pragma: no cover - shows which page changed its signature
        pytest.fail(f"{url_name} no longer reverses with these arguments: {exc}")


def _check_page(page, response, heading) -> list[str]:
    """What is wrong with the page just opened (nothing when it is fine)."""
    problems = []
    if response is None or response.status != 200:
        return [f"status {response.status if response else 'none'}"]
    if "/signin/" in page.url:
        return ["sent to the sign-in page"]
    h1 = page.locator("h1").first
    if not h1.count() or not h1.is_visible():
        return ["no visible heading"]
    text = h1.inner_text()
    if isinstance(heading, re.Pattern):
        if not heading.search(text):
            problems.append(f"heading {text!r} does not match {heading.pattern!r}")
    elif heading not in text:
        problems.append(f"heading {text!r} lacks {heading!r}")
    title = page.title()
    if not title.endswith(" · clinicorg") or "<" in title:
        problems.append(f"the window title {title!r} is not a plain page name")
    body = page.locator("body").inner_text()
    if "Server Error" in body or "Traceback" in body:
        problems.append("shows a server error")
    # Nothing of the other organization shows on any page.
    if "globex" in body.lower():
        problems.append("shows data of another organization")
    return problems


def test_every_main_page_opens_with_its_heading(page, demo):
    """One walk through the pages (the demo loads once); every failing page is reported."""
    pages = _existing_pages()
    assert len(pages) >= 8, "the main pages are missing"
    log_in(page, _admin(demo))
    failures = []
    for name, url_name, args, heading in pages:
        url = _url(url_name, args, demo)
        response = page.goto(url)
        problems = _check_page(page, response, heading)
        screenshot(page, f"page-{name}")
        failures += [f"{url_name} ({url}): {p}" for p in problems]
    assert not failures, "\n".join(failures)

    # Every navigation entry opens a page with a heading and marks itself current.
    nav = page.get_by_role("navigation", name="Main")
    labels = [label for _name, label, _perm, _prefix in NAVIGATION]
    for label in labels:
        link = nav.get_by_role("link", name=label, exact=True)
        assert link.count() == 1, f"the administrator is not offered {label!r}"
        with page.expect_navigation() as nav_info:
            link.click()
        assert nav_info.value.status == 200, f"{label}: {nav_info.value.status}"
        expect(page.locator("h1").first, label).to_be_visible()
        current = nav.locator("a[aria-current=page]")
        assert current.count() == 1 and current.inner_text() == label, label


def test_sign_in_page_shows_the_form(page, acme):
    response = page.goto(reverse("web:login"))
    assert response.status == 200
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    screenshot(page, "page-sign-in")


def test_wrong_password_is_refused_beside_the_form(page, admin):
    sign_in(page, admin.email, "not-the-password")
    assert "/signin/" in page.url
    expect(
        page.get_by_text("That email and password do not match an active account.")
    ).to_be_visible()
    screenshot(page, "page-sign-in-error")
