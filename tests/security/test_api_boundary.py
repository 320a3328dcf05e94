"""One input boundary for the API: each class of hostile input, on every operation that takes it,
is a 4xx naming the field, never a 500 (core.boundary, api.schemas.Input)."""

import json

import pytest
from django.test import Client

from clinicorg.core.boundary import INT_MAX

HOSTILE_TEXT = ["nul\x00byte", "bell\x07", "lone \ud800 surrogate", "del\x7f", "c1\x85"]


def _spec():
    return Client().get("/api/v1/openapi.json").json()


def _resolve(spec, schema):
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _operations():
    spec = _spec()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            yield spec, path, method, op


def _text_fields(spec, schema):
    """Names of the plain text properties of a request body schema."""
    for name, prop in _resolve(spec, schema).get("properties", {}).items():
        kinds = prop.get("anyOf", [prop])
        if any(k.get("type") == "string" and "pattern" in k for k in kinds):
            yield name


def _body_cases():
    for spec, path, method, op in _operations():
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            for field in _text_fields(spec, body["schema"]):
                yield pytest.param(method, path, field, id=f"{method} {path} {field}")


def _query_cases(kind):
    for _s, path, _m, op in _operations():
        for param in op.get("parameters", []):
            schema = param["schema"]
            if param["in"] != "query":
                continue
            if kind == "text" and schema.get("type") == "string" and "pattern" in schema:
                yield pytest.param(path, param["name"], id=f"{path} {param['name']}")
            if kind == "int" and schema.get("type") == "integer":
                yield pytest.param(path, param["name"], id=f"{path} {param['name']}")


def _concrete(path, ids):
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.fixture
def ids(acme, admin):
    return {
        "location_id": acme.main.pk,
        "staff_id": admin.pk,
    }


def _call(api, method, path, data=None):
    return getattr(api, method)(path, data)


def _field_named(response, field):
    body = response.json()
    return any(e["field"].split(".")[0] == field for e in body.get("errors", []))


@pytest.mark.parametrize("method,path,field", list(_body_cases()))
@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_text_with_control_characters_is_a_422_naming_the_field(
    api, ids, method, path, field, text
):
    if "{" in _concrete(path, ids):
        pytest.skip("needs an id this test does not create")
    response = api.client.generic(
        method.upper(),
        _concrete(path, ids),
        json.dumps({field: text}),
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 422, response.content
    assert _field_named(response, field), response.content


@pytest.mark.parametrize("path,param", list(_query_cases("text")))
def test_text_query_parameters_refuse_control_characters(api, ids, path, param):
    if "{" in _concrete(path, ids):
        pytest.skip("needs an id this test does not create")
    response = api.get(_concrete(path, ids), {param: "a\x00b"})
    assert response.status_code == 422, response.content
    assert _field_named(response, param)


@pytest.mark.parametrize("path,param", list(_query_cases("int")))
@pytest.mark.parametrize("value", [str(INT_MAX + 1), str(-(2**64)), "²", "١٢"])
def test_integer_query_parameters_outside_the_database_range_are_a_422(
    api, ids, path, param, value
):
    if "{" in _concrete(path, ids):
        pytest.skip("needs an id this test does not create")
    response = api.get(_concrete(path, ids), {param: value})
    assert response.status_code == 422, response.content
    assert _field_named(response, param)


def _int_id_paths():
    for _s, path, method, op in _operations():
        params = [p for p in op.get("parameters", []) if p["in"] == "path"]
        if method == "get" and params and all(p["schema"]["type"] == "integer" for p in params):
            yield path


@pytest.mark.parametrize("path", sorted(set(_int_id_paths())))
def test_an_id_in_the_path_beyond_64_bits_is_a_404(api, path):
    concrete = path
    while "{" in concrete:
        start = concrete.index("{")
        concrete = concrete[:start] + str(INT_MAX + 1) + concrete[concrete.index("}") + 1 :]
    response = api.get(concrete)
    assert response.status_code == 404, response.content
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "path,field",
    [
        ("/api/v1/locations/{location_id}", "state"),
        ("/api/v1/locations/{location_id}", "phone"),
        ("/api/v1/staff/{staff_id}", "phone"),
        ("/api/v1/staff/{staff_id}", "display_name"),
        ("/api/v1/staff/{staff_id}", "employee_id"),
        ("/api/v1/organization", "tax_id"),
    ],
)
def test_null_for_an_optional_text_field_clears_it(api, ids, path, field):
    response = api.patch(_concrete(path, ids), {field: None})
    assert response.status_code == 200, response.content
    assert response.json()[field] == ""


def test_a_body_that_is_not_an_object_is_a_422(api):
    response = api.client.patch(
        "/api/v1/organization", "1684", content_type="application/json", headers=api.headers
    )
    assert response.status_code == 422


def test_a_body_that_is_not_json_is_a_400_in_the_error_format(api):
    response = api.client.post(
        "/api/v1/departments", "\x00{", content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_audit_log_dates_at_the_ends_of_the_calendar_answer(api, day, name):
    response = api.get("/api/v1/audit-events", {name: day})
    assert response.status_code == 200, response.content


def test_audit_actor_written_with_other_digits_is_text_not_an_id(api):
    response = api.get("/api/v1/audit-events", {"actor": "²"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
