"""Removing a provider's dated hours or time off asks first, naming the provider, the dates and
the booked appointments concerned (those the reader may see); the removal happens on POST."""

from datetime import time

import pytest

from clinicorg.core.models import AuditEvent
from clinicorg.scheduling import actions
from clinicorg.scheduling.models import AvailabilityOverride, TimeOff
from tests.conftest import signed_in

from .conftest import at, booking, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday(acme):
    return next_weekday(acme.main)


@pytest.fixture
def override(acme, admin, provider, hours, monday):
    return actions.add_availability_override(
        provider,
        acme.main,
        {"date": monday, "start_time": time(12), "end_time": time(14)},
        actor=admin,
    )


def test_removing_dated_hours_asks_and_names_the_day_and_its_appointments(
    acme, admin, provider, visit, override, monday
):
    actions.book_appointment(
        booking(acme, provider, visit, at(acme.main, monday, 12, 30)), actor=admin
    )
    client = signed_in(admin)
    url = f"/staff/{provider.pk}/availability/overrides/{override.pk}/remove/"
    assert f'href="{url}"' in client.get(f"/staff/{provider.pk}/availability/").text
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    assert f"Remove Ada Lovelace’s hours on {monday:%b} {monday.day}?" in text
    assert f"{monday:%A}, {monday:%B} {monday.day}, {monday.year}, 12:00–14:00" in text
    assert f"The weekly hours at {acme.main.name} apply again that day: 09:00–17:00." in text
    assert f"1 booked appointment that day at {acme.main.name} stays booked" in text
    assert f"Pat Patient: {monday:%A}" in text and "12:30 PM–1:00 PM" in text
    assert AvailabilityOverride.objects.filter(pk=override.pk).exists()  # nothing changed yet

    assert client.post(url).status_code == 302
    assert not AvailabilityOverride.objects.filter(pk=override.pk).exists()
    assert AuditEvent.objects.filter(action="remove_availability_override").count() == 1


def test_other_hours_left_on_that_day_are_named(acme, admin, provider, override, monday):
    actions.add_availability_override(
        provider,
        acme.main,
        {"date": monday, "start_time": time(15), "end_time": time(16)},
        actor=admin,
    )
    page = signed_in(admin).get(
        f"/staff/{provider.pk}/availability/overrides/{override.pk}/remove/"
    )
    assert f"The other hours on that date at {acme.main.name} (15:00–16:00)" in page.text
    assert "No booked appointment that day" in page.text


def test_removing_time_off_asks_and_names_the_appointments_it_covers(
    acme, admin, provider, visit, monday
):
    # Mondays: Main until 10:30, then the Branch.
    actions.set_weekly_availability(
        provider, acme.main, {0: [(time(9), time(10, 30))]}, actor=admin
    )
    actions.set_weekly_availability(
        provider, acme.branch, {0: [(time(10, 30), time(17))]}, actor=admin
    )
    actions.book_appointment(booking(acme, provider, visit, at(acme.main, monday, 10)), actor=admin)
    for hour, minute, name in ((10, 30, "Bo Branch"), (15, 0, "Late Later")):
        actions.book_appointment(
            booking(
                acme,
                provider,
                visit,
                at(acme.branch, monday, hour, minute),
                location=acme.branch,
                patient_name=name,
            ),
            actor=admin,
        )
    off = actions.add_time_off(
        provider,
        {"starts_at": at(acme.main, monday, 9), "ends_at": at(acme.main, monday, 12)},
        actor=admin,
    )
    url = f"/staff/{provider.pk}/availability/time-off/{off.pk}/remove/"
    client = signed_in(admin)
    assert f'href="{url}"' in client.get(f"/staff/{provider.pk}/availability/").text
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    assert "Remove Ada Lovelace’s time off?" in text
    assert f"away from {monday:%A}, {monday:%B} {monday.day}, {monday.year}, 9:00 AM" in text
    assert "2 booked appointments in that time stay booked" in text
    assert "Pat Patient" in text and "Bo Branch" in text
    assert "Late Later" not in text  # after the time off
    assert "whose schedule you cannot see" not in text
    assert TimeOff.objects.filter(pk=off.pk).exists()

    # An administrator of Main alone manages the provider but does not see the Branch's
    # schedule: its appointment is neither named nor counted, and the page says why.
    main_admin = signed_in(acme.member("mainadmin@acme.test"))
    limited = main_admin.get(url).text
    assert "1 booked appointment in that time stays booked" in limited
    assert "Bo Branch" not in limited and acme.branch.name not in limited
    assert "Appointments at locations whose schedule you cannot see are not listed." in limited

    assert client.post(url).status_code == 302
    assert not TimeOff.objects.filter(pk=off.pk).exists()


def test_the_removal_questions_refuse_outsiders_and_members_without_permission(
    acme, admin, provider, override, outsider, frontdesk, monday
):
    off = actions.add_time_off(
        provider,
        {"starts_at": at(acme.main, monday, 9), "ends_at": at(acme.main, monday, 10)},
        actor=admin,
    )
    urls = [
        f"/staff/{provider.pk}/availability/overrides/{override.pk}/remove/",
        f"/staff/{provider.pk}/availability/time-off/{off.pk}/remove/",
    ]
    other = acme.member("other@acme.test", role="provider")
    for url in urls:
        assert signed_in(outsider).get(url).status_code == 404
        assert signed_in(frontdesk).get(url).status_code == 403
        assert signed_in(frontdesk).post(url).status_code == 403
    # Another provider's address does not reach these records.
    assert (
        signed_in(admin)
        .get(f"/staff/{other.pk}/availability/time-off/{off.pk}/remove/")
        .status_code
        == 404
    )
    assert AvailabilityOverride.objects.filter(pk=override.pk).exists()
    assert TimeOff.objects.filter(pk=off.pk).exists()
