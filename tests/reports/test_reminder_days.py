"""When a license is announced: no license expires without its provider and its location's
manager having been told, whichever days the daily job ran; and nobody is told the same
thing twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from clinicorg.reports.models import LicenseAnnouncement, ReminderDigest
from clinicorg.reports.queries import org_today, reminder_stage
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.actions import set_location_managers

NUMBER = "CA-LIC-1"


@pytest.fixture
def branch(acme):
    """A provider at Branch, Branch's manager (a Front Desk member), and an administrator."""
    provider = acme.member("prov@acme.test", role="provider", location=acme.branch)
    manager = acme.member("mgr@acme.test", role="front_desk", location=acme.branch)
    set_location_managers(acme.branch, [manager.pk], actor=acme.system)
    boss = acme.member("boss@acme.test", all_locations=True)
    return {"provider": provider, "manager": manager, "boss": boss, "today": org_today(acme.org)}


def _license(acme, member, expires_on, number=NUMBER):
    return staff_actions.add_license(
        member, {"state": "CA", "number": number, "expires_on": expires_on}, actor=acme.system
    )


def _run(capture, day) -> dict[str, list[str]]:
    """The daily job on `day`; what each person was told was new: {email: [numbers]}."""
    mail.outbox.clear()
    before = list(ReminderDigest.objects.values_list("pk", flat=True))
    with capture(execute=True):
        call_command("reminders", "send", "--date", day.isoformat())
    told = {}
    for digest in ReminderDigest.objects.exclude(pk__in=before):
        told[digest.email] = [i["number"] for i in digest.items if i["announced"]]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(told)
    return told


def test_stages_are_the_windows_the_expiry_week_and_each_week_after():
    windows = [90, 60, 30, 7]
    assert [reminder_stage(left, windows) for left in (120, 91, 90, 61, 45, 31, 8, 7, 1)] == [
        None,
        None,
        90,
        90,
        60,
        60,
        30,
        7,
        7,
    ]
    assert [reminder_stage(left, windows) for left in (0, -6, -7, -13, -14)] == [0, 0, -1, -1, -2]


def test_a_license_that_reaches_a_window_on_a_skipped_day_is_told_at_the_next_run(
    acme, branch, django_capture_on_commit_callbacks
):
    today = branch["today"]
    _license(acme, branch["provider"], today + timedelta(days=10))
    first = _run(django_capture_on_commit_callbacks, today)  # 10 days left: the 30-day window
    assert first == {e: [NUMBER] for e in ("prov@acme.test", "mgr@acme.test", "boss@acme.test")}
    # The job did not run on the day it reached 7 days; five days before its expiry it does.
    later = _run(django_capture_on_commit_callbacks, today + timedelta(days=5))
    assert later == first
    assert "(in 5 days)" in mail.outbox[0].body


def test_a_license_whose_expiry_day_was_skipped_is_told_it_expired_at_the_next_run(
    acme, branch, django_capture_on_commit_callbacks
):
    today = branch["today"]
    _license(acme, branch["provider"], today + timedelta(days=3))
    assert _run(django_capture_on_commit_callbacks, today)  # 3 days left: the 7-day window
    after = _run(django_capture_on_commit_callbacks, today + timedelta(days=5))
    assert set(after) == {"prov@acme.test", "mgr@acme.test", "boss@acme.test"}
    assert "EXPIRED on" in mail.outbox[0].body


def test_nobody_is_told_the_same_stage_twice(acme, branch, django_capture_on_commit_callbacks):
    today = branch["today"]
    _license(acme, branch["provider"], today + timedelta(days=6))
    assert _run(django_capture_on_commit_callbacks, today)
    for days in range(1, 6):  # still the 7-day window
        assert _run(django_capture_on_commit_callbacks, today + timedelta(days=days)) == {}
    # Its expiry day is the next stage; the week after it expired, the next.
    assert _run(django_capture_on_commit_callbacks, today + timedelta(days=6))
    assert _run(django_capture_on_commit_callbacks, today + timedelta(days=12)) == {}
    assert _run(django_capture_on_commit_callbacks, today + timedelta(days=13))
    assert LicenseAnnouncement.objects.count() == 3


def test_a_license_beyond_every_window_is_not_told(
    acme, branch, django_capture_on_commit_callbacks
):
    _license(acme, branch["provider"], branch["today"] + timedelta(days=91))
    assert _run(django_capture_on_commit_callbacks, branch["today"]) == {}
    assert not ReminderDigest.objects.exists() and not LicenseAnnouncement.objects.exists()


@pytest.mark.parametrize(
    "run_days_left",
    [
        (40, 33, 20, 9, 3),  # never on a window day
        (2,),  # the job ran once, two days before
        (95, 89, 59, 29, 6, 0),  # only on the day after each window, and the expiry day
        (0,),  # only on the expiry day itself
    ],
)
def test_no_license_expires_without_its_provider_and_manager_having_been_told(
    acme, branch, django_capture_on_commit_callbacks, run_days_left
):
    today = branch["today"]
    expires_on = today + timedelta(days=run_days_left[0])
    _license(acme, branch["provider"], expires_on)
    told_on = {}
    for left in run_days_left:
        day = expires_on - timedelta(days=left)
        for email, numbers in _run(django_capture_on_commit_callbacks, day).items():
            if NUMBER in numbers:
                told_on.setdefault(email, day)
    for person in ("provider", "manager"):
        assert told_on[branch[person].email] <= expires_on, person


def test_someone_who_already_had_todays_digest_hears_of_a_new_license_tomorrow(
    acme, branch, django_capture_on_commit_callbacks
):
    today = branch["today"]
    _license(acme, branch["provider"], today + timedelta(days=30), number="FIRST")
    assert set(_run(django_capture_on_commit_callbacks, today)) == {
        "prov@acme.test",
        "mgr@acme.test",
        "boss@acme.test",
    }
    # A license added after today's digests went: one digest a day, so tomorrow.
    _license(acme, branch["provider"], today + timedelta(days=20), number="SECOND")
    assert _run(django_capture_on_commit_callbacks, today) == {}
    tomorrow = _run(django_capture_on_commit_callbacks, today + timedelta(days=1))
    assert tomorrow == {
        e: ["SECOND"] for e in ("prov@acme.test", "mgr@acme.test", "boss@acme.test")
    }
