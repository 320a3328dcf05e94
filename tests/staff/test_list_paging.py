"""The staff list read a page at a time (the Employee Center and GET /api/v1/staff): the count
stops at STAFF_LIST_COUNT_CAP and says more match, pages past the cap still answer, and walking
the pages gives exactly the filter set's members in its order, within the reader's scope."""

import re
from datetime import date

import pytest

from clinicorg.staff import actions
from clinicorg.staff.filters import staff_for
from clinicorg.staff.models import Status
from tests.conftest import ApiClient, signed_in


@pytest.fixture
def team(acme, admin):
    """Thirteen members besides the administrator: namesakes (so the order rests on the id),
    both locations, with and without department, one deactivated and one pending."""
    cardio = acme.org.departments.create(name="Cardiology")
    billing = acme.org.departments.create(name="Billing")
    nurse = acme.org.positions.create(name="Nurse")
    people = [
        ("ana.chen", "Ana", "Chen", acme.main, cardio, Status.ACTIVE),
        ("ana.chen2", "Ana", "Chen", acme.branch, None, Status.ACTIVE),
        ("ana.chen3", "Ana", "Chen", acme.main, billing, Status.ON_LEAVE),
        ("bo.chenoweth", "Bo", "Chenoweth", acme.branch, cardio, Status.ACTIVE),
        ("cy.diaz", "Cy", "Diaz", acme.main, None, Status.PENDING),
        ("dee.chen", "Dee", "Chen", acme.branch, billing, Status.ACTIVE),
        ("eli.evans", "Eli", "Evans", acme.main, cardio, Status.SUSPENDED),
        ("fay.chan", "Fay", "Chan", acme.branch, None, Status.ACTIVE),
        ("gus.chen", "Gus", "Chen", acme.main, None, Status.ACTIVE),
        ("hal.young", "Hal", "Young", acme.branch, cardio, Status.ACTIVE),
        ("ivy.chen", "Ivy", "Chen", acme.main, billing, Status.ACTIVE),
        ("jo.adams", "Jo", "Adams", acme.branch, None, Status.ACTIVE),
    ]
    members = []
    for i, (login, first, last, location, dept, status) in enumerate(people):
        members.append(
            acme.member(
                f"{login}@acme.test",
                first_name=first,
                last_name=last,
                location=location,
                department=dept,
                position=nurse if i % 2 else None,
                employee_id=f"E{(i * 7) % 13:03d}",
                hire_date=date(2020, 1 + i % 12, 1) if i % 3 else None,
                role="provider" if i % 3 == 1 else "front_desk",
                status=status,
            )
        )
    gone = acme.member("kim.chen@acme.test", first_name="Kim", last_name="Chen")
    actions.change_staff_status(gone, Status.DEACTIVATED, "Left", actor=admin)
    return members


def _cases(acme):
    return [
        {},
        {"q": "chen"},
        {"q": "chen", "status": "all"},
        {"q": "ana chen", "sort": "-name"},
        {"status": "all", "sort": "location"},
        {"location": str(acme.branch.pk), "sort": "-email"},
        {"department": "none", "sort": "department"},
        {"sort": "-department"},
        {"sort": "status"},
        {"sort": "hire_date"},
        {"sort": "-role"},
        {"sort": "employee_id", "status": "all"},
        {"sort": "-position"},
    ]


def walk_api(api, params, limit) -> list[str]:
    """Every page of the API list, following what each page's count says."""
    emails, offset = [], 0
    while True:
        body = api.get("/api/v1/staff", {**params, "limit": limit, "offset": offset}).json()
        emails += [item["email"] for item in body["items"]]
        more = not body["count_exact"] or body["count"] > offset + limit
        if not more:
            assert body["count"] == len(emails)
            return emails
        assert len(body["items"]) == limit
        offset += limit


def page_emails(response) -> list[str]:
    return re.findall(r'href="mailto:([^"]+)"', response.text)


def walk_pages(client, params, per) -> list[str]:
    """Every page of the Employee Center, following its Next link."""
    emails, number = [], 1
    while True:
        response = client.get("/staff/", {**params, "per": per, "page": number})
        assert response.status_code == 200
        emails += page_emails(response)
        if 'rel="next"' not in response.text:
            return emails
        number += 1


# The API


def test_the_api_count_stops_at_the_cap_and_says_more_match(settings, team, api):
    settings.STAFF_LIST_COUNT_CAP = 3
    body = api.get("/api/v1/staff", {"limit": 2}).json()
    assert (body["count"], body["count_exact"], len(body["items"])) == (3, False, 2)
    every = api.get("/api/v1/staff", {"limit": 500}).json()
    assert (every["count"], every["count_exact"], len(every["items"])) == (13, True, 13)


def test_past_the_cap_the_api_counts_to_the_end_of_the_page_asked_for(settings, team, api):
    settings.STAFF_LIST_COUNT_CAP = 3
    body = api.get("/api/v1/staff", {"limit": 2, "offset": 4}).json()
    assert (body["count"], body["count_exact"], len(body["items"])) == (6, False, 2)
    last_full = api.get("/api/v1/staff", {"limit": 2, "offset": 11}).json()
    assert (last_full["count"], last_full["count_exact"], len(last_full["items"])) == (13, True, 2)
    short = api.get("/api/v1/staff", {"limit": 5, "offset": 10}).json()
    assert (short["count"], short["count_exact"], len(short["items"])) == (13, True, 3)
    beyond = api.get("/api/v1/staff", {"limit": 5, "offset": 40}).json()
    assert (beyond["count"], beyond["count_exact"], beyond["items"]) == (13, True, [])


def test_a_list_within_the_cap_is_counted_exactly(settings, team, api):
    settings.STAFF_LIST_COUNT_CAP = 3
    body = api.get("/api/v1/staff", {"q": "chenoweth", "limit": 1}).json()
    assert (body["count"], body["count_exact"]) == (1, True)
    settings.STAFF_LIST_COUNT_CAP = 1000
    body = api.get("/api/v1/staff", {"limit": 2}).json()
    assert (body["count"], body["count_exact"]) == (13, True)


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_walking_the_api_pages_gives_the_filter_sets_members_in_its_order(
    settings, acme, admin, team, api, limit
):
    settings.STAFF_LIST_COUNT_CAP = 3
    for params in _cases(acme):
        expected = [m.email for m in staff_for(admin, params)]
        assert walk_api(api, params, limit) == expected, params


def test_a_location_limited_token_counts_and_reads_only_its_members(settings, acme, team):
    branch_api = ApiClient(acme.token(locations=[acme.branch]))
    at_branch = sorted(m.email for m in team if m.primary_location_id == acme.branch.pk)
    settings.STAFF_LIST_COUNT_CAP = 1000
    body = branch_api.get("/api/v1/staff", {"limit": 2}).json()
    assert (body["count"], body["count_exact"]) == (len(at_branch), True)
    settings.STAFF_LIST_COUNT_CAP = 2
    body = branch_api.get("/api/v1/staff", {"limit": 1}).json()
    assert (body["count"], body["count_exact"]) == (2, False)
    assert sorted(walk_api(branch_api, {}, 1)) == at_branch
    assert sorted(walk_api(branch_api, {"q": "chen", "status": "all"}, 1)) == sorted(
        e for e in at_branch if "chen" in e
    )


def test_a_full_page_runs_a_constant_number_of_queries(
    settings, acme, team, api, django_assert_num_queries
):
    settings.STAFF_LIST_COUNT_CAP = 3
    with django_assert_num_queries(4):  # token, the page's ids, its rows, the count
        assert len(api.get("/api/v1/staff", {"limit": 5}).json()["items"]) == 5
    for i in range(10):
        acme.member(f"more{i}@acme.test", location=acme.branch, role="provider")
    with django_assert_num_queries(4):
        assert len(api.get("/api/v1/staff", {"limit": 5, "q": "more"}).json()["items"]) == 5


def test_within_the_cap_the_page_and_its_count_are_one_query(
    settings, acme, team, api, django_assert_num_queries
):
    """A page ending within the cap is a slice of the ordered ids read up to the cap (and one
    more): the token, those ids, the page's rows."""
    settings.STAFF_LIST_COUNT_CAP = 6
    with django_assert_num_queries(3):
        body = api.get("/api/v1/staff", {"limit": 5, "offset": 1}).json()
    assert (body["count"], body["count_exact"], len(body["items"])) == (6, False, 5)
    every = [m["email"] for m in api.get("/api/v1/staff", {"limit": 500}).json()["items"]]
    assert [m["email"] for m in body["items"]] == every[1:6]
    with django_assert_num_queries(3):
        body = api.get("/api/v1/staff", {"limit": 2, "q": "ana"}).json()
    assert (body["count"], body["count_exact"], len(body["items"])) == (3, True, 2)


# The Employee Center


@pytest.fixture
def crowd(acme, admin):
    return [
        acme.member(f"crowd{i:03d}@acme.test", last_name=f"Crowd{i % 7}", role="front_desk")
        for i in range(60)
    ]


def test_the_page_shows_the_capped_count_with_a_plus(settings, crowd, admin_client):
    settings.STAFF_LIST_COUNT_CAP = 30
    page = admin_client.get("/staff/", {"q": "crowd", "per": "25"})
    assert "30+ staff members match the filters" in page.text
    assert "1–25 of 30+" in page.text
    assert "q=crowd&amp;per=25&amp;page=2" in page.text
    assert 'class="gap"' in page.text and 'rel="next"' in page.text
    settings.STAFF_LIST_COUNT_CAP = 1000
    page = admin_client.get("/staff/", {"q": "crowd", "per": "25"})
    assert "60 staff members match the filters" in page.text
    assert "1–25 of 60" in page.text


def test_page_numbers_past_the_cap_still_answer(settings, crowd, admin_client):
    settings.STAFF_LIST_COUNT_CAP = 20
    second = admin_client.get("/staff/", {"q": "crowd", "per": "25", "page": "2"})
    assert "26–50 of 50+" in second.text and 'rel="next"' in second.text
    third = admin_client.get("/staff/", {"q": "crowd", "per": "25", "page": "3"})
    assert "51–60 of 60" in third.text and 'rel="next"' not in third.text
    assert 'class="gap"' not in third.text
    assert len(page_emails(third)) == 10
    past_the_end = admin_client.get("/staff/", {"q": "crowd", "per": "25", "page": "9"})
    assert "51–60 of 60" in past_the_end.text
    for nonsense in ("x", "0", "-3"):
        page = admin_client.get("/staff/", {"q": "crowd", "per": "25", "page": nonsense})
        assert "1–25 of 25+" in page.text
    huge = admin_client.get("/staff/", {"q": "crowd", "per": "25", "page": "9" * 30})
    assert "51–60 of 60" in huge.text


def test_walking_the_pages_gives_the_filter_sets_members_in_its_order(
    settings, acme, admin, team, crowd
):
    settings.STAFF_LIST_COUNT_CAP = 30
    client = signed_in(admin)
    for params in [*_cases(acme), {"q": "crowd", "sort": "-name"}, {"sort": "-email"}]:
        expected = [m.email for m in staff_for(admin, params)]
        assert walk_pages(client, params, 25) == expected, params


def test_a_location_limited_administrator_counts_only_its_members(settings, acme, team, crowd):
    branch_admin = acme.member("branch.admin@acme.test", location=acme.branch)
    client = signed_in(branch_admin)
    settings.STAFF_LIST_COUNT_CAP = 3
    at_branch = [m.email for m in staff_for(branch_admin, {})]
    page = client.get("/staff/", {"per": "25"})
    assert f"{len(at_branch)} staff members<" in page.text
    assert page_emails(page) == at_branch
    assert walk_pages(client, {"q": "crowd"}, 25) == []
    for i in range(30):
        acme.member(f"b{i:02d}@acme.test", location=acme.branch, role="front_desk")
    at_branch = [m.email for m in staff_for(branch_admin, {})]
    page = client.get("/staff/", {"per": "25"})
    assert "25+ staff members<" in page.text
    assert walk_pages(client, {}, 25) == at_branch
