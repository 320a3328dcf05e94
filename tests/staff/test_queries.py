"""The staff filterset shared by the list page, the API and the export."""

import pytest

from clinicorg.directory import actions as directory
from clinicorg.staff.models import StaffMember, Status
from clinicorg.staff.queries import filter_staff, get_staff, scoped_staff


@pytest.fixture
def people(acme, admin):
    dept = directory.create_department("Cardiology", actor=admin)
    pos = directory.create_position("Nurse", actor=admin)
    cat = directory.create_employee_category("Part-time", actor=admin)
    return {
        "ann": acme.member(
            "ann.zed@acme.test",
            first_name="Ann",
            last_name="Zed",
            role="provider",
            employee_id="E-100",
            department=dept,
            position=pos,
            category=cat,
        ),
        "bob": acme.member(
            "bob@acme.test",
            first_name="Bob",
            last_name="Young",
            role="front_desk",
            location=acme.branch,
        ),
        "gone": acme.member(
            "gone@acme.test", first_name="Gus", last_name="Gone", status=Status.DEACTIVATED
        ),
        "dept": dept,
        "pos": pos,
        "cat": cat,
    }


def staff_for(actor, **filters):
    """The staff list's query: the actor's scope, then the one filter."""
    return filter_staff(scoped_staff(actor), **filters)


def emails(qs):
    return [m.email for m in qs]


def test_search_matches_name_email_and_employee_id(admin, people):
    assert emails(staff_for(admin, q="zed")) == ["ann.zed@acme.test"]
    assert emails(staff_for(admin, q="Ann Zed")) == ["ann.zed@acme.test"]
    assert emails(staff_for(admin, q="bob@")) == ["bob@acme.test"]
    assert emails(staff_for(admin, q="e-100")) == ["ann.zed@acme.test"]


def test_deactivated_members_show_only_when_asked(admin, people):
    assert "gone@acme.test" not in emails(staff_for(admin))
    assert emails(staff_for(admin, status="deactivated")) == ["gone@acme.test"]
    assert "gone@acme.test" in emails(staff_for(admin, status="all"))


def test_filters_by_location_role_department_position_and_category(acme, admin, people):
    assert emails(staff_for(admin, location=acme.branch.pk)) == ["bob@acme.test"]
    assert emails(staff_for(admin, role=acme.roles["provider"].pk)) == ["ann.zed@acme.test"]
    for key in ("dept", "pos", "cat"):
        field = {"dept": "department", "pos": "position", "cat": "category"}[key]
        assert emails(staff_for(admin, **{field: people[key].pk})) == ["ann.zed@acme.test"]


def test_unusable_filter_values_match_nothing_rather_than_fail(admin, people):
    assert list(staff_for(admin, location="abc")) == []
    assert list(staff_for(admin, status="retired")) == []


def test_sorting_by_a_column_and_descending(admin, people):
    names = [m.last_name for m in staff_for(admin, sort="-name")]
    assert names == sorted(names, reverse=True)
    assert [m.email for m in staff_for(admin, sort="email")] == sorted(
        m.email for m in staff_for(admin)
    )
    assert list(staff_for(admin, sort="nonsense"))  # falls back to name order


def test_another_organizations_staff_are_invisible(admin, outsider, people):
    assert "admin@globex.test" not in emails(staff_for(admin, status="all"))
    from django.http import Http404

    with pytest.raises(Http404):
        get_staff(admin, outsider.pk)


def test_a_location_scoped_admin_sees_only_staff_of_their_locations(acme, people):
    scoped = acme.member("scoped@acme.test", location=acme.branch)
    assert set(emails(staff_for(scoped))) == {"bob@acme.test", "scoped@acme.test"}


def test_filter_staff_works_on_any_queryset(acme, people):
    assert emails(filter_staff(StaffMember.objects.all(), q="young")) == ["bob@acme.test"]


def test_the_list_query_count_is_constant(acme, admin, people, django_assert_num_queries):
    for i in range(20):
        acme.member(f"p{i}@acme.test", role="provider", department=people["dept"])
    with django_assert_num_queries(1):
        rows = list(staff_for(admin))
        shown = [
            (m.primary_location.name, m.role.name, m.department, m.position, m.category)
            for m in rows
        ]
        shown += [m.supervisor for m in rows]
    assert len(rows) > 20
