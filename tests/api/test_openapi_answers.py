"""Every API read answers what its OpenAPI document promises, for every object of the demo.

The OpenAPI document drives the test: each GET operation is called for every object its path
names (every demo location, member, supervisor, role...), by an Administrator and by a token
limited to one location, and each answer is validated against the operation's response schema
in the document. A read that fails for some objects only (a location with managers once
answered 500) cannot hide from it.
"""

import pytest
from jsonschema import Draft202012Validator

from clinicorg.access.actions import create_api_token
from clinicorg.access.models import Role
from clinicorg.core.models import AuditEvent
from clinicorg.demo.loader import load_demo
from clinicorg.directory.models import Department, EmployeeCategory, Location, Position
from clinicorg.scheduling.models import Appointment, VisitType
from clinicorg.staff.models import StaffMember, Supervisor
from clinicorg.transfer import actions as transfer
from tests.conftest import ApiClient

# Path parameter -> the demo objects it takes.
OBJECTS = {
    "location_id": lambda org: Location.objects.filter(organization=org),
    "item_id": None,  # departments or positions, by path
    "category_id": lambda org: EmployeeCategory.objects.filter(organization=org),
    "event_id": lambda org: AuditEvent.objects.filter(organization_id=org.pk)[:40],
    "staff_id": lambda org: StaffMember.objects.filter(organization=org),
    "supervisor_id": lambda org: Supervisor.objects.filter(organization=org),
    "role_id": lambda org: Role.objects.filter(organization=org),
    "job_id": None,  # the import made below
    "visit_type_id": lambda org: VisitType.objects.filter(organization=org),
    "appointment_id": lambda org: Appointment.objects.filter(organization=org),
}
PLAIN_VALUES = {"kind": ["staff", "locations"]}
# Answers that are files, not JSON.
FILES = {"/api/v1/imports/templates/{kind}", "/api/v1/exports/staff", "/api/v1/exports/locations"}


def _operations():
    from clinicorg.api.urls import api

    spec = api.get_openapi_schema()
    return spec, [(path, ops["get"]) for path, ops in spec["paths"].items() if "get" in ops]


def _validator(spec, schema):
    root = {"components": spec.get("components", {}), **schema}
    return Draft202012Validator(root)


def _values(path, param, org, job_id):
    if param in PLAIN_VALUES:
        return PLAIN_VALUES[param]
    if param == "job_id":
        return [job_id]
    if param == "item_id":
        model = Department if "/departments/" in path else Position
        return list(model.objects.filter(organization=org).values_list("pk", flat=True))
    return list(OBJECTS[param](org).values_list("pk", flat=True))


@pytest.fixture
def demo(db):
    org, _created = load_demo()
    admin_role = Role.objects.get(organization=org, key="administrator")
    location = Location.objects.filter(organization=org).order_by("pk").first()
    _t, full = create_api_token(org, admin_role, "full")
    _t, limited = create_api_token(org, admin_role, "limited", locations=[location])
    data = (
        "Email,First name,Last name,Primary location code,Role\n"
        f"x@demo.test,X,Y,{location.code},Nobody\n"
    ).encode()
    from clinicorg.access.system import SystemActor

    job = transfer.start_import(data, "s.csv", "staff", actor=SystemActor(org.pk))
    return org, {"admin": full, "limited": limited}, job.pk


def test_every_read_answers_as_its_schema_says_for_every_demo_object(demo):
    org, tokens, job_id = demo
    spec, operations = _operations()
    assert len(operations) >= 30
    problems = []
    calls = 0
    for who, raw in tokens.items():
        client = ApiClient(raw)
        for path, op in operations:
            params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            combos = [{}]
            for name in params:
                combos = [{**c, name: v} for c in combos for v in _values(path, name, org, job_id)]
            for combo in combos:
                url = path.format(**combo)
                r = client.get(url)
                calls += 1
                if r.status_code >= 500:
                    problems.append(f"{who} GET {url}: {r.status_code}")
                    continue
                schema = op["responses"].get(r.status_code, op["responses"].get(str(r.status_code)))
                if schema is None:
                    problems.append(f"{who} GET {url}: undocumented status {r.status_code}")
                    continue
                if path in FILES and r.status_code == 200:
                    continue
                content = schema.get("content", {}).get("application/json")
                if content is None:
                    continue
                errors = list(_validator(spec, content["schema"]).iter_errors(r.json()))
                if errors:
                    problems.append(f"{who} GET {url}: {errors[0].message[:200]}")
    assert calls > 200, calls
    assert problems == []


def _schemas(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_no_two_api_schemas_share_a_name():
    """The OpenAPI document names each schema by its class name; two classes with one name
    (two `LicenseOut`s once) silently describe one endpoint's answer with the other's."""
    from ninja import Schema

    _operations()  # every router imported
    by_name: dict[str, set[str]] = {}
    for cls in _schemas(Schema):
        if cls.__module__.startswith("clinicorg."):
            by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_every_request_schema_goes_through_the_input_boundary():
    """Bodies and queries (`…In`, `…Patch`, `…Filters`, `…Params`, `…IO`) inherit `Input`, the
    one boundary that refuses control characters, huge integers and non-object bodies."""
    from ninja import Schema

    from clinicorg.api.schemas import Input

    _operations()
    suffixes = ("In", "Patch", "Filters", "Params", "IO")
    skipped = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _schemas(Schema)
        if cls.__module__.startswith("clinicorg.")
        and cls.__name__.endswith(suffixes)
        and not issubclass(cls, Input)
    ]
    assert skipped == []
