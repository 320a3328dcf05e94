"""`clinicorg token create` prints a token that works against the REST API; `token list` shows
an organization's tokens and their last use; `token revoke` stops one at once."""

from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinicorg.access.actions import create_role, note_token_use
from clinicorg.access.models import ApiToken
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from tests.conftest import ApiClient


def create_token(*args: str) -> str:
    out = StringIO()
    call_command("token", "create", *args, stdout=out)
    return out.getvalue().strip()


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


def test_an_administrator_token_lists_every_location(acme):
    raw = create_token("--org", "acme", "--role", "Administrator")
    assert raw.startswith(ApiToken.PREFIX)
    assert len(raw.splitlines()) == 1
    assert codes(ApiClient(raw).get("/api/v1/locations")) == {"MAIN", "BRANCH"}
    token = ApiToken.objects.get(organization=acme.org)
    assert token.role.name == "Administrator"
    assert token.name == "Administrator token"
    assert token.all_locations


def test_only_the_hash_of_the_printed_token_is_stored(acme):
    raw = create_token("--org", "acme", "--role", "administrator", "--name", "EHR sync")
    token = ApiToken.objects.get(name="EHR sync")
    assert raw not in (token.token_hash, token.hint)
    assert token.hint == raw[: len(token.hint)]


def test_creating_a_token_is_audited(acme):
    create_token("--org", "acme", "--role", "Administrator", "--name", "EHR sync")
    event = AuditEvent.objects.get(action="create_api_token")
    assert event.organization_id == acme.org.pk
    assert event.changes["name"] == [None, "EHR sync"]


def test_the_role_can_be_given_by_name_in_any_case_or_by_key(acme):
    create_token("--org", "acme", "--role", "front desk", "--name", "a")
    create_token("--org", "acme", "--role", "front_desk", "--name", "b")
    assert set(ApiToken.objects.values_list("role__name", flat=True)) == {"Front Desk"}


def test_a_location_limited_token_sees_only_that_location(acme):
    raw = create_token("--org", "acme", "--role", "Administrator", "--location", "branch")
    assert codes(ApiClient(raw).get("/api/v1/locations")) == {"BRANCH"}
    assert ApiClient(raw).get(f"/api/v1/locations/{acme.main.pk}").status_code == 404
    token = ApiToken.objects.get()
    assert not token.all_locations
    assert list(token.locations.all()) == [acme.branch]


def test_location_can_be_repeated(acme):
    raw = create_token(
        "--org", "acme", "--role", "Administrator", "--location", "MAIN", "--location", "BRANCH"
    )
    assert codes(ApiClient(raw).get("/api/v1/locations")) == {"MAIN", "BRANCH"}


def test_a_token_of_one_organization_sees_nothing_of_another(acme, globex):
    raw = create_token("--org", "globex", "--role", "Administrator")
    client = ApiClient(raw)
    assert codes(client.get("/api/v1/locations")) == {"MAIN", "BRANCH"}
    assert client.get(f"/api/v1/locations/{acme.main.pk}").status_code == 404


def test_a_role_without_the_permission_gets_403_with_the_reason(acme):
    raw = create_token("--org", "acme", "--role", "Front Desk")
    response = ApiClient(raw).get("/api/v1/locations")
    assert response.status_code == 403
    assert response.json()["permission"] == "administration.manage_locations"


def test_an_unknown_organization_is_a_clear_error(acme):
    with pytest.raises(CommandError, match=r"No organization with slug 'nope'.*acme"):
        create_token("--org", "nope", "--role", "Administrator")
    assert not ApiToken.objects.exists()


def test_an_unknown_role_is_a_clear_error_listing_the_roles(acme):
    with pytest.raises(CommandError, match=r"No role 'Janitor' in acme\. Roles: .*Front Desk"):
        create_token("--org", "acme", "--role", "Janitor")
    assert not ApiToken.objects.exists()


def test_a_role_of_another_organization_is_not_found(acme, globex):
    create_role("Globex Auditors", ["administration.view_audit_log"], actor=globex.system)
    with pytest.raises(CommandError, match="No role 'Globex Auditors' in acme"):
        create_token("--org", "acme", "--role", "Globex Auditors")


def test_an_unknown_location_is_a_clear_error_listing_the_codes(acme, globex):
    with pytest.raises(CommandError, match=r"No location with code 'NOPE' in acme\. Codes: "):
        create_token("--org", "acme", "--role", "Administrator", "--location", "NOPE")
    assert not ApiToken.objects.exists()


def test_an_inactive_location_is_refused(acme):
    directory.set_location_status(acme.branch, "inactive", actor=acme.system)
    with pytest.raises(CommandError, match="BRANCH is inactive"):
        create_token("--org", "acme", "--role", "Administrator", "--location", "BRANCH")
    assert not ApiToken.objects.exists()


def test_create_requires_org_and_role(db):
    with pytest.raises(CommandError, match="--org"):
        call_command("token", "create", "--role", "Administrator")
    with pytest.raises(CommandError, match="--role"):
        call_command("token", "create", "--org", "acme")


# --- token list, token revoke, and the last use they show ------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def line_of(listing: str, token: ApiToken) -> str:
    (line,) = [row for row in listing.splitlines() if row.split()[0] == str(token.pk)]
    return line


def local(moment, org) -> str:
    return moment.astimezone(ZoneInfo(org.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def test_the_list_shows_each_token_and_its_last_use_in_the_organizations_zone(acme):
    acme.org.timezone = "America/Chicago"
    acme.org.save(update_fields=["timezone"])
    used_raw = create_token("--org", "acme", "--role", "Administrator", "--name", "EHR sync")
    create_token("--org", "acme", "--role", "Front Desk", "--name", "Kiosk", "--location", "MAIN")
    used, idle = ApiToken.objects.get(name="EHR sync"), ApiToken.objects.get(name="Kiosk")
    assert "never" in line_of(run("list", "--org", "acme"), used)

    assert ApiClient(used_raw).get("/api/v1/locations").status_code == 200
    used.refresh_from_db()
    assert used.last_used_at is not None
    assert abs((timezone.now() - used.last_used_at).total_seconds()) < 60

    listing = run("list", "--org", "acme")
    assert listing.splitlines()[0].split()[:3] == ["ID", "NAME", "ROLE"]
    row = line_of(listing, used)
    assert "EHR sync" in row and "Administrator" in row and " all " in row
    assert f"{used.hint}…" in row and used_raw not in listing
    assert local(used.last_used_at, acme.org) in row
    assert row.split()[-1] == "active"
    idle_row = line_of(listing, idle)
    assert "Front Desk" in idle_row and "MAIN" in idle_row and "never" in idle_row
    assert local(idle.created_at, acme.org) in idle_row


def test_a_busy_client_records_its_last_use_once_in_five_minutes(acme):
    raw = create_token("--org", "acme", "--role", "Administrator")
    client = ApiClient(raw)
    client.get("/api/v1/locations")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/locations").status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].upper().startswith("UPDATE")]

    token = ApiToken.objects.get()
    first = token.last_used_at
    note_token_use(token, now=first + timedelta(minutes=4))
    token.refresh_from_db()
    assert token.last_used_at == first
    later = first + timedelta(minutes=6)
    note_token_use(token, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_revoked_token_is_refused_at_once_and_the_revocation_is_audited(acme):
    raw = create_token("--org", "acme", "--role", "Administrator", "--name", "EHR sync")
    token = ApiToken.objects.get()
    assert ApiClient(raw).get("/api/v1/locations").status_code == 200

    out = run("revoke", str(token.pk), "--org", "acme")
    assert out.startswith(f"Revoked token {token.pk} (EHR sync)")
    assert ApiClient(raw).get("/api/v1/locations").status_code == 401
    event = AuditEvent.objects.get(action="revoke_api_token")
    assert event.organization_id == acme.org.pk
    assert event.actor_label == "cli"
    token.refresh_from_db()
    assert line_of(run("list", "--org", "acme"), token).endswith(
        f"revoked {local(token.revoked_at, acme.org)}"
    )

    again = run("revoke", str(token.pk), "--org", "acme")
    assert "already revoked" in again
    assert AuditEvent.objects.filter(action="revoke_api_token").count() == 1


def test_a_token_of_another_organization_is_not_found_and_keeps_working(acme, globex):
    raw = create_token("--org", "globex", "--role", "Administrator")
    theirs = ApiToken.objects.get(organization=globex.org)
    with pytest.raises(CommandError, match=rf"No API token {theirs.pk} in acme"):
        run("revoke", str(theirs.pk), "--org", "acme")
    assert str(theirs.pk) not in [
        line.split()[0] for line in run("list", "--org", "acme").split("\n") if line
    ]
    assert ApiClient(raw).get("/api/v1/locations").status_code == 200


def test_an_organization_without_tokens_says_how_to_make_one(acme):
    assert "acme has no API tokens (`clinicorg token create`)" in run("list", "--org", "acme")
