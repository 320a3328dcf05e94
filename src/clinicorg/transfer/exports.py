"""Exports of staff and locations (CSV, XLSX), in the import columns, safe to open.

The columns and their values come from each model's field list (staff.fields,
directory.fields), which also gives the import its headers.

A cell beginning with =, +, -, @, tab or carriage return gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula; imports remove it again.
"""

import csv
import io

import xlsxwriter
from django.conf import settings
from django.db.models import Prefetch

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.fields import EXPORT
from clinicorg.directory.fields import LOCATION_FIELD_LIST
from clinicorg.directory.filters import locations_for
from clinicorg.directory.models import Location
from clinicorg.directory.queries import visible_managers
from clinicorg.staff.fields import STAFF_FIELD_LIST
from clinicorg.staff.filters import staff_for
from clinicorg.staff.models import TaxonomyAssignment

from .cells import neutralize
from .templates import CONTENT_TYPES


def field_rows(fields, records):
    """Header, then one row per record: each field the export shows, read from the record
    (a field list of core.fields) and made safe to open."""
    fields = fields.shown_in(EXPORT)
    yield [f.header for f in fields]
    reads = [f.read for f in fields]
    for record in records:
        yield [neutralize(read(record)) for read in reads]


def staff_rows(actor, filters: dict):
    """Header, then one row per member the actor may see, in the list's filters and order."""
    qs = staff_for(actor, filters).prefetch_related(
        # Only the granted locations and the supervisor the actor may see.
        Prefetch("extra_locations", queryset=Location.objects.visible_to(actor)),
        Prefetch("taxonomies", queryset=TaxonomyAssignment.objects.order_by("-is_primary", "code")),
    )
    return field_rows(STAFF_FIELD_LIST, qs.iterator(chunk_size=2000))


def location_rows(actor, filters: dict):
    qs = locations_for(actor, filters).prefetch_related(visible_managers(actor))
    return field_rows(LOCATION_FIELD_LIST, qs.iterator(chunk_size=2000))


def write_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    # A BOM so that Excel opens the UTF-8 file with the right characters.
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_xlsx(rows, sheet_name: str) -> bytes:
    return write_workbook([(sheet_name, rows)])


def write_workbook(sheets) -> bytes:
    """An XLSX file of [(sheet name, rows)], the first row of each in bold."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True})
    for sheet_name, rows in sheets:
        sheet = book.add_worksheet(sheet_name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                # Always text: never a formula, and ids keep their leading zeros.
                sheet.write_string(r, c, value, head if r == 0 else None)
    book.close()
    return buf.getvalue()


def export(kind: str, fmt: str, actor, filters: dict) -> tuple[bytes, str, str]:
    """(content, content type, file name) of an export the actor may see."""
    policy.require(actor, P.IMPORT_EXPORT)
    policy.require(actor, P.MANAGE_STAFF if kind == "staff" else P.MANAGE_LOCATIONS)
    rows = staff_rows(actor, filters) if kind == "staff" else location_rows(actor, filters)
    if fmt == "xlsx":
        content = write_xlsx(rows, "Staff" if kind == "staff" else "Locations")
    else:
        content = write_csv(rows)
    return content, CONTENT_TYPES[fmt], f"{kind}.{fmt}"


class FilePurged(Exception):
    """The stored upload a download needs was deleted by the retention purge (HTTP 410)."""

    def __init__(self, job):
        self.message = (
            f"The uploaded file was deleted on {job.file_purged_at:%b %-d, %Y} (uploads that "
            f"are not committed are kept for {settings.IMPORT_RETENTION_DAYS} days), so the "
            "copy with an Errors column can no longer be made. The errors are still listed "
            "with the import; fix them in your own copy and upload it again."
        )
        super().__init__(self.message)


def error_copy(job) -> tuple[bytes, str, str]:
    """The uploaded file with an Errors column: every row as uploaded, its messages beside it.

    Same format as the upload, so the user fixes the rows in place and uploads it again.
    Raises FilePurged when the retention purge has deleted the upload.
    """
    from .readers import FileRejected, file_format, read_table

    if job.file_purged_at is not None:
        raise FilePurged(job)

    by_row: dict[int, list[str]] = {}
    for e in job.errors:
        text = f"{e['column']}: {e['message']}" if e.get("column") else e["message"]
        by_row.setdefault(e["row"], []).append(text)
    rows = []
    try:
        table = read_table(job.file_path, job.file_name)
        width = len(table.headers)
        rows.append([*map(neutralize, table.headers), "Errors"])
        for number, cells in table.rows:
            cells = (cells + [""] * width)[:width]
            rows.append([*map(neutralize, cells), "; ".join(by_row.get(number, []))])
        if 1 in by_row:
            rows[0][-1] = "Errors — header: " + "; ".join(by_row[1])
    except (FileRejected, OSError):
        # The file itself is refused (a broken row, the example row...): the list only.
        rows = [["Errors"], *[["; ".join(v)] for _row, v in sorted(by_row.items())]]
    stem = job.file_name.rsplit(".", 1)[0]
    fmt = file_format(job.file_name)
    if fmt == "xlsx":
        return write_xlsx(rows, "Errors"), CONTENT_TYPES["xlsx"], f"{stem}-errors.xlsx"
    return write_csv(rows), CONTENT_TYPES["csv"], f"{stem}-errors.csv"
