"""A destructive or wide action asks first and names what it affects; the change happens only
when the confirmation is sent."""

from clinicorg.core.models import AuditEvent, OrganizationNPI
from clinicorg.directory import actions
from clinicorg.directory.models import Location, PayerEnrollment
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
