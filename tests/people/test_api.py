"""/api/v1/supervisors, /api/v1/staff/{id}/credentials, /api/v1/taxonomy."""

import pytest

from clinicorg.core.models import AuditEvent
from clinicorg.staff import actions
from clinicorg.staff.models import License, StaffMember, Supervisor
from tests.conftest import ApiClient

from .conftest import CARDIO, FAMILY, INTERNAL

VALID_NPI = "1234567893"


@pytest.fixture
def boss(acme, admin):
    member = acme.member("boss@acme.test", role="provider", first_name="Bea", last_name="Boss")
    return actions.appoint_supervisor(member, locations=[acme.main], actor=admin)


@pytest.fixture
def desk_api(acme):
    return ApiClient(acme.token("front_desk"))


@pytest.fixture
def outsider_api(globex, outsider):
    return ApiClient(globex.token())


@pytest.fixture
def anonymous_api(db):
    return ApiClient(None)


# Supervisors


def test_supervisors_need_a_token(anonymous_api):
    assert anonymous_api.get("/api/v1/supervisors").status_code == 401


def test_front_desk_token_is_refused_supervisors_with_the_reason(desk_api, boss):
    response = desk_api.get("/api/v1/supervisors")
    assert response.status_code == 403
    assert response.json()["reason"] == "missing_permission"
    assert response.json()["permission"] == "administration.manage_staff"


def test_supervisors_list_shows_scope_and_reports(acme, api, boss):
    acme.member("r1@acme.test", supervisor=boss.staff)
    data = api.get("/api/v1/supervisors").json()
    assert data["count"] == 1
    item = data["items"][0]
    assert item["id"] == boss.pk
    assert item["staff"]["email"] == "boss@acme.test"
    assert item["locations"] == [{"id": acme.main.pk, "name": acme.main.name}]
    assert item["direct_reports"] == 1


def test_the_supervisors_api_list_runs_a_constant_number_of_queries(
    acme, admin, api, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            k = StaffMember.objects.count()
            m = acme.member(f"s{k}@acme.test")
            actions.appoint_supervisor(m, locations=[acme.main, acme.branch], actor=admin)
            acme.member(f"r{k}@acme.test", supervisor=m)

    add(2)
    with django_assert_max_num_queries(5) as few:
        assert api.get("/api/v1/supervisors").json()["count"] == 2
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/api/v1/supervisors").json()["count"] == 12


def test_an_outsider_sees_no_supervisors_and_gets_404s(outsider_api, boss, provider):
    assert outsider_api.get("/api/v1/supervisors").json()["count"] == 0
    assert outsider_api.get(f"/api/v1/supervisors/{boss.pk}").status_code == 404
    assert outsider_api.delete(f"/api/v1/supervisors/{boss.pk}").status_code == 404
    assert outsider_api.post("/api/v1/supervisors", {"staff": provider.pk}).status_code == 404
    assert Supervisor.objects.filter(pk=boss.pk).exists()


def test_appointing_through_the_api(acme, api, provider):
    response = api.post(
        "/api/v1/supervisors", {"staff": provider.pk, "locations": [acme.branch.pk]}
    )
    assert response.status_code == 201
    assert response.json()["locations"][0]["id"] == acme.branch.pk
    assert response.json()["direct_reports"] == 0
    again = api.post("/api/v1/supervisors", {"staff": provider.pk})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "staff"


def test_another_orgs_location_cannot_be_given_as_scope(globex, api, provider):
    response = api.post(
        "/api/v1/supervisors", {"staff": provider.pk, "locations": [globex.main.pk]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "locations"


def test_deleting_a_supervisor_with_reports_needs_reassign_or_clear(acme, admin, api, boss):
    report = acme.member("r1@acme.test", supervisor=boss.staff)
    refused = api.delete(f"/api/v1/supervisors/{boss.pk}")
    assert refused.status_code == 409
    assert "1 direct report" in refused.json()["message"]
    assert refused.json()["details"] == {"direct_reports": 1}
    other = actions.appoint_supervisor(acme.member("o@acme.test"), actor=admin)
    done = api.delete(f"/api/v1/supervisors/{boss.pk}?reassign_to={other.pk}")
    assert done.status_code == 204
    report.refresh_from_db()
    assert report.supervisor_id == other.staff_id


def test_deleting_with_clear_true(acme, api, boss):
    report = acme.member("r1@acme.test", supervisor=boss.staff)
    assert api.delete(f"/api/v1/supervisors/{boss.pk}?clear=true").status_code == 204
    report.refresh_from_db()
    assert report.supervisor_id is None


def test_reassigning_to_an_unknown_supervisor_is_a_422(acme, api, boss):
    acme.member("r1@acme.test", supervisor=boss.staff)
    response = api.delete(f"/api/v1/supervisors/{boss.pk}?reassign_to=999999")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reassign_to"
    assert Supervisor.objects.filter(pk=boss.pk).exists()


def test_changing_a_supervisors_scope_through_the_api(acme, api, boss):
    response = api.patch(f"/api/v1/supervisors/{boss.pk}", {"locations": [acme.branch.pk]})
    assert response.status_code == 200
    assert [x["id"] for x in response.json()["locations"]] == [acme.branch.pk]


# Credentials


def test_credentials_need_a_token(anonymous_api, provider):
    assert anonymous_api.get(f"/api/v1/staff/{provider.pk}/credentials").status_code == 401


def test_front_desk_token_cannot_read_or_write_credentials(desk_api, provider):
    assert desk_api.get(f"/api/v1/staff/{provider.pk}/credentials").status_code == 403
    response = desk_api.put(f"/api/v1/staff/{provider.pk}/credentials", {"capacity": 2})
    assert response.status_code == 403


def test_another_orgs_member_credentials_are_a_404(outsider_api, provider):
    url = f"/api/v1/staff/{provider.pk}/credentials"
    assert outsider_api.get(url).status_code == 404
    assert outsider_api.put(url, {"capacity": 2}).status_code == 404
    assert outsider_api.post(f"{url}/licenses", {"state": "NY", "number": "1"}).status_code == 404


def test_a_token_limited_to_another_location_gets_a_404(acme, provider):
    limited = ApiClient(acme.token(locations=[acme.branch]))
    assert limited.get(f"/api/v1/staff/{provider.pk}/credentials").status_code == 404


def test_credentials_are_read_and_written(code_set, api, provider):
    url = f"/api/v1/staff/{provider.pk}/credentials"
    response = api.put(
        url,
        {
            "npi": VALID_NPI,
            "taxonomy_codes": [INTERNAL, CARDIO],
            "primary_taxonomy": CARDIO,
            "bio": "**Heart** doctor <script>x</script>",
            "capacity": 4,
            "scheduling_step": 20,
        },
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["npi"] == VALID_NPI
    assert data["primary_taxonomy"] == CARDIO
    assert {t["code"]: t["label"] for t in data["taxonomy"]}[CARDIO] == (
        "Cardiovascular Disease Physician"
    )
    assert data["bio"] == "**Heart** doctor"
    assert data["bio_html"] == "<p><strong>Heart</strong> doctor</p>"
    assert (data["capacity"], data["scheduling_step"]) == (4, 20)
    # Fields left out are kept.
    again = api.put(url, {"capacity": 5}).json()
    assert again["npi"] == VALID_NPI and again["primary_taxonomy"] == CARDIO
    assert api.get(url).json()["capacity"] == 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"npi": "1234567890"}, "npi"),
        ({"capacity": 21}, "capacity"),
        ({"capacity": None}, "capacity"),
        ({"scheduling_step": 25}, "scheduling_step"),
        ({"taxonomy_codes": ["BAD"]}, "taxonomy_codes"),
        ({"bio": "x" * 2001}, "bio"),
        ({"capacity": "lots"}, "capacity"),
    ],
)
def test_bad_credentials_are_a_422_naming_the_field(api, provider, payload, field):
    response = api.put(f"/api/v1/staff/{provider.pk}/credentials", payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_duplicate_npi_in_the_org_is_a_422(acme, admin, api, provider):
    other = acme.member("other@acme.test")
    actions.update_credentials(other, {"npi": VALID_NPI}, actor=admin)
    response = api.put(f"/api/v1/staff/{provider.pk}/credentials", {"npi": VALID_NPI})
    assert response.status_code == 422
    assert "Another staff member" in response.json()["message"]


def test_licenses_are_added_and_removed_through_the_api(api, provider):
    url = f"/api/v1/staff/{provider.pk}/credentials/licenses"
    response = api.post(url, {"state": "tx", "number": "M1234", "expires_on": "2027-03-31"})
    assert response.status_code == 201
    lic = response.json()
    assert (lic["state"], lic["expires_on"]) == ("TX", "2027-03-31")
    bad = api.post(url, {"state": "XX", "number": "1"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "state"
    assert api.delete(f"{url}/{lic['id']}").status_code == 204
    assert not License.objects.exists()
    assert api.delete(f"{url}/{lic['id']}").status_code == 404
    assert AuditEvent.objects.filter(action__in=["add_license", "remove_license"]).count() == 2


# Taxonomy


def test_taxonomy_search_needs_a_token(anonymous_api):
    assert anonymous_api.get("/api/v1/taxonomy").status_code == 401


def test_taxonomy_search_answers_any_member_token(code_set, desk_api):
    data = desk_api.get("/api/v1/taxonomy", {"q": "family", "limit": 1}).json()
    assert data["count"] == 2
    assert data["limit"] == 1
    assert len(data["items"]) == 1
    codes = [i["code"] for i in desk_api.get("/api/v1/taxonomy", {"q": "family"}).json()["items"]]
    assert FAMILY in codes


def test_taxonomy_search_by_code_puts_the_exact_code_first(code_set, api):
    items = api.get("/api/v1/taxonomy", {"q": "207R"}).json()["items"]
    assert [i["code"] for i in items][:2] == [INTERNAL, CARDIO] or items[0]["code"] in (
        INTERNAL,
        CARDIO,
    )
    exact = api.get("/api/v1/taxonomy", {"q": CARDIO}).json()["items"]
    assert exact[0]["code"] == CARDIO


def test_taxonomy_limit_is_bounded(api):
    assert api.get("/api/v1/taxonomy", {"limit": 1000}).status_code == 422
