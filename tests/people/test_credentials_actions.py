"""Provider credentials through the actions: NPI, taxonomy, bio, capacity, step, licenses."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from clinicorg.core.errors import Denied
from clinicorg.core.models import AuditEvent
from clinicorg.staff import actions, taxonomy
from clinicorg.staff.bio import BIO_MAX_LENGTH, render_bio
from clinicorg.staff.models import License, TaxonomyAssignment

from .conftest import CARDIO, FAMILY, INTERNAL

VALID_NPI = "1234567893"


def errors_of(exc) -> dict:
    return exc.value.message_dict


def codes_of(member) -> list[tuple[str, bool]]:
    return list(TaxonomyAssignment.objects.filter(staff=member).values_list("code", "is_primary"))


# NPI


def test_a_valid_npi_is_saved_and_audited(admin, provider):
    changes = actions.update_credentials(provider, {"npi": VALID_NPI}, actor=admin)
    provider.refresh_from_db()
    assert provider.npi == VALID_NPI
    assert changes == {"npi": ["", VALID_NPI]}
    event = AuditEvent.objects.get(action="update_credentials", target_id=str(provider.pk))
    assert event.actor == admin
    assert event.changes["npi"] == ["", VALID_NPI]


def test_spaces_and_dashes_in_an_npi_are_ignored(admin, provider):
    actions.update_credentials(provider, {"npi": " 123-456-7893 "}, actor=admin)
    provider.refresh_from_db()
    assert provider.npi == VALID_NPI


@pytest.mark.parametrize(
    ("npi", "fragment"),
    [("1234567890", "check digit"), ("12345", "10 digits"), ("12345678AB", "10 digits")],
)
def test_an_invalid_npi_is_refused_naming_the_field(admin, provider, npi, fragment):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"npi": npi}, actor=admin)
    assert fragment in errors_of(exc)["npi"][0]
    provider.refresh_from_db()
    assert provider.npi == ""


def test_an_npi_used_by_another_member_of_the_org_is_refused(acme, admin, provider):
    other = acme.member("other@acme.test", role="provider")
    actions.update_credentials(other, {"npi": VALID_NPI}, actor=admin)
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"npi": VALID_NPI}, actor=admin)
    assert "Another staff member" in errors_of(exc)["npi"][0]


def test_the_same_npi_is_fine_in_another_organization(globex, outsider, admin, provider):
    actions.update_credentials(provider, {"npi": VALID_NPI}, actor=admin)
    theirs = globex.member("doc@globex.test", role="provider")
    actions.update_credentials(theirs, {"npi": VALID_NPI}, actor=outsider)
    theirs.refresh_from_db()
    assert theirs.npi == VALID_NPI


def test_clearing_the_npi_is_allowed(admin, provider):
    actions.update_credentials(provider, {"npi": VALID_NPI}, actor=admin)
    actions.update_credentials(provider, {"npi": ""}, actor=admin)
    provider.refresh_from_db()
    assert provider.npi == ""


# Taxonomy


def test_without_a_code_set_codes_are_checked_by_format_only(db, admin, provider):
    assert not taxonomy.code_set_loaded()
    actions.update_credentials(provider, {"taxonomy_codes": ["207x00000x"]}, actor=admin)
    assert codes_of(provider) == [("207X00000X", True)]
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"taxonomy_codes": ["207Q0000"]}, actor=admin)
    assert "10 characters" in errors_of(exc)["taxonomy_codes"][0]


def test_with_a_code_set_loaded_unknown_codes_are_refused(code_set, admin, provider):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"taxonomy_codes": ["207X00000X"]}, actor=admin)
    assert "not in the loaded NUCC" in errors_of(exc)["taxonomy_codes"][0]
    assert codes_of(provider) == []


def test_the_first_code_is_primary_unless_another_is_chosen(code_set, admin, provider):
    actions.update_credentials(provider, {"taxonomy_codes": [INTERNAL, CARDIO]}, actor=admin)
    assert codes_of(provider) == [(INTERNAL, True), (CARDIO, False)]
    actions.update_credentials(
        provider, {"taxonomy_codes": [INTERNAL, CARDIO], "primary_taxonomy": CARDIO}, actor=admin
    )
    assert codes_of(provider) == [(CARDIO, True), (INTERNAL, False)]
    # Keeping the list keeps the primary.
    actions.update_credentials(
        provider, {"taxonomy_codes": [INTERNAL, CARDIO, FAMILY]}, actor=admin
    )
    assert dict(codes_of(provider))[CARDIO] is True


def test_the_primary_must_be_one_of_the_codes(code_set, admin, provider):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(
            provider, {"taxonomy_codes": [INTERNAL], "primary_taxonomy": FAMILY}, actor=admin
        )
    assert "primary_taxonomy" in errors_of(exc)


def test_taxonomy_changes_are_audited_as_lists(code_set, admin, provider):
    actions.update_credentials(provider, {"taxonomy_codes": [FAMILY]}, actor=admin)
    event = AuditEvent.objects.filter(action="update_credentials").latest("id")
    assert event.changes["taxonomy_codes"] == [[], [FAMILY]]
    assert event.changes["primary_taxonomy"] == [None, FAMILY]


def test_a_retired_code_stays_valid_for_its_holder_but_cannot_be_newly_added(
    code_set, write_csv, admin, provider, acme
):
    actions.update_credentials(provider, {"taxonomy_codes": [CARDIO, FAMILY]}, actor=admin)
    result = taxonomy.load_file(write_csv("nucc_taxonomy_260.csv", FAMILY, INTERNAL))
    assert result.retired == 2
    # The holder can still save, keeping the retired code.
    actions.update_credentials(
        provider, {"taxonomy_codes": [CARDIO, FAMILY], "bio": "Still here."}, actor=admin
    )
    assert dict(codes_of(provider)) == {CARDIO: True, FAMILY: False}
    newcomer = acme.member("new@acme.test", role="provider")
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(newcomer, {"taxonomy_codes": [CARDIO]}, actor=admin)
    assert "retired in code set 26.0" in errors_of(exc)["taxonomy_codes"][0]


def test_a_code_held_before_the_code_set_was_loaded_does_not_block_other_edits(
    db, write_csv, admin, provider
):
    actions.update_credentials(provider, {"taxonomy_codes": ["207X00000X"]}, actor=admin)
    taxonomy.load_file(write_csv("nucc_taxonomy_251.csv", FAMILY))
    actions.update_credentials(
        provider, {"taxonomy_codes": ["207X00000X", FAMILY], "npi": VALID_NPI}, actor=admin
    )
    assert dict(codes_of(provider)) == {"207X00000X": True, FAMILY: False}
    # Once dropped it cannot come back.
    actions.update_credentials(provider, {"taxonomy_codes": [FAMILY]}, actor=admin)
    with pytest.raises(ValidationError):
        actions.update_credentials(provider, {"taxonomy_codes": ["207X00000X"]}, actor=admin)


# Bio, capacity, step


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert('x')</script>",
        "<iframe src='https://evil.test'></iframe>",
        '<a href="https://ok.test" onclick="steal()">link</a>',
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ],
)
def test_bio_sanitizing_strips_scripts_frames_handlers_and_javascript_links(
    admin, provider, attack
):
    actions.update_credentials(provider, {"bio": f"Hello. {attack} Bye."}, actor=admin)
    provider.refresh_from_db()
    for stored_or_shown in (provider.bio, str(render_bio(provider.bio)), str(render_bio(attack))):
        lowered = stored_or_shown.lower()
        assert "<script" not in lowered
        assert "<iframe" not in lowered
        assert "onclick" not in lowered
        assert "onerror" not in lowered
        assert 'href="javascript' not in lowered


def test_bio_markdown_renders_as_patients_see_it(admin, provider):
    text = "I care for **families**.\n\n- Spanish\n- English\n\n[Clinic](https://acme.test)"
    actions.update_credentials(provider, {"bio": text}, actor=admin)
    provider.refresh_from_db()
    html = str(render_bio(provider.bio))
    assert "<strong>families</strong>" in html
    assert "<li>Spanish</li>" in html
    assert 'href="https://acme.test"' in html
    assert "nofollow" in html


def test_a_bio_over_the_limit_is_refused(admin, provider):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"bio": "x" * (BIO_MAX_LENGTH + 1)}, actor=admin)
    assert f"{BIO_MAX_LENGTH:,}" in errors_of(exc)["bio"][0]
    actions.update_credentials(provider, {"bio": "x" * BIO_MAX_LENGTH}, actor=admin)


@pytest.mark.parametrize("capacity", [0, 21, -1, "many", None])
def test_capacity_outside_1_to_20_is_refused(admin, provider, capacity):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"capacity": capacity}, actor=admin)
    assert "1 to 20" in errors_of(exc)["capacity"][0]


@pytest.mark.parametrize("capacity", [1, 20, "7"])
def test_capacity_within_bounds_is_saved(admin, provider, capacity):
    actions.update_credentials(provider, {"capacity": capacity}, actor=admin)
    provider.refresh_from_db()
    assert provider.capacity == int(capacity)


@pytest.mark.parametrize("step", [0, 7, 25, 90, "x"])
def test_a_scheduling_step_not_in_the_list_is_refused(admin, provider, step):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(provider, {"scheduling_step": step}, actor=admin)
    assert "5, 10, 15, 20, 30, 45, 60" in errors_of(exc)["scheduling_step"][0]


def test_every_listed_scheduling_step_is_accepted(admin, provider):
    for step in (5, 10, 15, 20, 30, 45, 60):
        actions.update_credentials(provider, {"scheduling_step": step}, actor=admin)
        provider.refresh_from_db()
        assert provider.scheduling_step == step


def test_one_bad_field_saves_nothing(admin, provider):
    with pytest.raises(ValidationError) as exc:
        actions.update_credentials(
            provider, {"npi": VALID_NPI, "capacity": 99, "bio": "Hi"}, actor=admin
        )
    assert set(errors_of(exc)) == {"capacity"}
    provider.refresh_from_db()
    assert (provider.npi, provider.bio) == ("", "")


# Permission


def test_front_desk_cannot_edit_credentials(frontdesk, provider):
    with pytest.raises(Denied) as exc:
        actions.update_credentials(provider, {"capacity": 2}, actor=frontdesk)
    assert exc.value.decision.reason == "missing_permission"


def test_an_admin_without_access_to_the_members_location_cannot_edit_them(branch_admin, provider):
    with pytest.raises(Denied) as exc:
        actions.update_credentials(provider, {"capacity": 2}, actor=branch_admin)
    assert exc.value.decision.reason == "no_location_access"


# Licenses


def test_a_license_is_added_and_removed_with_audit_events(admin, provider):
    lic = actions.add_license(
        provider, {"state": "ca", "number": "A12345", "expires_on": "2027-06-30"}, actor=admin
    )
    assert (lic.state, lic.number, lic.expires_on) == ("CA", "A12345", datetime.date(2027, 6, 30))
    added = AuditEvent.objects.get(action="add_license")
    assert added.changes == {"license": [None, "CA A12345 (expires 2027-06-30)"]}
    actions.remove_license(lic, actor=admin)
    assert not License.objects.filter(staff=provider).exists()
    assert AuditEvent.objects.get(action="remove_license").changes["license"][1] is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"state": "ZZ", "number": "1"}, "state"),
        ({"state": "California", "number": "1"}, "state"),
        ({"state": "NY", "number": ""}, "number"),
        ({"state": "NY", "number": "<b>1</b>"}, "number"),
        ({"state": "NY", "number": "1", "expires_on": "30/06/2027"}, "expires_on"),
    ],
)
def test_bad_license_input_names_the_field(admin, provider, data, field):
    with pytest.raises(ValidationError) as exc:
        actions.add_license(provider, data, actor=admin)
    assert field in errors_of(exc)


def test_the_same_license_twice_is_refused(admin, provider):
    actions.add_license(provider, {"state": "NY", "number": "X1"}, actor=admin)
    with pytest.raises(ValidationError) as exc:
        actions.add_license(provider, {"state": "ny", "number": "x1"}, actor=admin)
    assert "already has NY" in errors_of(exc)["number"][0]


def test_front_desk_cannot_add_licenses(frontdesk, provider):
    with pytest.raises(Denied):
        actions.add_license(provider, {"state": "NY", "number": "X1"}, actor=frontdesk)
