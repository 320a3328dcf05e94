"""/api/v1/imports and /api/v1/exports: bulk provisioning from spreadsheets, and downloads.

POST /imports takes a multipart upload (file, kind, mode, dry_run) and answers with the job;
the job runs inline without a broker (so the answer already carries the result) and on a
worker with REDIS_URL (poll GET /imports/{id}). Without dry_run a valid file is committed at
once; with dry_run the job stops at the preview and POST /imports/{id}/commit commits it.
"""

from datetime import datetime
from typing import Literal

from django.core.cache import cache
from django.http import HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.boundary import INT_MAX
from clinicorg.directory.filters import LocationFilterSet
from clinicorg.staff.filters import StaffFilterSet
from clinicorg.transfer import actions, corrections
from clinicorg.transfer.exports import FilePurged, error_copy, export
from clinicorg.transfer.models import ImportJob, Kind, Mode
from clinicorg.transfer.templates import CONTENT_TYPES, build_template

from ..filters import query_schema
from ..pagination import LimitOffset, PageParams
from ..schemas import ERRORS, Error, Input

router = Router()
ERRORS_IN_JOB = 1000


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class Summary(Schema):
    create: int
    update: int
    unchanged: int
    errors: int


class PreviewCreate(Schema):
    row: int
    cells: dict[str, str] = Field(description="{column: value} as it will be written.")


class PreviewUpdate(Schema):
    row: int
    record: str = Field(description="The record the row updates, by name.")
    changes: dict[str, list[str]] = Field(description="{column: [old value, new value]}.")


class Preview(Schema):
    creates: list[PreviewCreate] = []
    updates: list[PreviewUpdate] = []


class ImportJobOut(Schema):
    id: int
    kind: str
    mode: str
    file_name: str
    state: str = Field(
        description="queued, running, valid, invalid, committing, committed or failed. A "
        "failed import wrote nothing; `can_retry` says whether POST /imports/{id}/retry can "
        "run it again."
    )
    phase: str
    progress: int
    finished: bool
    created_at: datetime
    finished_at: datetime | None
    created_by: str
    total_rows: int
    summary: Summary
    invitations: int
    message: str
    attempts: int = Field(description="How many times a worker took the import up.")
    stalled: bool = Field(
        description="Its worker stopped reporting progress; it is queued again or failed "
        "within minutes."
    )
    can_commit: bool
    can_retry: bool
    error_count: int
    errors: list[ImportErrorOut]
    preview: Preview = Field(
        description="The first 100 rows to create and the first 100 updates of a file without "
        "errors, with their values and changes; empty otherwise."
    )
    file_kept: bool = Field(
        description="Whether the uploaded file is still stored. Committed imports drop it at "
        "once; others keep it for IMPORT_RETENTION_DAYS, after which only the summary and the "
        "errors remain (the error copy then answers 410)."
    )
    file_purged_at: datetime | None


class ErrorPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ImportErrorOut]


def _out(job: ImportJob, *, errors: bool = True) -> dict:
    live = None if job.finished else cache.get(actions.progress_key(job.pk))
    return {
        "id": job.pk,
        "kind": job.kind,
        "mode": job.mode,
        "file_name": job.file_name,
        "state": job.state,
        "phase": (live or {}).get("phase", job.phase),
        "progress": (live or {}).get("progress", job.progress),
        "finished": job.finished,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "created_by": job.actor_label,
        "total_rows": job.total_rows,
        "summary": job.summary(),
        "invitations": job.invitations,
        "message": job.message,
        "attempts": job.attempts,
        "stalled": job.stalled,
        "can_commit": job.can_commit,
        "can_retry": job.can_retry,
        "error_count": job.error_count,
        "errors": job.errors[:ERRORS_IN_JOB] if errors else [],
        "preview": job.preview if errors else {},
        "file_kept": bool(job.file_path),
        "file_purged_at": job.file_purged_at,
    }


def _job(actor, job_id: int) -> ImportJob:
    policy.require(actor, P.IMPORT_EXPORT)
    return ImportJob.objects.visible_to(actor).get(pk=job_id)


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/imports",
    response={201: ImportJobOut, **ERRORS},
    summary="Upload a staff or locations file",
    description="Multipart form: `file` (.xlsx or .csv), `kind` (staff|locations), `mode` "
    "(create|update), `dry_run` (validate only). Errors are reported as "
    "`{row, column, message}`.",
)
def create_import(
    request,
    file: File[UploadedFile],
    kind: Form[Literal["staff", "locations"]],
    mode: Form[Literal["create", "update"]] = Mode.CREATE,
    dry_run: Form[bool] = False,
):
    job = actions.start_import(
        file, file.name or "upload", kind, actor=request.auth, mode=mode, commit=not dry_run
    )
    return Status(201, _out(job))


@router.get("/imports", response={200: list[ImportJobOut], **ERRORS}, summary="Import history")
@paginate(LimitOffset, serialize=lambda j: _out(j, errors=False))
def list_imports(request):
    policy.require(request.auth, P.IMPORT_EXPORT)
    jobs = ImportJob.objects.visible_to(request.auth).order_by("-created_at", "-id")
    return jobs


@router.get("/imports/{int:job_id}", response={200: ImportJobOut, **ERRORS})
def get_import(request, job_id: int):
    """State, phase, progress, summary and the first 1,000 errors of an import."""
    return _out(_job(request.auth, job_id))


@router.get("/imports/{int:job_id}/errors", response={200: ErrorPage, **ERRORS})
def list_import_errors(request, job_id: int, page: Query[PageParams]):
    job = _job(request.auth, job_id)
    items = job.errors[page.offset : page.offset + page.limit]
    return {"count": job.error_count, "limit": page.limit, "offset": page.offset, "items": items}


@router.post("/imports/{int:job_id}/commit", response={200: ImportJobOut, **ERRORS, 409: dict})
def commit_import(request, job_id: int):
    """Commit a dry-run import whose file had no errors."""
    job = actions.commit_import(_job(request.auth, job_id), actor=request.auth)
    return _out(job)


class CellError(Schema):
    column: str | None = Field(description="The header of the bad cell; null for the row.")
    messages: list[str]


class RowToFixOut(Schema):
    row: int = Field(description="Row number in the file (the header is row 1).")
    cells: dict[str, str] = Field(description="{header: cell text} as the file has it.")
    errors: list[CellError]


class RowsToFixOut(Schema):
    headers: list[str]
    rows: list[RowToFixOut]
    more: int = Field(description="Rows with errors beyond these (fix them in the file).")


class RowCorrection(Input):
    row: int = Field(ge=2, le=INT_MAX, description="Row number, as in rows-to-fix.")
    cells: dict[str, str] = Field(description="{header: corrected text}.")


class CorrectionsIn(Input):
    rows: list[RowCorrection] = Field(min_length=1, max_length=corrections.MAX_ROWS)


@router.get("/imports/{int:job_id}/rows-to-fix", response={200: RowsToFixOut, **ERRORS, 409: dict})
def rows_to_fix(request, job_id: int):
    """The first 100 rows of a checked file that have errors, cell by cell, to correct."""
    found = corrections.rows_to_fix(_job(request.auth, job_id), actor=request.auth)
    return {
        "headers": found.headers,
        "rows": [
            {
                "row": r.row,
                "cells": dict(zip(found.headers, r.cells, strict=True)),
                "errors": [
                    {"column": None if i is None else found.headers[i], "messages": m}
                    for i, m in r.errors.items()
                ],
            }
            for r in found.rows
        ],
        "more": found.more,
    }


@router.post(
    "/imports/{int:job_id}/corrections",
    response={201: ImportJobOut, **ERRORS, 409: dict},
    summary="Check the file again with corrected cells",
    description="Writes a copy of the upload with the cells replaced and checks it as a new "
    "import (answered here); commit that one as any other. Only rows with errors may be "
    "corrected.",
)
def correct_import(request, job_id: int, payload: CorrectionsIn):
    job = _job(request.auth, job_id)
    edits = {r.row: dict(r.cells) for r in payload.rows}
    return Status(201, _out(corrections.correct_import(job, edits, actor=request.auth)))


@router.post("/imports/{int:job_id}/retry", response={200: ImportJobOut, **ERRORS, 409: dict})
def retry_import(request, job_id: int):
    """Run a failed import again from its stored upload (it wrote nothing)."""
    job = actions.retry_import(_job(request.auth, job_id), actor=request.auth)
    return _out(job)


@router.get("/imports/{int:job_id}/error-copy", response={200: None, **ERRORS, 410: Error})
def import_error_copy(request, job_id: int):
    """The uploaded file with an Errors column added; 410 once the upload was purged."""
    job = _job(request.auth, job_id)
    if not job.error_count:
        raise ImportJob.DoesNotExist
    try:
        return _file(*error_copy(job))
    except FilePurged as exc:
        return Status(410, {"error": "file_purged", "message": exc.message})


@router.get("/imports/templates/{kind}", response={200: None, **ERRORS})
def import_template(
    request, kind: Literal["staff", "locations"], format: Literal["xlsx", "csv"] = "xlsx"
):
    policy.require(request.auth, P.IMPORT_EXPORT)
    policy.require(request.auth, P.MANAGE_STAFF if kind == Kind.STAFF else P.MANAGE_LOCATIONS)
    content = build_template(kind, format, request.auth)
    return _file(content, CONTENT_TYPES[format], f"{kind}-template.{format}")


# The lists' own filter sets: an export takes every filter of its list, as the list does.
StaffExportFilters = query_schema(StaffFilterSet, "StaffExportFilters")
LocationExportFilters = query_schema(LocationFilterSet, "LocationExportFilters")


@router.get("/exports/staff", response={200: None, **ERRORS})
def export_staff(
    request, filters: Query[StaffExportFilters], format: Literal["xlsx", "csv"] = "csv"
):
    """Staff the token may see, with the Employee Center's filters."""
    return _file(*export("staff", format, request.auth, filters.dict()))


@router.get("/exports/locations", response={200: None, **ERRORS})
def export_locations(
    request, filters: Query[LocationExportFilters], format: Literal["xlsx", "csv"] = "csv"
):
    return _file(*export("locations", format, request.auth, filters.dict()))
