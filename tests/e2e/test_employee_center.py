"""The Employee Center in a browser: one line per member, select a page, a bulk change behind a
confirmation naming the count; at desktop width and at 390 px."""

import pytest
from playwright.sync_api import expect

from clinicorg.staff.models import StaffMember, Status

from .conftest import log_in, screenshot


@pytest.fixture
def crowd(acme):
    long = "pat.longname-with-many-parts@clinic-with-a-really-long-domain.example"
    members = [acme.member(long, first_name="Pat", last_name="Longname-Ashworth-Smythe")]
    members += [
        acme.member(f"crowd{i:02d}@acme.test", first_name=f"Crowd{i:02d}", last_name="Member")
        for i in range(30)
    ]
    return members


@pytest.mark.parametrize("width", [1360, 390])
def test_selecting_members_and_putting_them_on_leave(page, acme, admin, crowd, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, admin)
    page.goto("/staff/?per=25")
    expect(page.get_by_role("navigation", name="Pages").get_by_text("1–25 of 32")).to_be_visible()
    if width > 768:
        # One line per member: every row has the height of the first.
        # (Sub-pixel layout may differ by a pixel; a wrapped line adds a whole line height.)
        heights = page.locator("table.staff-list tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().height)"
        )
        assert max(heights) - min(heights) < 2, heights
    # Nothing scrolls sideways: on a phone each member is a card (tests below).
    wide, box = page.locator(".table-scroll").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert wide <= box, (wide, box)
    screenshot(page, f"employee-center-{width}")

    page.get_by_label("Select Crowd01 Member").check()
    page.get_by_label("Select Crowd02 Member").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected:")
    page.get_by_label("Action for the selection").select_option("status")
    page.get_by_label("New status").select_option("on_leave")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue…").click()
    expect(page.get_by_role("heading", name="Set to On leave 2 staff members?")).to_be_visible()
    page.get_by_label("Reason").fill("Clinic closed for renovation")
    screenshot(page, f"employee-center-confirm-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Set 2 to On leave").click()
    expect(page.get_by_text("2 staff members now On leave.")).to_be_visible()
    on_leave = StaffMember.objects.filter(status=Status.ON_LEAVE).order_by("email")
    assert [m.email for m in on_leave] == ["crowd01@acme.test", "crowd02@acme.test"]


def test_selecting_a_whole_page_and_deactivating_from_a_row(page, acme, admin, crowd):
    log_in(page, admin)
    page.goto("/staff/?per=25&q=crowd")
    page.get_by_label("Select every member on this page").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("25 selected:")
    page.get_by_label("Select every member on this page").uncheck()
    page.get_by_role("link", name="Deactivate Crowd03 Member").click()
    expect(page.get_by_role("heading", name="Deactivate 1 staff member?")).to_be_visible()
    page.get_by_label("Reason").fill("Left the practice")
    with page.expect_navigation():
        page.get_by_role("button", name="Deactivate 1 staff member").click()
    expect(page.get_by_text("1 staff member now Deactivated.")).to_be_visible()
    member = StaffMember.objects.get(email="crowd03@acme.test")
    assert member.status == Status.DEACTIVATED
    page.goto(f"/staff/{member.pk}/")
    expect(page.get_by_text("Reason: “Left the practice”")).to_be_visible()
    screenshot(page, "employee-center-profile-after-deactivation")


def test_on_a_phone_each_member_is_a_card_with_its_actions(page, acme, admin, crowd):
    page.set_viewport_size({"width": 390, "height": 844})
    acme.member(
        "penny@acme.test",
        first_name="Penny",
        last_name="Pending",
        status=Status.PENDING,
        location=acme.branch,
    )
    log_in(page, admin)
    page.goto("/staff/?per=50&status=all")
    rows = page.locator("table.staff-list tbody tr")
    expect(rows.first).to_be_visible()
    cards = rows.evaluate_all(
        """rows => rows.map(r => {
            const box = r.getBoundingClientRect();
            const email = r.querySelector("td.c-email a");
            return {
                display: getComputedStyle(r).display,
                left: box.left, right: box.right,
                emailCut: email.scrollWidth > email.clientWidth,
                emailBelowName: email.getBoundingClientRect().top
                    >= r.querySelector("td.c-name").getBoundingClientRect().bottom - 1,
            };
        })"""
    )
    assert all(c["display"] == "grid" for c in cards), cards[0]
    assert all(c["left"] >= 0 and c["right"] <= 390 for c in cards), cards
    assert not any(c["emailCut"] for c in cards)  # long emails wrap, none is cut short
    assert all(c["emailBelowName"] for c in cards)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    long = rows.filter(has_text="Longname-Ashworth-Smythe")
    expect(long.get_by_text("pat.longname-with-many-parts@", exact=False)).to_be_visible()
    expect(long.get_by_text(acme.main.name)).to_be_visible()
    expect(long.get_by_text("Administrator")).to_be_visible()
    expect(long.get_by_text("Active")).to_be_visible()
    penny = rows.filter(has_text="Pending, Penny")
    expect(penny.get_by_role("button", name="Resend invite")).to_be_visible()
    expect(penny.get_by_text(acme.branch.name)).to_be_visible()
    # Sorting and "select every member" stay reachable above the cards.
    expect(page.get_by_label("Select every member on this page")).to_be_visible()
    expect(page.locator("thead").get_by_role("link", name="Name")).to_be_visible()
    screenshot(page, "employee-center-cards-390")

    with page.expect_navigation():
        penny.get_by_role("link", name="Deactivate Penny Pending").click()
    expect(page.get_by_role("heading", name="Deactivate 1 staff member?")).to_be_visible()


@pytest.fixture
def full_rows(acme, crowd):
    """Rows with every column filled and both row actions (a pending member)."""
    dept = acme.org.departments.create(name="Cardiopulmonary Rehabilitation Services")
    pos = acme.org.positions.create(name="Senior Licensed Clinical Social Worker")
    return [
        acme.member(
            f"full{i}@acme.test",
            first_name="Alexandria",
            last_name=f"Montgomery-Fairweather{i}",
            department=dept,
            position=pos,
            employee_id=f"EMP-2026-{i:05d}",
            status=Status.PENDING if i % 2 else Status.ACTIVE,
        )
        for i in range(4)
    ]


@pytest.mark.parametrize("width", [1600, 1441, 1440, 1281, 1280, 1101, 1100])
def test_the_list_fits_beside_the_menu_at_every_desktop_width(page, admin, full_rows, width):
    """No sideways scrolling and no action cut off at any width beside the menu: the table
    shares its box between the columns it shows (one line per member), and below 1101 px the
    members are cards."""
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, admin)
    page.goto("/staff/?per=25&q=montgomery&status=all")
    rows = page.locator("table.staff-list tbody tr")
    expect(rows).to_have_count(4)
    layout = page.evaluate(
        """() => {
            const box = document.querySelector(".table-scroll");
            const table = box.querySelector("table");
            const actions = [...table.querySelectorAll("td.row-actions")].flatMap(td => {
                const cell = td.getBoundingClientRect();
                return [...td.querySelectorAll("a, button")].map(a => {
                    const r = a.getBoundingClientRect();
                    return r.left >= cell.left - 1 && r.right <= cell.right + 1;
                });
            });
            return {
                page: [document.documentElement.scrollWidth, window.innerWidth],
                box: [box.scrollWidth, box.clientWidth],
                table: [table.scrollWidth, table.clientWidth],
                actionsInside: actions,
                rowDisplay: getComputedStyle(table.querySelector("tbody tr")).display,
                heights: [...table.querySelectorAll("tbody tr")].map(
                    r => r.getBoundingClientRect().height),
            };
        }"""
    )
    assert layout["page"][0] <= layout["page"][1], layout
    assert layout["box"][0] <= layout["box"][1], layout
    assert layout["table"][0] <= layout["table"][1], layout
    assert len(layout["actionsInside"]) == 6 and all(layout["actionsInside"]), layout
    if width > 1100:
        assert layout["rowDisplay"] == "table-row"
        assert max(layout["heights"]) - min(layout["heights"]) < 2, layout
    else:
        assert layout["rowDisplay"] == "grid"
    pending = rows.filter(has_text="Montgomery-Fairweather1")
    expect(pending.get_by_role("button", name="Resend invite to Alexandria")).to_be_visible()
    expect(pending.get_by_role("link", name="Deactivate Alexandria")).to_be_visible()
    screenshot(page, f"employee-center-fit-{width}")
