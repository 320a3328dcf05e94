"""The member pickers: one scoped search (/people/search/) behind the supervisor field, the
location managers and appointing a supervisor, and the plain id field they degrade to."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from clinicorg.directory.models import Location
from clinicorg.staff import actions
from clinicorg.staff.models import Supervisor
from tests.conftest import signed_in

SEARCH = "/people/search/"


def offered(client, purpose, q, **params) -> list[str]:
    response = client.get(SEARCH, {"for": purpose, "q": q, **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return [item["email"] for item in response.json()["items"]]


@pytest.fixture
def branch_admin(acme):
    return acme.member("branchadmin@acme.test", location=acme.branch)


def test_the_supervisor_picker_offers_current_appointed_supervisors_only(people, admin):
    found = offered(signed_in(admin), "supervisor", "picker")
    assert found == ["branchboss@acme.test", "mainboss@acme.test"]


def test_the_supervisor_picker_leaves_out_the_member_being_edited(people, admin):
    boss = Supervisor.objects.get(staff__email="mainboss@acme.test").staff
    found = offered(signed_in(admin), "supervisor", "picker", exclude=boss.pk)
    assert found == ["branchboss@acme.test"]


def test_the_manager_picker_offers_current_staff_but_no_deactivated_member(people, admin):
    found = offered(signed_in(admin), "manager", "picker")
    assert "goneboss@acme.test" not in found
    assert set(found) == {
        "mainboss@acme.test",
        "branchboss@acme.test",
        "plain@acme.test",
        "branchplain@acme.test",
        "regional@acme.test",
    }


def test_the_appointee_picker_leaves_out_who_already_supervises(people, admin):
    found = offered(signed_in(admin), "appointee", "picker")
    assert set(found) == {"plain@acme.test", "branchplain@acme.test", "regional@acme.test"}


@pytest.mark.parametrize("purpose", ["supervisor", "manager", "appointee", "member"])
def test_a_location_limited_actor_is_offered_nobody_outside_its_scope(
    people, branch_admin, purpose
):
    found = offered(signed_in(branch_admin), purpose, "picker")
    assert "mainboss@acme.test" not in found
    assert "plain@acme.test" not in found
    assert all(email.startswith("branch") or email == "regional@acme.test" for email in found)


@pytest.mark.parametrize("purpose", ["manager", "appointee"])
def test_a_location_limited_actor_is_not_offered_a_member_with_broader_access(
    people, branch_admin, purpose
):
    """The escalation rule of the action (policy.explain_member) screens the offers."""
    found = offered(signed_in(branch_admin), purpose, "picker")
    assert "regional@acme.test" not in found
    assert "branchplain@acme.test" in found


@pytest.mark.parametrize("purpose", ["supervisor", "manager", "appointee", "member"])
def test_another_organizations_members_are_never_offered(people, outsider, globex, purpose):
    globex.member("picker@globex.test", last_name="Picker")
    # Globex has no appointed supervisor; otherwise its own member is the only one offered.
    expected = [] if purpose == "supervisor" else ["picker@globex.test"]
    assert offered(signed_in(outsider), purpose, "picker") == expected


def test_the_search_matches_email_and_first_name_too(people, admin):
    client = signed_in(admin)
    assert offered(client, "member", "branchplain@") == ["branchplain@acme.test"]
    assert offered(client, "member", "Regional") == ["regional@acme.test"]


def test_an_empty_query_offers_nobody(people, admin):
    assert offered(signed_in(admin), "member", "") == []


def test_the_search_asks_for_a_sign_in_and_the_purposes_permission(people, frontdesk, client):
    assert client.get(SEARCH, {"q": "picker"}).status_code == 302
    assert signed_in(frontdesk).get(SEARCH, {"for": "member", "q": "picker"}).status_code == 403
    assert signed_in(frontdesk).get(SEARCH, {"for": "manager", "q": "picker"}).status_code == 403
    # Refused before the query is read: a blank one tells nothing either.
    for purpose in ("member", "manager", "supervisor"):
        for q in ("", "  "):
            response = signed_in(frontdesk).get(SEARCH, {"for": purpose, "q": q})
            assert response.status_code == 403, (purpose, q)


def test_an_unknown_purpose_is_a_400(admin):
    response = signed_in(admin).get(SEARCH, {"for": "everyone", "q": "x"})
    assert response.status_code == 400
    assert "Unknown picker" in response.json()["error"]


def test_the_search_reads_a_bounded_number_of_queries(people, admin, django_assert_max_num_queries):
    client = signed_in(admin)
    with django_assert_max_num_queries(12) as few:
        offered(client, "manager", "picker")
    for i in range(10):
        people.member(f"more{i}@acme.test", last_name="Picker")
    with django_assert_max_num_queries(len(few.captured_queries)):
        offered(client, "manager", "picker")


# The pages: a picker, not a list of everyone; the id field works without scripts.


def test_the_edit_form_has_a_supervisor_picker_not_a_list_of_supervisors(people, admin):
    member = people.member("edited@acme.test")
    page = signed_in(admin).get(f"/staff/{member.pk}/edit/")
    assert "data-member-picker" in page.text
    assert f"exclude={member.pk}" in page.text
    assert "mainboss@acme.test" not in page.text


def test_choosing_a_supervisor_by_id_saves_it_and_shows_the_name(people, admin):
    member = people.member("edited@acme.test")
    boss = Supervisor.objects.get(staff__email="mainboss@acme.test").staff
    client = signed_in(admin)
    form = client.get(f"/staff/{member.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(primary_location=member.primary_location_id, role=member.role_id)
    data["supervisor"] = boss.pk
    assert client.post(f"/staff/{member.pk}/edit/", data).status_code == 302
    member.refresh_from_db()
    assert member.supervisor_id == boss.pk
    page = client.get(f"/staff/{member.pk}/edit/")
    assert "mainboss@acme.test" in page.text  # the chosen one, named beside the field


def test_a_member_who_is_not_an_appointed_supervisor_is_refused_by_the_rule(people, admin):
    member = people.member("edited@acme.test")
    plain = people.member("notboss@acme.test")
    client = signed_in(admin)
    data = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "primary_location": member.primary_location_id,
        "role": member.role_id,
        "supervisor": plain.pk,
    }
    response = client.post(f"/staff/{member.pk}/edit/", data)
    assert response.status_code == 200
    assert "Choose one of the organization&#x27;s appointed supervisors." in response.text
    member.refresh_from_db()
    assert member.supervisor_id is None


def test_a_supervisor_outside_the_actors_scope_is_refused_by_id(people, branch_admin):
    member = people.member("edited@acme.test", location=people.branch)
    boss = Supervisor.objects.get(staff__email="mainboss@acme.test").staff
    data = {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "primary_location": member.primary_location_id,
        "role": member.role_id,
        "supervisor": boss.pk,
    }
    response = signed_in(branch_admin).post(f"/staff/{member.pk}/edit/", data)
    assert response.status_code == 200
    assert "No member with this id among the staff you can see." in response.text
    assert "mainboss@acme.test" not in response.text
    member.refresh_from_db()
    assert member.supervisor_id is None


def test_the_managers_page_lists_the_current_managers_and_a_picker(people, admin):
    location = Location.objects.get(pk=people.main.pk)
    plain = people.member("mgr@acme.test")
    actions.set_location_managers(location, [plain.pk], actor=admin)
    page = signed_in(admin).get(f"/locations/{location.pk}/managers/")
    assert "mgr@acme.test" in page.text
    assert "data-member-picker" in page.text
    assert "branchplain@acme.test" not in page.text  # no box per member of the organization


def test_managers_are_added_by_id_and_removed_by_unticking(people, admin):
    location = Location.objects.get(pk=people.main.pk)
    first = people.member("first@acme.test")
    second = people.member("second@acme.test")
    third = people.member("third@acme.test")
    actions.set_location_managers(location, [first.pk, second.pk], actor=admin)
    client = signed_in(admin)
    response = client.post(
        f"/locations/{location.pk}/managers/",
        {"managers": [first.pk], "add": f"{third.pk}, {third.pk}"},
    )
    assert response.status_code == 302
    assert set(location.managers.values_list("pk", flat=True)) == {first.pk, third.pk}


def test_a_manager_id_the_action_refuses_is_reported_beside_the_field(people, admin, outsider):
    location = Location.objects.get(pk=people.main.pk)
    client = signed_in(admin)
    response = client.post(f"/locations/{location.pk}/managers/", {"add": str(outsider.pk)})
    assert response.status_code == 200
    assert f"No current staff member with id {outsider.pk}." in response.text
    response = client.post(f"/locations/{location.pk}/managers/", {"add": "12, x"})
    assert response.status_code == 200
    assert "Enter member ids (numbers) separated by commas." in response.text
    assert not location.managers.exists()


# Removing a supervisor: who takes over the reports is chosen with the supervisor picker, which
# offers only those the action's reassignment rule accepts.


def test_the_picker_for_a_removal_offers_only_who_may_take_over(line, admin):
    client = signed_in(admin)
    everyone = offered(client, "supervisor", "chain")
    assert len(everyone) == 6
    found = offered(client, "supervisor", "chain", replacing=line["Sam"].pk)
    # Not Sam, not Ann (a report), not Ben or Dan (their line runs through Ann): a loop.
    assert found == ["cal@acme.test", "xena@acme.test"]


def test_every_one_the_picker_leaves_out_is_refused_by_the_action(line, admin):
    sam = Supervisor.objects.get(staff=line["Sam"])
    client = signed_in(admin)
    offered_ids = {
        item["id"]
        for item in client.get(
            SEARCH, {"for": "supervisor", "q": "chain", "replacing": line["Sam"].pk}
        ).json()["items"]
    }
    for member in line.values():
        if member.pk == sam.staff_id:
            continue
        try:
            with transaction.atomic():
                actions.remove_supervisor(sam, actor=admin, reassign_to=member)
                transaction.set_rollback(True)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == (member.pk in offered_ids), member.email


def test_a_removal_picker_for_a_supervisor_out_of_sight_offers_nobody(line, acme):
    branch_admin = acme.member("branchadmin@acme.test", location=acme.branch)
    branch_boss = acme.member(
        "chainbranch@acme.test", last_name="Chain", role="provider", location=acme.branch
    )
    actions.appoint_supervisor(branch_boss, actor=acme.system)
    client = signed_in(branch_admin)
    assert offered(client, "supervisor", "chain") == ["chainbranch@acme.test"]
    assert offered(client, "supervisor", "chain", replacing=line["Sam"].pk) == []
    assert offered(client, "supervisor", "chain", replacing="x1") == []


def test_the_remove_page_has_the_picker_not_a_list_of_supervisors(line, admin):
    sam = Supervisor.objects.get(staff=line["Sam"])
    page = signed_in(admin).get(f"/supervisors/{sam.pk}/remove/")
    assert page.status_code == 200
    assert "data-member-picker" in page.text
    assert f"replacing={line['Sam'].pk}" in page.text
    assert "for=supervisor" in page.text
    assert "cal@acme.test" not in page.text and "<select" not in page.text


@pytest.mark.parametrize(
    "first,message",
    [("Ann", "cannot supervise themselves"), ("Dan", "cannot take over")],
)
def test_a_typed_id_the_rule_refuses_is_explained_beside_the_field(line, admin, first, message):
    sam = Supervisor.objects.get(staff=line["Sam"])
    response = signed_in(admin).post(
        f"/supervisors/{sam.pk}/remove/", {"reports": "reassign", "reassign_to": line[first].pk}
    )
    assert response.status_code == 200
    assert 'id="id_reassign_to-error"' in response.text and message in response.text
    assert Supervisor.objects.filter(pk=sam.pk).exists()


def test_reassigning_through_the_picker_moves_the_reports(line, admin):
    sam = Supervisor.objects.get(staff=line["Sam"])
    response = signed_in(admin).post(
        f"/supervisors/{sam.pk}/remove/", {"reports": "reassign", "reassign_to": line["Cal"].pk}
    )
    assert response.status_code == 302
    line["Ann"].refresh_from_db()
    assert line["Ann"].supervisor_id == line["Cal"].pk
    assert not Supervisor.objects.filter(pk=sam.pk).exists()


def test_the_removal_picker_reads_a_bounded_number_of_queries(
    line, acme, admin, django_assert_max_num_queries
):
    client = signed_in(admin)
    params = {"replacing": line["Sam"].pk}
    with django_assert_max_num_queries(16) as few:
        offered(client, "supervisor", "chain", **params)
    # More candidates and more reports, in reporting lines of the same depth.
    for i in range(8):
        extra = acme.member(f"more{i}@acme.test", last_name="Chain", role="provider")
        actions.appoint_supervisor(extra, actor=admin)
        actions.update_staff(extra, {"supervisor": line["Xena" if i % 2 else "Sam"]}, actor=admin)
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = offered(client, "supervisor", "chain", **params)
    assert "more1@acme.test" in found and "more0@acme.test" not in found
