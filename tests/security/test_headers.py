"""Headers a security review expects, and production settings that pass `check --deploy`."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import clinicorg
from tests.conftest import signed_in

TEMPLATES = Path(clinicorg.__file__).parent


def _page_templates():
    for path in TEMPLATES.rglob("templates/**/*.html"):
        if "/email/" not in path.as_posix():  # mail is not served under our CSP
            yield path


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


def test_no_page_template_has_inline_script_or_style():
    offenders = []
    for path in _page_templates():
        for match in INLINE.finditer(path.read_text()):
            if 'type="application/json"' not in match.group(0):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []


@pytest.mark.parametrize("url", ["/signin/", "/healthz"])
def test_every_answer_carries_the_policies(client, db, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/", "/staff/", "/me/", "/audit/", "/locations/"])
def test_signed_in_pages_are_not_stored(admin, url):
    response = signed_in(admin).get(url)
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_not_stored(api):
    response = api.get("/api/v1/locations")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_sign_in_page_may_be_cached_only_as_django_decides(client, db):
    assert "no-store" not in client.get("/signin/").get("Cache-Control", "")


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-from-the-environment-0123456789",
    "ALLOWED_HOSTS": "clinic.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_COOKIES": "true",
    "TRUSTED_PROXY_COUNT": "1",
    "REDIS_URL": "redis://127.0.0.1:6379/2",
}


def test_check_deploy_passes_with_the_production_environment(tmp_path):
    env = {**os.environ, **PRODUCTION, "CLINICORG_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [sys.executable, "-m", "clinicorg.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_come_from_the_environment(monkeypatch):
    import importlib

    import clinicorg.settings as project_settings

    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    try:
        s = importlib.reload(project_settings)
        assert s.SECURE_SSL_REDIRECT and s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE
        assert s.SECURE_HSTS_SECONDS == 31536000
        assert s.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    finally:
        for key in PRODUCTION:
            monkeypatch.delenv(key)
        importlib.reload(project_settings)
