"""Import jobs run in a worker process; a worker that dies fails its job, never the site."""

import os
import signal
import socket
import subprocess
import sys

import pytest

from clinicorg.transfer import actions, worker
from clinicorg.transfer.models import ImportJob, Phase, State
from tests.cli.test_serve import _clinicorg, _free_port

from .conftest import csv_bytes, staff_row
from .test_trap_files import _get, _limit_memory, _staff_count, _upload


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


def test_a_worker_that_dies_while_inviting_leaves_its_rows_committed_and_says_so(acme, admin):
    job = _started_job(admin, phase=Phase.SENDING)
    worker.watch(_killed_process(), job.pk)
    job.refresh_from_db()
    assert job.state == State.COMMITTED and "Resend invite" in job.message


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
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(CLINICORG_DATA_DIR=str(data / "var"), IMPORT_WORKER_MEMORY_MB="40")
    cli = _clinicorg()
    for command in (["migrate", "--noinput"], ["demo"]):
        subprocess.run([*cli, *command], env=env, check=True, capture_output=True)
    token = (
        subprocess.run(
            [*cli, "token", "create", "--org", "demo", "--role", "Administrator"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
    )
    site = {"base": f"http://127.0.0.1:{port}", "token": token, "proc": proc}
    from .test_trap_files import _wait_until_up

    _wait_until_up(site)
    yield site
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
