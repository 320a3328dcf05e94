"""A destructive or wide action asks first and names what it affects; the change happens only
when the confirmation is sent."""

from django.test import Client

from clinicorg.core.models import AuditEvent, OrganizationNPI
from clinicorg.directory import actions
from clinicorg.directory.models import Department, Location, PayerEnrollment
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import Status
from tests.conftest import PASSWORD, signed_in

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


# A member's status change on their profile: suspending, deactivating or putting on leave asks
# first, naming the person and what the action will do; the action runs on the confirmation.


def _busy_provider(acme, admin):
    """A provider who is signed in, holds an API token, supervises two members (one at the
    Branch), manages Main and has a booked appointment next week."""
    from clinicorg.access.actions import create_api_token
    from clinicorg.scheduling import actions as scheduling
    from tests.scheduling.conftest import WEEKDAYS_9_TO_5, at, booking, next_weekday

    doc = acme.member("doc@acme.test", role="provider", first_name="Ada", last_name="Lovelace")
    Client().login(username=doc.email, password=PASSWORD)
    create_api_token(acme.org, acme.roles["provider"], "EHR sync", actor=doc)
    staff_actions.appoint_supervisor(doc, actor=admin)
    acme.member("r1@acme.test", supervisor=doc)
    acme.member("r2@acme.test", supervisor=doc, location=acme.branch)
    staff_actions.set_location_managers(acme.main, [doc.pk], actor=admin)
    scheduling.set_weekly_availability(doc, acme.main, WEEKDAYS_9_TO_5, actor=admin)
    visit = scheduling.create_visit_type(
        {"name": "Check-up", "duration_minutes": 30, "providers": [doc]}, actor=admin
    )
    start = at(acme.main, next_weekday(acme.main), 9)
    scheduling.book_appointment(booking(acme, doc, visit, start), actor=admin)
    return doc


def test_deactivating_a_member_asks_and_names_what_ends_and_what_stays(acme, admin):
    doc = _busy_provider(acme, admin)
    client = signed_in(admin)
    data = {"status": "deactivated", "reason": "Left the practice"}
    page = client.post(f"/staff/{doc.pk}/status/", data)
    assert page.status_code == 200
    text = page.text
    assert "Deactivate Ada Lovelace?" in text
    assert "doc@acme.test" in text and "Left the practice" in text
    assert "signed out everywhere at once (1 session open now)" in text
    assert "1 API token they created is revoked for good" in text and "EHR sync" in text
    assert "2 direct reports keep Ada Lovelace as supervisor" in text
    assert f"manager of {acme.main.name}" in text
    assert "1 upcoming appointment with them stays booked" in text
    assert "No new appointment can be booked with them." in text
    assert 'name="confirm" value="yes"' in text
    doc.refresh_from_db()
    assert doc.status == Status.ACTIVE  # nothing changed yet
    assert not AuditEvent.objects.filter(target_id=str(doc.pk), action="deactivate_staff")

    done = client.post(f"/staff/{doc.pk}/status/", {**data, "confirm": "yes"})
    assert done.status_code == 302
    doc.refresh_from_db()
    assert doc.status == Status.DEACTIVATED


def test_putting_a_member_on_leave_says_they_can_still_sign_in(acme, admin):
    doc = _busy_provider(acme, admin)
    page = signed_in(admin).post(
        f"/staff/{doc.pk}/status/", {"status": "on_leave", "reason": "Parental leave"}
    )
    assert "Put Ada Lovelace on leave?" in page.text
    assert "can still sign in; their sessions and API tokens are kept" in page.text
    assert "Appointments can still be booked in their hours" in page.text
    assert "revoked" not in page.text
    doc.refresh_from_db()
    assert doc.status == Status.ACTIVE


def test_suspending_counts_only_what_a_location_limited_admin_may_see(acme, admin):
    doc = _busy_provider(acme, admin)
    main_admin = acme.member("mainadmin@acme.test")  # Main only: r2 at the Branch is unseen
    page = signed_in(main_admin).post(
        f"/staff/{doc.pk}/status/", {"status": "suspended", "reason": "Investigation"}
    )
    assert "Suspend Ada Lovelace?" in page.text
    assert "1 direct report keeps Ada Lovelace as supervisor" in page.text
    assert acme.branch.name not in page.text


def test_reactivating_needs_no_question(acme, admin, frontdesk):
    staff_actions.change_staff_status(frontdesk, Status.SUSPENDED, "Check", actor=admin)
    response = signed_in(admin).post(
        f"/staff/{frontdesk.pk}/status/", {"status": "active", "reason": "Cleared"}
    )
    assert response.status_code == 302
    frontdesk.refresh_from_db()
    assert frontdesk.status == Status.ACTIVE


def test_a_change_the_action_would_refuse_is_refused_before_asking(acme, admin, frontdesk):
    response = signed_in(admin).post(f"/staff/{frontdesk.pk}/status/", {"status": "suspended"})
    assert response.status_code == 422  # no reason: the form says so, no question
    assert 'name="confirm"' not in response.text
    branch_admin = acme.member("branchadmin@acme.test", location=acme.branch)
    regional = acme.member("regional@acme.test", location=acme.branch, all_locations=True)
    refused = signed_in(branch_admin).post(
        f"/staff/{regional.pk}/status/", {"status": "suspended", "reason": "x"}
    )
    assert refused.status_code == 403  # broader access than the actor's: the policy says no
    regional.refresh_from_db()
    assert regional.status == Status.ACTIVE
