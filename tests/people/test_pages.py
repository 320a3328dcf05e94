"""Supervisors, credentials and My profile pages: anonymous, outsider, front desk, admin."""

import pytest

from clinicorg.core.models import AuditEvent
from clinicorg.staff import actions
from clinicorg.staff.models import License, StaffMember, Supervisor
from tests.conftest import PASSWORD, signed_in

from .conftest import CARDIO, FAMILY

VALID_NPI = "1234567893"


@pytest.fixture
def boss(acme, admin):
    member = acme.member("boss@acme.test", role="provider", first_name="Bea", last_name="Boss")
    return actions.appoint_supervisor(member, locations=[acme.main], actor=admin)


def credentials_url(member):
    return f"/staff/{member.pk}/credentials/"


# Supervisors list


def test_supervisors_page_requires_sign_in(client, acme):
    response = client.get("/supervisors/")
    assert response.status_code == 302
    assert "/signin/" in response["Location"]


def test_front_desk_is_refused_the_supervisors_page_with_the_reason(frontdesk):
    response = signed_in(frontdesk).get("/supervisors/")
    assert response.status_code == 403
    assert "Manage staff" in response.text


def test_supervisors_page_lists_supervisors_scope_and_report_counts(acme, admin, boss):
    acme.member("r1@acme.test", supervisor=boss.staff)
    acme.member("r2@acme.test", supervisor=boss.staff)
    page = signed_in(admin).get("/supervisors/")
    assert page.status_code == 200
    assert "Bea Boss" in page.text
    assert acme.main.name in page.text
    assert '<td class="num">2</td>' in page.text
    assert f"/supervisors/{boss.pk}/remove/" in page.text


def test_an_outsider_does_not_see_another_orgs_supervisors(outsider, boss):
    client = signed_in(outsider)
    assert "Bea Boss" not in client.get("/supervisors/").text
    assert client.get(f"/supervisors/{boss.pk}/remove/").status_code == 404
    assert client.post(f"/supervisors/{boss.pk}/remove/").status_code == 404
    assert client.get(f"/supervisors/{boss.pk}/edit/").status_code == 404
    assert Supervisor.objects.filter(pk=boss.pk).exists()


def test_the_supervisors_list_runs_a_constant_number_of_queries(
    acme, admin, django_assert_max_num_queries
):
    client = signed_in(admin)
    client.get("/supervisors/")  # warm up session and caches

    def add(n):
        for i in range(n):
            m = acme.member(f"sup{i}-{Supervisor.objects.count()}@acme.test")
            sup = actions.appoint_supervisor(m, locations=[acme.main, acme.branch], actor=admin)
            acme.member(f"rep{i}-{sup.pk}@acme.test", supervisor=m)

    add(2)
    with django_assert_max_num_queries(8) as few:
        assert client.get("/supervisors/").status_code == 200
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/supervisors/").status_code == 200


def test_admin_appoints_a_supervisor_with_locations(acme, admin, provider):
    client = signed_in(admin)
    form = client.get("/supervisors/new/")
    assert "data-member-picker" in form.text
    offered = client.get("/people/search/", {"for": "appointee", "q": provider.last_name})
    assert provider.email in [item["email"] for item in offered.json()["items"]]
    response = client.post(
        "/supervisors/new/", {"staff": provider.pk, "locations": [acme.branch.pk]}
    )
    assert response.status_code == 302
    sup = Supervisor.objects.get(staff=provider)
    assert list(sup.locations.all()) == [acme.branch]


def test_appointing_another_orgs_member_is_refused_without_a_500(admin, outsider):
    response = signed_in(admin).post("/supervisors/new/", {"staff": outsider.pk})
    assert response.status_code == 200
    assert "No member with this id among the staff you can see." in response.text
    assert outsider.email not in response.text
    assert not Supervisor.objects.exists()


def test_removing_a_supervisor_with_reports_asks_to_reassign_or_clear(acme, admin, boss):
    report = acme.member("r1@acme.test", supervisor=boss.staff)
    other = actions.appoint_supervisor(acme.member("other@acme.test"), actor=admin)
    client = signed_in(admin)
    page = client.get(f"/supervisors/{boss.pk}/remove/")
    assert "supervises 1 direct report" in page.text
    assert "Reassign to another supervisor" in page.text
    refused = client.post(f"/supervisors/{boss.pk}/remove/", {"reports": "reassign"})
    assert refused.status_code == 200
    assert "Choose the supervisor who takes over" in refused.text
    # The picker's field carries the new supervisor's member id, as every member picker does.
    done = client.post(
        f"/supervisors/{boss.pk}/remove/", {"reports": "reassign", "reassign_to": other.staff_id}
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.supervisor_id == other.staff_id
    assert not Supervisor.objects.filter(pk=boss.pk).exists()


def test_removing_with_clear_from_the_page(acme, admin, boss):
    report = acme.member("r1@acme.test", supervisor=boss.staff)
    response = signed_in(admin).post(f"/supervisors/{boss.pk}/remove/", {"reports": "clear"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.supervisor_id is None


def test_front_desk_cannot_remove_a_supervisor(frontdesk, boss):
    assert signed_in(frontdesk).post(f"/supervisors/{boss.pk}/remove/").status_code == 403
    assert Supervisor.objects.filter(pk=boss.pk).exists()


# Credentials page


def test_credentials_page_requires_sign_in(client, provider):
    response = client.get(credentials_url(provider))
    assert response.status_code == 302


def test_credentials_page_of_another_org_is_a_404(outsider, provider):
    client = signed_in(outsider)
    assert client.get(credentials_url(provider)).status_code == 404
    assert client.post(credentials_url(provider), {"capacity": 3}).status_code == 404


def test_front_desk_is_refused_the_credentials_page(frontdesk, provider):
    response = signed_in(frontdesk).get(credentials_url(provider))
    assert response.status_code == 403


def test_an_admin_without_access_to_the_location_gets_a_404(branch_admin, provider):
    assert signed_in(branch_admin).get(credentials_url(provider)).status_code == 404


def test_admin_saves_credentials_from_the_page(code_set, admin, provider):
    response = signed_in(admin).post(
        credentials_url(provider),
        {
            "npi": VALID_NPI,
            "taxonomy_codes": f"{CARDIO}, {FAMILY.lower()}",
            "capacity": "3",
            "scheduling_step": "30",
            "bio": "**Cardiology** <script>x()</script>",
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.npi, provider.capacity, provider.scheduling_step) == (VALID_NPI, 3, 30)
    assert provider.taxonomies.get(is_primary=True).code == CARDIO
    assert "script" not in provider.bio


def test_bad_credentials_show_errors_beside_the_fields(admin, provider):
    response = signed_in(admin).post(
        credentials_url(provider),
        {"npi": "1234567890", "taxonomy_codes": "nope", "capacity": "40", "scheduling_step": "15"},
    )
    assert response.status_code == 200
    assert "check digit" in response.text
    assert "10 characters" in response.text
    assert "1 to 20" in response.text
    provider.refresh_from_db()
    assert provider.npi == ""


def test_preview_shows_the_bio_as_patients_see_it_without_saving(admin, provider):
    response = signed_in(admin).post(
        credentials_url(provider),
        {
            "capacity": "1",
            "scheduling_step": "15",
            "bio": "Hello *world* <iframe src=x></iframe>",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    assert "<em>world</em>" in response.text
    assert "<iframe" not in response.text.split("bio-preview")[-1]
    provider.refresh_from_db()
    assert provider.bio == ""


def test_taxonomy_search_on_the_credentials_page(code_set, admin, provider):
    page = signed_in(admin).get(credentials_url(provider), {"tq": "cardiovascular"})
    assert CARDIO in page.text
    assert "Cardiovascular Disease Physician" in page.text


def test_licenses_are_added_and_removed_from_the_page(admin, provider):
    client = signed_in(admin)
    response = client.post(
        f"/staff/{provider.pk}/credentials/licenses/new/",
        {"state": "NY", "number": "123456", "expires_on": "2028-01-31"},
    )
    assert response.status_code == 302
    lic = License.objects.get(staff=provider)
    bad = client.post(f"/staff/{provider.pk}/credentials/licenses/new/", {"state": "NY"})
    assert bad.status_code == 200
    assert "This field is required" in bad.text
    client.post(f"/staff/{provider.pk}/credentials/licenses/{lic.pk}/remove/")
    assert not License.objects.exists()


def test_the_credentials_partial_renders_with_only_the_member(rf, code_set, admin, provider):
    from django.template.loader import render_to_string

    actions.update_credentials(
        provider,
        {"npi": VALID_NPI, "taxonomy_codes": [FAMILY], "bio": "**Hi**", "capacity": 2},
        actor=admin,
    )
    actions.add_license(provider, {"state": "CA", "number": "A1"}, actor=admin)
    request = rf.get("/")
    request.user = admin
    html = render_to_string("web/staff/_credentials.html", {"member": provider}, request=request)
    assert VALID_NPI in html
    assert "Family Medicine Physician" in html
    assert "Primary" in html
    assert "<strong>Hi</strong>" in html
    assert "CA" in html and "A1" in html
    assert credentials_url(provider) in html
    # Without a request (or permission) there is no Edit link, and no error.
    plain = render_to_string("web/staff/_credentials.html", {"member": provider})
    assert credentials_url(provider) not in plain


# My profile


def test_my_profile_requires_sign_in(client, acme):
    assert client.get("/me/").status_code == 302


def test_every_member_sees_my_profile_in_the_navigation(frontdesk):
    page = signed_in(frontdesk).get("/me/")
    assert page.status_code == 200
    assert 'href="/me/"' in page.text
    assert "Supervisors" not in page.text


def test_a_member_edits_their_own_profile(frontdesk):
    client = signed_in(frontdesk)
    response = client.post(
        "/me/", {"display_name": "Desk D.", "phone": "+1 555 0100", "bio": "Front desk."}
    )
    assert response.status_code == 302
    frontdesk.refresh_from_db()
    assert (frontdesk.display_name, frontdesk.phone) == ("Desk D.", "+1 555 0100")
    assert AuditEvent.objects.filter(action="update_own_profile", actor=frontdesk).exists()


def test_a_bad_phone_shows_an_error_on_my_profile(frontdesk):
    response = signed_in(frontdesk).post("/me/", {"phone": "call me maybe"})
    assert response.status_code == 200
    assert "Enter a phone number" in response.text


def test_changing_my_password_keeps_me_signed_in(frontdesk):
    client = signed_in(frontdesk)
    new = "another-long-secret-42"
    response = client.post(
        "/me/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200  # session kept
    frontdesk.refresh_from_db()
    assert frontdesk.check_password(new)


def test_a_wrong_old_password_is_refused(frontdesk):
    response = signed_in(frontdesk).post(
        "/me/password/",
        {
            "old_password": "wrong",
            "new_password1": "x-long-one-123",
            "new_password2": "x-long-one-123",
        },
    )
    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.text
    frontdesk.refresh_from_db()
    assert frontdesk.check_password(PASSWORD)


def test_taxonomy_search_json_needs_sign_in_and_answers_matches(client, code_set, frontdesk):
    assert client.get("/taxonomy/search/", {"q": "family"}).status_code == 302
    data = signed_in(frontdesk).get("/taxonomy/search/", {"q": "family"}).json()
    assert FAMILY in [i["code"] for i in data["items"]]


def test_nobody_else_is_changed_by_my_profile(acme, frontdesk, admin):
    signed_in(frontdesk).post("/me/", {"display_name": "Changed"})
    assert StaffMember.objects.get(pk=admin.pk).display_name == ""


def test_deactivated_supervisors_are_not_offered_to_take_over_reports(acme, admin, boss):
    from clinicorg.staff.models import Status

    acme.member("r1@acme.test", supervisor=boss.staff)
    gone = acme.member("gone@acme.test", first_name="Gone", last_name="Away")
    actions.appoint_supervisor(gone, actor=admin)
    actions.change_staff_status(gone, Status.DEACTIVATED, "Left", actor=admin)
    page = signed_in(admin).get(f"/supervisors/{boss.pk}/remove/")
    assert "Gone Away" not in page.text


# The credentials card on a profile


def test_profile_of_front_desk_member_without_credentials_offers_to_add_them(acme, admin):
    desk = acme.member("desk@acme.test", role="front_desk")
    page = signed_in(admin).get(f"/staff/{desk.pk}/")
    assert page.status_code == 200
    assert "None recorded" in page.text
    assert "Add credentials" in page.text and credentials_url(desk) in page.text
    assert "Individual NPI" not in page.text


def test_profile_of_provider_shows_the_whole_credentials_card_even_when_empty(acme, admin):
    doc = acme.member("doc@acme.test", role="provider")
    page = signed_in(admin).get(f"/staff/{doc.pk}/")
    assert "Individual NPI" in page.text and "Scheduling step" in page.text
    assert "None recorded" not in page.text


def test_front_desk_member_with_an_npi_shows_the_whole_card(acme, admin):
    desk = acme.member("desk@acme.test", role="front_desk", npi=VALID_NPI)
    page = signed_in(admin).get(f"/staff/{desk.pk}/")
    assert "Individual NPI" in page.text and VALID_NPI in page.text
    assert "None recorded" not in page.text


def test_taxonomy_search_without_a_code_set_says_how_to_load_one(frontdesk):
    data = signed_in(frontdesk).get("/taxonomy/search/", {"q": "family"}).json()
    assert data["items"] == [] and data["loaded"] is False
    assert "clinicorg taxonomy load FILE" in data["hint"]


def test_taxonomy_search_with_a_code_set_gives_no_loading_hint(code_set, frontdesk):
    data = signed_in(frontdesk).get("/taxonomy/search/", {"q": "zzzz"}).json()
    assert data["items"] == [] and data["loaded"] is True and data["hint"] == ""
