"""`clinicorg serve`: argument parsing, and a real start on a free port."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinicorg.core.management.commands import serve


@pytest.fixture
def started(monkeypatch):
    """Replace the server itself with a recorder of the address it would listen on."""
    calls = []
    monkeypatch.setattr(
        serve.Command, "run", lambda self, address, port: calls.append((address, port))
    )
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    return calls


def run_serve(*args: str) -> str:
    out = StringIO()
    call_command("serve", *args, stdout=out)
    return out.getvalue()


def test_serve_listens_on_localhost_port_8000_by_default(started):
    assert "http://127.0.0.1:8000/" in run_serve()
    assert started == [("127.0.0.1", 8000)]


def test_serve_takes_the_port_from_the_environment(started, monkeypatch):
    monkeypatch.setenv("PORT", "8765")
    run_serve()
    assert started == [("127.0.0.1", 8765)]


def test_serve_options_win_over_the_environment(started, monkeypatch):
    monkeypatch.setenv("PORT", "8765")
    run_serve("--host", "0.0.0.0", "--port", "9001")
    assert started == [("0.0.0.0", 9001)]


def test_an_ipv6_host_is_bracketed(started):
    run_serve("--host", "::1", "--port", "9001")
    assert started == [("[::1]", 9001)]


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", ""])
def test_a_bad_port_is_a_clear_error(started, port):
    with pytest.raises(CommandError, match="Port must be a number from 1 to 65535"):
        run_serve("--port", port)
    assert started == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clinicorg() -> list[str]:
    script = Path(sys.executable).with_name("clinicorg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "clinicorg.cli"]


def test_serve_answers_the_health_check_on_the_port_it_was_given(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CLINICORG_DATA_DIR=str(tmp_path / "var"), PORT=str(port))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [*_clinicorg(), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline and body is None:
            if proc.poll() is not None:
                pytest.fail(f"serve exited early: {proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
            except OSError:
                time.sleep(0.2)
        assert body == {"status": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert json.loads(r.read())["checks"]["database"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin/", timeout=5) as r:
            assert r.status == 200
            assert b"Sign in" in r.read()
    finally:
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert f"http://127.0.0.1:{port}/" in output
    assert "Do not use it in a production setting" not in output
