"""Every file the product writes neutralizes cells a spreadsheet would run as a formula, with one
rule (transfer.cells.neutralize): exports, templates (their example row), error copies (header
cells included) and the audit log's CSV."""

import csv
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from clinicorg.access.actions import update_role
from clinicorg.transfer import actions
from clinicorg.transfer.cells import FORMULA_STARTS, neutralize
from tests.transfer.conftest import staff_row

HOSTILE = [f"{start}2+3" for start in FORMULA_STARTS]


@pytest.mark.parametrize("value", HOSTILE)
def test_neutralize_prefixes_every_formula_start(value):
    assert neutralize(value) == "'" + value


def _csv(content: bytes):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx(content: bytes):
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_staff_templates_example_row_neutralizes_a_role_renamed_as_a_formula(
    acme, admin, admin_client, fmt
):
    update_role(acme.roles["provider"], name="=2+3", actor=admin)
    response = admin_client.get(reverse("web:import_template", args=["staff", fmt]))
    rows = _csv(response.content) if fmt == "csv" else _xlsx(response.content)
    cells = [str(c) for c in rows[1]]
    assert not any(c.startswith(FORMULA_STARTS) for c in cells), cells


def test_the_error_copy_neutralizes_header_cells(acme, admin, admin_client):
    row = staff_row(1, Role="Nobody")
    header = ",".join([*row.keys(), '=HYPERLINK("http://x")'])
    body = ",".join([*(f'"{v}"' for v in row.values()), "=1+1"])
    job = actions.start_import(f"{header}\n{body}\n".encode(), "s.csv", "staff", actor=admin)
    response = admin_client.get(reverse("web:import_error_copy", args=[job.pk]))
    rows = _csv(response.content)
    for cell in rows[0] + rows[1]:
        assert not cell.startswith(FORMULA_STARTS), cell
    assert '\'=HYPERLINK("http://x")' in rows[0]
