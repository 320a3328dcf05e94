"""GET /api/v1/people/search: the member pickers' search for integrations, served by the same
scoped search as the pages (staff.queries.pick_staff) and answering the same people."""

import pytest

from clinicorg.staff import actions
from tests.conftest import ApiClient, signed_in

from .test_pickers import SEARCH

URL = "/api/v1/people/search"
PURPOSES = ["supervisor", "manager", "appointee", "member"]


def found(token, **params) -> list[str]:
    response = ApiClient(token).get(URL, params)
    assert response.status_code == 200, response.content
    return [item["email"] for item in response.json()["items"]]


@pytest.mark.parametrize("purpose", PURPOSES)
def test_it_answers_what_the_page_answers_for_the_same_scope(people, admin, purpose):
    branch_admin = people.member("branchadmin@acme.test", location=people.branch)
    for member, token in (
        (admin, people.token()),
        (branch_admin, people.token(locations=[people.branch])),
    ):
        page = signed_in(member).get(SEARCH, {"for": purpose, "q": "picker"}).json()["items"]
        api = ApiClient(token).get(URL, {"for": purpose, "q": "picker"}).json()["items"]
        assert api == page, (member.email, purpose)
        assert api  # the comparison is not between two empty answers


@pytest.mark.parametrize("purpose", PURPOSES)
def test_a_location_limited_token_is_offered_only_eligible_people_in_scope(people, purpose):
    emails = found(people.token(locations=[people.branch]), **{"for": purpose, "q": "picker"})
    assert emails
    assert "mainboss@acme.test" not in emails and "plain@acme.test" not in emails
    assert "goneboss@acme.test" not in emails  # deactivated: never offered
    if purpose in ("manager", "appointee"):
        # The action's escalation rule screens the offers: broader access than the token's.
        assert "regional@acme.test" not in emails
    if purpose == "supervisor":
        assert emails == ["branchboss@acme.test"]


@pytest.mark.parametrize("purpose", PURPOSES)
def test_another_organizations_people_are_never_offered(people, globex, purpose):
    globex.member("picker@globex.test", last_name="Picker")
    emails = found(globex.token(), **{"for": purpose, "q": "picker"})
    assert all(e.endswith("@globex.test") for e in emails)
    assert found(people.token(), **{"for": purpose, "q": "picker"})  # Acme's exist
    assert "picker@globex.test" not in found(people.token(), **{"for": purpose, "q": "picker"})


def test_the_removal_filter_is_the_pages(line, acme, admin):
    params = {"for": "supervisor", "q": "chain", "replacing": line["Sam"].pk}
    assert found(acme.token(), **params) == ["cal@acme.test", "xena@acme.test"]
    page = signed_in(admin).get(SEARCH, params).json()["items"]
    assert ApiClient(acme.token()).get(URL, params).json()["items"] == page


def test_an_unknown_purpose_is_a_422_naming_the_field(people):
    response = ApiClient(people.token()).get(URL, {"for": "everyone", "q": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "for"


def test_it_needs_a_token_and_the_purposes_permission(people):
    assert ApiClient(None).get(URL, {"q": "picker"}).status_code == 401
    desk = people.token("front_desk")
    for purpose in PURPOSES:
        response = ApiClient(desk).get(URL, {"for": purpose, "q": "picker"})
        assert response.status_code == 403
        assert response.json()["reason"] == "missing_permission"


def test_a_blank_query_offers_nobody(people):
    assert found(people.token(), **{"for": "member", "q": ""}) == []
    assert found(people.token()) == []


def test_it_is_documented_with_its_parameters(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][URL]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == {"for", "q", "exclude", "replacing"}
    purpose = params["for"]["schema"]
    assert set(purpose.get("enum") or []) == set(PURPOSES)
    assert {"200", "401", "403", "422"} <= set(operation["responses"])


def test_the_supervisor_being_edited_is_left_out(people):
    boss = people.member("newboss@acme.test", last_name="Picker", role="provider")
    actions.appoint_supervisor(boss, actor=people.system)
    emails = found(people.token(), **{"for": "supervisor", "q": "picker", "exclude": boss.pk})
    assert "newboss@acme.test" not in emails and "mainboss@acme.test" in emails
