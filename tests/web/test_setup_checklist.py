"""An empty organization's dashboard guides its first administrator through setting up:
locations, taxonomy, roles, inviting staff, importing the rest."""

from clinicorg.access import actions as access_actions
from clinicorg.directory import actions as directory
from tests.conftest import signed_in

DASHBOARD = "/dashboard/"


def _steps_done(html: str) -> int:
    return html.count('<span class="badge active">Done</span>')


def test_a_new_organization_sees_the_five_steps(acme, admin):
    page = signed_in(admin).get(DASHBOARD)
    assert page.status_code == 200
    html = page.text
    assert "Get your organization ready" in html
    for title in (
        "Set up your locations",
        "Load the provider taxonomy",
        "Review roles and permissions",
        "Invite your first staff",
        "Import everyone else",
    ):
        assert title in html
    assert 'href="/staff/new/"' in html and 'href="/imports/new/"' in html
    assert "clinicorg taxonomy load FILE" in html
    assert _steps_done(html) == 0


def test_steps_are_marked_done_from_what_the_organization_did(acme, admin):
    directory.update_location(acme.main, {"address_line1": "1 Main St"}, actor=admin)
    role = acme.roles["front_desk"]
    access_actions.update_role(role, name="Reception", actor=admin)
    html = signed_in(admin).get(DASHBOARD).text
    assert _steps_done(html) == 2


def test_the_checklist_goes_away_once_staff_are_invited(acme, admin):
    acme.member("second@acme.test", role="front_desk")
    assert "Get your organization ready" not in signed_in(admin).get(DASHBOARD).text


def test_members_without_setup_permissions_see_no_checklist(acme, frontdesk):
    assert signed_in(frontdesk).get(DASHBOARD).status_code == 403
