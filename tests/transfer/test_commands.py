"""The template, import and export commands: files, exit statuses, the same error report."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clinicorg.staff.models import StaffMember

from .conftest import LOCATION_HEADERS, csv_bytes, staff_row


def test_template_writes_csv_and_xlsx(acme, tmp_path):
    call_command(
        "template", "staff", "--org", "acme", "--format", "csv", "-o", str(tmp_path / "t.csv")
    )
    header = (tmp_path / "t.csv").read_text().splitlines()[0]
    assert header.startswith("Email,First name,Last name")
    call_command("template", "locations", "--org", "acme", "-o", str(tmp_path / "t.xlsx"))
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"


def test_import_dry_run_exits_zero_for_a_valid_file_and_writes_nothing(acme, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([staff_row(1)]))
    out = io.StringIO()
    call_command("import", "staff", str(path), "--org", "acme", "--dry-run", stdout=out)
    assert "1 to create" in out.getvalue() and "nothing written" in out.getvalue()
    assert not StaffMember.objects.filter(email="new1@acme.test").exists()


def test_import_commits_and_exits_zero(acme, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([staff_row(1)]))
    out = io.StringIO()
    call_command("import", "staff", str(path), "--org", "acme", stdout=out)
    assert "Committed" in out.getvalue()
    assert StaffMember.objects.filter(email="new1@acme.test").exists()


def test_import_with_errors_prints_them_and_exits_one(acme, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([staff_row(1), staff_row(2, Role="Nobody")]))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "staff", str(path), "--org", "acme", stdout=out)
    assert exit_.value.code == 1
    assert "row 3, column Role: No role named “Nobody”." in out.getvalue()
    assert "Nothing was imported." in out.getvalue()
    assert not StaffMember.objects.filter(email="new1@acme.test").exists()


def test_import_locations_with_update(acme, tmp_path):
    path = tmp_path / "locations.csv"
    path.write_bytes(csv_bytes([{"Code": "MAIN", "Name": "Renamed Main"}], LOCATION_HEADERS))
    call_command(
        "import", "locations", str(path), "--org", "acme", "--update", stdout=io.StringIO()
    )
    acme.main.refresh_from_db()
    assert acme.main.name == "Renamed Main"


def test_import_of_a_missing_file_or_organization_is_a_clear_error(acme, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        call_command("import", "staff", str(tmp_path / "nope.csv"), "--org", "acme")
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([staff_row(1)]))
    with pytest.raises(CommandError, match="No organization"):
        call_command("import", "staff", str(path), "--org", "nope")


def test_export_writes_the_organizations_staff(acme, admin, globex, outsider, tmp_path):
    path = tmp_path / "staff.csv"
    call_command(
        "export", "staff", "--org", "acme", "--format", "csv", "-o", str(path), stdout=io.StringIO()
    )
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["admin@acme.test"]
