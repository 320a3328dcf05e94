"""Scoped reads of the audit log, and the one filter its page, export and API share (through
core.filters.AuditFilterSet)."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from . import boundary
from .models import AuditEvent, Organization
from .scope import org_scope

DATE_RANGE_PROBLEM = "The last day comes before the first day."


def organization_zone(actor) -> tzinfo:
    """The time zone of the actor's organization (UTC when it names none the machine knows):
    where the product shows times and where a day a person gives begins and ends."""
    organization = getattr(actor, "organization", None)
    if organization is not None:
        name = organization.timezone
    else:
        found = Organization.objects.filter(pk=actor.organization_id)
        name = found.values_list("timezone", flat=True).first()
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_day(value) -> date | None | bool:
    """A day given to a filter: a date, None when not given, False when it is no date (a
    filter that cannot use it matches nothing)."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return False


def date_range_problem(first, last) -> str:
    """What is wrong with a range of days a person gave, or "": the one check of the page's
    form and the API."""
    first, last = parse_day(first), parse_day(last)
    if first and last and last < first:
        return DATE_RANGE_PROBLEM
    return ""


def day_start(day: date, zone: tzinfo) -> datetime | None:
    """Midnight of `day` in `zone`; None when that instant lies outside the calendar the
    database stores (year 1 to 9999 in UTC): no bound there."""
    try:
        start = timezone.make_aware(datetime.combine(day, time.min), zone)
        start.astimezone(UTC)
    except OverflowError:
        return None
    return start


def next_day_start(day: date, zone: tzinfo) -> datetime | None:
    return None if day == date.max else day_start(day + timedelta(days=1), zone)


def filter_audit_events(
    queryset,
    *,
    zone: tzinfo,
    actor: str | int | None = None,
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    date_from=None,
    date_to=None,
    q: str = "",
):
    """Filter audit events. `actor` is a staff id or text matched against the actor label;
    dates are inclusive days in `zone` (the organization's); a value that is no date matches
    nothing."""
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
    first, last = parse_day(date_from), parse_day(date_to)
    if first is False or last is False:
        return queryset.none()
    start = day_start(first, zone) if first else None
    if start:
        queryset = queryset.filter(occurred_at__gte=start)
    end = next_day_start(last, zone) if last else None
    if end:
        queryset = queryset.filter(occurred_at__lt=end)
    q = (q or "").strip()
    if q:
        queryset = queryset.filter(
            Q(target_label__icontains=q) | Q(actor_label__icontains=q) | Q(action__icontains=q)
        )
    return queryset.order_by("-occurred_at", "-id")


def scoped_audit_events(reader):
    """Events the reader may see, before any filter (the lists filter them through
    core.filters)."""
    return AuditEvent.objects.visible_to(reader)


def latest_change(actor) -> int | None:
    """The id of the newest audit event of the actor's organization (None before the first).

    Every write is an action that records one, so this moves with every change the
    organization commits: a key for what is computed from its data. A transaction that
    commits after a later one leaves it where the later one put it; `audit.change_mark`
    moves then too.
    """
    events = org_scope(AuditEvent.objects.all(), actor).order_by("-occurred_at", "-id")
    return events.values_list("pk", flat=True).first()


def get_audit_event(actor, pk) -> AuditEvent:
    return get_object_or_404(AuditEvent.objects.visible_to(actor), pk=pk)
