"""The dashboard: every number equals the list it links to, for an administrator and for a
manager limited to one location, in a constant number of queries."""

import re
import time
import zoneinfo
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinicorg.access.actions import create_role
from clinicorg.access.catalogue import P
from clinicorg.reports import queries
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import Invitation
from tests.conftest import ApiClient, signed_in

DASHBOARD = reverse("web:dashboard")
LINK = re.compile(
    r'href="(/(?:staff|locations)/\?[^"]*)"[^>]*>(?:<span class="figure-value">)?(\d+)<'
)


def _links(html: str) -> list[tuple[str, int]]:
    return [(url.replace("&amp;", "&"), int(n)) for url, n in LINK.findall(html)]


def _count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_every_number_equals_the_list_it_links_to(world, admin, who):
    viewer = admin if who == "admin" else world["manager"]
    client = signed_in(viewer)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    links = _links(response.content.decode())
    # Every kind of figure is there: headcount rows, invitations, providers, locations.
    kinds = {next(iter(parse_qs(urlsplit(u).query)), "") for u, _n in links}
    assert {"location", "department", "status", "invitation", "missing", "enrollment"} <= kinds
    assert any(n > 0 for _u, n in links)
    for url, shown in links:
        assert _count(client, url) == shown, url


def test_a_location_limited_manager_counts_only_their_locations(world, acme, admin):
    board = signed_in(world["manager"]).get(DASHBOARD).context["board"]
    whole = signed_in(admin).get(DASHBOARD).context["board"]
    rows = {r.label for r in board.table("location").rows}
    assert rows == {acme.branch.name}
    assert {r.label for r in whole.table("location").rows} == {acme.main.name, acme.branch.name}

    def figure(b, key, label):
        return next(r.value for r in b.table(key).rows if r.label == label)

    # Branch: manager, provider, desk, the expired invitee, the early joiner (not the
    # deactivated one); Main's open invitation and provider are not counted.
    assert figure(board, "headcount", "Current staff") == 5
    assert figure(board, "invitations", "Pending") == 0
    assert figure(board, "invitations", "Expired unused") == 1
    assert figure(whole, "invitations", "Pending") == 1
    assert figure(whole, "invitations", "Accepted in the last 30 days") == 1
    # The Branch provider has an NPI and a primary taxonomy; Main's has neither.
    assert figure(board, "providers", "No NPI") == 0
    assert figure(whole, "providers", "No NPI") == 1
    assert figure(whole, "providers", "No primary taxonomy") == 1
    assert figure(board, "locations", "Payer enrollments pending") == 1
    assert figure(whole, "locations", "Payer enrollments pending") == 2
    assert figure(board, "locations", "Credentialing on") == 1


def test_nothing_of_another_organization_is_counted(world, outsider):
    board = signed_in(outsider).get(DASHBOARD).context["board"]
    assert next(r.value for r in board.table("headcount").rows) == 2  # admin and doctor


def test_the_charts_draw_the_numbers_of_the_tables(world, admin):
    response = signed_in(admin).get(DASHBOARD)
    html = response.content.decode()
    assert "<script" not in html and "style=" not in html and "<style" not in html
    for table, chart in response.context["charts"]:
        assert [b.value for b in chart.bars] == [r.value for r in table.rows]
        widths = [b.width for b in chart.bars]
        assert widths == sorted(widths, reverse=True) or table.key == "status"
        if table.stacked:
            for bar, row in zip(chart.bars, table.rows, strict=True):
                assert sum(s.value for s in bar.segments) == row.value
    assert html.count('role="img"') == len(response.context["charts"])


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(DASHBOARD).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_runs_a_constant_number_of_queries(world, acme, admin):
    client = signed_in(admin)
    before = _queries(client)
    for i in range(15):
        acme.member(f"more{i}@acme.test", role="provider", location=acme.branch)
    assert _queries(client) == before
    # Session, member, role; the organization's latest change (the cache key); two grouped
    # scans (status and location; department, position and category) and the names of the
    # location, department, position and category rows shown; the counts of the two lists of
    # providers missing credentials; two aggregates (invitations, locations); the latest audit
    # events; the organization's name in the layout.
    assert before == 16
    # Kept: the session, member, role, the latest change and the layout's organization.
    assert _queries(client) == 5


def _figure(response, key, label):
    return next(r.value for r in response.context["board"].table(key).rows if r.label == label)


def test_a_change_in_the_organization_shows_at_once(world, acme, admin):
    client = signed_in(admin)
    assert _figure(client.get(DASHBOARD), "invitations", "Pending") == 1
    staff_actions.invite_staff(
        {
            "email": "fresh@acme.test",
            "first_name": "Fresh",
            "last_name": "Invitee",
            "primary_location": acme.branch,
            "role": acme.roles["front_desk"],
        },
        actor=admin,
    )
    response = client.get(DASHBOARD)
    assert _figure(response, "invitations", "Pending") == 2
    for url, shown in _links(response.content.decode()):
        assert _count(client, url) == shown, url


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_behind_a_later_one_shows_at_once(world, acme, admin, monkeypatch):
    """Two writers: the one whose event has the lower id commits last, after a reader cached
    the figures keyed to the newest event. The newest id does not move with that commit;
    the organization's change mark does, so the figures are counted again. (Real commits:
    the mark moves once per transaction, when it commits.)"""
    client = signed_in(admin)
    newest = queries.latest_change(admin)
    monkeypatch.setattr(queries, "latest_change", lambda actor: newest)  # it stays put
    assert _figure(client.get(DASHBOARD), "invitations", "Pending") == 1
    staff_actions.invite_staff(
        {
            "email": "late@acme.test",
            "first_name": "Late",
            "last_name": "Commit",
            "primary_location": acme.branch,
            "role": acme.roles["front_desk"],
        },
        actor=admin,
    )
    assert _figure(client.get(DASHBOARD), "invitations", "Pending") == 2


def test_the_figures_are_kept_a_minute_and_say_when_they_were_counted(
    world, acme, admin, monkeypatch
):
    client = signed_in(admin)
    first = client.get(DASHBOARD)
    counted = first.context["board"].as_of
    local = timezone.localtime(counted, zoneinfo.ZoneInfo(acme.org.timezone))
    assert f'figures as of <time datetime="{local.isoformat()}">{local:%H:%M}</time>' in (
        first.content.decode()
    )
    # The clock alone moves a figure (an open link expires): the kept figures lag...
    Invitation.objects.filter(staff=world["open"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    kept = client.get(DASHBOARD)
    assert kept.context["board"].as_of == counted
    assert _figure(kept, "invitations", "Pending") == 1
    # ... for a minute at most.
    later = time.time() + queries.DASHBOARD_CACHE_SECONDS + 1
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))
    fresh = client.get(DASHBOARD)
    assert fresh.context["board"].as_of >= counted
    assert _figure(fresh, "invitations", "Pending") == 0
    assert _figure(fresh, "invitations", "Expired unused") == 2


def test_a_location_limited_reader_is_counted_on_every_request(world, acme, admin):
    """Never the figures kept for a reader of every location, nor kept at all: its figures
    would otherwise follow changes made outside its locations."""
    assert _queries(signed_in(admin)) == 16
    manager = signed_in(world["manager"])
    limited = manager.get(DASHBOARD)
    assert {r.label for r in limited.context["board"].table("location").rows} == {acme.branch.name}
    assert _figure(limited, "headcount", "Current staff") == 5
    for url, shown in _links(limited.content.decode()):
        assert _count(manager, url) == shown, url
    assert _queries(manager) == _queries(manager) > 10
    # A token limited to Branch reads the same scope through the API.
    branch_only = ApiClient(acme.token(locations=[acme.branch]))
    tables = branch_only.get("/api/v1/reports/dashboard").json()["tables"]
    headcount = next(t for t in tables if t["key"] == "headcount")
    assert headcount["rows"][0]["value"] == 5


def test_members_with_settings_permission_only_see_no_staff_figures(acme, world):
    role = create_role("Settings", [P.MANAGE_SETTINGS], actor=acme.system)
    member = acme.member("settings@acme.test", role=role, all_locations=True)
    response = signed_in(member).get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["board"].tables == []
    assert "/staff/?" not in response.content.decode()


def test_front_desk_is_refused_and_lands_elsewhere(frontdesk):
    client = signed_in(frontdesk)
    response = client.get(DASHBOARD)
    assert response.status_code == 403
    assert "missing_permission" in response.content.decode()
    assert client.get("/").url != DASHBOARD


def test_the_dashboard_is_the_landing_page_of_administrators(admin):
    assert signed_in(admin).get("/").url == DASHBOARD


@pytest.mark.parametrize(
    "url",
    [
        "/staff/?invitation=someday",
        "/staff/?missing=license",
        "/staff/?location=none",
        "/locations/?enrollment=lost&credentialing=maybe",
    ],
)
def test_unusable_filter_values_give_a_page_not_an_error(world, admin, url):
    response = signed_in(admin).get(url)
    assert response.status_code == 200


def test_unusable_staff_filters_match_nobody(world, admin):
    client = signed_in(admin)
    assert _count(client, "/staff/?invitation=someday") == 0
    assert _count(client, "/staff/?missing=license") == 0
    assert _count(client, "/staff/?department=none") > 0
