"""The API's self-description (OpenAPI document, interactive docs) and the health check."""

import json
import re

from django.test import Client

EXPECTED_PATHS = {
    "/api/v1/locations",
    "/api/v1/locations/{location_id}",
    "/api/v1/departments",
    "/api/v1/positions",
    "/api/v1/employee-categories",
    "/api/v1/employee-categories/{category_id}",
    "/api/v1/organization",
    "/api/v1/organization/npis",
    "/api/v1/audit-events",
    "/api/v1/audit-events/{event_id}",
}


def test_openapi_document_is_valid_json_listing_the_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "clinicorg API"
    assert set(spec["paths"]) >= EXPECTED_PATHS


def test_openapi_document_declares_bearer_auth_and_error_responses(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    listing = spec["paths"]["/api/v1/audit-events"]["get"]
    assert {"200", "401", "403", "422"} <= set(listing["responses"])
    params = {p["name"] for p in listing["parameters"]}
    assert {"actor", "action", "target_type", "target_id", "date_from", "date_to", "q"} <= params
    assert {"limit", "offset"} <= params


def test_schema_fields_carry_descriptions(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    event = schemas["AuditEventOut"]["properties"]
    assert "old, new" in event["changes"]["description"]
    assert "Luhn" in schemas["OrganizationNPIIn"]["properties"]["npi"]["description"]


def test_interactive_docs_page_answers_without_a_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    assert "cdn." not in page
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    assert scripts
    for src in scripts:
        assert src.startswith("/static/"), src
        assert Client().get(src).status_code == 200, src


def test_health_checks_answer_200_when_the_database_answers(db, client):
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
