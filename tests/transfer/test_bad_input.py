"""Untrusted files: every kind of bad input gets a clear report, never a 500 or a partial import."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from clinicorg.staff.models import StaffMember
from clinicorg.transfer import actions
from clinicorg.transfer.models import State

from .conftest import STAFF_HEADERS, csv_bytes, staff_row, xlsx_bytes


def run(data, actor, name="staff.csv"):
    before = StaffMember.objects.count()
    job = actions.start_import(data, name, "staff", actor=actor, commit=True)
    assert StaffMember.objects.count() == before, "nothing may be written"
    return job


def test_a_file_over_the_upload_limit_is_refused_before_it_is_stored(acme, admin, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        actions.start_import(b"x" * 1001, "big.csv", "staff", actor=admin)
    assert "larger than the limit" in exc.value.message_dict["file"][0]


def test_an_empty_file_and_an_unknown_extension_are_refused(acme, admin):
    with pytest.raises(ValidationError, match="empty"):
        actions.start_import(b"", "staff.csv", "staff", actor=admin)
    with pytest.raises(ValidationError, match="neither .xlsx nor .csv"):
        actions.start_import(b"data", "staff.xls", "staff", actor=admin)


def _bomb(member_size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * member_size)
    return buf.getvalue()


def test_an_xlsx_that_expands_too_much_is_refused_before_parsing(acme, admin):
    data = _bomb(20 * 1024 * 1024)
    assert len(data) < 100_000
    job = run(data, admin, "bomb.xlsx")
    assert job.state == State.INVALID
    assert "expands" in job.message and "refused as unsafe" in job.message


def test_an_xlsx_whose_unpacked_size_is_over_the_limit_is_refused(acme, admin, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10_000
    job = run(_bomb(2 * 1024 * 1024), admin, "big.xlsx")
    assert job.state == State.INVALID
    assert "unpacks to 2 MB; the limit is 1 MB" in job.message


def test_a_file_that_is_not_a_workbook_is_reported_clearly(acme, admin):
    job = run(b"this is not a zip file", admin, "staff.xlsx")
    assert job.state == State.INVALID
    assert "not a valid XLSX workbook" in job.message


def test_rows_and_columns_are_capped(acme, admin, settings):
    settings.IMPORT_MAX_ROWS = 3
    job = run(csv_bytes([staff_row(i) for i in range(4)]), admin)
    assert job.message == "The file has more than 3 data rows. Split it into smaller files."
    settings.IMPORT_MAX_ROWS = 100
    settings.IMPORT_MAX_COLUMNS = 5
    job = run(csv_bytes([staff_row(1)]), admin)
    assert job.message.startswith(f"The file has {len(STAFF_HEADERS)} columns; the limit is 5.")
    job = run(xlsx_bytes([staff_row(1)]), admin, "staff.xlsx")
    assert "the limit is 5" in job.message


def test_utf8_with_and_without_bom_is_read_and_other_encodings_are_named(acme, admin):
    row = staff_row(1, **{"First name": "José"})
    for data in (csv_bytes([row], bom=True), csv_bytes([row])):
        job = actions.start_import(data, "s.csv", "staff", actor=admin)
        assert job.state == State.VALID, job.message
    job = run(csv_bytes([row], encoding="cp1252"), admin)
    assert job.state == State.INVALID
    assert "not UTF-8" in job.message and "Windows-1252" in job.message and "line 2" in job.message
    job = run(csv_bytes([row], encoding="utf-16"), admin)
    assert "UTF-16" in job.message


def test_fully_empty_rows_are_ignored_and_row_numbers_follow_the_sheet(acme, admin):
    empty = [""] * len(STAFF_HEADERS)
    rows = [staff_row(1), empty, ["   "] * len(STAFF_HEADERS), staff_row(2, Role="Nobody")]
    job = actions.start_import(csv_bytes(rows), "s.csv", "staff", actor=admin)
    assert job.total_rows == 2
    assert [(e["row"], e["column"]) for e in job.errors] == [(5, "Role")]
    job = actions.start_import(xlsx_bytes(rows), "s.xlsx", "staff", actor=admin)
    assert [(e["row"], e["column"]) for e in job.errors] == [(5, "Role")]


def test_unknown_and_missing_columns_are_reported_by_name(acme, admin):
    headers = ["Email", "First name", "Surname", "Primary location code", "Role", "Shoe size"]
    job = run(csv_bytes([["a@acme.test", "A", "B", "MAIN", "Provider", "9"]], headers), admin)
    assert job.state == State.INVALID
    got = {(e["column"], e["message"]) for e in job.errors}
    assert ("C", "Unknown column “Surname”.") in got
    assert ("F", "Unknown column “Shoe size”.") in got
    assert ("Last name", "Missing required column “Last name”.") in got
    assert "Expected columns: Email, First name, Last name" in job.message


def test_headers_match_whatever_their_case_and_punctuation(acme, admin):
    headers = ["EMAIL", "first_name", "Last Name ", "primary location", "role"]
    data = csv_bytes([["a@acme.test", "A", "B", "MAIN", "Provider"]], headers)
    job = actions.start_import(data, "s.csv", "staff", actor=admin)
    assert job.state == State.VALID, job.errors


def test_a_semicolon_separated_csv_is_read(acme, admin):
    text = "Email;First name;Last name;Primary location code;Role\na@acme.test;A;B;MAIN;Provider\n"
    job = actions.start_import(text.encode(), "s.csv", "staff", actor=admin)
    assert job.state == State.VALID, job.errors


def test_a_malformed_csv_is_reported_not_crashed(acme, admin):
    job = run(b'Email,First name\n"unterminated,\x00x\n', admin)
    assert job.state == State.INVALID
    assert job.message


def test_formula_neutralized_cells_of_an_export_import_back_as_their_value(acme, admin):
    job = actions.start_import(
        csv_bytes([staff_row(1, Phone="'+1 555 010 2000")]), "s.csv", "staff", actor=admin
    )
    assert job.state == State.VALID, job.errors


@pytest.mark.parametrize("sign", ["=", "+", "-", "@"])
def test_every_cell_an_export_neutralized_imports_back_as_its_value(acme, admin, sign):
    from clinicorg.transfer.cells import neutralize

    name = f"{sign}Dr. Lee"
    job = actions.start_import(
        csv_bytes([staff_row(1, **{"Display name": neutralize(name)})]),
        "s.csv",
        "staff",
        actor=admin,
        commit=True,
    )
    assert job.state == State.COMMITTED, job.errors
    assert StaffMember.objects.get(email="new1@acme.test").display_name == name
