"""The dashboard's tables and the license expiry list as CSV or XLSX files.

Same scope and filters as the pages (the rows come from `reports.queries`, the license list's
through `reports.filters`), every cell made safe to open by the export neutralizer of
`transfer.exports`. The license list's columns and values are its field list's
(reports.fields).
"""

from datetime import date

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.transfer.exports import field_rows, neutralize, write_csv, write_workbook
from clinicorg.transfer.templates import CONTENT_TYPES

from . import queries
from .fields import LICENSE_FIELD_LIST
from .filters import licenses_for

FORMATS = ("csv", "xlsx")


def _text(rows):
    return [[neutralize(v) for v in row] for row in rows]


def dashboard_export(actor, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the dashboard's tables the actor may see."""
    policy.require(actor, P.IMPORT_EXPORT)
    policy.require(actor, P.MANAGE_STAFF)
    board = queries.dashboard(actor)
    tables = [*board.figures, *board.tables]
    if fmt == "xlsx":
        sheets = [
            (t.title[:31], _text([[t.head, "Count"], *[[r.label, r.value] for r in t.rows]]))
            for t in tables
        ]
        return write_workbook(sheets), CONTENT_TYPES["xlsx"], "dashboard.xlsx"
    rows = [["Table", "Name", "Count"]]
    rows += [[t.title, r.label, r.value] for t in tables for r in t.rows]
    return write_csv(_text(rows)), CONTENT_TYPES["csv"], "dashboard.csv"


def license_export(actor, fmt: str, filters: dict, *, today: date) -> tuple[bytes, str, str]:
    policy.require(actor, P.IMPORT_EXPORT)
    policy.require(actor, P.MANAGE_STAFF)
    licenses = licenses_for(actor, filters, today=today).iterator(chunk_size=2000)
    rows = field_rows(LICENSE_FIELD_LIST, (queries.expiry(lic, today) for lic in licenses))
    if fmt == "xlsx":
        return write_workbook([("Licenses", rows)]), CONTENT_TYPES["xlsx"], "licenses.xlsx"
    return write_csv(rows), CONTENT_TYPES["csv"], "licenses.csv"
