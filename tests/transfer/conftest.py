"""Helpers for import tests: write staff and location files as CSV or XLSX."""

import csv
import io

import pytest
import xlsxwriter

from clinicorg.directory import actions as directory
from clinicorg.transfer.columns import COLUMNS

STAFF_HEADERS = [c.label for c in COLUMNS["staff"]]
LOCATION_HEADERS = [c.label for c in COLUMNS["locations"]]


def csv_bytes(rows, headers=STAFF_HEADERS, *, bom=False, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, headers=STAFF_HEADERS, *, raw_cells=None) -> bytes:
    """An XLSX with text cells; `raw_cells` {(row, col): value} writes typed values."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Staff")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        values = [row.get(h, "") for h in headers] if isinstance(row, dict) else row
        for c, value in enumerate(values):
            sheet.write_string(r, c, str(value)) if value != "" else None
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for (r, c), value in (raw_cells or {}).items():
        if hasattr(value, "year"):
            sheet.write_datetime(r, c, value, date_format)
        else:
            sheet.write(r, c, value)
    book.close()
    return buf.getvalue()


def staff_row(n, **over) -> dict:
    row = {
        "Email": f"new{n}@acme.test",
        "First name": f"First{n}",
        "Last name": f"Last{n}",
        "Primary location code": "MAIN",
        "Role": "Provider",
        "Send invitation": "no",
    }
    row.update({k.replace("_", " "): v for k, v in over.items()})
    return row


@pytest.fixture(autouse=True)
def _imports_in_tmp(settings, tmp_path):
    """Uploaded files go to the test's own folder, not the data folder."""
    settings.IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def north(acme):
    return directory.create_location({"name": "North Clinic", "code": "NORTH"}, actor=acme.system)
