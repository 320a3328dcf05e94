"""Shared fixtures: three named members per organization (admin, teammate, outsider) and tokens.

Data is set up through the actions themselves, as users would create it.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from clinicorg.access.actions import create_api_token, create_organization, note_token_use
from clinicorg.access.models import Role
from clinicorg.access.system import SystemActor
from clinicorg.directory import actions as directory
from clinicorg.staff.actions import create_staff
from clinicorg.staff.models import Status

PASSWORD = "correct-horse-battery-9"

# Property tests check behaviour, not speed: on a loaded CI machine one slow example must not
# fail a run. Timing targets live in the benchmarks.
hypothesis_settings.register_profile("clinicorg", deadline=None)
hypothesis_settings.load_profile("clinicorg")


@pytest.fixture(autouse=True)
def _fast_hasher_and_outbox(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A worker process could not see the test's data (it lives in the test's transaction).
    settings.IMPORT_WORKER = "inline"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    # Throttles and sign-in lockouts count in the cache: each test starts with none.
    cache.clear()


class OrgKit:
    """An organization with its seeded roles, two locations and a system actor."""

    def __init__(self, name: str, slug: str):
        self.org = create_organization(name, slug)
        self.system = SystemActor(self.org.pk)
        self.roles = {r.key or r.name: r for r in Role.objects.filter(organization=self.org)}
        self.main = directory.create_location(
            {"name": f"{name} Main", "code": "MAIN"}, actor=self.system
        )
        self.branch = directory.create_location(
            {"name": f"{name} Branch", "code": "BRANCH"}, actor=self.system
        )

    def member(
        self,
        email,
        *,
        role="administrator",
        location=None,
        status=Status.ACTIVE,
        all_locations=False,
        extra_locations=(),
        **fields,
    ):
        data = {
            "email": email,
            "first_name": fields.pop("first_name", email.split("@")[0].title()),
            "last_name": fields.pop("last_name", "Tester"),
            "primary_location": location or self.main,
            "role": self.roles[role] if isinstance(role, str) else role,
            **fields,
        }
        return create_staff(
            data,
            actor=self.system,
            status=status,
            password=PASSWORD,
            all_locations=all_locations,
            extra_locations=extra_locations,
        )

    def token(self, role="administrator", locations=None):
        """A token as a client in steady use holds it: its use was recorded a moment ago, so a
        request's queries are its own (the first request in five minutes also records the
        token's use: tests/cli/test_token.py)."""
        role = self.roles[role] if isinstance(role, str) else role
        token, raw = create_api_token(self.org, role, "test", locations=locations)
        note_token_use(token)
        return raw


@pytest.fixture
def acme(db):
    return OrgKit("Acme Health", "acme")


@pytest.fixture
def globex(db):
    return OrgKit("Globex Care", "globex")


@pytest.fixture
def admin(acme):
    """Administrator of Acme with access to all locations."""
    return acme.member("admin@acme.test", all_locations=True)


@pytest.fixture
def frontdesk(acme):
    """A Front Desk member of Acme: no Administration permission."""
    return acme.member("desk@acme.test", role="front_desk")


@pytest.fixture
def outsider(globex):
    """Administrator of another organization."""
    return globex.member("admin@globex.test", all_locations=True)


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def admin_client(admin):
    return signed_in(admin)


@pytest.fixture
def api(acme, admin):
    """A client for the REST API with an Administrator token of Acme."""
    return ApiClient(acme.token())


class ApiClient:
    def __init__(self, raw_token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def _call(self, method, path, data=None, **kw):
        fn = getattr(self.client, method)
        if data is not None and method != "get":
            kw.setdefault("content_type", "application/json")
        return (
            fn(path, data, headers=self.headers, **kw)
            if data is not None
            else fn(path, headers=self.headers, **kw)
        )

    def get(self, path, params=None, **kw):
        return self.client.get(path, params or {}, headers=self.headers, **kw)

    def post(self, path, data=None, **kw):
        return self._call("post", path, data if data is not None else {}, **kw)

    def patch(self, path, data=None, **kw):
        return self._call("patch", path, data if data is not None else {}, **kw)

    def put(self, path, data=None, **kw):
        return self._call("put", path, data if data is not None else {}, **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self.headers, **kw)


def pytest_addoption(parser):
    parser.addoption(
        "--require-browser",
        action="store_true",
        default=False,
        help="Fail, rather than skip, when the browser tests cannot run.",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


_skipped_browser_tests: list[str] = []
_ran_browser_tests: list[str] = []


def pytest_runtest_logreport(report):
    if "browser" not in report.keywords:
        return
    if report.skipped:
        _skipped_browser_tests.append(report.nodeid)
    elif report.when == "call":
        _ran_browser_tests.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if not session.config.getoption("--require-browser"):
        return
    if hasattr(session.config, "workerinput"):
        return  # under xdist the controller, which sees every report, decides
    if _skipped_browser_tests:
        session.exitstatus = 1
        print(f"\n--require-browser: {len(_skipped_browser_tests)} browser tests were skipped.")
    elif not _ran_browser_tests and exitstatus == 0:
        session.exitstatus = 1
        print("\n--require-browser: no browser test ran.")


@pytest.fixture
def dead_broker(settings, monkeypatch):
    """A broker nobody answers on (as with a wrong REDIS_URL): dispatching fails in seconds."""
    from clinicorg.celery import app

    # Celery reads the Django settings when asked: patch it before they change.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield
    if app._pool is not None:
        app._pool.force_close_all()
