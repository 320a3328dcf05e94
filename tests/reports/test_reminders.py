"""The daily reminder job: one digest per person per day, nothing outside their scope,
each send recorded and audited, emails dated in the organization's time zone."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from clinicorg.core import outbox
from clinicorg.core.models import AuditEvent
from clinicorg.reports.actions import send_license_reminders
from clinicorg.reports.models import ReminderDigest
from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from tests.conftest import ApiClient, signed_in

from .conftest import ALL_NUMBERS, EXPECTED


def _run(capture, *args):
    with capture(execute=True):
        call_command("reminders", "send", *args)


def test_each_person_gets_one_digest_of_their_scope(due, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == set(EXPECTED)
    for email, numbers in EXPECTED.items():
        body = by_person[email].body
        assert {n for n in ALL_NUMBERS if n in body} == numbers, email
        html = by_person[email].alternatives[0][0]
        assert {n for n in ALL_NUMBERS if n in html} == numbers, email


def test_running_the_job_twice_sends_nothing_more(due, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks)
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == len(EXPECTED)
    assert ReminderDigest.objects.count() == len(EXPECTED)
    assert AuditEvent.objects.filter(action="send_license_reminder").count() == len(EXPECTED)
    assert not ReminderDigest.objects.filter(sent_at__isnull=True).exists()


def test_the_next_days_digests_follow_the_windows(due, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    # Tomorrow nothing reaches a new stage (BRANCH-7 has 6 days left, BRANCH-OLD -15).
    tomorrow = (due["today"] + timedelta(days=1)).isoformat()
    _run(django_capture_on_commit_callbacks, "--date", tomorrow)
    assert mail.outbox == []
    # A week on, BRANCH-7 expires that day and BRANCH-OLD is three weeks expired: Branch's
    # readers and its provider hear again; Main's readers have nothing new.
    week = (due["today"] + timedelta(days=7)).isoformat()
    _run(django_capture_on_commit_callbacks, "--date", week)
    assert {m.to[0] for m in mail.outbox} == {
        "admin@acme.test",
        "manager@acme.test",
        "early@acme.test",
        "np@acme.test",
    }
    assert "expires TODAY" in mail.outbox[0].body


def test_a_license_is_announced_once_per_stage_and_never_beyond_the_largest_window(
    world, acme, django_capture_on_commit_callbacks
):
    today = org_today(acme.org)
    for number, days in (("CALM", 50), ("FAR", 120)):
        staff_actions.add_license(
            world["main_provider"],
            {"state": "CA", "number": number, "expires_on": today + timedelta(days)},
            actor=acme.system,
        )
    outbox.send_due()  # the world's invitations
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks)
    # CALM is within the 60-day window, which nobody was told of: told today, not tomorrow.
    assert {m.to[0] for m in mail.outbox} == {"admin@acme.test", "doc@acme.test"}
    assert "CALM" in mail.outbox[0].body and "FAR" not in mail.outbox[0].body
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, "--date", (today + timedelta(1)).isoformat())
    assert mail.outbox == []


def test_disabled_reminders_send_nothing(due, acme, admin, django_capture_on_commit_callbacks):
    signed_in(admin).post("/licenses/reminders/", {"windows": "30", "enabled": ""})
    _run(django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_digests_use_the_organizations_day_and_time_zone(
    due, acme, django_capture_on_commit_callbacks
):
    acme.org.timezone = "Pacific/Kiritimati"
    acme.org.save(update_fields=["timezone"])
    local_today = datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    with django_capture_on_commit_callbacks(execute=True):
        send_license_reminders(acme.org, actor=acme.system, today=due["today"])
    digest = ReminderDigest.objects.first()
    assert digest.day == due["today"]
    assert org_today(acme.org) == local_today
    body = mail.outbox[0].body
    assert "(Pacific/Kiritimati)" in body
    assert "+14" in body  # the sending time, in the organization's zone


def test_another_organizations_staff_are_never_told(
    due, globex, outsider, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    assert not [m for m in mail.outbox if m.to[0].endswith("@globex.test")]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_license_reminders(globex.org, actor=globex.system) == 0


def test_the_command_rejects_unknown_organizations_and_bad_dates(db):
    with pytest.raises(CommandError, match="No organization"):
        call_command("reminders", "send", "--org", "nowhere")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("reminders", "send", "--date", "tomorrow")


def test_the_celery_task_runs_the_same_job(due, django_capture_on_commit_callbacks):
    from clinicorg.reports.tasks import send_license_reminders as task

    with django_capture_on_commit_callbacks(execute=True):
        assert task.delay().get() == len(EXPECTED)
    assert len(mail.outbox) == len(EXPECTED)


def test_sent_digests_are_listed_for_those_who_may_see_the_recipient(
    due, world, admin, django_capture_on_commit_callbacks
):
    _run(django_capture_on_commit_callbacks)
    page = signed_in(admin).get("/licenses/reminders/")
    assert {d.email for d in page.context["page"]} == set(EXPECTED)
    limited = signed_in(world["manager"]).get("/licenses/reminders/")
    assert {d.email for d in limited.context["page"]} == {
        "manager@acme.test",
        "early@acme.test",
        "np@acme.test",
    }


def test_windows_are_set_per_organization_with_clear_errors(acme, admin, globex):
    api = ApiClient(acme.token())
    r = api.patch("/api/v1/reports/reminder-settings", {"windows": [0, 400]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "windows"
    r = api.patch("/api/v1/reports/reminder-settings", {"windows": [14, 45, 14]})
    assert r.status_code == 422
    r = api.patch("/api/v1/reports/reminder-settings", {"windows": [14, 45]})
    assert r.json() == {"enabled": True, "windows": [45, 14]}
    assert ApiClient(globex.token()).get("/api/v1/reports/reminder-settings").json()["windows"] == [
        90,
        60,
        30,
        7,
    ]
    page = signed_in(admin).post("/licenses/reminders/", {"windows": "soon", "enabled": "on"})
    assert page.status_code == 200 and "Write whole numbers" in page.content.decode()
    event = AuditEvent.objects.filter(action="update_reminder_settings").get()
    assert event.changes == {"windows": [[90, 60, 30, 7], [45, 14]]}


def test_a_digest_the_mail_server_refused_goes_out_with_a_run_after_its_back_off(
    due, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail import EmailMultiAlternatives
    from django.utils import timezone

    def refuse(self, *a, **kw):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as m:
        m.setattr(EmailMultiAlternatives, "send", refuse)
        _run(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert ReminderDigest.objects.filter(sent_at__isnull=True).count() == len(EXPECTED)
    # Within the back-off the next run records and sends nothing; after it, it sends them.
    _run(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    ReminderDigest.objects.update(next_send_at=timezone.now())
    _run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == len(EXPECTED)
    assert ReminderDigest.objects.count() == len(EXPECTED)
    assert not ReminderDigest.objects.filter(sent_at__isnull=True).exists()
