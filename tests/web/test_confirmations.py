"""A destructive or wide action asks first and names what it affects; the change happens only
when the confirmation is sent."""

from clinicorg.core.models import AuditEvent, OrganizationNPI
from clinicorg.directory import actions
from clinicorg.directory.models import Department, Location, PayerEnrollment
from tests.conftest import signed_in

VALID_NPI = "1234567893"


def test_deactivating_a_location_asks_and_names_its_staff_and_managers(acme, admin):
    acme.member("a@acme.test", location=acme.branch)
    acme.member("b@acme.test", location=acme.branch)
    client = signed_in(admin)
    detail = client.get(f"/locations/{acme.branch.pk}/").text
    assert f'href="/locations/{acme.branch.pk}/status/?status=inactive"' in detail

    page = client.get(f"/locations/{acme.branch.pk}/status/", {"status": "inactive"})
    assert page.status_code == 200
    assert f"Deactivate {acme.branch.name}?" in page.text
    assert "2 staff members have it as their primary location" in page.text
    assert Location.objects.get(pk=acme.branch.pk).status == "active"  # nothing changed yet

    done = client.post(f"/locations/{acme.branch.pk}/status/", {"status": "inactive"})
    assert done.status_code == 302
    assert Location.objects.get(pk=acme.branch.pk).status == "inactive"
    assert AuditEvent.objects.filter(action="deactivate_location").count() == 1


def test_reactivating_asks_without_alarm(acme, admin):
    actions.set_location_status(acme.branch, "inactive", actor=admin)
    page = signed_in(admin).get(f"/locations/{acme.branch.pk}/status/", {"status": "active"})
    assert page.status_code == 200
    assert f"Reactivate {acme.branch.name}" in page.text
    assert 'class="primary"' in page.text


def test_removing_an_enrollment_asks_and_names_the_payer(acme, admin):
    enrollment = actions.add_payer_enrollment(
        acme.main, {"payer_name": "Aetna", "payer_id": "60054", "status": "active"}, actor=admin
    )
    client = signed_in(admin)
    url = f"/locations/{acme.main.pk}/enrollments/{enrollment.pk}/delete/"
    assert f'href="{url}"' in client.get(f"/locations/{acme.main.pk}/").text
    page = client.get(url)
    assert page.status_code == 200
    assert "Remove the enrollment with Aetna?" in page.text
    assert "payer id 60054" in page.text
    assert PayerEnrollment.objects.filter(pk=enrollment.pk).exists()
    assert client.post(url).status_code == 302
    assert not PayerEnrollment.objects.filter(pk=enrollment.pk).exists()


def test_removing_an_organization_npi_asks_and_names_it(acme, admin):
    entry = actions.add_organization_npi("Billing", VALID_NPI, actor=admin)
    client = signed_in(admin)
    url = f"/organization/settings/npis/{entry.pk}/remove/"
    assert f'href="{url}"' in client.get("/organization/settings/").text
    page = client.get(url)
    assert page.status_code == 200
    assert f"Remove NPI {VALID_NPI}?" in page.text
    assert "(Billing)" in page.text
    assert OrganizationNPI.objects.filter(pk=entry.pk).exists()
    assert client.post(url).status_code == 302
    assert not OrganizationNPI.objects.filter(pk=entry.pk).exists()


def test_the_confirmations_refuse_other_organizations_and_members_without_permission(
    acme, admin, outsider, frontdesk
):
    entry = actions.add_organization_npi("Billing", VALID_NPI, actor=admin)
    for client in (signed_in(outsider),):
        assert client.get(f"/locations/{acme.main.pk}/status/").status_code == 404
        assert client.get(f"/organization/settings/npis/{entry.pk}/remove/").status_code == 404
    desk = signed_in(frontdesk)
    assert desk.get(f"/locations/{acme.main.pk}/status/").status_code == 403
    assert desk.get(f"/organization/settings/npis/{entry.pk}/remove/").status_code == 403


def test_removing_a_license_asks_and_names_it(acme, admin):
    from clinicorg.staff.actions import add_license
    from clinicorg.staff.models import License

    provider = acme.member("doc@acme.test", role="provider", first_name="Dana", last_name="Doc")
    lic = add_license(
        provider, {"state": "NY", "number": "123456", "expires_on": "2028-01-31"}, actor=admin
    )
    client = signed_in(admin)
    url = f"/staff/{provider.pk}/credentials/licenses/{lic.pk}/remove/"
    assert f'href="{url}"' in client.get(f"/staff/{provider.pk}/credentials/").text
    page = client.get(url)
    assert page.status_code == 200
    assert "Remove license NY 123456?" in page.text
    assert "Dana Doc" in page.text and "expiring Jan 31, 2028" in page.text
    assert License.objects.filter(pk=lic.pk).exists()
    assert client.post(url).status_code == 302
    assert not License.objects.filter(pk=lic.pk).exists()


# Departments and positions: a separate page asks, naming who holds it; the status address
# stays POST-only and is still where the change happens.


def test_deactivating_a_department_asks_and_counts_its_active_members(acme, admin):
    dept = actions.create_department("Cardiology", actor=admin)
    acme.member("a@acme.test", department=dept)
    acme.member("b@acme.test", department=dept)
    acme.member("c@acme.test", department=dept, status="on_leave")
    acme.member("d@acme.test", department=dept, status="deactivated")
    acme.member("e@acme.test")
    client = signed_in(admin)
    listing = client.get("/organization/departments/?q=card").text
    ask = f"/organization/departments/{dept.pk}/deactivate/"
    assert f'href="{ask}?next=/organization/departments/%3Fq%3Dcard"' in listing

    page = client.get(ask, {"next": "/organization/departments/?q=card"})
    assert page.status_code == 200
    assert "Deactivate the department “Cardiology”?" in page.text
    assert "2 active staff members hold it; they keep it." in page.text
    assert "1 more staff member (invited, on leave or suspended) holds it" in page.text
    assert f'action="/organization/departments/{dept.pk}/status/"' in page.text
    assert 'name="is_active" value="false"' in page.text
    assert 'name="next" value="/organization/departments/?q=card"' in page.text
    assert Department.objects.get(pk=dept.pk).is_active  # nothing changed yet

    done = client.post(
        f"/organization/departments/{dept.pk}/status/",
        {"is_active": "false", "next": "/organization/departments/?q=card"},
    )
    assert done["Location"] == "/organization/departments/?q=card"
    assert not Department.objects.get(pk=dept.pk).is_active
    assert AuditEvent.objects.filter(action="update_department").count() == 1


def test_deactivating_a_position_nobody_holds_says_so(admin):
    position = actions.create_position("Scribe", actor=admin)
    client = signed_in(admin)
    assert (
        f"/organization/positions/{position.pk}/deactivate/"
        in client.get(f"/organization/positions/{position.pk}/edit/").text
    )
    page = client.get(f"/organization/positions/{position.pk}/deactivate/")
    assert "Deactivate the position “Scribe”?" in page.text
    assert "No active staff member holds it." in page.text
    assert 'name="next" value="/organization/positions/"' in page.text  # no next: the list


def test_an_inactive_one_is_not_asked_about_again(admin):
    dept = actions.create_department("Closed", actor=admin)
    actions.update_department(dept, {"is_active": False}, actor=admin)
    response = signed_in(admin).get(f"/organization/departments/{dept.pk}/deactivate/")
    assert response.status_code == 302
    assert response["Location"] == "/organization/departments/"


def test_the_count_of_a_location_limited_reader_covers_only_their_locations(acme, admin):
    dept = actions.create_department("Cardiology", actor=admin)
    acme.member("main1@acme.test", department=dept)
    acme.member("main2@acme.test", department=dept)
    acme.member("branch1@acme.test", department=dept, location=acme.branch)
    branch_admin = acme.member("branchadmin@acme.test", location=acme.branch)
    page = signed_in(branch_admin).get(f"/organization/departments/{dept.pk}/deactivate/")
    assert page.status_code == 200
    assert "1 active staff member holds it; they keep it." in page.text
    assert "Counted among the staff of the locations you can access." in page.text


def test_a_next_address_elsewhere_is_not_followed(admin):
    dept = actions.create_department("Cardiology", actor=admin)
    page = signed_in(admin).get(
        f"/organization/departments/{dept.pk}/deactivate/", {"next": "https://evil.example/"}
    )
    assert "evil.example" not in page.text


def test_the_deactivation_question_refuses_outsiders_and_members_without_permission(
    acme, admin, outsider, frontdesk
):
    dept = actions.create_department("Cardiology", actor=admin)
    position = actions.create_position("Nurse", actor=admin)
    for url in (
        f"/organization/departments/{dept.pk}/deactivate/",
        f"/organization/positions/{position.pk}/deactivate/",
    ):
        assert signed_in(outsider).get(url).status_code == 404
        assert signed_in(frontdesk).get(url).status_code == 403
