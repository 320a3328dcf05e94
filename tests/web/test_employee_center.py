"""The Employee Center for hundreds of people: page numbers and sizes, one line per member,
bulk actions behind a confirmation that names the count, deactivation from the row, and the
last status change with its reason on the profile."""

import csv
import io
import re

import pytest

from clinicorg.core.models import AuditEvent
from clinicorg.staff import actions
from clinicorg.staff.models import Invitation, StaffMember, Status
from tests.conftest import signed_in
from tests.staff.conftest import make_invited

BULK = "/staff/bulk/"


@pytest.fixture
def crowd(acme):
    return [
        acme.member(f"crowd{i:03d}@acme.test", last_name=f"Crowd{i:03d}", role="front_desk")
        for i in range(60)
    ]


def rows(response) -> int:
    return len(re.findall(r'name="ids" value="\d+"', response.text))


# Pages and sizes


def test_the_list_has_page_numbers_and_keeps_the_filters_in_them(crowd, admin_client):
    page = admin_client.get("/staff/", {"q": "crowd", "per": "25"})
    assert rows(page) == 25
    assert 'aria-current="page">1<' in page.text
    assert "q=crowd&amp;per=25&amp;page=3" in page.text
    third = admin_client.get("/staff/", {"q": "crowd", "per": "25", "page": "3"})
    assert rows(third) == 10
    assert "51–60 of 60" in third.text


@pytest.mark.parametrize("per, shown", [("100", 61), ("7", 50), ("x", 50), ("", 50)])
def test_the_page_size_is_one_of_the_offered_sizes(crowd, admin_client, per, shown):
    # 60 crowd members and the administrator; an unknown size reads as the default.
    assert rows(admin_client.get("/staff/", {"per": per})) == shown


def test_long_values_are_truncated_with_the_whole_value_in_the_title(acme, admin_client):
    long = "a.very.long.address.that.would.wrap.mid.word@clinic-with-a-long-name.example"
    acme.member(long, last_name="Longmail")
    page = admin_client.get("/staff/", {"q": "Longmail"})
    assert f'class="trunc wide" href="mailto:{long}" title="{long}"' in page.text


# Deactivating from the row


def test_a_rows_deactivate_link_asks_for_a_confirmation_naming_the_member(
    acme, admin_client, crowd
):
    member = crowd[0]
    listed = admin_client.get("/staff/", {"q": member.last_name})
    link = re.search(
        r'href="(/staff/bulk/\?action=status&amp;status=deactivated[^"]+)"', listed.text
    )
    assert link, listed.text
    confirm = admin_client.get(link.group(1).replace("&amp;", "&"))
    assert confirm.status_code == 200
    assert "Deactivate 1 staff member?" in confirm.text
    assert member.email in confirm.text
    member.refresh_from_db()
    assert member.status == Status.ACTIVE  # nothing happens before the confirmation


def test_confirming_without_a_reason_asks_for_one_and_changes_nothing(admin_client, crowd):
    member = crowd[0]
    response = admin_client.post(
        BULK, {"action": "status", "status": "deactivated", "ids": member.pk, "confirm": "yes"}
    )
    assert response.status_code == 422
    assert "Say why the status changes" in response.text
    member.refresh_from_db()
    assert member.status == Status.ACTIVE


def test_deactivating_from_the_row_and_the_reason_on_the_profile(admin, admin_client, crowd):
    member = crowd[0]
    response = admin_client.post(
        BULK,
        {
            "action": "status",
            "status": "deactivated",
            "ids": str(member.pk),
            "reason": "Moved to another practice",
            "confirm": "yes",
            "next": "/staff/?q=crowd",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/?q=crowd"
    member.refresh_from_db()
    assert member.status == Status.DEACTIVATED
    event = AuditEvent.objects.get(action="deactivate_staff", target_id=str(member.pk))
    assert event.changes["reason"] == [None, "Moved to another practice"]
    profile = admin_client.get(f"/staff/{member.pk}/")
    assert "Last change: Active → Deactivated" in profile.text
    assert "Reason: “Moved to another practice”" in profile.text
    assert admin.email in profile.text


def test_the_row_offers_no_deactivation_of_oneself(admin, admin_client):
    page = admin_client.get("/staff/", {"q": admin.email})
    assert f"ids={admin.pk}&amp;" not in page.text


# Bulk status changes


def test_a_bulk_status_change_confirms_the_count_then_changes_each_member(
    admin, admin_client, crowd, acme
):
    pending = acme.member("pending@acme.test", status=Status.PENDING)
    chosen = [*crowd[:3], pending]
    ids = [m.pk for m in chosen]
    confirm = admin_client.post(BULK, {"action": "status", "status": "on_leave", "ids": ids})
    assert confirm.status_code == 200
    assert "Set to On leave 4 staff members?" in confirm.text
    assert "Set 4 to On leave" in confirm.text
    done = admin_client.post(
        BULK,
        {
            "action": "status",
            "status": "on_leave",
            "ids": ",".join(map(str, ids)),
            "reason": "Clinic closed for renovation",
            "confirm": "yes",
        },
        follow=True,
    )
    assert "3 staff members now On leave." in done.text
    # The pending member is refused by the status machine, with its own message.
    assert "A pending member cannot become on leave." in done.text
    statuses = dict(StaffMember.objects.filter(pk__in=ids).values_list("email", "status"))
    assert statuses == {**{m.email: "on_leave" for m in crowd[:3]}, "pending@acme.test": "pending"}
    assert AuditEvent.objects.filter(action="change_staff_status").count() == 3


def test_the_bulk_change_applies_the_last_administrator_rule_to_each_member(acme, frontdesk):
    sole = acme.member("sole@acme.test")  # with `admin` absent: two administrators
    other = acme.member("other@acme.test")
    actor = acme.member("actor@acme.test", all_locations=True)
    client = signed_in(actor)
    response = client.post(
        BULK,
        {
            "action": "status",
            "status": "deactivated",
            "ids": [sole.pk, other.pk],
            "reason": "Test",
            "confirm": "yes",
        },
        follow=True,
    )
    assert "2 staff members now Deactivated." in response.text
    refused = client.post(
        BULK,
        {
            "action": "status",
            "status": "deactivated",
            "ids": [actor.pk],
            "reason": "Test",
            "confirm": "yes",
        },
        follow=True,
    )
    assert "You cannot change your own status" in refused.text
    actor.refresh_from_db()
    assert actor.status == Status.ACTIVE


def test_choosing_no_member_or_no_status_is_explained(admin_client, crowd):
    nothing = admin_client.post(BULK, {"action": "status", "status": "on_leave"}, follow=True)
    assert "Tick at least one member first." in nothing.text
    no_status = admin_client.post(BULK, {"action": "status", "ids": crowd[0].pk}, follow=True)
    assert "Choose the new status." in no_status.text


# Scope


def test_a_location_limited_admin_cannot_act_on_members_outside_its_locations(acme, crowd):
    branch_admin = acme.member("branchadmin@acme.test", location=acme.branch)
    client = signed_in(branch_admin)
    outside = crowd[0]  # at Main
    response = client.post(
        BULK,
        {
            "action": "status",
            "status": "deactivated",
            "ids": outside.pk,
            "reason": "x",
            "confirm": "yes",
        },
        follow=True,
    )
    assert "None of the chosen members is one you can see." in response.text
    assert outside.email not in response.text
    outside.refresh_from_db()
    assert outside.status == Status.ACTIVE


def test_another_organizations_member_is_never_acted_on(admin_client, outsider):
    response = admin_client.post(
        BULK,
        {"action": "status", "status": "suspended", "ids": outsider.pk, "reason": "x"},
        follow=True,
    )
    assert "None of the chosen members is one you can see." in response.text
    outsider.refresh_from_db()
    assert outsider.status == Status.ACTIVE


def test_bulk_actions_need_the_manage_staff_permission(frontdesk, crowd):
    response = signed_in(frontdesk).post(
        BULK, {"action": "status", "status": "suspended", "ids": crowd[0].pk}
    )
    assert response.status_code == 403


# Resend and export


def test_bulk_resend_issues_new_links_to_pending_members_and_names_the_others(
    acme, admin, admin_client, crowd, django_capture_on_commit_callbacks
):
    one = make_invited(acme, admin, django_capture_on_commit_callbacks, "one@acme.test")
    two = make_invited(acme, admin, django_capture_on_commit_callbacks, "two@acme.test")
    ids = [one.pk, two.pk, crowd[0].pk]
    confirm = admin_client.post(BULK, {"action": "resend", "ids": ids})
    assert "Resend invitations to 3 staff members?" in confirm.text
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            BULK, {"action": "resend", "ids": ids, "confirm": "yes"}, follow=True
        )
    assert "2 staff members sent a new invitation." in done.text
    assert f"{crowd[0].full_name}: " in done.text
    assert Invitation.objects.filter(staff=one).count() == 2
    assert Invitation.objects.filter(staff=two).count() == 2
    assert not Invitation.objects.filter(staff=crowd[0]).exists()


def test_exporting_the_selection_downloads_exactly_the_chosen_members(admin_client, crowd):
    chosen = [crowd[2], crowd[5], crowd[7]]
    response = admin_client.post(BULK, {"action": "export", "ids": [m.pk for m in chosen]})
    assert response.status_code == 302
    download = admin_client.get(response["Location"] + "&format=csv")
    assert download.status_code == 200
    rows_ = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    emails = sorted(r.get("email") or r.get("Email") for r in rows_)
    assert emails == sorted(m.email for m in chosen)


def test_the_bulk_change_goes_through_the_per_member_action(admin, crowd):
    outcome = actions.change_staff_statuses(crowd[:2], "suspended", "Audit", actor=admin)
    assert [m.pk for m in outcome.done] == [crowd[0].pk, crowd[1].pk]
    assert outcome.refused == []
    again = actions.change_staff_statuses(crowd[:1], "suspended", "Audit", actor=admin)
    assert again.done == []
    assert again.refused[0][1].endswith("is already Suspended.")


def test_the_location_filter_lists_each_visible_location_escaped_and_keeps_the_choice(
    acme, admin_client
):
    """The Employee Center's location filter is written as the license page's (one tag):
    every location the reader may see, names escaped, inactive ones said so, the choice kept."""
    from clinicorg.directory import actions as directory

    odd = directory.create_location(
        {"name": '<b>"Odd" & Sons</b>', "code": "ODD"}, actor=acme.system
    )
    directory.set_location_status(odd, "inactive", actor=acme.system)
    page = admin_client.get(f"/staff/?location={acme.branch.pk}").content.decode()
    escaped = "&lt;b&gt;&quot;Odd&quot; &amp; Sons&lt;/b&gt; (inactive)"
    assert f'<option value="{odd.pk}">{escaped}</option>' in page
    assert f'<option value="{acme.branch.pk}" selected>{acme.branch.name}</option>' in page
    assert '<b>"Odd"' not in page
