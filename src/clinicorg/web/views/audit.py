"""Audit log pages: the filtered list, one event, and the CSV export of the filtered list.

Times are shown in the organization's time zone, and the date filters read days in it too, as
on every front end of the log (core.filters.AuditFilterSet).
"""

import csv

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinicorg.access.catalogue import P
from clinicorg.core.filters import AUDIT_FILTERS, audit_events_for
from clinicorg.core.labels import action_label, field_label, target_type_label, value_label
from clinicorg.core.models import AuditEvent
from clinicorg.core.queries import get_audit_event, organization_zone
from clinicorg.directory.models import Location
from clinicorg.transfer.cells import neutralize

from ..forms.org import AuditFilterForm
from .base import paginate, requires

CSV_COLUMNS = (
    "time",
    "actor",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "target",
    "changes",
    "request_id",
    "ip",
)
# Spreadsheets run a cell starting with one of these as a formula.


EMPTY = "(empty)"
NONE = "(none)"


def show_value(value) -> str:
    """One old or new value of a change, as a person reads it."""
    if value is None or value == "":
        return EMPTY
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple):
        return ", ".join(show_value(v) for v in value) if value else NONE
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show_value(v)}" for k, v in value.items()) or NONE
    return str(value)


def change_rows(changes) -> list[tuple[str, str, str]]:
    """[(field, old, new)] from the stored {field: [old, new]}; odd shapes are shown as they are."""
    if not isinstance(changes, dict):
        return [("", "", show_value(changes))] if changes else []
    rows = []
    for field, pair in sorted(changes.items()):
        if isinstance(pair, list | tuple) and len(pair) == 2:
            rows.append((field, show_value(pair[0]), show_value(pair[1])))
        else:
            rows.append((field, "", show_value(pair)))
    return rows


def labelled_rows(changes) -> list[tuple[str, str, str, str]]:
    """[(field label, old, new, stored field name)] as people read them: "Active: yes → no",
    "Status: Active → On leave"."""
    return [
        (
            field_label(field) if field else "",
            value_label(field, old),
            value_label(field, new),
            field,
        )
        for field, old, new in change_rows(changes)
    ]


def _filter_form(request):
    """The filter form with the actions and target types this reader's log contains."""
    visible = AuditEvent.objects.visible_to(request.user)
    actions = visible.order_by("action").values_list("action", flat=True).distinct()
    types = visible.order_by("target_type").values_list("target_type", flat=True).distinct()
    bound = any(request.GET.get(k) for k in AUDIT_FILTERS)
    return AuditFilterForm(
        request.GET if bound else None,
        actions=[a for a in actions if a],
        target_types=[t for t in types if t],
    )


def _events(request, form):
    return audit_events_for(request.user, form.filters())


def _linkable_locations(request, events) -> set[str]:
    """Ids of the listed locations that still exist and that the reader may open."""
    ids = {e.target_id for e in events if e.target_type == "location" and e.target_id.isdigit()}
    if not ids:
        return set()
    found = Location.objects.visible_to(request.user).filter(pk__in=[int(i) for i in ids])
    return {str(pk) for pk in found.values_list("pk", flat=True)}


@requires(P.VIEW_AUDIT_LOG)
def audit_list(request):
    tz = organization_zone(request.user)
    form = _filter_form(request)
    page, query = paginate(request, _events(request, form), per_page=50)
    events = list(page)
    linkable = _linkable_locations(request, events)
    for event in events:
        # In the list a change from nothing shows the new value only.
        event.change_rows = [
            (label, "" if old in (EMPTY, NONE) else old, new)
            for label, old, new, _field in labelled_rows(event.changes)
        ]
        event.action_label = action_label(event.action)
        event.target_type_label = target_type_label(event.target_type)
        event.location_link = event.target_type == "location" and event.target_id in linkable
    with timezone.override(tz):
        return render(
            request,
            "web/audit/list.html",
            {
                "form": form,
                "page": page,
                "events": events,
                "query": query,
                "filtered": form.is_bound,
                "tz_name": str(tz),
            },
        )


@requires(P.VIEW_AUDIT_LOG)
def audit_detail(request, pk):
    tz = organization_zone(request.user)
    event = get_audit_event(request.user, pk)
    location_link = event.target_type == "location" and bool(_linkable_locations(request, [event]))
    with timezone.override(tz):
        return render(
            request,
            "web/audit/detail.html",
            {
                "event": event,
                "rows": labelled_rows(event.changes),
                "location_link": location_link,
                "target_type_label": target_type_label(event.target_type),
                "action_label": action_label(event.action),
                "tz_name": str(tz),
            },
        )


class _Echo:
    def write(self, value):
        return value


def _csv_rows(events, tz):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in events.iterator(chunk_size=2000):
        changes = "; ".join(
            f"{field}: {old} → {new}" if field else new
            for field, old, new in change_rows(e.changes)
        )
        row = (
            e.occurred_at.astimezone(tz).isoformat(timespec="seconds"),
            e.actor_label,
            e.actor_id or "",
            e.action,
            e.target_type,
            e.target_id,
            e.target_label,
            changes,
            e.request_id,
            e.ip or "",
        )
        yield writer.writerow([neutralize(v) for v in row])


@requires(P.VIEW_AUDIT_LOG)
def audit_export(request):
    tz = organization_zone(request.user)
    form = _filter_form(request)
    events = _events(request, form)
    stamp = timezone.now().astimezone(tz).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_rows(events, tz), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
