"""The production profile, for real: gunicorn, a Celery worker and beat on PostgreSQL and Redis,
SMTP into a local sink, everything driven through HTTP, with the worker killed (-9) twice.

Run it with `pytest -m production` (it is part of the suite on PostgreSQL). It needs the
PostgreSQL server of DATABASE_URL (it creates and drops a database of its own) and Redis on
127.0.0.1:6379 (it uses database 13 alone and empties it). Everything listens on loopback,
every wait is bounded, and every process it starts is stopped.
"""

import contextlib
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.production

REDIS = ("127.0.0.1", 6379, 13)
ROWS = int(os.environ.get("PRODUCTION_TEST_ROWS", "20000"))
# The worker is killed when the sink receives this import email, before accepting it.
KILL_AT_MAIL = max(2, ROWS // 4)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS[:2], timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


# --- the SMTP sink ------------------------------------------------------------------------------


class Sink:
    """Accepts every message and counts it per recipient; `kill_at` arrivals in, it runs
    `on_kill` (the worker dies in the middle of that SMTP transaction) and does not accept."""

    def __init__(self):
        self.accepted: Counter = Counter()
        self.arrivals = 0
        self.kill_at: int | None = None
        self.on_kill = None
        self.killed = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        with self.lock:
            self.arrivals += 1
            if self.kill_at is not None and self.arrivals >= self.kill_at:
                self.kill_at = None
                self.on_kill()
                self.killed.set()
                return "451 4.3.0 Try again later"
            for rcpt in envelope.rcpt_tos:
                self.accepted[rcpt.lower()] += 1
        return "250 OK"


# --- the processes ------------------------------------------------------------------------------


class Proc:
    def __init__(self, name, args, env, log_dir: Path):
        self.name, self.args, self.env, self.log_dir = name, args, env, log_dir
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(self.log_dir / f"{self.name}-{self.starts}.log", "wb")  # noqa: SIM115
        # A process group of its own: a kill reaches its children too (the Celery pool).
        self.proc = subprocess.Popen(
            self.args,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def kill9(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            self.kill9()


def _wait(what: str, check, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Site:
    def __init__(self, base: str, token: str = ""):
        self.base, self.token = base, token

    def call(self, method, path, body=None, headers=None, timeout=30):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif body is not None:
            data = body
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def json(self, method, path, body=None, **kw):
        status, headers, raw = self.call(method, path, body, **kw)
        return status, json.loads(raw) if raw else None, headers


def _upload_body(data: bytes, fields: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    out += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="staff.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    out += data + f"\r\n--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def _staff_file(rows: int) -> bytes:
    from clinicorg.transfer.columns import COLUMNS

    headers = [c.label for c in COLUMNS["staff"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for n in range(rows):
        row = {
            "Email": f"member{n}@prod.test",
            "First name": f"First{n}",
            "Last name": f"Last{n}",
            "Primary location code": "MAIN",
            "Role": "Provider",
            "Send invitation": "yes",
        }
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode()


# --- the installation ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the production profile runs on PostgreSQL: set DATABASE_URL")
    if not _redis_answers():
        pytest.skip("the production profile needs Redis on 127.0.0.1:6379")
    import psycopg
    import redis
    from aiosmtpd.controller import Controller

    parts = urllib.parse.urlsplit(url)
    name = f"clinicorg_production_{os.getpid()}"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    broker = redis.Redis(host=REDIS[0], port=REDIS[1], db=REDIS[2])
    broker.flushdb()

    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    data = tmp_path_factory.mktemp("production")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        CLINICORG_DATA_DIR=str(data / "var"),
        DATABASE_URL=parts._replace(path=f"/{name}").geturl(),
        REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS[2]}",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        SECRET_KEY="production-profile-test-" + uuid.uuid4().hex,
        SITE_URL=f"http://127.0.0.1:{port}",
        # Faults are noticed within seconds rather than minutes.
        IMPORT_HEARTBEAT_TIMEOUT_MINUTES="0.1",
        REAP_INTERVAL_SECONDS="1",
        MAIL_OUTBOX_INTERVAL_SECONDS="1",
        MAIL_OUTBOX_LEASE_SECONDS="5",
        WORKER_HEARTBEAT_SECONDS="1",
        LOG_LEVEL="WARNING",
    )
    cli = [_bin("clinicorg")]

    def run(*args):
        return subprocess.run(
            [*cli, *args], env=env, check=True, capture_output=True, text=True, timeout=120
        ).stdout

    run("migrate", "--noinput")
    run("org", "create", "--name", "Prod Clinic", "--slug", "prod", "--admin-email",
        "admin@prod.test", "--no-send")  # fmt: skip
    token = run("token", "create", "--org", "prod", "--role", "Administrator").split()[-1]
    logs = data / "logs"
    logs.mkdir()
    procs = {
        "web": Proc(
            "web",
            [
                _bin("gunicorn"),
                "clinicorg.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "120",
            ],  # fmt: skip
            env,
            logs,
        ),
        "worker": Proc(
            "worker",
            [
                _bin("celery"),
                "-A",
                "clinicorg",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
            ],  # fmt: skip
            env,
            logs,
        ),
        "beat": Proc(
            "beat",
            [_bin("celery"), "-A", "clinicorg", "beat", "--loglevel", "WARNING"],
            env,
            logs,
        ),
    }
    try:
        for proc in procs.values():
            proc.start()
        site = Site(f"http://127.0.0.1:{port}", token)
        _wait("gunicorn", lambda: _answers(site), 60)
        yield {"site": site, "sink": sink, "procs": procs, "env": env, "logs": logs,
               "database": env["DATABASE_URL"]}  # fmt: skip
    finally:
        for proc in procs.values():
            proc.stop()
        smtp.stop()
        broker.flushdb()
        broker.close()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _answers(site) -> bool:
    try:
        return site.call("GET", "/healthz", timeout=2)[0] == 200
    except OSError:
        return False


def _ids(site):
    _s, locations, _h = site.json("GET", "/api/v1/locations?limit=10")
    _s, roles, _h = site.json("GET", "/api/v1/roles?limit=50")
    provider = next(r["id"] for r in roles["items"] if r["name"] == "Provider")
    return locations["items"][0]["id"], provider


def _staff_count(site) -> int:
    """Every member, counted exactly: the list caps its count, but counts on to the end of the
    page asked for, so a page far past the end reads the exact total."""
    page = site.json("GET", "/api/v1/staff?limit=1&offset=1000000&status=all")[1]
    assert page["count_exact"], page
    return page["count"]


def test_the_production_profile_survives_killed_workers_and_dead_services(installation):
    site, sink, procs = installation["site"], installation["sink"], installation["procs"]
    worker = procs["worker"]
    sink.on_kill = worker.kill9

    # Ready: database, Redis and a beating worker.
    _wait("a ready site", lambda: site.json("GET", "/readyz")[1]["status"] == "ok", 60)

    # An invitation from the API arrives through the worker.
    location, provider = _ids(site)
    status, member, _h = site.json(
        "POST",
        "/api/v1/staff",
        {
            "email": "first@prod.test",
            "first_name": "First",
            "last_name": "Hire",
            "primary_location": location,
            "role": provider,
        },  # fmt: skip
    )
    assert status == 201, member
    _wait("the invitation email", lambda: sink.accepted["first@prod.test"] == 1, 60)
    before = _staff_count(site)

    # An import of ROWS members with invitations; the worker is killed while it writes.
    body, content_type = _upload_body(_staff_file(ROWS), {"kind": "staff", "mode": "create"})
    status, job, _h = site.json(
        "POST", "/api/v1/imports", body, headers={"Content-Type": content_type}, timeout=120
    )
    assert status == 201, job
    job_id = job["id"]

    def writing():
        state = site.json("GET", f"/api/v1/imports/{job_id}")[1]
        assert state["state"] not in ("committed", "failed", "invalid"), state
        return state["phase"] in ("writing", "sending")

    _wait("the import to write", writing, 240, interval=0.05)
    worker.kill9()
    # Nothing partial: the rows of the killed write are not there.
    assert _staff_count(site) == before
    state = site.json("GET", f"/api/v1/imports/{job_id}")[1]
    assert state["state"] == "committing" and state["attempts"] == 1

    # The emails go out once the import commits; the worker is killed again while sending.
    sink.kill_at = sink.arrivals + KILL_AT_MAIL
    worker.start()

    def finished():
        state = site.json("GET", f"/api/v1/imports/{job_id}")[1]
        return state if state["finished"] else None

    done = _wait("the import to end", finished, 300, interval=0.5)
    assert done["state"] == "committed", done
    # Taken up again after the kill (once more if a loaded machine made a beat late).
    assert done["attempts"] >= 2 and done["summary"]["create"] == ROWS
    assert _staff_count(site) == before + ROWS

    assert sink.killed.wait(300), "the worker was not killed while sending"
    worker.start()
    expected = {f"member{n}@prod.test" for n in range(ROWS)} | {"first@prod.test"}
    _wait(
        "every invitation email",
        lambda: expected <= set(sink.accepted),
        300,
        interval=0.5,
    )
    # The outbox is empty: every invitation is marked sent, so no copy is still to come.
    import psycopg

    with psycopg.connect(installation["database"]) as conn:
        unsent = conn.execute(
            "SELECT count(*) FROM staff_invitation WHERE sent_at IS NULL"
        ).fetchone()[0]
    assert unsent == 0
    duplicates = {k: v for k, v in sink.accepted.items() if v != 1}
    assert duplicates == {}
    assert set(sink.accepted) == expected

    # Redis gone: sign-in and the API go on; the database gone: JSON 503 and a calm page.
    _dead_services(installation)


def _dead_services(installation):
    env = dict(installation["env"])
    logs = installation["logs"]
    dead = f"127.0.0.1:{_free_port()}"

    env_no_redis = {**env, "REDIS_URL": f"redis://{dead}/0"}
    port = _free_port()
    web = Proc("web-no-redis", _web(port), env_no_redis, logs)
    web.start()
    try:
        site = Site(f"http://127.0.0.1:{port}", installation["site"].token)
        _wait("the instance without Redis", lambda: _answers(site), 60)
        status, body, _h = site.json("GET", "/readyz")
        assert status == 503 and body["checks"] == {
            "database": "ok",
            "redis": "error",
            "worker": "unknown",
        }
        assert dead.encode() not in json.dumps(body).encode()
        status, page, _h = site.json("GET", "/api/v1/staff?limit=1")
        assert status == 200 and page["count"] > 0
        status, job, _h = _upload_without_broker(site)
        assert status == 201 and job["state"] == "queued", job
        status, _h, signin = site.call("GET", "/signin/")
        assert status == 200 and b"Sign in" in signin
    finally:
        web.stop()

    env_no_db = {
        **env,
        "DATABASE_URL": f"postgres://clinicorg@{dead}/clinicorg",
        "DATABASE_CONNECT_TIMEOUT": "2",
    }
    port = _free_port()
    web = Proc("web-no-db", _web(port), env_no_db, logs)
    web.start()
    try:
        site = Site(f"http://127.0.0.1:{port}", installation["site"].token)
        _wait("the instance without a database", lambda: _answers(site), 60)
        started = time.monotonic()
        status, body, _h = site.json("GET", "/readyz")
        assert time.monotonic() - started < 6
        assert status == 503 and body["checks"]["database"] in ("error", "timeout")
        assert dead.encode() not in json.dumps(body).encode()
        status, body, headers = site.json("GET", "/api/v1/staff?limit=1")
        assert status == 503 and body["error"] == "unavailable" and headers["Retry-After"]
        cookie = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
        status, headers, page = site.call("GET", "/staff/", headers=cookie)
        assert status == 503 and b"briefly unavailable" in page
    finally:
        web.stop()


def _web(port: int) -> list[str]:
    return [_bin("gunicorn"), "clinicorg.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]


def _upload_without_broker(site):
    body, content_type = _upload_body(_staff_file(1).replace(b"member0", b"late0"), {
        "kind": "staff", "mode": "create"})  # fmt: skip
    return site.json("POST", "/api/v1/imports", body, headers={"Content-Type": content_type})
