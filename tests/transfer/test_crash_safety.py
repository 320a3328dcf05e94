"""Import jobs survive crashes: taken up once, reaped when their worker dies, retried on request.

A worker's death is played by the state it leaves behind (a job held by a worker that stopped
beating); the production-profile test kills real workers.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from clinicorg.celery import app
from clinicorg.core.models import AuditEvent
from clinicorg.staff.models import Invitation, StaffMember
from clinicorg.transfer import actions, tasks
from clinicorg.transfer.models import ImportJob, Phase, State
from tests.conftest import signed_in

from .conftest import csv_bytes, staff_row

ROWS = [staff_row(n, **{"Send invitation": "yes"}) for n in range(1, 4)]
EMAILS = [r["Email"] for r in ROWS]


def _queued(admin, *, commit=True) -> ImportJob:
    return actions.start_import(
        csv_bytes(ROWS), "s.csv", "staff", actor=admin, commit=commit, run=False
    )


def _abandoned(admin, *, attempts=1, commit=True) -> ImportJob:
    """A job its worker took up and then stopped beating for (killed, or its host lost)."""
    job = _queued(admin, commit=commit)
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.COMMITTING if commit else State.RUNNING,
        phase=Phase.WRITING,
        worker="lost-host:4242",
        attempts=attempts,
        started_at=timezone.now() - timedelta(hours=1),
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    return job


def _sent_tasks(monkeypatch) -> list:
    """The import tasks handed to the broker, as (job id, request id)."""
    sent = []
    monkeypatch.setattr(
        tasks.run_import, "apply_async", lambda args, *a, **kw: sent.append(tuple(args))
    )
    return sent


@pytest.fixture
def broker(settings, monkeypatch):
    """Tasks go to an in-memory broker instead of running inline, as with REDIS_URL."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    return _sent_tasks(monkeypatch)


def test_the_celery_task_is_acknowledged_only_when_it_ends_and_requeued_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_a_task_delivered_twice_runs_its_job_once(acme, admin):
    job = _queued(admin)
    assert tasks.run_import.run(job.pk) == State.COMMITTED
    assert tasks.run_import.run(job.pk) == State.COMMITTED
    assert StaffMember.objects.filter(email__in=EMAILS).count() == 3
    assert Invitation.objects.filter(staff__email__in=EMAILS).count() == 3
    assert ImportJob.objects.get(pk=job.pk).attempts == 1


def test_members_their_invitations_and_the_committed_job_are_written_together(acme, admin):
    job = _queued(admin)
    tasks.run_import.run(job.pk)
    job.refresh_from_db()
    assert job.state == State.COMMITTED and job.file_path == "" and job.invitations == 3
    members = StaffMember.objects.filter(email__in=EMAILS)
    assert all(m.invitations.filter(superseded_at__isnull=True).count() == 1 for m in members)


def test_an_import_whose_invitations_cannot_be_issued_writes_nothing(acme, admin, monkeypatch):
    from clinicorg.staff.actions import lifecycle

    def refuse(members, *, actor):
        raise RuntimeError("the database went away while issuing invitations")

    monkeypatch.setattr(lifecycle, "issue_invitations", refuse)
    job = _queued(admin)
    tasks.run_import.run(job.pk)
    job.refresh_from_db()
    assert job.state == State.FAILED and job.message.startswith("Nothing was imported")
    assert job.can_retry
    assert not StaffMember.objects.filter(email__in=EMAILS).exists()


def test_a_job_whose_worker_died_is_queued_again_and_dispatched(acme, admin, broker):
    job = _abandoned(admin)
    assert ImportJob.objects.get(pk=job.pk).stalled
    assert actions.reap_import_jobs() == {"requeued": 1, "failed": 0, "dispatched": 1}
    job.refresh_from_db()
    assert job.state == State.QUEUED and job.worker == "" and job.dispatched_at is not None
    assert broker == [(job.pk, job.request_id)]
    # The worker that takes it up runs it from the start, once.
    assert tasks.run_import.run(job.pk) == State.COMMITTED
    job.refresh_from_db()
    assert job.attempts == 2
    assert StaffMember.objects.filter(email__in=EMAILS).count() == 3


def test_a_job_still_beating_is_left_alone(acme, admin, broker):
    job = _abandoned(admin)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert actions.reap_import_jobs() == {"requeued": 0, "failed": 0, "dispatched": 0}
    assert ImportJob.objects.get(pk=job.pk).state == State.COMMITTING


def test_a_job_whose_worker_keeps_dying_is_failed_after_the_last_attempt(
    acme, admin, broker, settings
):
    job = _abandoned(admin, attempts=settings.IMPORT_MAX_ATTEMPTS)
    assert actions.reap_import_jobs()["failed"] == 1
    job.refresh_from_db()
    assert job.state == State.FAILED and "stopped reporting progress" in job.message
    assert job.can_retry and broker == []


def test_without_a_broker_the_purge_fails_a_dead_job_and_its_upload_goes_in_turn(acme, admin):
    job = _abandoned(admin)
    call_command("imports", "purge", stdout=StringIO())
    job.refresh_from_db()
    assert job.state == State.FAILED and job.file_path
    call_command("imports", "purge", "--older-than", "0", stdout=StringIO())
    job.refresh_from_db()
    assert job.file_purged_at is not None and not job.can_retry


def test_a_job_no_worker_ever_took_up_is_failed_by_the_purge_and_its_upload_purged(
    acme, admin, settings
):
    job = _queued(admin)
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=40))
    out = StringIO()
    call_command("imports", "purge", stdout=out)
    job.refresh_from_db()
    assert job.state == State.FAILED and "no worker took the import up" in job.message
    assert job.file_purged_at is not None and out.getvalue().startswith("Deleted 1 file")


def test_an_upload_while_the_broker_is_down_stays_queued_and_is_dispatched_later(
    api, acme, dead_broker, monkeypatch
):
    response = api.client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("s.csv", csv_bytes(ROWS)), "kind": "staff"},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "queued" and body["finished"] is False
    job = ImportJob.objects.get(pk=body["id"])
    assert job.dispatched_at is None
    # The broker is back: the reaper dispatches it.
    sent = _sent_tasks(monkeypatch)
    assert actions.reap_import_jobs()["dispatched"] == 1
    assert sent == [(job.pk, job.request_id)]


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (State.QUEUED, "in_progress"),
        (State.RUNNING, "in_progress"),
        (State.COMMITTING, "in_progress"),
        (State.FAILED, "failed"),
        (State.INVALID, "not_committable"),
    ],
)
def test_committing_a_job_that_is_not_ready_says_what_it_is(api, acme, admin, state, code):
    job = _queued(admin, commit=False)
    ImportJob.objects.filter(pk=job.pk).update(state=state)
    response = api.post(f"/api/v1/imports/{job.pk}/commit")
    assert response.status_code == 409
    assert response.json()["error"] == code
    if state != State.INVALID:
        assert "Fix the errors" not in response.json()["message"]


def test_a_failed_import_is_retried_from_the_api(api, acme, admin):
    job = _abandoned(admin, attempts=3)
    actions.reap_import_jobs()  # no broker here: the dead job is failed
    body = api.get(f"/api/v1/imports/{job.pk}").json()
    assert body["state"] == "failed" and body["can_retry"] and not body["can_commit"]
    response = api.post(f"/api/v1/imports/{job.pk}/retry")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "committed" and response.json()["message"] == ""
    assert StaffMember.objects.filter(email__in=EMAILS).count() == 3
    assert AuditEvent.objects.filter(action="retry_import", target_id=str(job.pk)).exists()
    again = api.post(f"/api/v1/imports/{job.pk}/retry")
    assert again.status_code == 409 and again.json()["error"] == "not_failed"


def test_a_failed_dry_run_is_retried_as_a_dry_run_from_the_page(acme, admin):
    job = _abandoned(admin, commit=False)
    actions.reap_import_jobs()
    client = signed_in(admin)
    page = client.get(f"/imports/{job.pk}/")
    assert b"Retry" in page.content and b"stopped reporting progress" in page.content
    response = client.post(f"/imports/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == State.VALID
    assert not StaffMember.objects.filter(email__in=EMAILS).exists()


def test_a_failed_import_is_retried_from_the_command_line(acme, admin):
    job = _abandoned(admin)
    actions.reap_import_jobs()
    out = StringIO()
    call_command("imports", "retry", str(job.pk), "--org", acme.org.slug, stdout=out)
    assert out.getvalue().startswith(f"Import {job.pk}: committed")
    with pytest.raises(CommandError, match="Only a failed import can be retried"):
        call_command("imports", "retry", str(job.pk), "--org", acme.org.slug, stdout=out)


def test_an_import_whose_upload_was_purged_cannot_be_retried(api, acme, admin):
    job = _abandoned(admin)
    actions.reap_import_jobs()
    actions.purge_import_files(older_than_days=0)
    response = api.post(f"/api/v1/imports/{job.pk}/retry")
    assert response.status_code == 409 and response.json()["error"] == "file_purged"


def test_another_organizations_import_cannot_be_retried(acme, admin, globex, outsider):
    job = _abandoned(admin)
    actions.reap_import_jobs()
    assert signed_in(outsider).post(f"/imports/{job.pk}/retry/").status_code == 404


def test_the_page_says_when_a_running_job_stalled(acme, admin):
    job = _abandoned(admin)
    page = signed_in(admin).get(f"/imports/{job.pk}/")
    assert b"stopped reporting progress" in page.content
    status = signed_in(admin).get(f"/imports/{job.pk}/status.json").json()
    assert status["stalled"] is True and status["finished"] is False


def test_a_worker_taken_for_dead_cannot_commit_a_job_another_worker_holds(acme, admin, monkeypatch):
    from clinicorg.transfer import worker

    job = _queued(admin)
    # While this worker reads the file, the reaper hands the job to another worker.
    real = actions.validators.validate_table

    def validate_then_lose_the_job(*args, **kwargs):
        plan = real(*args, **kwargs)
        ImportJob.objects.filter(pk=job.pk).update(worker="other-host:1")
        return plan

    monkeypatch.setattr(actions.validators, "validate_table", validate_then_lose_the_job)
    tasks.run_import.run(job.pk)
    job.refresh_from_db()
    assert job.state == State.COMMITTING and job.worker == "other-host:1"
    assert not StaffMember.objects.filter(email__in=EMAILS).exists()
    assert worker.worker_label() != job.worker
