"""The access matrix: every page and every API operation, for every kind of caller.

The URL resolver and the OpenAPI document drive it, so a new page or endpoint is in the matrix
the moment it is routed. Each page must declare its permission (`view.permission`, set by
`web.views.base.requires`) unless it is listed in PUBLIC_PAGES; each API operation must refuse a
token without permissions with 403 `missing_permission` unless listed in OPEN_OPERATIONS.

Callers and what they must get:
- anonymous: pages redirect to sign-in; the API answers 401.
- deactivated member (pages), revoked token or token of a deactivated member (API): the same
  as anonymous.
- outsider (Administrator of another organization): 404 for anything naming an object of ours.
- member without the permission: 403 with the reason and the permission named.
- member without access to the location (Administrator limited to the Branch location): 404
  for objects at the Main location; elsewhere what a permitted member gets, or a 403
  `no_location_access` for changes that need access to every location.
- permitted member (Administrator at all locations): the page or operation works (no 401, 403,
  404 or 5xx; pages read with GET answer 200).

Path parameters are filled from fixtures by the path segment naming the resource (`staff/<pk>`,
`payer-enrollments/{enrollment_id}`); objects tied to a location are created at Main.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from clinicorg.access.actions import create_api_token, create_role, revoke_api_token
from clinicorg.access.catalogue import P
from clinicorg.core import audit
from clinicorg.directory import actions as directory
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.models import Status
from tests.conftest import ApiClient, OrgKit, signed_in
from tests.scheduling.matrix import scheduling_world

# Pages anyone may open (they handle sign-in themselves).
PUBLIC_PAGES = {"login", "logout", "home", "healthz", "readyz", "invite_accept", "api-root"}
# The code step of sign-in and password reset come before anyone is signed in
# (tests/security/test_two_factor.py, test_password_reset.py).
PUBLIC_PAGES |= {
    "signin_code",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# The public booking page and the patient's cancel link (tests/scheduling/test_booking_page.py).
PUBLIC_PAGES |= {"book", "book_details", "book_done", "book_cancel"}
# API operations any valid token may call: the permission catalogue and the NUCC code set are
# reference data, not organization data.
OPEN_OPERATIONS = {("get", "/api/v1/permissions"), ("get", "/api/v1/taxonomy")}
# Body fields holding the id of a resource -> fixture key and whether it is tied to Main.
BODY_REFERENCES = {
    "staff": ("member", True),
    "location": ("location", True),
    "primary_location": ("location", True),
    "role": ("role", False),
    "department": ("department", False),
    "position": ("position", False),
    "category": ("category", False),
    "supervisor": ("supervisor", True),
    "provider": ("provider", True),
    "visit_type": ("visit_type", False),
}

# Path segment naming a resource -> fixture key. Objects marked True are tied to Main.
RESOURCES = {
    "locations": ("location", True),
    "enrollments": ("enrollment", True),
    "payer-enrollments": ("enrollment", True),
    "staff": ("member", True),
    "supervisors": ("supervisor", True),
    "licenses": ("license", True),
    "audit": ("event", True),
    "audit-events": ("event", True),
    "roles": ("role", False),
    "departments": ("department", False),
    "positions": ("position", False),
    "categories": ("category", False),
    "employee-categories": ("category", False),
    "npis": ("npi", False),
    # A location-scoped reader sees only the import jobs they started (ImportJob.visible_to);
    # the fixture's job is the system's, so it is out of their reach like Main's objects.
    "imports": ("import_job", True),
    "visit-types": ("visit_type", False),
    "appointments": ("appointment", True),
    "overrides": ("override", True),
    "time-off": ("time_off", True),
    "managers": ("manager", True),
}
# Path parameters that are not object ids (file formats, kinds), by name.
PARAM_VALUES = {"kind": "staff", "fmt": "csv", "format": "csv"}


@contextmanager
def rolled_back():
    """Undo what a call changed, so every caller meets the same objects."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# -- routes ----------------------------------------------------------------------------------


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def web_routes():
    out = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            continue
        out.append(pytest.param(route, pattern, id=pattern.name or route))
    return out


def api_operations():
    from clinicorg.api.urls import api

    schema = api.get_openapi_schema()
    out = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            out.append(pytest.param(method, path, op, id=f"{method.upper()} {path}"))
    return out


def _fill(route: str, ids: dict, param_re) -> tuple[str, bool, bool]:
    """The route with its parameters filled; whether it names a Main object; any object."""
    bound = False
    names_object = False
    out = route
    for match in list(param_re.finditer(route)):
        before = [s for s in route[: match.start()].split("/") if s]
        segment = before[-1] if before else ""
        if segment not in RESOURCES and match.group(1) in PARAM_VALUES:
            out = out.replace(match.group(0), PARAM_VALUES[match.group(1)], 1)
            continue
        if segment not in RESOURCES:
            pytest.fail(
                f"{route}: no fixture for the path parameter after {segment!r}. Add the resource "
                "to RESOURCES and to the `world` fixture in tests/test_access_matrix.py."
            )
        key, tied = RESOURCES[segment]
        bound = bound or tied
        names_object = True
        out = out.replace(match.group(0), str(ids[key]), 1)
    return out, bound, names_object


# -- the world -------------------------------------------------------------------------------


@dataclass
class World:
    acme: OrgKit
    ids: dict
    admin: object
    nobody: object
    branch_admin: object
    deactivated: object
    outsider: object
    tokens: dict


@pytest.fixture
def world(db) -> World:
    acme, globex = OrgKit("Acme Health", "acme"), OrgKit("Globex Care", "globex")
    system = acme.system
    admin = acme.member("admin@acme.test", all_locations=True)
    nothing = create_role("Nothing", [], actor=system)
    nobody = acme.member("nobody@acme.test", role=nothing, all_locations=True)
    branch_admin = acme.member("branch@acme.test", location=acme.branch)
    deactivated = acme.member("gone@acme.test", status=Status.DEACTIVATED, all_locations=True)
    outsider = globex.member("admin@globex.test", all_locations=True)
    member = acme.member("desk@acme.test", role="front_desk", phone="555-0100")
    supervisor = staff_actions.appoint_supervisor(
        acme.member("lead@acme.test", role="provider"), actor=system
    )
    license_ = staff_actions.add_license(
        member, {"state": "CA", "number": "A12345", "expires_on": None}, actor=system
    )
    enrollment = directory.add_payer_enrollment(
        acme.main, {"payer_name": "Aetna", "payer_id": "60054"}, actor=system
    )
    from clinicorg.transfer.actions import start_import

    # A dry run with an error, so that its error copy exists.
    job = start_import(b"code,name\n,Nowhere\n", "l.csv", "locations", actor=system)
    event = audit.record(
        "matrix_event", actor=system, organization_id=acme.org.pk, location_id=acme.main.pk
    )
    staff_actions.set_location_managers(acme.main, [member.pk], actor=system)
    ids = {
        "manager": member.pk,
        "location": acme.main.pk,
        "enrollment": enrollment.pk,
        "member": member.pk,
        "supervisor": supervisor.pk,
        "license": license_.pk,
        "event": event.pk,
        "role": create_role("Matrix role", [P.VIEW_APPOINTMENTS], actor=system).pk,
        "department": directory.create_department("Cardiology", actor=system).pk,
        "position": directory.create_position("Nurse", actor=system).pk,
        "category": directory.create_employee_category("Contractor", actor=system).pk,
        "npi": directory.add_organization_npi("Group", "1234567893", actor=system).pk,
        "import_job": job.pk,
        **scheduling_world(acme, member),
    }
    revoked, raw_revoked = create_api_token(acme.org, acme.roles["administrator"], "old")
    revoke_api_token(revoked)
    leaver = acme.member("leaver@acme.test", all_locations=True)
    _token, raw_leaver = create_api_token(
        acme.org, acme.roles["administrator"], "leaver's", actor=leaver
    )
    staff_actions.change_staff_status(leaver, Status.DEACTIVATED, "Left", actor=system)
    tokens = {
        "permitted": acme.token(),
        "nobody": acme.token(nothing),
        "branch": acme.token(locations=[acme.branch]),
        "outsider": globex.token(),
        "revoked": raw_revoked,
        "deactivated": raw_leaver,
    }
    return World(acme, ids, admin, nobody, branch_admin, deactivated, outsider, tokens)


# -- pages -----------------------------------------------------------------------------------

PAGE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _page_call(client, url, method):
    with rolled_back():
        return client.get(url) if method == "get" else client.post(url, {})


def _is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and "/signin/" in response["Location"]


def test_every_page_declares_a_permission_or_is_public():
    missing = [
        f"{route} ({pattern.name})"
        for route, pattern in _walk(get_resolver().url_patterns)
        if not route.startswith("api/")
        and pattern.name not in PUBLIC_PAGES
        and not hasattr(pattern.callback, "permission")
    ]
    assert missing == [], "Pages without an access rule (use @requires): " + ", ".join(missing)


@pytest.mark.parametrize("route,pattern", web_routes())
def test_page_access(world, route, pattern):
    if pattern.name in PUBLIC_PAGES:
        pytest.skip("public page")
    permission = pattern.callback.permission
    url, bound, names_object = _fill("/" + route, world.ids, PAGE_PARAM)
    permitted = signed_in(world.admin)
    method = "get"
    probe = signed_in(world.nobody).get(url)
    if probe.status_code == 405:
        method = "post"

    r = _page_call(signed_in(world.deactivated), url, method)
    assert _is_sign_in_redirect(r), f"deactivated member: {r.status_code}"
    r = _page_call(Client(), url, method)
    assert _is_sign_in_redirect(r), f"anonymous: {r.status_code}"

    if names_object:
        r = _page_call(signed_in(world.outsider), url, method)
        assert r.status_code == 404, f"outsider: {r.status_code}"

    r = _page_call(signed_in(world.nobody), url, method)
    if permission is None:
        assert r.status_code in (200, 302), f"member without permissions: {r.status_code}"
    else:
        assert r.status_code == 403, f"member without {permission}: {r.status_code}"
        body = r.content.decode()
        assert "missing_permission" in body and permission in body

    r = _page_call(signed_in(world.branch_admin), url, method)
    if bound:
        assert r.status_code == 404, f"admin without access to Main: {r.status_code}"
    elif r.status_code == 403:
        assert "no_location_access" in r.content.decode()
    else:
        assert r.status_code in (200, 302), f"admin limited to Branch: {r.status_code}"
        assert not _is_sign_in_redirect(r)

    r = permitted.get(url) if method == "get" else permitted.post(url, {})
    if method == "get":
        assert r.status_code in (200, 302), f"permitted member: {r.status_code}"
        assert not _is_sign_in_redirect(r)
    else:
        assert r.status_code not in (401, 403, 404, 405) and r.status_code < 500, r.status_code


# -- API -------------------------------------------------------------------------------------

API_PARAM = re.compile(r"\{(\w+)\}")


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _example(schema, node, name=""):
    """A value of the shape the schema asks for, enough to get past request validation."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            return _example(schema, options[0], name)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    fmt = node.get("format", "")
    if kind == "object" or "properties" in node:
        required = node.get("required", [])
        return {
            key: _example(schema, sub, key)
            for key, sub in node.get("properties", {}).items()
            if key in required
        }
    if kind == "array":
        return [_example(schema, node.get("items", {}), name)] * node.get("minItems", 0)
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if fmt == "email" or name == "email":
        return "matrix.person@acme.test"
    if fmt == "date":
        return "2026-01-01"
    if fmt == "date-time":
        return "2026-01-01T00:00:00Z"
    return "Matrix value"


def _api_call(token, method, url, body, *, keep=False):
    client = ApiClient(token)
    if keep and isinstance(body, Multipart):
        files = {
            k: SimpleUploadedFile(v.name, v.content) if isinstance(v, Upload) else v
            for k, v in body.items()
        }
        return getattr(client.client, method)(url, files, headers=client.headers)
    if keep:
        if method in ("get", "delete"):
            return getattr(client, method)(url)
        return getattr(client, method)(url, body)
    with rolled_back():
        return _api_call(token, method, url, body, keep=True)


@dataclass
class Upload:
    name: str
    content: bytes


class Multipart(dict):
    """A multipart form body; uploads are made afresh for every call."""


def _body(schema, op, ids) -> tuple[dict, bool]:
    """A request body for the operation; whether it names an object tied to Main."""
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        form = _resolve(schema, content["multipart/form-data"]["schema"])
        body = Multipart()
        for key, sub in form.get("properties", {}).items():
            if _resolve(schema, sub).get("format") == "binary":
                body[key] = Upload("matrix.csv", b"code,name\nM1,Matrix\n")
            elif key in form.get("required", []):
                body[key] = _example(schema, sub, key)
        return body, False
    if "application/json" not in content:
        return {}, False
    body = _example(schema, content["application/json"]["schema"])
    bound = False
    if isinstance(body, dict):
        for field, value in body.items():
            if field in BODY_REFERENCES and isinstance(value, int):
                key, tied = BODY_REFERENCES[field]
                body[field] = ids[key]
                bound = bound or tied
    return body, bound


@pytest.mark.parametrize("method,path,op", api_operations())
def test_api_access(world, method, path, op):
    from clinicorg.api.urls import api

    schema = api.get_openapi_schema()
    url, bound, names_object = _fill(path, world.ids, API_PARAM)
    body, body_bound = _body(schema, op, world.ids)
    bound = bound or body_bound
    t = world.tokens

    r = _api_call(None, method, url, body)
    assert r.status_code == 401, f"anonymous: {r.status_code}"
    r = _api_call(t["revoked"], method, url, body)
    assert r.status_code == 401, f"revoked token: {r.status_code}"
    r = _api_call(t["deactivated"], method, url, body)
    assert r.status_code == 401, f"token of a deactivated member: {r.status_code}"

    if names_object:
        r = _api_call(t["outsider"], method, url, body)
        assert r.status_code == 404, f"outsider: {r.status_code} {r.content[:200]}"

    r = _api_call(t["nobody"], method, url, body)
    if (method, path) in OPEN_OPERATIONS:
        assert r.status_code == 200
    else:
        assert r.status_code == 403, f"token without permissions: {r.status_code} {r.content[:300]}"
        assert r.json()["reason"] == "missing_permission"
        assert r.json()["permission"]

    r = _api_call(t["branch"], method, url, body)
    if bound:
        assert r.status_code == 404, f"token limited to Branch: {r.status_code} {r.content[:200]}"
    elif r.status_code == 403:
        assert r.json()["reason"] == "no_location_access"
    else:
        assert r.status_code not in (401, 404) and r.status_code < 500, r.status_code

    r = _api_call(t["permitted"], method, url, body, keep=True)
    assert r.status_code not in (401, 403, 404) and r.status_code < 500, (
        f"permitted token: {r.status_code} {r.content[:300]}"
    )
    if method == "get":
        assert r.status_code == 200
