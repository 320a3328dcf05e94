"""Scoped reads of the audit log, and the one filter its page, export and API share."""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import boundary
from .models import AuditEvent


def _day_start(day: date) -> datetime | None:
    """Midnight of `day` in the current time zone; None when that instant, or the next day, lies
    outside the calendar the database stores (year 1 to 9999 in UTC): no bound there."""
    try:
        start = timezone.make_aware(
            datetime.combine(day, time.min), timezone.get_current_timezone()
        )
        start.astimezone(UTC)
    except OverflowError:
        return None
    return start


def _next_day_start(day: date) -> datetime | None:
    return None if day == date.max else _day_start(day + timedelta(days=1))


def filter_audit_events(
    queryset,
    *,
    actor: str | int | None = None,
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
):
    """Filter audit events. `actor` is a staff id or text matched against the actor label;
    dates are inclusive days."""
    if actor not in (None, ""):
        if isinstance(actor, int) or boundary.is_int_text(str(actor)):
            queryset = queryset.filter(actor_id=int(actor))
        else:
            queryset = queryset.filter(actor_label__icontains=str(actor).strip())
    if action:
        queryset = queryset.filter(action=action)
    if target_type:
        queryset = queryset.filter(target_type=target_type)
    if target_id:
        queryset = queryset.filter(target_id=str(target_id))
    start = _day_start(date_from) if date_from else None
    if start:
        queryset = queryset.filter(occurred_at__gte=start)
    end = _next_day_start(date_to) if date_to else None
    if end:
        queryset = queryset.filter(occurred_at__lt=end)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(
            Q(target_label__icontains=q) | Q(actor_label__icontains=q) | Q(action__icontains=q)
        )
    return queryset.order_by("-occurred_at", "-id")


def audit_events_for(reader, /, **filters):
    """Events the reader may see, filtered. The reader is positional so that `actor=` is free
    to be the filter of the same name."""
    return filter_audit_events(AuditEvent.objects.visible_to(reader), **filters)


def get_audit_event(actor, pk) -> AuditEvent:
    return get_object_or_404(AuditEvent.objects.visible_to(actor), pk=pk)
