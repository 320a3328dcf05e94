"""Roles & permissions pages, a member's role and access rules, and the profile access panel."""

from django.template import Context, Template
from django.test import RequestFactory

from clinicorg.access import policy
from clinicorg.access.catalogue import ALL_PERMISSIONS, P
from clinicorg.access.models import Role
from clinicorg.core.models import AuditEvent
from tests.conftest import signed_in


def render_panel(viewer, member) -> str:
    request = RequestFactory().get("/")
    request.user = viewer
    return Template('{% include "web/staff/_access.html" %}').render(
        Context({"member": member, "request": request})
    )


def test_the_profile_partial_shows_role_rules_and_effective_access(acme, admin):
    desk = acme.member("d@acme.test", role="front_desk", extra_locations=[acme.branch])
    html = render_panel(admin, desk)
    assert "Front Desk" in html
    assert acme.branch.name in html
    assert "Create appointments" in html
    assert f"/staff/{desk.pk}/access/" in html
    assert f"/staff/{desk.pk}/role/" in html


def test_the_roles_page_lists_roles_as_columns(admin_client):
    r = admin_client.get("/roles/")
    assert r.status_code == 200
    for name in ("Administrator", "Front Desk", "Provider", "Billing Manager"):
        assert name in r.content.decode()


def test_toggling_a_permission_off_saves_and_audits(acme, admin_client):
    role = acme.roles["front_desk"]
    data = {"name": "Front Desk", "calendar__view_appointments": "on"}
    r = admin_client.post(f"/roles/{role.pk}/", data)
    assert r.status_code == 302
    role.refresh_from_db()
    assert role.permissions == ["calendar.view_appointments"]
    event = AuditEvent.objects.filter(action="update_role").get()
    assert "calendar.create_appointments" in event.changes["permissions_removed"]
    assert Role.objects.filter(pk=role.pk).exists()


def test_a_member_without_manage_roles_is_told_why(frontdesk):
    r = signed_in(frontdesk).get("/roles/")
    assert r.status_code == 403
    body = r.content.decode()
    assert "missing_permission" in body
    assert "administration.manage_roles" in body
    assert "Front Desk" in body


def test_anonymous_is_sent_to_sign_in(client):
    r = client.get("/roles/")
    assert r.status_code == 302 and r["Location"].startswith("/signin/")


def test_another_organizations_role_is_a_404(admin_client, globex):
    assert admin_client.get(f"/roles/{globex.roles['front_desk'].pk}/").status_code == 404


def test_a_blank_role_is_created(admin_client, acme):
    r = admin_client.post("/roles/new/", {"name": "Scheduler"})
    role = Role.objects.get(organization=acme.org, name="Scheduler")
    assert r.status_code == 302 and r["Location"] == f"/roles/{role.pk}/"
    assert role.permissions == []


def test_a_role_is_copied_from_another(admin_client, acme):
    src = acme.roles["billing_manager"]
    admin_client.post("/roles/new/", {"name": "Billing 2", "copy_from": src.pk})
    role = Role.objects.get(organization=acme.org, name="Billing 2")
    assert role.permission_set == src.permission_set
    event = AuditEvent.objects.get(action="create_role", target_id=str(role.pk))
    assert event.changes["copied_from"] == [None, "Billing Manager"]


def test_a_duplicate_name_is_shown_beside_the_field(admin_client):
    r = admin_client.post("/roles/new/", {"name": "provider"})
    assert r.status_code == 200
    assert "Another role of the organization has this name." in r.content.decode()


def test_a_role_is_renamed(admin_client, acme):
    role = acme.roles["provider"]
    perms = {p.replace(".", "__"): "on" for p in role.permission_set}
    admin_client.post(f"/roles/{role.pk}/", {"name": "Clinician", **perms})
    role.refresh_from_db()
    assert role.name == "Clinician"
    assert role.permission_set == acme.roles["provider"].permission_set
    event = AuditEvent.objects.get(action="update_role")
    assert event.changes == {"name": ["Provider", "Clinician"]}


def test_the_administrator_role_keeps_every_permission(admin_client, acme):
    role = acme.roles["administrator"]
    admin_client.post(f"/roles/{role.pk}/", {"name": "Administrator"})
    role.refresh_from_db()
    assert role.permission_set == ALL_PERMISSIONS
    r = admin_client.get(f"/roles/{role.pk}/delete/")
    assert "cannot be deleted" in r.content.decode()
    admin_client.post(f"/roles/{role.pk}/delete/")
    assert Role.objects.filter(pk=role.pk).exists()


def test_deleting_a_role_in_use_is_refused_with_the_count(admin_client, acme):
    acme.member("p1@acme.test", role="provider")
    acme.member("p2@acme.test", role="provider")
    role = acme.roles["provider"]
    r = admin_client.get(f"/roles/{role.pk}/delete/")
    assert "2 members hold it" in r.content.decode()
    r = admin_client.post(f"/roles/{role.pk}/delete/", follow=True)
    assert "2 members hold the role" in r.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


def test_an_unused_role_is_deleted_and_audited(admin_client, acme):
    from clinicorg.access.actions import create_role

    role = create_role("Temp", [P.VIEW_APPOINTMENTS], actor=acme.system)
    r = admin_client.post(f"/roles/{role.pk}/delete/")
    assert r.status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEvent.objects.filter(action="delete_role", target_label="Temp").exists()


def test_the_roles_page_runs_a_constant_number_of_queries(
    admin_client, acme, django_assert_max_num_queries
):
    from clinicorg.access.actions import create_role

    for i in range(6):
        create_role(f"Custom {i}", [P.VIEW_APPOINTMENTS], actor=acme.system)
    with django_assert_max_num_queries(8):
        r = admin_client.get("/roles/")
    assert r.status_code == 200


def test_a_members_role_is_changed_from_the_profile_form(admin_client, acme):
    m = acme.member("p@acme.test", role="provider")
    r = admin_client.post(f"/staff/{m.pk}/role/", {"role": acme.roles["billing_manager"].pk})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.role.key == "billing_manager"
    event = AuditEvent.objects.get(action="change_staff_role")
    assert event.changes["role"] == ["Provider", "Billing Manager"]


def test_the_last_administrator_keeps_the_role(admin_client, admin, acme):
    r = admin_client.post(f"/staff/{admin.pk}/role/", {"role": acme.roles["provider"].pk})
    assert r.status_code == 200
    assert "last active Administrator" in r.content.decode()
    admin.refresh_from_db()
    assert admin.role.key == "administrator"


def test_access_rules_are_toggled_per_location(admin_client, acme):
    m = acme.member("p@acme.test", role="provider")
    r = admin_client.get(f"/staff/{m.pk}/access/")
    body = r.content.decode()
    assert "Primary · always on" in body and acme.branch.name in body
    r = admin_client.post(f"/staff/{m.pk}/access/", {"locations": [str(acme.branch.pk)]})
    assert r.status_code == 302
    assert set(m.extra_locations.all()) == {acme.branch}
    admin_client.post(f"/staff/{m.pk}/access/", {"all_locations": "on"})
    m.refresh_from_db()
    assert m.all_locations and not m.extra_locations.exists()


def test_an_inactive_location_is_shown_but_grants_nothing(admin_client, acme):
    from clinicorg.directory.actions import set_location_status

    m = acme.member("p@acme.test", role="provider", extra_locations=[acme.branch])
    set_location_status(acme.branch, "inactive", actor=acme.system)
    acme.branch.refresh_from_db()
    body = admin_client.get(f"/staff/{m.pk}/access/").content.decode()
    assert "Inactive · grants nothing" in body
    assert not policy.can(m, P.VIEW_APPOINTMENTS, acme.branch)
    assert policy.explain(m, P.VIEW_APPOINTMENTS, acme.branch).reason == "location_inactive"


def test_the_panel_shows_effective_access_from_the_policy(acme, admin):
    m = acme.member("p@acme.test", role="front_desk")
    rows = [r for r in render_panel(admin, m).split("<tr") if 'scope="row"' in r]
    main_row = next(r for r in rows if acme.main.name in r)
    branch_row = next(r for r in rows if acme.branch.name in r)
    assert "Process payments" in main_row and "Primary" in main_row
    assert "no access" in branch_row and "Process payments" not in branch_row


# -- location-scoped administration --------------------------------------------------------


def test_a_scoped_admin_sees_only_their_locations_staff(acme, branch_admin):
    at_main = acme.member("main@acme.test", role="front_desk")
    at_branch = acme.member("br@acme.test", role="front_desk", location=acme.branch)
    client = signed_in(branch_admin)
    assert client.get(f"/staff/{at_main.pk}/access/").status_code == 404
    assert client.get(f"/staff/{at_main.pk}/role/").status_code == 404
    assert client.get(f"/staff/{at_branch.pk}/access/").status_code == 200


def test_a_scoped_admin_cannot_grant_a_location_they_cannot_access(acme, branch_admin):
    m = acme.member("br@acme.test", role="front_desk", location=acme.branch)
    client = signed_in(branch_admin)
    body = client.get(f"/staff/{m.pk}/access/").content.decode()
    assert acme.main.name not in body
    r = client.post(f"/staff/{m.pk}/access/", {"all_locations": "on"})
    assert r.status_code == 403
    assert "no_location_access" in r.content.decode()


def test_a_scoped_admin_keeps_grants_they_cannot_see(acme, branch_admin):
    m = acme.member(
        "br@acme.test", role="front_desk", location=acme.branch, extra_locations=[acme.main]
    )
    signed_in(branch_admin).post(f"/staff/{m.pk}/access/", {})
    assert set(m.extra_locations.all()) == {acme.main}


def test_a_scoped_admin_reads_roles_but_cannot_change_them(acme, branch_admin):
    client = signed_in(branch_admin)
    role = acme.roles["provider"]
    page = client.get(f"/roles/{role.pk}/").content.decode()
    assert "only an administrator with access to all locations can change them" in page
    r = client.post(f"/roles/{role.pk}/", {"name": "Renamed"})
    assert r.status_code == 403
    assert "no_location_access" in r.content.decode()


def test_role_member_counts_follow_the_readers_scope(acme, branch_admin):
    acme.member("main@acme.test", role="provider")
    acme.member("br@acme.test", role="provider", location=acme.branch)
    roles = {r.key: r for r in signed_in(branch_admin).get("/roles/").context["roles"]}
    assert roles["provider"].member_count == 1


def test_nobody_grants_a_permission_they_do_not_hold(acme):
    from clinicorg.access.actions import create_role

    lead = create_role("Lead", [P.MANAGE_STAFF], actor=acme.system)
    manager = acme.member("lead@acme.test", role=lead, all_locations=True)
    clerk = create_role("Clerk", [], actor=acme.system)
    m = acme.member("p@acme.test", role=clerk)
    r = signed_in(manager).post(f"/staff/{m.pk}/role/", {"role": acme.roles["administrator"].pk})
    assert r.status_code == 403
    assert "cannot grant" in r.content.decode()
