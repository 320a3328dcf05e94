"""Fixing an import's rows in place, without editing the file and uploading it again.

`rows_to_fix` reads the stored upload once and returns the rows that have errors, cell by cell
as the file has them, with each bad cell's messages. `correct_import` writes a copy of the
upload with the corrected cells and starts a new job on it: the same checks and the same atomic
commit as any upload, and the first job stays as it was, in the history.
"""

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError

from clinicorg.core import boundary
from clinicorg.core.errors import Conflict

from . import actions
from .models import ImportJob, State
from .readers import FileRejected, read_table

# Rows with errors offered for correction at once; the rest stay in the error copy.
MAX_ROWS = 100
MAX_CELL = 2000


@dataclass
class RowToFix:
    row: int
    cells: list[str]
    # {column index: messages}; messages about the whole row under None.
    errors: dict[int | None, list[str]] = field(default_factory=dict)

    def bad(self, index: int) -> bool:
        return index in self.errors


@dataclass
class RowsToFix:
    headers: list[str]
    rows: list[RowToFix]
    # Rows with errors beyond the ones offered here (see MAX_ROWS).
    more: int = 0


def _check(job: ImportJob, actor) -> None:
    actions._require(actor, job.kind)
    if job.organization_id != actor.organization_id:
        raise ImportJob.DoesNotExist
    if job.file_purged_at is not None or not job.file_path:
        raise Conflict(
            "The uploaded file is no longer stored, so its rows cannot be corrected here. "
            "Upload the file again.",
            code="file_purged",
        )
    if job.state != State.INVALID or not job.error_count:
        raise Conflict("Only a checked file with errors can be corrected.", code="not_correctable")
    if not _error_rows(job):
        raise Conflict(
            "The errors are about the file itself (its columns or its format), not its rows: fix "
            "the file and upload it again.",
            code="file_refused",
        )


def _error_rows(job: ImportJob) -> dict[int, list[dict]]:
    by_row: dict[int, list[dict]] = {}
    for e in job.errors:
        if e.get("row", 0) > 1:
            by_row.setdefault(e["row"], []).append(e)
    return by_row


def _read(job: ImportJob):
    try:
        return read_table(job.file_path, job.file_name)
    except (FileRejected, OSError):
        raise Conflict(
            "The file itself was refused, so its rows cannot be corrected one by one. Fix the "
            "file and upload it again.",
            code="file_refused",
        ) from None


def rows_to_fix(job: ImportJob, *, actor, limit: int = MAX_ROWS) -> RowsToFix:
    """The first `limit` rows of the job's file that have errors, as the file has them."""
    _check(job, actor)
    by_row = _error_rows(job)
    wanted = set(sorted(by_row)[:limit])
    table = _read(job)
    headers = list(table.headers)
    index = {h.strip().lower(): i for i, h in enumerate(headers)}
    found = []
    for number, cells in table.rows:
        if number not in wanted:
            continue
        item = RowToFix(number, (list(cells) + [""] * len(headers))[: len(headers)])
        for e in by_row[number]:
            at = index.get((e.get("column") or "").strip().lower())
            item.errors.setdefault(at, []).append(e["message"])
        found.append(item)
        if len(found) == len(wanted):
            break
    return RowsToFix(headers, found, more=max(len(by_row) - len(wanted), 0))


def column_indexes(headers: list[str], names) -> dict[str, int]:
    """{name: index} of the named columns of a file; ValidationError for a name it lacks."""
    index = {h.strip().lower(): i for i, h in enumerate(headers)}
    unknown = [n for n in names if n.strip().lower() not in index]
    if unknown:
        raise ValidationError(
            {"cells": f"The file has no column {', '.join(repr(n) for n in unknown)}."}
        )
    return {n: index[n.strip().lower()] for n in names}


def correct_import(job: ImportJob, corrections: dict[int, dict[int | str, str]], *, actor):
    """Check the job's file again with the cells in `corrections` ({row: {column: text}}, a
    column by its index or its header) replaced; returns the new job. Only rows that have
    errors may be corrected."""
    _check(job, actor)
    if not corrections:
        raise ValidationError({"rows": "Correct at least one cell."})
    by_row = _error_rows(job)
    problems = []
    for number, cells in corrections.items():
        if number not in by_row:
            problems.append(f"Row {number} has no errors to correct.")
        for value in cells.values():
            text = boundary.text_problem(value)
            if text or len(value) > MAX_CELL:
                problems.append(f"Row {number}: {text or f'at most {MAX_CELL} characters.'}")
    if problems:
        raise ValidationError({"rows": problems[:20]})
    table = _read(job)
    width = len(table.headers)
    names = column_indexes(
        table.headers, {c for cells in corrections.values() for c in cells if isinstance(c, str)}
    )
    corrections = {
        number: {names.get(c, c): value for c, value in cells.items()}
        for number, cells in corrections.items()
    }
    if any(i < 0 or i >= width for cells in corrections.values() for i in cells):
        raise ValidationError({"cells": "A corrected cell is outside the file's columns."})
    stem = Path(job.file_name).stem.removesuffix("-corrected")
    # The copy is written to a temporary file as the rows stream by: memory stays small
    # whatever the size of the upload.
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(table.headers)
        for number, cells in table.rows:
            fixed = corrections.get(number)
            if fixed:
                cells = (list(cells) + [""] * width)[:width]
                for i, value in fixed.items():
                    cells[i] = value
            writer.writerow(cells)
        text.flush()
        text.detach()
        raw.seek(0)
        return actions.start_import(
            raw, f"{stem}-corrected.csv", job.kind, actor=actor, mode=job.mode
        )
