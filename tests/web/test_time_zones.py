"""One time zone: what a member reads (pages, emails) is in the organization's zone and names
it; every zone picker offers the same curated list of canonical zones grouped by region."""

import re
import zoneinfo
from datetime import UTC

from django.core import mail

from clinicorg.core.validators import canonical_timezones
from clinicorg.directory import actions as directory
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import Invitation
from tests.conftest import signed_in
from tests.staff.conftest import invite_data

PICKER_PAGES = ("/locations/new/", "/organization/settings/")


def _options(html: str, name: str = "timezone") -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_picker_offers_canonical_zones_grouped_by_region_and_no_aliases(acme, admin):
    client = signed_in(admin)
    for url in PICKER_PAGES:
        html = client.get(url).text
        offered = _options(html)
        for junk in ("localtime", "Factory", "posixrules", "US/Eastern", "EST5EDT"):
            assert junk not in offered, (url, junk)
        for wanted in ("America/Chicago", "Europe/Stockholm", "Asia/Kolkata", "UTC"):
            assert wanted in offered, (url, wanted)
        assert '<optgroup label="America">' in html and '<optgroup label="Europe">' in html


def test_every_picker_offers_the_same_list_with_the_zones_in_use_first(acme, admin):
    directory.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    directory.update_location(acme.branch, {"timezone": "America/Denver"}, actor=admin)
    client = signed_in(admin)
    lists = [_options(client.get(url).text) for url in PICKER_PAGES]
    assert lists[0] == lists[1]
    offered = lists[0]
    assert offered[:2] == ["America/Chicago", "America/Denver"]
    assert set(offered[2:]) == set(canonical_timezones())


def test_a_zone_outside_the_list_is_still_kept_when_a_record_has_it(acme, admin):
    """An alias an integration set through the API stays selected, in the "In use" group."""
    directory.update_location(acme.branch, {"timezone": "US/Central"}, actor=admin)
    html = signed_in(admin).get(f"/locations/{acme.branch.pk}/edit/").text
    assert '<option value="US/Central" selected>' in html


def test_pages_show_times_in_the_organizations_zone_and_name_it(acme, admin):
    directory.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    html = signed_in(admin).get("/locations/").text
    assert "Times in America/Chicago" in html


def test_a_profile_shows_the_last_status_change_in_the_organizations_zone(acme, admin):
    directory.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    member = acme.member("desk@acme.test", role="front_desk")
    local = member.status_changed_at.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    utc = member.status_changed_at.astimezone(UTC)
    html = signed_in(admin).get(f"/staff/{member.pk}/").text
    assert f"since {local:%b} {local.day}, {local:%Y %H:%M}" in html
    if local.hour != utc.hour:
        assert f"{utc:%H:%M}</span>" not in html


def test_the_invitation_email_gives_the_expiry_in_the_organizations_zone(
    acme, admin, django_capture_on_commit_callbacks
):
    directory.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        member = staff_actions.invite_staff(invite_data(acme), actor=admin)
    expires = Invitation.objects.get(staff=member).expires_at
    local = expires.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    body = mail.outbox[-1].body
    assert f"{local:%B} {local.day}, {local:%Y, %H:%M %Z}" in body  # e.g. 21:33 CST


def test_the_current_zone_is_selected_once(acme, admin):
    directory.update_organization(acme.org, {"timezone": "America/Chicago"}, actor=admin)
    html = signed_in(admin).get("/organization/settings/").text
    assert html.count('<option value="America/Chicago" selected>') == 1
