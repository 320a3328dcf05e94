"""Files that would change data silently are refused, through the API and the command.

Each trap is a file a new user or a careless generator produces: a CSV quote left open, a row
with a cell too many, a formula without a calculated value, a file with only its header, the
template uploaded unchanged, a date whose day and month could be swapped. Each must be refused
with a message naming the row or the cell, and write nothing.
"""

import io
import zipfile

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from clinicorg.core.models import AuditEvent, Organization
from clinicorg.staff.models import StaffMember
from clinicorg.transfer.templates import build_template
from tests.conftest import ApiClient

from .conftest import STAFF_HEADERS, csv_bytes, staff_row

HEADER = ("Email", "First name", "Last name", "Primary location code", "Role")


def _csv_text(lines: list[str]) -> bytes:
    return ("\r\n".join([",".join(HEADER), *lines]) + "\r\n").encode()


def _formula_workbook(*, cached: str | None, full_calc: bool = False) -> bytes:
    """A staff sheet whose row 2 has a formula in Last name (C2), with or without a value."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Staff")
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["new1@acme.test", "Ann", "", "MAIN", "Provider"])
    sheet.write_formula(1, 2, '=UPPER("lee")', None, cached if cached is not None else 0)
    book.close()
    if cached is not None and not full_calc:
        return _rewrite(buf.getvalue(), "xl/workbook.xml", ' fullCalcOnLoad="1"', "")
    if cached is None:
        data = _rewrite(buf.getvalue(), "xl/workbook.xml", ' fullCalcOnLoad="1"', "")
        return _rewrite(data, "xl/worksheets/sheet1.xml", "<v>0</v>", "")
    return buf.getvalue()


def _rewrite(data: bytes, part: str, old: str, new: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                assert old.encode() in body
                body = body.replace(old.encode(), new.encode())
            z.writestr(info, body)
    return out.getvalue()


def _date_file(value: str) -> bytes:
    return csv_bytes([staff_row(1, **{"Hire date": value})])


TRAPS = {
    "unterminated quote": (
        "s.csv",
        lambda acme: _csv_text(
            [
                "new1@acme.test,Ann,Lee,MAIN,Provider",
                'new2@acme.test,Bob,"Dr. Bob Ray,MAIN,Provider',
                "new3@acme.test,Cy,Poe,MAIN,Provider",
            ]
        ),
        "Row 3 is malformed",
    ),
    "text after a closing quote": (
        "s.csv",
        lambda acme: _csv_text(['new1@acme.test,"Ann"x,Lee,MAIN,Provider']),
        "Row 2 is malformed",
    ),
    "row with a cell too many": (
        "s.csv",
        lambda acme: _csv_text(
            ["new1@acme.test,Ann,Lee,MAIN,Provider", "new2@acme.test,Bob,Ray,Jr,MAIN,Provider"]
        ),
        "Row 3 has 6 cells but the header row has 5",
    ),
    "row with a cell too few": (
        "s.csv",
        lambda acme: _csv_text(["new1@acme.test,Ann,MAIN,Provider"]),
        "Row 2 has 4 cells but the header row has 5",
    ),
    "formula without a value": (
        "s.xlsx",
        lambda acme: _formula_workbook(cached=None),
        "Cell C2 holds a formula without a calculated value",
    ),
    "formula whose value was never calculated": (
        "s.xlsx",
        lambda acme: _formula_workbook(cached="0", full_calc=True),
        "Cell C2 holds a formula whose value was never calculated",
    ),
    "header only, csv": (
        "s.csv",
        lambda acme: csv_bytes([]),
        "The file has no rows to import",
    ),
    "header only, xlsx": (
        "s.xlsx",
        lambda acme: _header_only_xlsx(),
        "The file has no rows to import",
    ),
    "unchanged csv template": (
        "t.csv",
        lambda acme: build_template("staff", "csv", acme.system),
        "Row 2 is the template's example row",
    ),
    "unchanged xlsx template": (
        "t.xlsx",
        lambda acme: build_template("staff", "xlsx", acme.system),
        "Row 2 is the template's example row",
    ),
    "ambiguous date": (
        "s.csv",
        lambda acme: _date_file("01/03/2024"),
        "“01/03/2024” could be January 3 or March 1",
    ),
}


def _header_only_xlsx() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet("Staff").write_row(0, 0, STAFF_HEADERS)
    book.close()
    return buf.getvalue()


def _nothing_written(before_staff: int, before_events: int) -> None:
    assert StaffMember.objects.count() == before_staff
    assert not AuditEvent.objects.filter(action="import_staff").exists()
    assert AuditEvent.objects.count() == before_events


@pytest.mark.parametrize("trap", TRAPS)
def test_the_api_refuses_the_file_naming_the_row_or_cell(acme, trap):
    name, make, message = TRAPS[trap]
    api = ApiClient(acme.token())
    staff, events = StaffMember.objects.count(), AuditEvent.objects.count()
    response = api.client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile(name, make(acme)), "kind": "staff", "dry_run": "false"},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "invalid"
    text = body["message"] + " ".join(e["message"] for e in body["errors"])
    assert message in text
    _nothing_written(staff, events)


@pytest.mark.parametrize("trap", TRAPS)
def test_the_command_refuses_the_file_and_exits_one(acme, trap, tmp_path):
    name, make, message = TRAPS[trap]
    path = tmp_path / name
    path.write_bytes(make(acme))
    staff, events = StaffMember.objects.count(), AuditEvent.objects.count()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "staff", str(path), "--org", "acme", stdout=out)
    assert exit_.value.code == 1
    assert message in out.getvalue()
    assert "Nothing was imported." in out.getvalue()
    _nothing_written(staff, events)


def test_the_example_row_never_imports_even_among_real_rows(acme, admin, tmp_path):
    template = build_template("staff", "csv", acme.system).decode()
    data = (template + ",".join(["new9@acme.test", "Ann", "Lee", "MAIN", "Provider"])).encode()
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    with pytest.raises(SystemExit):
        call_command("import", "staff", str(path), "--org", "acme", stdout=io.StringIO())
    assert not StaffMember.objects.filter(email__icontains="example").exists()
    assert not StaffMember.objects.filter(email="new9@acme.test").exists()


@pytest.mark.parametrize(("order", "expected"), [("mdy", "2024-01-03"), ("dmy", "2024-03-01")])
def test_the_organizations_date_order_decides_an_ambiguous_date(acme, order, expected):
    api = ApiClient(acme.token())
    assert api.patch("/api/v1/organization", {"date_order": order}).json()["date_order"] == order
    response = api.client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("s.csv", _date_file("01/03/2024")), "kind": "staff"},
        headers=api.headers,
    )
    assert response.json()["state"] == "committed", response.json()
    member = StaffMember.objects.get(email="new1@acme.test")
    assert member.hire_date.isoformat() == expected


@pytest.mark.parametrize("value", ["13/03/2024", "03/13/2024", "2024-03-13", "3/3/2024", "45364"])
def test_dates_with_one_reading_import_without_a_date_order(acme, admin, value, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(_date_file(value))
    call_command("import", "staff", str(path), "--org", "acme", stdout=io.StringIO())
    assert StaffMember.objects.get(email="new1@acme.test").hire_date.month == 3


def test_a_date_that_is_not_a_date_lists_the_accepted_formats(acme, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(_date_file("March 1st"))
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "staff", str(path), "--org", "acme", stdout=out)
    assert "“March 1st” is not a date. Accepted: YYYY-MM-DD, MM/DD/YYYY" in out.getvalue()


def test_the_date_order_is_edited_on_the_settings_page(admin_client, acme):
    page = admin_client.get(reverse("web:org_settings"))
    assert page.status_code == 200 and "Date order in spreadsheets" in page.text
    response = admin_client.post(
        reverse("web:org_settings"),
        {"name": acme.org.name, "timezone": acme.org.timezone, "tax_id": "", "date_order": "dmy"},
    )
    assert response.status_code == 302, response.content
    assert Organization.objects.get(pk=acme.org.pk).date_order == "dmy"
    assert AuditEvent.objects.filter(action="update_organization").exists()
    response = admin_client.post(
        reverse("web:org_settings"),
        {"name": acme.org.name, "timezone": acme.org.timezone, "date_order": "ymd"},
    )
    assert response.status_code == 200 and "ymd" in response.text


def test_the_api_refuses_an_unknown_date_order_naming_the_field(acme):
    response = ApiClient(acme.token()).patch("/api/v1/organization", {"date_order": "ydm"})
    assert response.status_code == 422 and "date_order" in response.text


def test_the_template_status_dropdown_offers_only_what_the_import_accepts(acme):
    from clinicorg.transfer.templates import choice_lists

    assert choice_lists(acme.system)["statuses"] == ["pending"]
