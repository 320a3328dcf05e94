"""Links from a visible member to people and places outside the reader's scope.

A member at Branch may have a supervisor at Main and extra access at Main. A manager limited to
Branch sees the member, but not that supervisor's name or email, nor Main's name or code: not
on the page, in the API, in an export or a template; and editing the member keeps those links
as they are instead of silently clearing them.
"""

import pytest

from clinicorg.staff import actions
from tests.conftest import ApiClient, signed_in


@pytest.fixture
def setup(acme, admin):
    boss = acme.member("far.boss@acme.test", role="provider", first_name="Farah", last_name="Boss")
    actions.appoint_supervisor(boss, actor=admin)
    member = acme.member(
        "m@acme.test",
        role="front_desk",
        location=acme.branch,
        supervisor=boss,
        extra_locations=[acme.main],
    )
    mgr = acme.member("mgr@acme.test", location=acme.branch)
    token = acme.token("administrator", locations=[acme.branch])
    return member, boss, mgr, token


def _leaks(text: str, acme, boss) -> list[str]:
    found = [w for w in (boss.email, "Farah", acme.main.name) if w in text]
    if "MAIN" in text.split():
        found.append("MAIN")
    return found


def test_the_api_shows_no_outside_supervisor_or_location(acme, setup):
    member, boss, _mgr, token = setup
    api = ApiClient(token)
    detail = api.get(f"/api/v1/staff/{member.pk}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["supervisor"] is None
    assert body["extra_locations"] == []
    assert _leaks(detail.content.decode(), acme, boss) == []
    listing = api.get("/api/v1/staff", {"q": "m@acme.test"})
    row = next(r for r in listing.json()["items"] if r["id"] == member.pk)
    assert row["supervisor"] is None
    export = api.get("/api/v1/exports/staff")
    assert export.status_code == 200
    assert _leaks(export.content.decode("utf-8-sig"), acme, boss) == []


def test_an_administrator_with_all_locations_sees_the_links(acme, admin, setup):
    member, boss, _mgr, _token = setup
    body = ApiClient(acme.token()).get(f"/api/v1/staff/{member.pk}").json()
    assert body["supervisor"] == {"id": boss.pk, "name": boss.full_name}
    assert [loc["id"] for loc in body["extra_locations"]] == [acme.main.pk]


def test_the_pages_show_no_outside_supervisor_and_an_edit_keeps_it(acme, setup):
    member, boss, mgr, _token = setup
    client = signed_in(mgr)
    page = client.get(f"/staff/{member.pk}/").content.decode()
    assert "Someone outside your locations" in page
    assert _leaks(page, acme, boss) == []
    # The member's own access reaches Main, beyond the manager's: only the supervisor link
    # is outside for this one, so the manager may edit them.
    member = acme.member("n@acme.test", role="front_desk", location=acme.branch, supervisor=boss)
    form = client.get(f"/staff/{member.pk}/edit/").content.decode()
    assert _leaks(form, acme, boss) == []
    r = client.post(
        f"/staff/{member.pk}/edit/",
        {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "display_name": "",
            "primary_location": acme.branch.pk,
            "role": member.role_id,
            "employee_id": "",
            "phone": "555-010-7777",
        },
    )
    assert r.status_code == 302, r.content.decode()[-2000:]
    member.refresh_from_db()
    assert member.phone == "555-010-7777"
    assert member.supervisor_id == boss.pk
