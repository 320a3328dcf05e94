"""Reading untrusted CSV and XLSX files into rows of text, with every limit checked first.

The result is a `Table`: the header row as written, and the data rows as (sheet row number,
list of cell texts). Cells come back as text so that ids and postal codes keep their leading
zeros; Excel dates become ISO dates, whole numbers lose their ".0", booleans become yes/no.
Fully empty rows are skipped (their numbers are not reused, so messages match the sheet).
"""

import csv
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings

# Blank rows are skipped and do not count against the row cap, within this allowance.
_BLANK_ROW_SLACK = 1000
_CHUNK = 1024 * 1024
_MAX_TAIL = 4 * 1024 * 1024


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


_SKIPPED_SHEETS = ("instructions", "lists", "help")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SMALL_PART = 16 * 1024 * 1024


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _small_part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise FileRejected(f"The workbook part {name} is too large to be a spreadsheet export.")
    return zf.read(name)


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """The workbook's sheets in order, as (name, part path inside the zip)."""
    try:
        book = ElementTree.fromstring(_small_part(zf, "xl/workbook.xml"))
        rels = ElementTree.fromstring(_small_part(zf, "xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise FileRejected(
            "This file is not a valid XLSX workbook (its list of sheets cannot be read). Save it "
            "as Excel Workbook (.xlsx) or CSV UTF-8 and upload it again."
        ) from None
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = posixpath.normpath(target)
    sheets = []
    for element in book.iter():
        if _local(element.tag) == "sheet":
            rid = element.get(f"{{{_REL_NS}}}id") or element.get("id")
            sheets.append((element.get("name", ""), targets.get(rid, "")))
    return sheets


def _pick_sheet(sheets: list[tuple[str, str]]) -> tuple[str, str] | None:
    for name, part in sheets:
        if name.strip().lower() not in _SKIPPED_SHEETS:
            return name, part
    return sheets[0] if sheets else None


# One start tag of a row or a cell, with an optional namespace prefix and quoted attributes
# (an attribute value may hold ">", so the attributes are matched one by one).
_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
    rb"|</(?:[A-Za-z_][\w.-]*:)?row\s*>"
)
_R_ATTR = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def column_name(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


def check_sheet_extent(zf: zipfile.ZipFile, part: str, lim) -> None:
    """Refuse a sheet whose cells lie outside the row and column caps, before it is loaded.

    A spreadsheet reader that builds the sheet as a dense grid allocates rows × columns cells
    from the outermost cells that hold a value, so a 2 KB file with one value at XFD2 and one
    at A150000 asks for tens of gigabytes. This streams the sheet's XML, tracks the real
    position of every cell that holds a value (explicit `r` references, or the implied next
    position when a generator leaves them out) and refuses the file as soon as one lies
    outside the caps. Memory is one read chunk; time is one pass over the part.
    """
    max_rows, max_cols = lim["max_rows"] + _BLANK_ROW_SLACK, lim["max_columns"]
    row = 0
    col = 0
    tail = b""
    try:
        stream = zf.open(part)
    except KeyError:
        raise FileRejected("This file is not a valid XLSX workbook (a sheet is missing).") from None
    with stream:
        while True:
            chunk = stream.read(_CHUNK)
            data = tail + chunk
            if not chunk:
                cut = len(data)
            else:
                # Keep an unfinished tag for the next chunk.
                cut = data.rfind(b"<")
                if cut == -1 or data.find(b">", cut) != -1:
                    cut = len(data)
            for match in _TAG.finditer(data, 0, cut):
                kind = match.group(1)
                if kind is None:  # </row>
                    col = 0
                    continue
                ref = _R_ATTR.search(match.group(2) or b"")
                ref = (ref.group(1) if ref.group(1) is not None else ref.group(2)) if ref else None
                if kind == b"row":
                    if ref is not None:
                        if not ref.isdigit():
                            raise FileRejected(
                                f"The sheet has an invalid row number “{_txt(ref)}”."
                            )
                        row = int(ref)
                    else:
                        row += 1
                    col = 0
                    continue
                if ref is not None:
                    cell = _CELL_REF.fullmatch(ref)
                    if cell is None:
                        raise FileRejected(
                            f"The sheet has an invalid cell reference “{_txt(ref)}”."
                        )
                    col = _column_number(cell.group(1))
                    row = int(cell.group(2))
                else:
                    col += 1
                if match.group(3):  # <c …/>: formatting only, no value
                    continue
                if col > max_cols:
                    raise FileRejected(
                        f"Cell {column_name(col)}{row} holds a value beyond column "
                        f"{column_name(max_cols)}; the limit is {max_cols} columns. Start from "
                        "the template."
                    )
                if row > max_rows:
                    raise FileRejected(_too_many_rows(lim["max_rows"]))
            if not chunk:
                return
            tail = data[cut:]
            if len(tail) > _MAX_TAIL:
                raise FileRejected("The sheet has a tag too long to be a spreadsheet export.")


def _txt(raw: bytes) -> str:
    return raw[:20].decode("utf-8", "replace")


def _read_xlsx(path, lim, on_progress=None) -> Table:
    from python_calamine import CalamineWorkbook

    inspect_zip(path, lim)
    with zipfile.ZipFile(path) as zf:
        picked = _pick_sheet(_sheet_parts(zf))
        if picked is None:
            raise FileRejected("The workbook has no sheets.")
        name, part = picked
        check_sheet_extent(zf, part, lim)
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_name(name)
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise FileRejected(f"The workbook cannot be read: {exc}.") from None
    max_rows, max_cols = lim["max_rows"], lim["max_columns"]
    if sheet.height > max_rows + _BLANK_ROW_SLACK:
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
