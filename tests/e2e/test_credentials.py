"""An administrator records a provider's credentials in the browser: finds a taxonomy code by
name, previews the bio, adds a license, and sees it all on the profile; then removes a
supervisor who still has a direct report by reassigning the report in the same step."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD

from ..people.conftest import FAMILY, INTERNAL, nucc_csv
from .conftest import screenshot, sign_in


def test_admin_records_credentials_and_sees_them_on_the_profile(page, acme, admin, tmp_path):
    from clinicorg.staff import taxonomy

    path = tmp_path / "nucc_taxonomy_251.csv"
    path.write_text(nucc_csv(FAMILY, INTERNAL))
    taxonomy.load_file(path)
    doc = acme.member("doc@acme.test", role="provider", first_name="Dana", last_name="Doc")

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"/staff/{doc.pk}/credentials/")
    page.get_by_label("Individual NPI").fill("1234567893")
    page.get_by_label("Search taxonomy codes").fill("family")
    page.locator(".taxonomy-search").get_by_role("button", name="Search").click()
    page.locator("#taxonomy-results").get_by_role("button", name="Add").first.click()
    assert page.get_by_label("Taxonomy codes", exact=True).input_value() == FAMILY
    # The NPI typed before searching is still there: the search did not reload the page.
    assert page.get_by_label("Individual NPI").input_value() == "1234567893"
    page.get_by_label("Patient-facing bio").fill("Caring for **families**. <script>x()</script>")
    page.get_by_role("button", name="Preview bio").click()
    preview = page.locator(".bio-preview")
    assert preview.locator("strong").inner_text() == "families"
    assert "script" not in preview.inner_html()
    with page.expect_navigation():
        page.get_by_role("button", name="Save credentials").click()

    page.goto(f"/staff/{doc.pk}/credentials/")
    page.locator("#id_state").select_option("NY")
    page.get_by_label("License number").fill("287654")
    page.get_by_label("Expires on").fill("2027-05-31")
    page.get_by_role("button", name="Add license").click()
    expect(page.locator("#licenses").get_by_text("287654")).to_be_visible()
    screenshot(page, "credentials-edit")

    page.goto(f"/staff/{doc.pk}/")
    card = page.locator("#credentials")
    assert "1234567893" in card.inner_text()
    assert "Family Medicine Physician" in card.inner_text()
    assert "Primary" in card.inner_text()
    assert "287654" in card.inner_text()
    screenshot(page, "credentials-on-profile")


def test_removing_a_supervisor_reassigns_their_report_in_the_same_step(page, acme, admin):
    from clinicorg.staff import actions

    boss = actions.appoint_supervisor(
        acme.member("boss@acme.test", first_name="Bea", last_name="Boss"), actor=admin
    )
    actions.appoint_supervisor(
        acme.member("next@acme.test", first_name="Ned", last_name="Next"), actor=admin
    )
    report = acme.member("rep@acme.test", supervisor=boss.staff)

    sign_in(page, admin.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisors").click()
    page.get_by_role("link", name="Remove Bea Boss as supervisor").click()
    expect(page.get_by_text("supervises 1 direct report")).to_be_visible()
    # The new supervisor is found by typing (the member picker), not picked from a list.
    search = page.get_by_role("combobox", name="Supervisor who takes over")
    search.fill("ned")
    page.get_by_role("option", name="Ned Next").click()
    expect(search).to_have_value("Ned Next · next@acme.test")
    page.get_by_role("button", name="Remove supervisor").click()
    expect(page.get_by_text("no longer a supervisor")).to_be_visible()
    assert page.locator("table.supervisors").get_by_text("Bea Boss").count() == 0
    screenshot(page, "supervisors-after-removal")
    report.refresh_from_db()
    assert report.supervisor.email == "next@acme.test"
