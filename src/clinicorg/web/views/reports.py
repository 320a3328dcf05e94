"""Reports pages: the organization dashboard, the license expiry list, and their exports."""

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.reports import actions, exports, queries
from clinicorg.reports.charts import bar_chart
from clinicorg.reports.fields import LICENSE_FIELD_LIST
from clinicorg.reports.filters import LICENSE_FILTERS, licenses_for

from ..forms.base import given_filters
from ..forms.reports import LicenseFilterForm, ReminderSettingsForm
from ..setup import setup_checklist
from .base import paginate, requires, save_form
from .staff import _location_options


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _staff_count(board) -> int | None:
    """Every member the dashboard counted (any status), when it shows staff."""
    by_status = board.table("status")
    return by_status.total if by_status is not None else None


@requires(P.MANAGE_STAFF, P.MANAGE_SETTINGS)
def dashboard(request):
    board = queries.cached_dashboard(request.user)
    charts = [(table, bar_chart(table.rows)) for table in board.tables]
    return render(
        request,
        "web/reports/dashboard.html",
        {
            "board": board,
            "charts": charts,
            "figures": board.figures,
            "setup": setup_checklist(request.user, staff_count=_staff_count(board)),
        },
    )


@requires(P.IMPORT_EXPORT)
def dashboard_export(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404("CSV or XLSX only.")
    return _file(*exports.dashboard_export(request.user, fmt))


def _license_filters(request) -> tuple[LicenseFilterForm, dict]:
    """The page's form (its errors beside the fields) and the filters as given."""
    form = LicenseFilterForm(request.GET)
    form.is_valid()
    return form, given_filters(request.GET, LICENSE_FILTERS)


@requires(P.MANAGE_STAFF)
def license_list(request):
    actor = request.user
    form, given = _license_filters(request)
    today = queries.org_today(actor.organization)
    page, query = paginate(request, licenses_for(actor, given, today=today))
    filters = {**given, "window": queries.window_or_default(given["window"])}
    for lic in page:
        queries.expiry(lic, today)
    kept = {k: v for k, v in request.GET.items() if k not in ("window", "page") and v}
    return render(
        request,
        "web/reports/licenses.html",
        {
            "form": form,
            "filters": filters,
            "fields": LICENSE_FIELD_LIST,
            "page": page,
            "query": query,
            "today": today,
            "windows": [
                (days, urlencode({**kept, "window": days})) for days in queries.WINDOW_CHOICES
            ],
            "export_query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
            "location_options": _location_options(actor, str(filters["location"] or "")),
            "can_manage_reminders": policy.can(actor, P.MANAGE_SETTINGS),
        },
    )


@requires(P.IMPORT_EXPORT)
def license_export(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404("CSV or XLSX only.")
    _form, filters = _license_filters(request)
    today = queries.org_today(request.user.organization)
    return _file(*exports.license_export(request.user, fmt, filters, today=today))


@requires(P.MANAGE_SETTINGS)
def reminder_settings(request):
    current = queries.reminder_settings(request.user.organization)
    initial = {"enabled": current.enabled, "windows": ", ".join(map(str, current.windows))}
    form = ReminderSettingsForm(request.POST or None, initial=initial)
    done = save_form(
        request,
        form,
        lambda data: actions.update_reminder_settings(data, actor=request.user),
        "Reminder settings saved.",
        "web:reminder_settings",
    )
    if done:
        return done
    page, query = paginate(request, queries.digests_for(request.user), per_page=25)
    return render(
        request,
        "web/reports/reminders.html",
        {"form": form, "settings": current, "page": page, "query": query},
    )
