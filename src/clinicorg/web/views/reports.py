"""Reports pages: the organization dashboard and its export."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from clinicorg.access.catalogue import P
from clinicorg.reports import exports, queries
from clinicorg.reports.charts import bar_chart

from .base import requires


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(P.MANAGE_STAFF, P.MANAGE_SETTINGS)
def dashboard(request):
    board = queries.dashboard(request.user)
    charts = [(table, bar_chart(table.rows)) for table in board.tables]
    return render(
        request,
        "web/reports/dashboard.html",
        {"board": board, "charts": charts, "figures": board.figures},
    )


@requires(P.IMPORT_EXPORT)
def dashboard_export(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404("CSV or XLSX only.")
    return _file(*exports.dashboard_export(request.user, fmt))
