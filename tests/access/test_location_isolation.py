"""A member restricted to one location learns nothing about another location's staff.

Every page and API read without path parameters (lists, searches, counts, exports, the home
page) is fetched by an Administrator limited to Branch, and by a token limited to Branch;
then staff, events and grants are added at Main only, and everything is fetched again. The
answers must not change, and must never name the Main staff.
"""

import io
import re
import zipfile

import pytest
from django.urls import get_resolver

from clinicorg.access.actions import create_role
from clinicorg.access.catalogue import P
from clinicorg.core import audit
from tests.conftest import ApiClient, signed_in
from tests.test_access_matrix import PUBLIC_PAGES, _walk

MARKER = "Qwzxmain"
SEARCH = MARKER[1:-1]  # what a curious reader types; the page may echo it back
# Pages whose answers vary from one request to the next for reasons of their own.
VOLATILE = re.compile(
    r'name="csrfmiddlewaretoken" value="[^"]+"|"request_id": "[^"]*"|\d{1,2}:\d{2}(:\d{2})?'
)


def _pages():
    routes = [
        ("/" + route, pattern.name or route)
        for route, pattern in _walk(get_resolver().url_patterns)
        if not route.startswith("api/")
        and "<" not in route
        and pattern.name not in PUBLIC_PAGES - {"home"}
    ]
    return [pytest.param(url, id=name) for url, name in routes] + [
        pytest.param(f"{url}?q={SEARCH}", id=f"{name}-search") for url, name in routes
    ]


def _api_lists():
    from clinicorg.api.urls import api

    schema = api.get_openapi_schema()
    return [
        pytest.param(path + query, id=path + query)
        for path, ops in schema["paths"].items()
        if "get" in ops and "{" not in path
        for query in ("", f"?q={SEARCH}")
    ]


def _add_main_only_data(acme):
    for i in range(3):
        m = acme.member(f"{MARKER.lower()}{i}@acme.test", role="front_desk", last_name=MARKER)
        audit.record("probe", actor=acme.system, target=m, target_label=f"{MARKER} {i}", changes={})


def _text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw.startswith(b"PK"):  # XLSX: compare the sheets, not the zip's timestamps
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return "".join(
                book.read(name).decode(errors="replace")
                for name in sorted(book.namelist())
                if name.startswith("xl/")
            )
    return raw.decode(errors="replace")


def _normalized(text: str) -> str:
    return VOLATILE.sub("", text)


@pytest.fixture
def branch_client(acme):
    acme.member("colleague@acme.test", role="front_desk", location=acme.branch)
    admin = acme.member("branch-admin@acme.test", location=acme.branch)
    return signed_in(admin)


@pytest.mark.parametrize("url", _pages())
def test_a_branch_admin_page_does_not_change_with_main_staff(acme, branch_client, url):
    before = branch_client.get(url)
    if before.status_code == 405:
        pytest.skip("not readable with GET")
    _add_main_only_data(acme)
    after = branch_client.get(url)
    assert after.status_code == before.status_code
    seen, was = _text(after), _text(before)
    assert MARKER not in seen
    assert acme.main.name not in seen, "names a location the reader cannot access"
    assert _normalized(seen) == _normalized(was)


@pytest.mark.parametrize("path", _api_lists())
def test_a_branch_token_read_does_not_change_with_main_staff(acme, path):
    role = create_role(
        "Reader", sorted(set(acme.roles["administrator"].permission_set)), actor=acme.system
    )
    client = ApiClient(acme.token(role, locations=[acme.branch]))
    acme.member("colleague@acme.test", role="front_desk", location=acme.branch)
    before = client.get(path)
    _add_main_only_data(acme)
    after = client.get(path)
    assert after.status_code == before.status_code
    seen, was = _text(after), _text(before)
    assert MARKER not in seen
    assert acme.main.name not in seen, "names a location the reader cannot access"
    assert _normalized(seen) == _normalized(was)


def test_the_isolation_check_notices_main_staff_for_an_admin_of_all_locations(acme, admin):
    """The same comparison, for someone who may see Main, does change: the test has teeth."""
    client = signed_in(admin)
    before = client.get("/staff/")
    _add_main_only_data(acme)
    after = client.get("/staff/")
    assert MARKER in _text(after)
    assert _normalized(_text(after)) != _normalized(_text(before))
    assert P.MANAGE_STAFF in admin.role.permission_set
