"""The public self-scheduling page: off until enabled; location -> visit type -> provider ->
time -> details -> review -> confirm; email with a single-use cancel link; throttled and
CSRF-protected; nothing of another organization or of non-bookable staff leaves the system."""

import re
from datetime import time

import pytest
from django.core import mail
from django.test import Client

from clinicorg.scheduling import actions
from clinicorg.scheduling.models import Appointment
from clinicorg.staff.actions import update_credentials
from clinicorg.staff.models import TaxonomyCode

from .conftest import WEEKDAYS_9_TO_5, next_weekday

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def online(acme, provider, visit, hours):
    TaxonomyCode.objects.create(
        code="207Q00000X", display_name="Family Medicine Physician", version="25.1"
    )
    update_credentials(
        provider,
        {
            "taxonomy_codes": ["207Q00000X"],
            "bio": "Ada loves **families**.<script>alert(1)</script>",
        },
        actor=acme.system,
    )
    actions.update_scheduling_settings(
        acme.org.pk,
        {"online_booking_enabled": True, "minimum_notice_minutes": 60},
        actor=acme.system,
    )
    return provider


def test_the_page_is_off_until_enabled(acme, provider, visit, hours):
    assert Client().get("/book/acme/").status_code == 404
    assert Client().get("/book/nowhere/").status_code == 404


def test_a_patient_books_and_cancels_through_the_link(
    acme, online, visit, django_capture_on_commit_callbacks
):
    client = Client()
    page = client.get("/book/acme/").content.decode()
    # One location and one online visit type: straight to the provider cards.
    assert "Choose a provider" in page and "Ada Lovelace" in page
    assert "Family Medicine Physician" in page and "<strong>families</strong>" in page
    assert "<script" not in page and "Next available" in page
    times = client.get(
        "/book/acme/", {"location": acme.main.pk, "visit_type": visit.pk, "provider": online.pk}
    ).content.decode()
    assert "Times are in America/New_York" in times
    details_url = re.search(r'href="(/book/acme/details/\?[^"]+)"', times).group(1)
    details_url = details_url.replace("&amp;", "&")
    form = client.get(details_url).content.decode()
    params = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    r = client.post(details_url, {**params, "patient_name": "Pat", "patient_email": "bad"})
    assert "Enter a valid email address." in r.content.decode()
    details = {**params, "patient_name": "Pat Doe", "patient_email": "pat@example.test"}
    review = client.post(details_url, details).content.decode()
    assert "Check and confirm" in review and "Pat Doe" in review
    assert not Appointment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(details_url, {**details, "confirm": "1"}, follow=True)
    assert "You’re booked" in r.content.decode()
    appt = Appointment.objects.get()
    assert appt.source == "online" and appt.patient_email == "pat@example.test"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["pat@example.test"]
    link = re.search(r"http://[^/]+(/book/cancel/[\w-]+/)", mail.outbox[0].body).group(1)
    assert "Cancel this appointment" in client.get(link).content.decode()
    r = client.post(link)
    assert "Your appointment is cancelled." in r.content.decode()
    assert Appointment.objects.get().status == "cancelled"
    assert "This appointment was cancelled." in client.get(link).content.decode()
    assert client.get("/book/cancel/not-a-token/").status_code == 404


def test_nothing_of_other_organizations_or_non_bookable_staff_leaks(
    acme, globex, online, visit, provider
):
    # A provider with hours at Main who offers only a visit type not bookable online.
    hidden = acme.member("hidden@acme.test", role="provider", first_name="Hidden", last_name="Doc")
    actions.set_weekly_availability(hidden, acme.main, WEEKDAYS_9_TO_5, actor=acme.system)
    actions.create_visit_type(
        {"name": "Internal", "duration_minutes": 15, "providers": [hidden]}, actor=acme.system
    )
    # Another organization's provider, bookable online there.
    other = globex.member(
        "other@globex.test", role="provider", first_name="Globex", last_name="Doc"
    )
    actions.set_weekly_availability(other, globex.main, WEEKDAYS_9_TO_5, actor=globex.system)
    other_visit = actions.create_visit_type(
        {
            "name": "Globex visit",
            "duration_minutes": 30,
            "online_bookable": True,
            "providers": [other],
        },
        actor=globex.system,
    )
    client = Client()
    pages = [
        client.get("/book/acme/").content.decode(),
        client.get(
            "/book/acme/", {"location": acme.main.pk, "visit_type": visit.pk}
        ).content.decode(),
        client.get(
            "/book/acme/",
            {"location": acme.main.pk, "visit_type": visit.pk, "provider": provider.pk},
        ).content.decode(),
    ]
    for page in pages:
        for secret in ("Hidden", "Internal", "Globex", "@acme.test", "@globex.test", "Tester"):
            assert secret not in page, secret
        assert f"provider={hidden.pk}" not in page
    # Asking for them by id finds nothing.
    assert (
        client.get(
            "/book/acme/details/",
            {"location": acme.main.pk, "visit_type": visit.pk, "provider": hidden.pk, "start": "x"},
        ).status_code
        == 404
    )
    assert (
        client.get("/book/acme/", {"location": globex.main.pk, "visit_type": other_visit.pk})
        .content.decode()
        .count("Globex")
        == 0
    )


def test_posts_need_csrf_and_are_throttled(acme, online, visit, settings):
    day = next_weekday(acme.main)
    from .conftest import at

    params = {
        "location": acme.main.pk,
        "visit_type": visit.pk,
        "provider": online.pk,
        "start": at(acme.main, day, 9).isoformat(),
        "patient_name": "Pat",
        "patient_email": "pat@example.test",
    }
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/book/acme/details/", params).status_code == 403
    settings.THROTTLE_BOOKING_POSTS = (2, 3600)
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.post("/book/acme/details/", params).status_code for _ in range(3)]
    assert codes == [200, 200, 429]

    # Behind the site's proxy every patient arrives from its address: each is counted by the
    # address the proxy forwarded, as the audit log reads it, not all of them together.
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(patient):
        return Client(REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=patient)

    first = [via_proxy("198.51.100.1").post("/book/acme/details/", params) for _ in range(3)]
    assert [r.status_code for r in first] == [200, 200, 429]
    assert via_proxy("198.51.100.2").post("/book/acme/details/", params).status_code == 200


def test_a_full_provider_shows_the_next_day_with_room(acme, admin, online, visit):
    from datetime import timedelta

    from django.utils import timezone

    from .conftest import at
    from .conftest import booking as data

    day = next_weekday(acme.main)
    actions.set_weekly_availability(
        online, acme.main, {0: [(time(9), time(9, 30))], 1: [(time(9), time(9, 30))]}, actor=admin
    )
    # Away until that Monday, which then fills up.
    actions.add_time_off(
        online, {"starts_at": timezone.now(), "ends_at": at(acme.main, day, 0)}, actor=admin
    )
    actions.book_appointment(data(acme, online, visit, at(acme.main, day, 9)), actor=admin)
    body = Client().get("/book/acme/", {"location": acme.main.pk, "visit_type": visit.pk})
    body = body.content.decode()
    tuesday = day + timedelta(days=1)
    assert f"Next available: <strong>{tuesday:%A}, {tuesday:%B} {tuesday.day}" in body
    assert f"{day:%A}, {day:%B} {day.day}," not in body
