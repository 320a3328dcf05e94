"""Reading untrusted CSV and XLSX files as a stream of rows of text, every limit checked first.

`read_table` returns a `Table`: the header row as written, then the data rows as (sheet row
number, list of cell texts), read one batch at a time as the caller consumes them, so memory
depends on the batch and on the workbook's shared strings, not on the number of rows. The rows
can be consumed once.

Cells come back as text so that ids and postal codes keep their leading zeros; Excel dates
become ISO dates, whole numbers lose their ".0", booleans become yes/no. Fully empty rows are
skipped (their numbers are not reused, so messages match the sheet).

Nothing is guessed or changed silently: a CSV row whose quoting is broken or whose number of
cells differs from the header's, a formula cell without a calculated value, an error cell, a
file without data rows and the template's unchanged example row are each refused with the
row or the cell named. The caps (rows, columns, bytes) are checked while streaming, before any
allocation that grows with them.
"""

import csv
import io
import posixpath
import re
import time
import zipfile
from array import array
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

from django.conf import settings

from .columns import EXAMPLE_MARK

# Blank rows are skipped and do not count against the row cap, within this allowance.
_BLANK_ROW_SLACK = 1000
# Rows are produced in batches of this many: the unit of memory and of progress reports.
BATCH = 2000
# Rows kept aside at the start for checks that look ahead (columns without a header).
HEAD_ROWS = 1000
_CHUNK = 1024 * 1024


class FileRejected(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""


class Table:
    """The header row and a one-pass stream of the data rows.

    `rows` yields (row number, cells); `head` holds the first rows (up to HEAD_ROWS), which
    `rows` yields again. `count` is the number of data rows read so far, `read_seconds` the
    time spent reading them, and `fraction()` how far into the file the reading is.
    """

    def __init__(self, headers: list[str], batches: Iterator[list], fraction=lambda: 0.0):
        self.headers = headers
        self.count = 0
        self.read_seconds = 0.0
        self.fraction = fraction
        self._batches = batches
        self.head: list[tuple[int, list[str]]] = []
        self._pending: list[list] = []
        while len(self.head) < HEAD_ROWS:
            batch = self._next_batch()
            if batch is None:
                break
            self._pending.append(batch)
            self.head.extend(batch[: HEAD_ROWS - len(self.head)])
        self.rows = self._rows()

    def _next_batch(self):
        t = time.perf_counter()
        try:
            batch = next(self._batches, None)
        finally:
            self.read_seconds += time.perf_counter() - t
        if batch is not None:
            self.count += len(batch)
        return batch

    def batches(self) -> Iterator[list[tuple[int, list[str]]]]:
        """The data rows, a batch at a time (each batch a list of (row number, cells))."""
        while self._pending:
            yield self._pending.pop(0)
        while (batch := self._next_batch()) is not None:
            yield batch

    def _rows(self):
        for batch in self.batches():
            yield from batch


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
    """Open a CSV or XLSX file for reading; raise FileRejected with a clear message.

    The header row and the first rows are read at once (an empty file, a file without data
    rows and the unchanged template are refused here); the rest as the caller consumes
    `rows`, which raises FileRejected when a later row breaks a rule.
    """
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
    headers, batches, fraction = (_open_xlsx if fmt == "xlsx" else _open_csv)(path, lim)
    if not headers:
        raise FileRejected("The file has no header row. Start from the template.")
    table = Table(headers, _checked(batches, lim["max_rows"]), fraction)
    if not table.head:
        raise FileRejected(
            "The file has no rows to import: add one row per record under the header row."
        )
    return table


def _checked(batches, max_rows: int):
    """The rows, with the checks every format shares: the row cap and the example row."""
    count = 0
    for batch in batches:
        count += len(batch)
        if count > max_rows:
            raise FileRejected(_too_many_rows(max_rows))
        for number, cells in batch:
            if cells and cells[0][:_MARK_LEN].lower() == _MARK:
                raise FileRejected(
                    f"Row {number} is the template's example row (it starts with "
                    f"“{EXAMPLE_MARK}”). Replace the example with your own data, or delete it, "
                    "and upload the file again."
                )
        yield batch


_MARK = EXAMPLE_MARK.lower()
_MARK_LEN = len(_MARK)


def _too_many_columns(n, max_cols, row=None) -> str:
    where = f" (row {row})" if row else ""
    return f"The file has {n} columns{where}; the limit is {max_cols}. Start from the template."


def _too_many_rows(max_rows) -> str:
    return f"The file has more than {max_rows:,} data rows. Split it into smaller files."


# --- CSV -------------------------------------------------------------------------------------


def _open_csv(path, lim):
    raw = open(path, "rb")  # noqa: SIM115 - closed by the row generator
    start = raw.read(64 * 1024)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raw.close()
        raise FileRejected(
            "The file is encoded as UTF-16. Save it as “CSV UTF-8 (comma delimited)” and upload "
            "it again."
        )
    raw.seek(3 if start.startswith(b"\xef\xbb\xbf") else 0)
    first_line = start.split(b"\n", 1)[0]
    delimiter = ","
    if first_line.count(b";") > first_line.count(b",") and first_line.count(b";") > 0:
        delimiter = ";"
    elif first_line.count(b"\t") > first_line.count(b","):
        delimiter = "\t"
    size = max(Path(path).stat().st_size, 1)
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    max_cols = lim["max_columns"]

    # Rows are numbered by record, as a spreadsheet program shows them.
    records = [0]

    def next_row():
        """The next record and its row number, or (None, …) at the end."""
        try:
            row = next(reader, None)
        except UnicodeDecodeError as exc:
            raise FileRejected(_not_utf8(path, raw, exc)) from None
        except csv.Error as exc:
            raise FileRejected(
                f'Row {records[0] + 1} is malformed ({exc}): a quote (") opened in it is not '
                "closed, or text follows a closing quote. Fix the row and upload the file again."
            ) from None
        records[0] += 1
        return row, records[0]

    try:
        headers, _n = next_row()
        while headers is not None and not any(c.strip() for c in headers):
            headers, _n = next_row()
    except BaseException:
        raw.close()
        raise
    if headers is None:
        raw.close()
        return [], iter(()), lambda: 1.0
    if len(headers) > max_cols:
        raw.close()
        raise FileRejected(_too_many_columns(len(headers), max_cols))
    width = len(headers)
    named = width
    while named and not headers[named - 1].strip():
        named -= 1

    def batches():
        with raw:
            batch = []
            while True:
                row, n = next_row()
                if row is None:
                    break
                joined = "".join(row)
                if "\x00" in joined:
                    raise FileRejected("The file contains binary data; it is not a CSV file.")
                if len(row) != width:
                    if len(row) > width and not "".join(row[width:]).strip():
                        row = row[:width]
                    elif len(row) > width or len(row) < named:
                        if len(row) == 1 and not row[0].strip():
                            continue
                        raise FileRejected(
                            f"Row {n} has {len(row)} cells but the header row has {named}: a "
                            "delimiter is missing or extra, or a quote is not closed. Fix the "
                            "row and upload the file again."
                        )
                if not joined.strip():
                    continue
                batch.append((n, row))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    return headers, batches(), lambda: 1.0 if raw.closed else raw.tell() / size


def _not_utf8(path, raw, exc: UnicodeDecodeError) -> str:
    # The decoder works on a chunk ending where the file has been read to.
    offset = max(raw.tell() - len(exc.object), 0) + exc.start
    with open(path, "rb") as f:
        line = f.read(offset).count(b"\n") + 1
    return (
        f"The file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}); it "
        "is probably in a legacy encoding such as Windows-1252. Save it as “CSV UTF-8 (comma "
        "delimited)” and upload it again."
    )


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


# --- XLSX ------------------------------------------------------------------------------------

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
# Built-in number formats that show dates (ECMA-376 part 1, 18.8.30).
_DATE_FORMAT_IDS = frozenset((*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)))
# A format code shows a date when, outside quoted text, escapes and [colour] or [$-locale]
# parts, it has a day, month, year, hour or second placeholder.
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_EPOCH = datetime(1899, 12, 30)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_name(n: int) -> str:
    name = ""
    while n:
        n, rem = divmod(n - 1, 26)
        name = chr(65 + rem) + name
    return name


# The sheet XML is scanned with regular expressions over the raw bytes, a chunk at a time:
# several times faster than building elements, and as strict, because everything between the
# rows, and between the cells of a row, must be whitespace: markup the scanner does not
# recognise makes the file refused, never skipped.
_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_ATTRS = rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*"
# A row's start tag; its body runs to the matching end tag, found with bytes.find (a lazy
# pattern for the body costs more than reading its cells).
_ROW_START = re.compile(rb"\s*<(" + _P + rb")row" + _ATTRS + rb"(/?)>")
_CELL = re.compile(rb"<" + _P + rb"c" + _ATTRS + rb"(?:/>|>(.*?)</" + _P + rb"c\s*>)", re.S)
_ATTR = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_V = re.compile(rb"<" + _P + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _P + rb"v\s*>)", re.S)
_T = re.compile(rb"<" + _P + rb"t(?:\s[^>]*)?(?:/>|>(.*?)</" + _P + rb"t\s*>)", re.S)
_F = re.compile(rb"<" + _P + rb"f[\s/>]")
_PHONETIC = re.compile(rb"<(" + _P + rb"rPh)[\s>].*?</\1\s*>", re.S)
_SI = re.compile(rb"<" + _P + rb"si(?:\s[^>]*)?(?:/>|>(.*?)</" + _P + rb"si\s*>)", re.S)
_SHEET_DATA = re.compile(rb"<" + _P + rb"sheetData(?:\s[^>]*)?(/?)>")
_SHEET_DATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>")
_ENTITY = re.compile(rb"&(#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);")
_NAMED = {b"amp": "&", b"lt": "<", b"gt": ">", b"quot": '"', b"apos": "'"}
_MAX_ROW_BYTES = 8 * 1024 * 1024
# The form nearly every writer uses for a cell without a formula: attributes r, s, t in that
# order, a plain value or a plain inline string. Anything else goes the general way.
_FAST_CELL = re.compile(
    rb'\s*<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]+)")?(?: t="(s|n|str|b|inlineStr)")?>'
    rb'(?:<v>([^<&]*)</v>|<is><t(?: xml:space="preserve")?>([^<&]*)</t></is>)</c>'
)


def _text(raw: bytes) -> str:
    """XML character data as text (entities and character references resolved)."""
    if b"&" in raw:
        parts = []
        last = 0
        for m in _ENTITY.finditer(raw):
            parts.append(raw[last : m.start()].decode("utf-8"))
            name = m.group(1)
            if name[:1] == b"#":
                code = int(name[2:], 16) if name[1:2] == b"x" else int(name[1:])
                parts.append(chr(code) if 0 < code < 0x110000 else "")
            else:
                parts.append(_NAMED[name])
            last = m.end()
        parts.append(raw[last:].decode("utf-8"))
        return "".join(parts)
    return raw.decode("utf-8")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {m[0].rsplit(b":", 1)[-1]: m[1] or m[2] for m in _ATTR.findall(raw)}


def _rich_text(raw: bytes) -> str:
    """The text of an <is> or <si> body: its <t>, or the <t> of each run; phonetic readings
    (<rPh>) are not part of the text."""
    if b"rPh" in raw:
        raw = _PHONETIC.sub(b"", raw)
    found = _T.findall(raw)
    return _text(found[0]) if len(found) == 1 else "".join(_text(t) for t in found)


def _not_markup(gap: bytes) -> bool:
    return not gap.strip()


def _damaged(what: str) -> FileRejected:
    return FileRejected(
        f"The workbook is damaged or written in a form that cannot be read ({what}). Save it "
        "again as Excel Workbook (.xlsx) or CSV UTF-8 and upload it again."
    )


class _SharedStrings:
    """The workbook's shared strings, kept compact: UTF-8 bytes end to end, and offsets."""

    def __init__(self, zf: zipfile.ZipFile, name: str | None):
        self.data = bytearray()
        self.ends = array("Q")
        if name is None:
            return
        with zf.open(name) as stream:
            for body in _units(stream, _SI, "shared strings"):
                self.data += _rich_text(body or b"").encode("utf-8")
                self.ends.append(len(self.data))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> str:
        start = self.ends[i - 1] if i else 0
        return self.data[start : self.ends[i]].decode("utf-8")


def _units(stream, pattern, what: str):
    """The bodies of the elements `pattern` matches in an XML part, read a chunk at a time.

    Used for parts that are lists of one element (shared strings): anything else between them
    is skipped, as their container's tags are.
    """
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        data = tail + chunk
        end = 0
        for m in pattern.finditer(data):
            end = m.end()
            yield m.group(1)
        tail = data[end:]
        if not chunk:
            return
        if len(tail) > _MAX_ROW_BYTES:
            raise _damaged(f"an element of the {what} is too long")


def _date_styles(zf: zipfile.ZipFile, name: str | None) -> frozenset[int]:
    """Indexes of the cell styles (cellXfs) whose number format shows a date."""
    if name is None:
        return frozenset()
    try:
        root = ElementTree.fromstring(_small_part(zf, name))
    except ElementTree.ParseError:
        return frozenset()
    date_ids = set(_DATE_FORMAT_IDS)
    for fmt in root.iter(f"{_MAIN_NS}numFmt"):
        code = _FORMAT_NOISE.sub("", fmt.get("formatCode", ""))
        if _DATE_CODE.search(code) and fmt.get("numFmtId", "").isdigit():
            date_ids.add(int(fmt.get("numFmtId")))
    found = set()
    xfs = root.find(f"{_MAIN_NS}cellXfs")
    for i, xf in enumerate(xfs if xfs is not None else ()):
        fmt_id = xf.get("numFmtId", "0")
        if fmt_id.isdigit() and int(fmt_id) in date_ids:
            found.add(i)
    return frozenset(found)


def _part_names(zf: zipfile.ZipFile) -> tuple[str | None, str | None]:
    """The shared strings and styles parts, as the workbook's relationships name them."""
    names = set(zf.namelist())
    strings = styles = None
    try:
        rels = ElementTree.fromstring(_small_part(zf, "xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        rels = ()
    for rel in rels:
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        target = posixpath.normpath(target)
        if kind == "sharedStrings" and target in names:
            strings = target
        elif kind == "styles" and target in names:
            styles = target
    strings = strings or ("xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else None)
    styles = styles or ("xl/styles.xml" if "xl/styles.xml" in names else None)
    return strings, styles


def _values_not_calculated(zf: zipfile.ZipFile) -> bool:
    """Whether the workbook asks to be recalculated on opening: its formulas' stored values
    were written by a program that does not calculate (they are placeholders, often 0)."""
    try:
        book = _small_part(zf, "xl/workbook.xml")
    except KeyError:
        return False
    return re.search(rb"<(?:\w+:)?calcPr\b[^>]*\bfullCalcOnLoad=\"(?:1|true)\"", book) is not None


def number_text(text: str) -> str:
    """A numeric cell as text: whole numbers without ".0"."""
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def serial_date_text(text: str) -> str:
    """An Excel date serial as an ISO date (with the time when it has one)."""
    try:
        value = float(text)
        moment = _EPOCH + timedelta(days=value)
    except (ValueError, OverflowError):
        return text
    moment = moment.replace(microsecond=0) if moment.microsecond < 500_000 else moment
    if moment.hour == moment.minute == moment.second == 0 and value.is_integer():
        return moment.date().isoformat()
    if value < 1:  # a time of day alone
        return moment.time().replace(microsecond=0).isoformat()
    return moment.replace(microsecond=0).isoformat(sep=" ")


def _open_xlsx(path, lim):
    inspect_zip(path, lim)
    zf = zipfile.ZipFile(path)
    try:
        picked = _pick_sheet(_sheet_parts(zf))
        if picked is None:
            raise FileRejected("The workbook has no sheets.")
        _name, part = picked
        try:
            info = zf.getinfo(part)
        except KeyError:
            raise FileRejected(
                "This file is not a valid XLSX workbook (a sheet is missing)."
            ) from None
        strings_part, styles_part = _part_names(zf)
        reader = _SheetReader(
            zf,
            info,
            _SharedStrings(zf, strings_part),
            _date_styles(zf, styles_part),
            _values_not_calculated(zf),
            lim,
        )
        headers = reader.headers()
    except BaseException:
        zf.close()
        raise
    return headers, reader.batches(), reader.fraction


class _SheetReader:
    """The rows of one sheet, streamed from its XML with every cell position checked."""

    def __init__(self, zf, info, strings, date_styles, not_calculated, lim):
        self.zf = zf
        self.stream = zf.open(info)
        self.size = max(info.file_size, 1)
        self.strings = strings
        self.date_styles = date_styles
        self.not_calculated = not_calculated
        self.max_rows = lim["max_rows"] + _BLANK_ROW_SLACK
        self.max_cols = lim["max_columns"]
        self.rows = self._rows()
        self.width = 0

    def fraction(self) -> float:
        try:
            return min(self.stream.tell() / self.size, 1.0)
        except (ValueError, OSError):
            return 1.0

    def headers(self) -> list[str]:
        for _number, cells in self.rows:
            if "".join(cells).strip():
                # Trailing empty header cells are padding, not columns.
                while cells and not cells[-1].strip():
                    cells.pop()
                self.width = len(cells)
                return cells
        return []

    def batches(self):
        batch = []
        width = self.width
        try:
            for number, cells in self.rows:
                if not "".join(cells).strip():
                    continue
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                batch.append((number, cells))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch
        finally:
            self.stream.close()
            self.zf.close()

    def _row_bodies(self):
        """(attributes, body) of each <row> of the sheet's data, checking what lies between."""
        stream = self.stream
        tail = b""
        started = False
        while True:
            chunk = stream.read(_CHUNK)
            data = tail + chunk
            pos = 0
            if not started:
                m = _SHEET_DATA.search(data)
                if m is None:
                    if not chunk:
                        return
                    tail = data[-1024:]
                    continue
                started = True
                if m.group(1):  # <sheetData/>: no rows
                    return
                pos = m.end()
            start = _ROW_START.match
            while (m := start(data, pos)) is not None:
                prefix, attrs, empty = m.groups()
                if empty:
                    pos = m.end()
                    yield attrs, b""
                    continue
                close = b"</" + prefix + b"row>"
                end = data.find(close, m.end())
                if end < 0:
                    break  # the row continues in the next chunk
                pos = end + len(close)
                yield attrs, data[m.end() : end]
            rest = data[pos:]
            end = _SHEET_DATA_END.match(rest.lstrip())
            if end is not None:
                return
            if not chunk:
                raise _damaged("the sheet's rows end unexpectedly")
            if len(rest) > _MAX_ROW_BYTES or (
                len(rest) > 64 and not rest.lstrip().startswith(b"<")
            ):
                raise _damaged("text between the sheet's rows")
            tail = rest

    def _rows(self):
        """(row number, cells) of every row holding a value, in sheet order."""
        max_rows, max_cols = self.max_rows, self.max_cols
        fast = _FAST_CELL.match
        general = self._cell
        value = self._value
        columns: dict[bytes, int] = {}
        number = 0
        for row_attrs, body in self._row_bodies():
            r = _attrs(row_attrs).get(b"r") if row_attrs else None
            if r is None:
                number += 1
            elif r.isdigit():
                number = int(r)
            else:
                raise FileRejected(f"The sheet has an invalid row number “{_text(r[:20])}”.")
            if not body:
                continue
            row_digits = b"%d" % number
            cells: list[str] = []
            col = 0
            pos = 0
            end = len(body)
            while pos < end:
                m = fast(body, pos)
                if m is not None:
                    # The common form: a reference, a style, a type, and a plain value.
                    letters, digits, style, kind, v, inline = m.groups()
                    pos = m.end()
                    col = columns.get(letters) or columns.setdefault(
                        letters, _column_number(letters.decode())
                    )
                    if digits != row_digits:
                        number, row_digits = int(digits), digits
                    if inline is not None:
                        text = inline.decode("utf-8")
                    elif v:
                        text = value(kind or b"n", v, style, col, number)
                    else:
                        continue
                else:
                    col, number, text, pos = general(body, pos, col, number)
                    if text is None:
                        continue
                    row_digits = b"%d" % number
                if not text:
                    continue
                if col > max_cols or number > max_rows:
                    self._check_place(col, number)
                n = len(cells)
                if n == col - 1:
                    cells.append(text)
                elif n < col - 1:
                    cells.extend([""] * (col - 1 - n))
                    cells.append(text)
                else:
                    cells[col - 1] = text
            if cells:
                yield number, cells

    def _cell(self, body: bytes, pos: int, col: int, number: int):
        """Any other form of cell at `pos`: (column, row, text or None, end)."""
        m = _CELL.search(body, pos)
        if m is None:
            if _not_markup(body[pos:]):
                return col, number, None, len(body)
            raise _damaged(f"unexpected markup in row {number}")
        if m.start() != pos and not _not_markup(body[pos : m.start()]):
            raise _damaged(f"unexpected markup in row {number}")
        attrs = _attrs(m.group(1))
        ref = attrs.get(b"r")
        if ref is None:
            col += 1
        else:
            cm = _CELL_REF.match(ref.decode("ascii", "replace"))
            if cm is None:
                raise FileRejected(f"The sheet has an invalid cell reference “{_text(ref[:20])}”.")
            col = _column_number(cm.group(1))
            number = int(cm.group(2))
        inner = m.group(2)
        if not inner:
            return col, number, None, m.end()  # <c …/>: formatting only, no value
        kind = attrs.get(b"t", b"n")
        formula = _F.search(inner) is not None
        if kind == b"inlineStr":
            raw = None
            text = _rich_text(inner)
        else:
            v = _V.search(inner)
            raw = v.group(1) if v is not None else None
            text = None
        if not (text or raw):
            if formula:
                self._check_place(col, number)
                raise FileRejected(
                    f"Cell {column_name(col)}{number} holds a formula without a calculated "
                    "value. Open the file in Excel or LibreOffice and save it again, or type the "
                    "value instead of the formula."
                )
            return col, number, None, m.end()
        if formula and self.not_calculated:
            self._check_place(col, number)
            raise FileRejected(
                f"Cell {column_name(col)}{number} holds a formula whose value was never "
                "calculated (the program that wrote the file does not calculate). Open the file "
                "in Excel or LibreOffice and save it again, or type the value instead of the "
                "formula."
            )
        if text is None:
            text = self._value(kind, raw, attrs.get(b"s"), col, number, entities=True)
        return col, number, text, m.end()

    def _value(self, kind: bytes, raw: bytes, style, col: int, number: int, entities=False):
        """A cell's stored value as text, by its type."""
        if kind == b"s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                self._check_place(col, number)
                raise FileRejected(
                    f"Cell {column_name(col)}{number} refers to a missing shared string; the "
                    "workbook is damaged."
                ) from None
        if kind == b"n":
            text = raw.decode("ascii", "replace").strip()
            if style is not None and style.isdigit() and int(style) in self.date_styles:
                return serial_date_text(text)
            return number_text(text)
        if kind == b"str":
            return _text(raw) if entities else raw.decode("utf-8")
        if kind == b"b":
            return "yes" if raw.strip() in (b"1", b"true") else "no"
        self._check_place(col, number)
        if kind == b"e":
            raise FileRejected(
                f"Cell {column_name(col)}{number} holds the error {_text(raw)}. Correct it and "
                "upload the file again."
            )
        if kind == b"d":
            text = _text(raw)
            return text[:10] if text[10:19] in ("", "T00:00:00") else text
        raise FileRejected(
            f"Cell {column_name(col)}{number} has an unknown type “{_text(kind[:10])}”."
        )

    def _check_place(self, col: int, number: int) -> None:
        if col > self.max_cols:
            raise FileRejected(
                f"Cell {column_name(col)}{number} holds a value beyond column "
                f"{column_name(self.max_cols)}; the limit is {self.max_cols} columns. Start from "
                "the template."
            )
        if number > self.max_rows:
            raise FileRejected(_too_many_rows(self.max_rows - _BLANK_ROW_SLACK))
