"""A form reports every problem after one submit: a blank required field, a value that breaks
a rule and a clash with another record are shown together, beside their fields, with a
summary that links to each; the action (and so the API) raises them together too."""

import pytest
from django.core.exceptions import ValidationError

from clinicorg.directory import actions
from clinicorg.directory.models import Department, Location
from tests.conftest import signed_in


def _errors_beside(page, *fields) -> list[str]:
    """The fields among `fields` without an error beside them on the page."""
    return [f for f in fields if f'id="id_{f}-error"' not in page.text]


def test_the_location_form_shows_blank_name_bad_npi_and_taken_code_together(acme, admin):
    page = signed_in(admin).post(
        "/locations/new/",
        {"name": "", "code": "main", "npi": "1234567890", "timezone": "Mars/Olympus"},
    )
    assert page.status_code == 200
    assert _errors_beside(page, "name", "code", "npi", "timezone") == []
    assert "This field is required." in page.text
    assert "A location with this code already exists." in page.text
    assert "check digit" in page.text
    assert "Unknown time zone" in page.text
    # The summary links to each field with a problem.
    for field in ("name", "code", "npi", "timezone"):
        assert f'href="#id_{field}"' in page.text
    assert not Location.objects.filter(organization=acme.org, npi="1234567890").exists()


def test_editing_a_location_reports_a_taken_name_and_a_bad_npi_together(acme, admin):
    page = signed_in(admin).post(
        f"/locations/{acme.branch.pk}/edit/",
        {"name": acme.main.name.upper(), "code": "BRANCH", "npi": "12", "timezone": "UTC"},
    )
    assert page.status_code == 200
    assert _errors_beside(page, "name", "npi") == []


def test_the_action_raises_every_location_error_at_once(acme, admin):
    with pytest.raises(ValidationError) as exc:
        actions.create_location(
            {"name": acme.main.name, "code": "main", "npi": "12", "place_of_service": "7"},
            actor=admin,
        )
    assert set(exc.value.message_dict) >= {"name", "code", "npi", "place_of_service"}


def test_a_blank_name_is_not_also_reported_as_taken(acme, admin):
    with pytest.raises(ValidationError) as exc:
        actions.create_location({"name": "", "code": "NEW"}, actor=admin)
    assert exc.value.message_dict["name"] == ["This field cannot be blank."]


def test_the_api_names_every_bad_field_of_a_location(acme, api):
    response = api.post("/api/v1/locations", {"name": acme.main.name, "code": "MAIN", "npi": "1"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields >= {"name", "code", "npi"}


def test_the_enrollment_form_shows_blank_name_and_taken_payer_id_together(acme, admin):
    client = signed_in(admin)
    actions.add_payer_enrollment(
        acme.main, {"payer_name": "Aetna", "payer_id": "60054", "status": "active"}, actor=admin
    )
    page = client.post(
        f"/locations/{acme.main.pk}/enrollments/new/",
        {"payer_name": "", "payer_id": "60054", "status": "nonsense"},
    )
    assert page.status_code == 200
    assert _errors_beside(page, "payer_name", "payer_id", "status") == []


def test_the_organization_settings_report_a_blank_name_and_unknown_zone_together(acme, admin):
    page = signed_in(admin).post(
        "/organization/settings/", {"name": "", "timezone": "Mars/Olympus", "tax_id": ""}
    )
    assert page.status_code == 200
    assert _errors_beside(page, "name", "timezone") == []
    assert "Nothing was saved." in page.text


def test_a_department_name_that_is_blank_says_so_in_the_forms_words(acme, admin):
    page = signed_in(admin).post("/organization/departments/new/", {"name": "  "})
    assert page.status_code == 200
    assert _errors_beside(page, "name") == []
    assert "This field is required." in page.text
    assert not Department.objects.filter(organization=acme.org).exists()
