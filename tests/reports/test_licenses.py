"""License expiry: the page, the API list, the exports, and the flag on a provider's profile."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import Status
from tests.conftest import ApiClient, signed_in

PAGE = "/licenses/"
API = "/api/v1/reports/licenses"


@pytest.fixture
def licensed(world, acme):
    """Licenses at both locations, from expired to far away (days from today → number)."""
    today = org_today(acme.org)
    holders = {
        "main": world["main_provider"],
        "branch": world["branch_provider"],
        "gone": world["branch_gone"],
    }
    plan = [
        ("main", "CA", "EXP-5", -5),
        ("main", "NY", "IN-10", 10),
        ("branch", "TX", "IN-45", 45),
        ("branch", "CA", "IN-80", 80),
        ("main", "WA", "IN-200", 200),
        ("branch", "OR", "NO-EXPIRY", None),
        ("gone", "CA", "GONE-3", -3),  # a deactivated member's: nobody needs telling
    ]
    out = {}
    for who, state, number, days in plan:
        expires = today + timedelta(days=days) if days is not None else None
        out[number] = staff_actions.add_license(
            holders[who],
            {"state": state, "number": number, "expires_on": expires},
            actor=acme.system,
        )
    return out


def _numbers(response) -> list[str]:
    return [lic.number for lic in response.context["page"]]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("window=30", ["EXP-5", "IN-10"]),
        ("window=60", ["EXP-5", "IN-10", "IN-45"]),
        ("", ["EXP-5", "IN-10", "IN-45", "IN-80"]),
        ("window=365", ["EXP-5", "IN-10", "IN-45", "IN-80", "IN-200"]),
        ("window=365&show=expired", ["EXP-5"]),
        ("window=60&show=expiring", ["IN-10", "IN-45"]),
        ("window=365&state=ca", ["EXP-5", "IN-80"]),
        ("window=365&q=np@acme", ["IN-45", "IN-80"]),
        ("window=365&sort=-expires", ["IN-200", "IN-80", "IN-45", "IN-10", "EXP-5"]),
    ],
)
def test_the_page_and_the_api_list_the_same_licenses(licensed, admin, acme, query, expected):
    assert _numbers(signed_in(admin).get(f"{PAGE}?{query}")) == expected
    body = ApiClient(acme.token()).get(f"{API}?{query}").json()
    assert [i["number"] for i in body["items"]] == expected
    assert body["count"] == len(expected)


def test_a_location_limited_manager_sees_their_locations_only(licensed, world, acme):
    assert _numbers(signed_in(world["manager"]).get(f"{PAGE}?window=365")) == ["IN-45", "IN-80"]
    token = acme.token(locations=[acme.branch])
    items = ApiClient(token).get(API, {"window": 365}).json()["items"]
    assert [i["number"] for i in items] == ["IN-45", "IN-80"]
    assert {i["location"]["id"] for i in items} == {acme.branch.pk}


def test_another_organization_sees_none_of_them(licensed, outsider, globex):
    assert _numbers(signed_in(outsider).get(f"{PAGE}?window=365")) == []
    assert ApiClient(globex.token()).get(API, {"window": 365}).json()["count"] == 0


def test_the_api_says_which_license_is_expired_and_how_many_days_are_left(licensed, acme):
    items = ApiClient(acme.token()).get(API, {"window": 30}).json()["items"]
    assert [(i["number"], i["days_left"], i["status"]) for i in items] == [
        ("EXP-5", -5, "expired"),
        ("IN-10", 10, "expiring"),
    ]


@pytest.mark.parametrize("window", ["0", "5000", "soon"])
def test_a_bad_window_is_a_clear_error(licensed, admin, acme, window):
    r = ApiClient(acme.token()).get(API, {"window": window})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "window"
    page = signed_in(admin).get(PAGE, {"window": window})
    assert page.status_code == 200
    assert "Within (days):" in page.content.decode()
    assert _numbers(page) == ["EXP-5", "IN-10", "IN-45", "IN-80"]  # the default window


def test_the_page_runs_a_constant_number_of_queries(licensed, admin, acme):
    client = signed_in(admin)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{PAGE}?window=365").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    provider = acme.member("many@acme.test", role="provider")
    for i in range(10):
        staff_actions.add_license(
            provider,
            {"state": "CA", "number": f"MORE-{i}", "expires_on": org_today(acme.org)},
            actor=acme.system,
        )
    assert count() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_the_filtered_list_and_no_formula(licensed, world, acme, fmt):
    staff_actions.update_staff(
        world["branch_provider"], {"first_name": "=HYPERLINK(1)"}, actor=acme.system
    )
    client = signed_in(world["manager"])
    r = client.get(f"/licenses/export.{fmt}", {"window": 365})
    assert r.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    else:
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_index(0)
        rows = rows.to_python()
    assert [row[4] for row in rows[1:]] == ["IN-45", "IN-80"]
    assert all(row[0].startswith("'=") for row in rows[1:])


def test_the_profile_flags_expired_and_soon_expiring_licenses(licensed, world, admin):
    html = signed_in(admin).get(f"/staff/{world['main_provider'].pk}/").content.decode()
    assert html.count(">Expired</span>") == 1
    assert html.count(">Expires soon</span>") == 1  # in 10 days; 200 days away is not flagged
    calm = signed_in(admin).get(f"/staff/{world['branch_provider'].pk}/").content.decode()
    assert ">Expired</span>" not in calm and calm.count(">Expires soon</span>") == 2


def test_deactivated_members_licenses_are_not_listed(licensed, admin):
    numbers = _numbers(signed_in(admin).get(f"{PAGE}?window=365&show=expired"))
    assert "GONE-3" not in numbers
    assert Status.DEACTIVATED  # the holder of GONE-3 is deactivated in the fixture


def test_the_location_filter_lists_each_visible_location_escaped_and_keeps_the_choice(
    licensed, world, admin, acme
):
    from clinicorg.directory import actions as directory

    odd = directory.create_location(
        {"name": '<b>"Odd" & Sons</b>', "code": "ODD"}, actor=acme.system
    )
    page = signed_in(admin).get(f"{PAGE}?location={acme.branch.pk}").content.decode()
    escaped = "&lt;b&gt;&quot;Odd&quot; &amp; Sons&lt;/b&gt;"
    assert f'<option value="{odd.pk}">{escaped}</option>' in page
    assert f'<option value="{acme.branch.pk}" selected>{acme.branch.name}</option>' in page
    assert '<b>"Odd"' not in page
    # A manager limited to the branch is offered the branch only.
    limited = signed_in(world["manager"]).get(PAGE).content.decode()
    assert f'<option value="{acme.branch.pk}">' in limited
    assert f'<option value="{acme.main.pk}"' not in limited
