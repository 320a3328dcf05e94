"""Load through a real server: gunicorn on loopback, 20 concurrent clients.

For a small organization (30 staff) and the seeded one (BENCH_STAFF, 100,000 by default), each
of three requests is sent by 20 clients at once, each on its own keep-alive connection, for
BENCH_LOAD_SECONDS (10 by default): the staff API list (first page), the Employee Center page
(signed in), and one decision of the decision API. Reported per request: throughput, p50, p95,
p99 and the count of answers other than 200 (there should be none).

gunicorn runs the project's WSGI application with the benchmark's own settings (the same
database, DEBUG off) as `-k gthread` with BENCH_LOAD_WORKERS processes (2) of 4 threads; it is
stopped at the end of each organization's run, whatever happens.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlencode

from . import percentile

CLIENTS = 20
PASSWORD = "bench-load-password-1"
SMALL_SLUG = "bench-load-30"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _gunicorn():
    port = _free_port()
    workers = os.environ.get("BENCH_LOAD_WORKERS", "2")
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "clinicorg.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        workers,
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _small_org():
    """An organization of 30 staff (one administrator among them), made once."""
    from clinicorg.access.actions import create_api_token, create_organization
    from clinicorg.access.models import Role
    from clinicorg.access.system import SystemActor
    from clinicorg.core.models import Organization
    from clinicorg.directory.actions import create_location
    from clinicorg.staff.actions import create_staff
    from clinicorg.staff.models import StaffMember, Status

    org = Organization.objects.filter(slug=SMALL_SLUG).first()
    if org is None:
        org = create_organization("Load Thirty", SMALL_SLUG)
        system = SystemActor(org.pk)
        location = create_location({"name": "Only Clinic", "code": "ONLY"}, actor=system)
        roles = {r.key: r for r in Role.objects.filter(organization=org)}
        for i in range(30):
            create_staff(
                {
                    "email": "admin@load30.test" if i == 0 else f"m{i}@load30.test",
                    "first_name": f"First{i}",
                    "last_name": ["Chen", "Garcia", "Okafor"][i % 3],
                    "primary_location": location,
                    "role": roles["administrator" if i == 0 else "provider"],
                },
                actor=system,
                status=Status.ACTIVE,
                password=PASSWORD if i == 0 else None,
            )
    admin = StaffMember.objects.get(organization=org, email="admin@load30.test")
    role = Role.objects.get(organization=org, key="administrator")
    _token, raw = create_api_token(org, role, "load")
    return admin, raw


def _big_org(data):
    from clinicorg.staff.models import StaffMember

    admin = StaffMember.objects.get(pk=data.admin_id)
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    return admin, data.token


def _session_cookie(port: int, email: str) -> str:
    """Sign in through the sign-in page, as a browser does; the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/signin/")
    response = conn.getresponse()
    response.read()
    csrf = next(
        c.split(";", 1)[0].split("=", 1)[1]
        for c in response.headers.get_all("Set-Cookie") or []
        if c.startswith("csrftoken=")
    )
    body = urlencode({"csrfmiddlewaretoken": csrf, "username": email, "password": PASSWORD})
    conn.request(
        "POST",
        "/signin/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://127.0.0.1:{port}/signin/",
        },
    )
    response = conn.getresponse()
    response.read()
    cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
    session = [c for c in cookies if c.startswith("sessionid=") or "session" in c.split("=")[0]]
    if response.status != 302 or not session:
        raise RuntimeError(f"sign-in answered {response.status} without a session")
    return "; ".join(session)


def _hammer(port: int, method: str, path: str, headers: dict, body, seconds: float) -> dict:
    """CLIENTS threads send the request for `seconds`; latencies and non-200 answers."""
    samples: list[list[float]] = [[] for _ in range(CLIENTS)]
    failures = [0] * CLIENTS
    start_line = threading.Barrier(CLIENTS + 1)
    stop_at = [0.0]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start_line.wait()
        while time.monotonic() < stop_at[0]:
            t = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            samples[k].append((time.perf_counter() - t) * 1000)
            failures[k] += not ok
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.perf_counter()
    start_line.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    every = [s for part in samples for s in part]
    return {
        "n": len(every),
        "req_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(percentile(every, 50), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "p99_ms": round(percentile(every, 99), 1),
        "not_200": sum(failures),
        "clients": CLIENTS,
    }


def _run_one(report, label: str, admin, token: str, seconds: float) -> None:
    api = {"Authorization": f"Bearer {token}"}
    decision = json.dumps(
        {
            "staff": admin.pk,
            "permission": "administration.manage_staff",
            "location": admin.primary_location_id,
        }
    )
    with _gunicorn() as port:
        cookie = _session_cookie(port, admin.email)
        for name, method, path, headers, body in (
            ("staff API list", "GET", "/api/v1/staff?limit=50", api, None),
            ("Employee Center page", "GET", "/staff/", {"Cookie": cookie}, None),
            (
                "decision API",
                "POST",
                "/api/v1/authz/check",
                {**api, "Content-Type": "application/json"},
                decision,
            ),
        ):
            report(f"load {label}: {name}", _hammer(port, method, path, headers, body, seconds))


def run(report) -> None:
    from .seed import seeded

    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", 10))
    data = seeded()
    small_admin, small_token = _small_org()
    _run_one(report, "30 staff", small_admin, small_token, seconds)
    big_admin, big_token = _big_org(data)
    _run_one(report, f"{data.staff:,} staff", big_admin, big_token, seconds)
