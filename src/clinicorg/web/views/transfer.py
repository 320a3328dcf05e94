"""Import and export pages: upload, preview with every error, commit, progress, history."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.errors import Conflict
from clinicorg.directory.filters import LOCATION_FILTERS
from clinicorg.staff.filters import STAFF_FILTERS
from clinicorg.transfer import actions, corrections
from clinicorg.transfer.columns import COLUMNS
from clinicorg.transfer.exports import FilePurged, error_copy, export
from clinicorg.transfer.models import ImportJob, Kind, Phase
from clinicorg.transfer.templates import CONTENT_TYPES, build_template

from ..forms.transfer import CorrectionForm, ImportForm
from .base import apply_errors, list_filters, paginate, requires

ERRORS_SHOWN = 500


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _job(request, pk) -> ImportJob:
    return get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)


def _target_permission(kind: str) -> str:
    return P.MANAGE_STAFF if kind == Kind.STAFF else P.MANAGE_LOCATIONS


@requires(P.IMPORT_EXPORT)
def import_start(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else Kind.STAFF
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            job = actions.start_import(
                upload, upload.name, data["kind"], actor=request.user, mode=data["mode"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("web:import_detail", pk=job.pk)
    kinds = [
        {
            "kind": k,
            "label": label,
            "columns": COLUMNS[k],
            "allowed": policy.can(request.user, _target_permission(k)),
        }
        for k, label in Kind.choices
    ]
    return render(
        request,
        "web/transfer/start.html",
        {
            "form": form,
            "kinds": kinds,
            "kind": kind,
            "limit_mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1048576,
        },
    )


@requires(P.IMPORT_EXPORT)
def import_detail(request, pk):
    job = _job(request, pk)
    errors = job.errors[:ERRORS_SHOWN]
    return render(
        request,
        "web/transfer/detail.html",
        {
            "job": job,
            "errors": errors,
            "more_errors": max(job.error_count - len(errors), 0),
            "status_url": reverse("web:import_status", args=[job.pk]),
            "phases": [Phase.READING, Phase.VALIDATING, Phase.WRITING, Phase.SENDING],
            "retention_days": settings.IMPORT_RETENTION_DAYS,
        },
    )


@requires(P.IMPORT_EXPORT)
def import_status(request, pk):
    """The small JSON the progress bar polls."""
    from django.core.cache import cache

    job = _job(request, pk)
    live = None if job.finished else cache.get(actions.progress_key(job.pk))
    phase = (live or {}).get("phase", job.phase)
    return JsonResponse(
        {
            "id": job.pk,
            "state": job.state,
            "state_label": job.get_state_display(),
            "phase": phase,
            "phase_label": Phase(phase).label if phase in Phase.values else phase,
            "progress": (live or {}).get("progress", job.progress),
            "finished": job.finished,
            "stalled": job.stalled,
            "summary": job.summary(),
            "error_count": job.error_count,
        }
    )


@require_POST
@requires(P.IMPORT_EXPORT)
def import_commit(request, pk):
    job = _job(request, pk)
    try:
        job = actions.commit_import(job, actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        if job.state == "committed":
            messages.success(
                request,
                f"Imported: {job.to_create} created, {job.to_update} updated, "
                f"{job.unchanged} unchanged.",
            )
    return redirect("web:import_detail", pk=job.pk)


@require_POST
@requires(P.IMPORT_EXPORT)
def import_retry(request, pk):
    job = _job(request, pk)
    try:
        job = actions.retry_import(job, actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect("web:import_detail", pk=job.pk)


@requires(P.IMPORT_EXPORT)
def import_fix(request, pk):
    """The rows with errors in an editable grid; checking it again starts a new job."""
    job = _job(request, pk)
    try:
        found = corrections.rows_to_fix(job, actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("web:import_detail", pk=job.pk)
    form = CorrectionForm(request.POST or None, found)
    if request.method == "POST" and form.is_valid():
        edits = form.corrections()
        try:
            new = corrections.correct_import(job, edits, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:import_detail", pk=job.pk)
        else:
            changed = sum(len(c) for c in edits.values())
            messages.success(
                request,
                f"Checking the file again with {changed} corrected cell{pluralize(changed)}.",
            )
            return redirect("web:import_detail", pk=new.pk)
    return render(request, "web/transfer/fix.html", {"job": job, "form": form, "found": found})


@requires(P.IMPORT_EXPORT)
def import_error_copy(request, pk):
    job = _job(request, pk)
    if not job.error_count:
        raise Http404
    try:
        return _download(*error_copy(job))
    except FilePurged as exc:
        return render(
            request, "web/transfer/gone.html", {"job": job, "problem": exc.message}, status=410
        )


@requires(P.IMPORT_EXPORT)
def import_history(request):
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")
    page = Paginator(jobs.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "web/transfer/history.html", {"page": page, "query": ""})


@requires(P.IMPORT_EXPORT)
def import_template(request, kind, fmt):
    if kind not in Kind.values or fmt not in CONTENT_TYPES:
        raise Http404
    policy.require(request.user, _target_permission(kind))
    content = build_template(kind, fmt, request.user)
    return _download(content, CONTENT_TYPES[fmt], f"{kind}-template.{fmt}")


def _export(request, kind, names):
    fmt = request.GET.get("format", "xlsx")
    if fmt not in CONTENT_TYPES:
        fmt = "xlsx"
    filters = list_filters(request, names)
    content, content_type, name = export(kind, fmt, request.user, filters)
    return _download(content, content_type, name)


@requires(P.IMPORT_EXPORT)
def export_staff(request):
    """Staff the user may see, with the Employee Center's filters (?q=&status=&location=...)."""
    return _export(request, "staff", STAFF_FILTERS)


@requires(P.IMPORT_EXPORT)
def export_locations(request):
    return _export(request, "locations", LOCATION_FILTERS)


__all__ = [
    "import_start",
    "import_detail",
    "import_status",
    "import_commit",
    "import_error_copy",
    "import_history",
    "import_template",
    "export_staff",
    "export_locations",
    "paginate",
]
