"""Uploads that never committed are deleted after the retention period; nothing else is."""

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from clinicorg.core.models import AuditEvent
from clinicorg.transfer import actions
from clinicorg.transfer.models import ImportJob, State

from .conftest import csv_bytes, staff_row


def purge(*args) -> str:
    out = StringIO()
    call_command("imports", "purge", *args, stdout=out)
    return out.getvalue()


def finished_days_ago(job, days: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=days))


@pytest.fixture
def invalid_job(acme, admin):
    job = actions.start_import(
        csv_bytes([staff_row(1), staff_row(2, Role="Nobody")]), "bad.csv", "staff", actor=admin
    )
    assert job.state == State.INVALID and Path(job.file_path).exists()
    return job


@pytest.fixture
def valid_job(acme, admin):
    job = actions.start_import(csv_bytes([staff_row(3)]), "good.csv", "staff", actor=admin)
    assert job.state == State.VALID and Path(job.file_path).exists()
    return job


def test_recent_uploads_are_kept_under_the_default_period(invalid_job, valid_job):
    output = purge()
    assert output.startswith("Deleted 0 files")
    for job in (invalid_job, valid_job):
        job.refresh_from_db()
        assert job.file_purged_at is None and Path(job.file_path).exists()


def test_expired_uploads_go_and_their_jobs_say_so(acme, admin, invalid_job, valid_job, settings):
    queued = actions.start_import(
        csv_bytes([staff_row(4)]), "queued.csv", "staff", actor=admin, run=False
    )
    paths = [Path(invalid_job.file_path), Path(valid_job.file_path)]

    output = purge("--older-than", "0")

    assert output.startswith("Deleted 2 files")
    assert "2 from imports in 1 organization, 0 without an import" in output
    assert not any(path.exists() for path in paths)
    for job in (invalid_job, valid_job):
        job.refresh_from_db()
        assert job.file_path == "" and job.file_purged_at is not None
        assert job.state in (State.INVALID, State.VALID)  # the summary stays
    invalid_job.refresh_from_db()
    assert invalid_job.error_count == 1 and invalid_job.errors
    # A job that has not run yet keeps its file.
    queued.refresh_from_db()
    assert queued.file_purged_at is None and Path(queued.file_path).exists()
    event = AuditEvent.objects.get(organization=acme.org, action="purge_import_files")
    assert event.changes["files"] == ["bad.csv", "good.csv"]
    assert event.changes["retention_days"] == 0
    assert event.actor_label == "system"


def test_a_dry_run_counts_and_deletes_nothing(invalid_job):
    output = purge("--older-than", "0", "--dry-run")
    assert output.startswith("Would delete 1 file")
    invalid_job.refresh_from_db()
    assert invalid_job.file_purged_at is None and Path(invalid_job.file_path).exists()
    assert not AuditEvent.objects.filter(action="purge_import_files").exists()


def test_committed_imports_keep_nothing_to_purge(acme, admin):
    job = actions.start_import(csv_bytes([staff_row(5)]), "s.csv", "staff", actor=admin)
    job = actions.commit_import(job, actor=admin)
    assert job.state == State.COMMITTED and job.file_path == ""
    assert purge("--older-than", "0").startswith("Deleted 0 files")


def test_files_without_an_import_go_once_they_are_as_old(invalid_job, settings):
    folder = Path(settings.IMPORT_DIR)
    stray = folder / "cut-off-upload.csv"
    stray.write_bytes(b"Email\nx@acme.test\n")
    old = time.time() - 40 * 24 * 3600
    os.utime(stray, (old, old))
    fresh = folder / "fresh-upload.csv"
    fresh.write_bytes(b"Email\n")

    output = purge()

    assert "0 from imports in 0 organizations, 1 without an import" in output
    assert not stray.exists() and fresh.exists()
    assert Path(invalid_job.file_path).exists()


def test_a_negative_period_is_refused(db):
    with pytest.raises(CommandError, match="0 or more"):
        purge("--older-than", "-1")


def test_a_purged_preview_can_no_longer_be_committed_and_the_page_says_why(
    admin_client, admin, valid_job
):
    purge("--older-than", "0")
    page = admin_client.get(f"/imports/{valid_job.pk}/")
    assert page.status_code == 200
    assert "The uploaded file was deleted on" in page.text
    assert "upload the file again" in page.text
    assert "Commit 1 changes" not in page.text
    response = admin_client.post(f"/imports/{valid_job.pk}/commit/", follow=True)
    assert "Upload the file again." in response.text
    valid_job.refresh_from_db()
    assert valid_job.state == State.VALID
    assert not ImportJob.objects.filter(state=State.COMMITTED).exists()


def test_the_api_reports_a_purged_file_and_refuses_its_commit(api, valid_job, invalid_job):
    body = api.get(f"/api/v1/imports/{valid_job.pk}").json()
    assert body["file_kept"] is True and body["file_purged_at"] is None
    purge("--older-than", "0")
    body = api.get(f"/api/v1/imports/{valid_job.pk}").json()
    assert body["file_kept"] is False and body["file_purged_at"]
    refused = api.post(f"/api/v1/imports/{valid_job.pk}/commit")
    assert refused.status_code == 409
    assert "Upload the file again." in refused.json()["message"]
    # The copy with an Errors column needs the upload: it is gone, and says why.
    copy = api.get(f"/api/v1/imports/{invalid_job.pk}/error-copy")
    assert copy.status_code == 410
    assert copy.json()["error"] == "file_purged"
    assert "The uploaded file was deleted on" in copy.json()["message"]
    assert "kept for 30 days" in copy.json()["message"]
    # The errors themselves stay.
    errors = api.get(f"/api/v1/imports/{invalid_job.pk}/errors").json()
    assert errors["count"] == 1 and "No role named" in errors["items"][0]["message"]


def test_the_daily_task_purges_with_the_configured_period(invalid_job, settings):
    from clinicorg.transfer.tasks import purge_import_files

    settings.IMPORT_RETENTION_DAYS = 0
    assert purge_import_files.delay().get() == 1
    invalid_job.refresh_from_db()
    assert invalid_job.file_purged_at is not None
    assert "transfer.purge_import_files" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_the_default_period_keeps_recent_uploads_and_deletes_older_ones(
    acme, admin, invalid_job, valid_job
):
    finished_days_ago(invalid_job, 31)
    finished_days_ago(valid_job, 29)
    size = Path(invalid_job.file_path).stat().st_size

    output = purge()

    assert output.startswith(f"Deleted 1 file, {size} bytes: 1 from imports in 1 organization")
    invalid_job.refresh_from_db()
    valid_job.refresh_from_db()
    assert invalid_job.file_purged_at is not None and invalid_job.file_path == ""
    assert valid_job.file_purged_at is None and Path(valid_job.file_path).exists()
    assert valid_job.can_commit
    event = AuditEvent.objects.get(organization=acme.org, action="purge_import_files")
    assert event.changes["jobs"] == [invalid_job.pk]
    assert event.changes["retention_days"] == 30


def test_jobs_being_run_or_committed_keep_their_files_however_old(acme, admin, valid_job):
    # A preview from long ago that is being committed now: its file is what the commit reads.
    finished_days_ago(valid_job, 90)
    ImportJob.objects.filter(pk=valid_job.pk).update(state=State.COMMITTING)
    running = actions.start_import(
        csv_bytes([staff_row(6)]), "running.csv", "staff", actor=admin, run=False
    )
    ImportJob.objects.filter(pk=running.pk).update(
        state=State.RUNNING, created_at=timezone.now() - timedelta(days=90)
    )

    output = purge("--older-than", "0")

    assert output.startswith("Deleted 0 files, 0 bytes")
    for job in (valid_job, running):
        job.refresh_from_db()
        assert job.file_purged_at is None and Path(job.file_path).exists()
    assert not AuditEvent.objects.filter(action="purge_import_files").exists()


def test_sizes_are_printed_in_bytes_and_in_a_readable_unit(invalid_job, settings):
    Path(invalid_job.file_path).write_bytes(b"x" * 3 * 1024 * 1024)
    assert purge("--older-than", "0", "--dry-run").startswith(
        "Would delete 1 file, 3,145,728 bytes (3.0 MB):"
    )


def test_the_imports_command_needs_a_subcommand(db):
    with pytest.raises(CommandError):
        call_command("imports")


def test_the_page_of_a_purged_import_with_errors_offers_no_broken_download(
    admin_client, invalid_job
):
    copy_url = f"/imports/{invalid_job.pk}/errors/"
    page = admin_client.get(f"/imports/{invalid_job.pk}/")
    assert copy_url in page.text
    assert admin_client.get(copy_url).status_code == 200

    purge("--older-than", "0")

    page = admin_client.get(f"/imports/{invalid_job.pk}/")
    assert page.status_code == 200
    assert "The uploaded file was deleted on" in page.text
    assert copy_url not in page.text
    assert "No role named" in page.text  # the errors are still listed
    gone = admin_client.get(copy_url)
    assert gone.status_code == 410
    assert "The uploaded file was deleted on" in gone.text
    assert "kept for 30 days" in gone.text
