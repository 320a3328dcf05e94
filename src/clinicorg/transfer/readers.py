"""Reading untrusted CSV and XLSX files into rows of text, with every limit checked first.

The result is a `Table`: the header row as written, and the data rows as (sheet row number,
list of cell texts). Cells come back as text so that ids and postal codes keep their leading
zeros; Excel dates become ISO dates, whole numbers lose their ".0", booleans become yes/no.
Fully empty rows are skipped (their numbers are not reused, so messages match the sheet).
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def limits() -> dict:
    return {
        "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
        "max_rows": getattr(settings, "IMPORT_MAX_ROWS", 200_000),
        "max_columns": getattr(settings, "IMPORT_MAX_COLUMNS", 60),
        "max_uncompressed": getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 600 * 1024 * 1024),
        "max_ratio": getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 200),
    }


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def file_format(file_name: str) -> str:
    suffix = Path(file_name or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise FileRejected(
        f"“{file_name}” is neither .xlsx nor .csv. Upload the template saved as Excel "
        "workbook (.xlsx) or CSV UTF-8 (.csv)."
    )


def read_table(path, file_name: str, *, on_progress=None) -> Table:
    """Read a CSV or XLSX file from disk; raise FileRejected with a clear message."""
    lim = limits()
    size = Path(path).stat().st_size
    if size > lim["max_bytes"]:
        raise FileRejected(
            f"The file is {_mb(size)}; the limit is {_mb(lim['max_bytes'])}. Split it into "
            "smaller files."
        )
    if size == 0:
        raise FileRejected("The file is empty.")
    fmt = file_format(file_name)
    table = _read_xlsx(path, lim, on_progress) if fmt == "xlsx" else _read_csv(path, lim)
    if not table.headers:
        raise FileRejected("The file has no header row. Start from the template.")
    return table


# --- CSV -------------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            "The file is encoded as UTF-16. Save it as “CSV UTF-8 (comma delimited)” and upload "
            "it again."
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRejected(
            f"The file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); it is "
            "probably in a legacy encoding such as Windows-1252. Save it as “CSV UTF-8 (comma "
            "delimited)” and upload it again."
        ) from None


def _read_csv(path, lim) -> Table:
    text = _decode(Path(path).read_bytes())
    if "\x00" in text:
        raise FileRejected("The file contains binary data; it is not a CSV file.")
    sample = text[:4096]
    delimiter = ","
    first_line = sample.split("\n", 1)[0]
    if first_line.count(";") > first_line.count(",") and first_line.count(";") > 0:
        delimiter = ";"
    elif first_line.count("\t") > first_line.count(","):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = Table(headers=[])
    max_rows, max_cols = lim["max_rows"], lim["max_columns"]
    try:
        for number, row in enumerate(reader, start=1):
            if not table.headers:
                if not any(c.strip() for c in row):
                    continue
                if len(row) > max_cols:
                    raise FileRejected(_too_many_columns(len(row), max_cols))
                table.headers = row
                continue
            if len(row) > max_cols:
                if "".join(row[max_cols:]).strip():
                    raise FileRejected(_too_many_columns(len(row), max_cols, number))
                row = row[:max_cols]
            if not "".join(row).strip():
                continue
            if len(table.rows) >= max_rows:
                raise FileRejected(_too_many_rows(max_rows))
            table.rows.append((number, row))
    except csv.Error as exc:
        raise FileRejected(
            f"The CSV file is malformed near line {reader.line_num}: {exc}."
        ) from None
    return table


def _too_many_columns(n, max_cols, row=None) -> str:
    where = f" (row {row})" if row else ""
    return f"The file has {n} columns{where}; the limit is {max_cols}. Start from the template."


def _too_many_rows(max_rows) -> str:
    return f"The file has more than {max_rows:,} data rows. Split it into smaller files."


# --- XLSX ------------------------------------------------------------------------------------


def inspect_zip(path, lim) -> None:
    """Refuse a workbook whose unpacked size or compression ratio is out of bounds.

    Reads only the zip directory, before any XML is parsed, so a zip bomb costs nothing.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRejected(
            "This file is not a valid XLSX workbook (it may be an old .xls file or damaged). "
            "Save it as Excel Workbook (.xlsx) or CSV UTF-8 and upload it again."
        ) from None
    if len(infos) > 10_000:
        raise FileRejected("The workbook has too many parts to be a spreadsheet export.")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1_000_000 and info.file_size > lim["max_ratio"] * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise FileRejected(
                f"The workbook part {info.filename} expands {ratio}"
                f" times when unpacked (limit {lim['max_ratio']}); the file is refused as unsafe."
            )
    if total > lim["max_uncompressed"]:
        raise FileRejected(
            f"The workbook unpacks to {_mb(total)}; the limit is {_mb(lim['max_uncompressed'])}. "
            "Split it into smaller files."
        )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise FileRejected("This file is not an XLSX workbook (no workbook part).")


def cell_text(value) -> str:
    """One spreadsheet cell as text: dates ISO, whole numbers without .0, yes/no."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _pick_sheet(book):
    names = book.sheet_names
    for name in names:
        if name.strip().lower() not in ("instructions", "lists", "help"):
            return name
    return names[0] if names else None


def _read_xlsx(path, lim, on_progress=None) -> Table:
    from python_calamine import CalamineWorkbook

    inspect_zip(path, lim)
    try:
        book = CalamineWorkbook.from_path(str(path))
        name = _pick_sheet(book)
        if name is None:
            raise FileRejected("The workbook has no sheets.")
        sheet = book.get_sheet_by_name(name)
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise FileRejected(f"The workbook cannot be read: {exc}.") from None
    max_rows, max_cols = lim["max_rows"], lim["max_columns"]
    if sheet.height > max_rows + 1000:
        # Generous: blank rows at the end are common; exact count below.
        raise FileRejected(_too_many_rows(max_rows))
    table = Table(headers=[])
    total = max(sheet.height, 1)
    try:
        # The whole sheet at once: calamine's bulk conversion is much cheaper than per row.
        rows = sheet.to_python(skip_empty_area=False)
        for number, raw in enumerate(rows, start=1):
            if len(raw) > max_cols:
                if any(c not in (None, "") for c in raw[max_cols:]):
                    raise FileRejected(_too_many_columns(len(raw), max_cols, number))
                raw = raw[:max_cols]
            # Fast path for the common all-text row.
            cells = [v if type(v) is str else cell_text(v) for v in raw]
            if not "".join(cells).strip():
                continue
            if not table.headers:
                table.headers = cells
                continue
            if len(table.rows) >= max_rows:
                raise FileRejected(_too_many_rows(max_rows))
            table.rows.append((number, cells))
            if on_progress is not None and number % 5000 == 0:
                on_progress(number / total)
    except FileRejected:
        raise
    except Exception as exc:
        raise FileRejected(f"The workbook cannot be read: {exc}.") from None
    # Trailing empty header cells are padding, not columns.
    while table.headers and not table.headers[-1].strip():
        table.headers.pop()
    return table
