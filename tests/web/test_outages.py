"""Outages of the backing services: health answers, JSON errors, calm pages, no 500 for a cache.

The dead database is played by a served instance pointed at a port where nothing listens; the
dead Redis by a cache and a broker on such a port.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from tests.conftest import PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DEAD_REDIS = f"redis://127.0.0.1:{_free_port()}/0"
DEAD_REDIS_CACHE = {
    "default": {
        "BACKEND": "clinicorg.core.cache.ResilientRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }
}


def test_liveness_answers_without_asking_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readiness_reports_each_component(db, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not_configured", "worker": "not_configured"},
    }


def test_readiness_with_redis_down_is_503_and_names_no_host(db, client, settings):
    settings.REDIS_URL = DEAD_REDIS
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error", "worker": "unknown"},
    }
    assert "127.0.0.1" not in response.text and DEAD_REDIS.split(":")[-1] not in response.text


def test_readiness_reports_a_worker_that_stopped_beating_without_leaving_service(
    db, client, settings, monkeypatch
):
    from clinicorg.core import tasks
    from clinicorg.web.views import health

    settings.REDIS_URL = "redis://configured"
    monkeypatch.setattr(health, "_redis", lambda: None)  # this test's cache is in memory
    assert client.get("/readyz").json()["checks"]["worker"] == "stale"
    tasks.worker_heartbeat.run()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.json()["checks"]["worker"] == "ok"


@override_settings(
    CACHES=DEAD_REDIS_CACHE, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
)
def test_with_the_cache_down_members_sign_in_and_use_the_site(acme, admin):
    caches["default"].get("anything")  # the cache really is unreachable, and that is no error
    client = Client()
    response = client.post("/signin/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/staff/").status_code == 200


def test_an_unexpected_api_failure_answers_json_500(api, monkeypatch):
    from clinicorg.api.routers import staff

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(staff, "staff_pages", broken)
    api.client.raise_request_exception = False
    response = api.get("/api/v1/staff")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "server_error" and "a bug" not in response.text
    assert "request_id" in body


def test_an_unexpected_page_failure_answers_a_calm_page(acme, admin, monkeypatch):
    from django.contrib.auth import get_user_model

    client = Client(raise_request_exception=False)
    client.force_login(admin)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(get_user_model().objects, "visible_to", broken)
    response = client.get("/staff/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b"a bug" not in response.content
    assert b"Traceback" not in response.content


# A served instance whose database and Redis are gone.


def _gunicorn() -> str:
    beside = Path(sys.executable).with_name("gunicorn")
    return str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")


def _fetch(base, path, headers=None):
    request = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def instance_without_services(tmp_path_factory):
    data = tmp_path_factory.mktemp("no-services")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        CLINICORG_DATA_DIR=str(data),
        DATABASE_URL=f"postgres://clinicorg@127.0.0.1:{_free_port()}/clinicorg_gone",
        REDIS_URL=DEAD_REDIS,
        DATABASE_CONNECT_TIMEOUT="2",
    )
    proc = subprocess.Popen(
        [_gunicorn(), "clinicorg.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the instance did not start")
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_without_database_and_redis_liveness_still_answers(instance_without_services):
    status, _headers, body = _fetch(instance_without_services, "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}


def test_without_database_readiness_is_503_quickly_and_names_nothing(instance_without_services):
    started = time.monotonic()
    status, _headers, body = _fetch(instance_without_services, "/readyz")
    assert time.monotonic() - started < 6
    assert status == 503
    assert json.loads(body)["checks"]["database"] in ("error", "timeout")
    assert json.loads(body)["checks"]["redis"] == "error"
    for secret in (b"127.0.0.1", b"clinicorg_gone", b"5432", b"postgres"):
        assert secret not in body


def test_without_database_the_api_answers_json_503(instance_without_services):
    status, headers, body = _fetch(
        instance_without_services, "/api/v1/staff", {"Authorization": "Bearer some-token"}
    )
    assert status == 503 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"] == "unavailable" and headers["Retry-After"]
    assert b"clinicorg_gone" not in body


def test_without_database_a_signed_in_page_answers_a_calm_503_page(instance_without_services):
    status, headers, body = _fetch(
        instance_without_services,
        "/staff/",
        {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"},
    )
    assert status == 503 and headers["Content-Type"].startswith("text/html")
    assert b"briefly unavailable" in body and b"Traceback" not in body
    assert b"clinicorg_gone" not in body


def test_log_records_carry_time_level_request_id_actor_and_organization(acme, monkeypatch):
    import io
    import logging

    from pythonjsonlogger.json import JsonFormatter

    from clinicorg.api.routers import staff
    from clinicorg.core.logging import ContextFilter
    from tests.conftest import ApiClient

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(request_id)s %(actor)s %(organization)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level"},
        )
    )
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(staff, "staff_pages", broken)
    api = ApiClient(acme.token())
    api.client.raise_request_exception = False
    try:
        response = api.client.get(
            "/api/v1/staff", headers={**api.headers, "X-Request-ID": "req-42"}
        )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500 and response.json()["request_id"] == "req-42"
    record = json.loads(stream.getvalue().splitlines()[0])
    assert record["level"] == "ERROR" and record["time"]
    assert record["request_id"] == "req-42"
    assert record["actor"].startswith("token:") and record["organization"] == str(acme.org.pk)
