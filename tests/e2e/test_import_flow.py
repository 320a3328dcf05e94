"""An administrator provisions staff from a spreadsheet: template, preview with an error, fix,
commit, then finds the new members in the Employee Center and the audit log."""

import csv
import io

from playwright.sync_api import expect

from tests.conftest import PASSWORD

from .conftest import log_in, screenshot, sign_in


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def test_admin_imports_staff_from_the_template_fixing_an_error_first(
    page, acme, admin, tmp_path, settings
):
    settings.IMPORT_DIR = tmp_path / "imports"
    sign_in(page, admin.email, PASSWORD)
    page.goto("/staff/")
    page.get_by_role("link", name="Upload").first.click()
    page.wait_for_url("**/imports/new/?kind=staff")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV template").first.click()
    template = download_info.value.path()
    with open(template, encoding="utf-8") as f:
        header, example = list(csv.reader(io.StringIO(f.read())))[:2]
    assert header[0] == "Email" and "Primary location code" in header
    col = {name: i for i, name in enumerate(header)}

    def row(email, first, last, location):
        values = [""] * len(header)
        values[col["Email"]] = email
        values[col["First name"]] = first
        values[col["Last name"]] = last
        values[col["Primary location code"]] = location
        values[col["Role"]] = "Provider"
        values[col["Send invitation"]] = "no"
        return values

    bad = tmp_path / "new-staff.csv"
    _write(
        bad,
        header,
        [
            row("quinn.harbor@acme.test", "Quinn", "Harbor", "MAIN"),
            row("rosa.lind@acme.test", "Rosa", "Lind", "NOWHERE"),
        ],
    )
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_selector("ul.import-errors")
    errors = page.locator("ul.import-errors").inner_text()
    assert "row 3, column Primary location code: No location with code “NOWHERE”." in errors
    assert page.get_by_role("button", name="Commit").count() == 0
    screenshot(page, "import-preview-with-error")

    fixed = tmp_path / "new-staff-fixed.csv"
    _write(
        fixed,
        header,
        [
            row("quinn.harbor@acme.test", "Quinn", "Harbor", "MAIN"),
            row("rosa.lind@acme.test", "Rosa", "Lind", "BRANCH"),
        ],
    )
    page.get_by_role("link", name="Upload another file").click()
    page.locator("input[type=file]").set_input_files(str(fixed))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_selector("ul.summary")
    assert "2 to create" in page.locator("ul.summary").inner_text()
    screenshot(page, "import-preview-valid")
    page.get_by_role("button", name="Commit 2 changes").click()
    page.wait_for_selector("text=Committed")
    screenshot(page, "import-committed")

    page.goto("/staff/?q=Lind")
    expect(page.get_by_text("rosa.lind@acme.test").first).to_be_visible()
    page.goto("/audit/?action=create_staff")
    body = page.locator("main").inner_text()
    assert "Rosa Lind" in body and "Quinn Harbor" in body
    page.goto("/audit/?action=import_staff")
    assert "new-staff-fixed.csv" in page.locator("main").inner_text()
    screenshot(page, "import-audit-log")


def test_admin_fixes_a_bad_row_in_the_browser_and_commits(page, acme, admin, tmp_path, settings):
    """The error is corrected in the grid, at desktop and at phone width, with no new upload."""
    from clinicorg.transfer import actions
    from tests.transfer.conftest import csv_bytes, staff_row

    settings.IMPORT_DIR = tmp_path / "imports"
    rows = [
        staff_row(1, Email="quinn.harbor@acme.test"),
        staff_row(2, Email="rosa.lind@acme.test", **{"Primary location code": "NOWHERE"}),
    ]
    job = actions.start_import(csv_bytes(rows), "new-staff.csv", "staff", actor=admin)
    log_in(page, admin)
    page.goto(f"/imports/{job.pk}/")
    page.get_by_role("link", name="Fix the rows here").click()
    page.wait_for_url(f"**/imports/{job.pk}/fix/")
    cell = page.get_by_label("Primary location code")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(cell).to_have_value("NOWHERE")
    screenshot(page, "import-fix-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "import-fix-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    cell.fill("BRANCH")
    page.get_by_role("button", name="Check the file again").click()
    page.wait_for_selector("ul.summary")
    assert "2 to create" in page.locator("ul.summary").inner_text()
    page.get_by_role("button", name="Commit 2 changes").click()
    page.wait_for_selector("text=Committed")
    page.goto("/staff/?q=Lind")
    expect(page.get_by_text("rosa.lind@acme.test").first).to_be_visible()
