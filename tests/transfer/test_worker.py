"""Import jobs run in a worker process; a worker that dies fails its job, never the site."""

import os
import socket
import subprocess
import sys

import pytest

from clinicorg.transfer import actions, worker
from clinicorg.transfer.models import ImportJob, Phase, State

from .conftest import csv_bytes, staff_row
from .test_trap_files import _get, _staff_count, _upload, served_site


def _started_job(admin, phase=Phase.VALIDATING) -> ImportJob:
    job = actions.start_import(csv_bytes([staff_row(1)]), "s.csv", "staff", actor=admin, run=False)
    ImportJob.objects.filter(pk=job.pk).update(state=State.COMMITTING, phase=phase)
    return job


def _killed_process() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    )


def test_a_worker_killed_mid_job_leaves_the_job_failed_with_the_reason(acme, admin):
    job = _started_job(admin)
    worker.watch(_killed_process(), job.pk)
    job.refresh_from_db()
    assert job.state == State.FAILED and job.finished_at is not None
    assert "Nothing was imported" in job.message and "signal SIGKILL" in job.message


def test_a_worker_that_finished_its_job_is_not_second_guessed(acme, admin):
    job = _started_job(admin)
    ImportJob.objects.filter(pk=job.pk).update(state=State.VALID)
    worker.watch(subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"]), job.pk)
    job.refresh_from_db()
    assert job.state == State.VALID and job.message == ""


def test_an_abandoned_job_is_failed_by_the_purge_and_its_upload_purged_in_turn(acme, admin):
    job = _started_job(admin)
    dead = _killed_process()
    dead.wait()
    ImportJob.objects.filter(pk=job.pk).update(worker=f"{socket.gethostname()}:{dead.pid}")
    live = _started_job(admin)
    ImportJob.objects.filter(pk=live.pk).update(worker=worker.worker_label())
    actions.purge_import_files()
    job.refresh_from_db()
    assert job.state == State.FAILED and "ended without finishing it" in job.message
    assert ImportJob.objects.get(pk=live.pk).state == State.COMMITTING
    actions.purge_import_files(older_than_days=0)
    job.refresh_from_db()
    assert job.file_purged_at is not None and not os.path.exists(job.file_path or "/nonexistent")


@pytest.fixture(scope="module")
def starved_site(tmp_path_factory):
    """A served site whose import workers get too little memory to run at all."""
    data = tmp_path_factory.mktemp("starved-site")
    yield from served_site(data, IMPORT_WORKER_MEMORY_MB="40")


def test_a_job_whose_worker_cannot_run_fails_with_the_reason_and_the_site_answers(starved_site):
    before = _staff_count(starved_site)
    data = csv_bytes([staff_row(1, **{"Primary location code": "MAIN"})])
    status, job = _upload(starved_site, data, "staff.csv")
    assert status == 201, job
    assert job["state"] == "failed"
    assert "its worker process exited with status" in job["message"]
    assert starved_site["proc"].poll() is None
    assert _get(starved_site, "/healthz")[0] == 200
    assert _staff_count(starved_site) == before
