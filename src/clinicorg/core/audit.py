"""Recording audit events: called by every action inside its transaction.

A value that names a record belonging to a location (a location, a person by their primary
location) is kept as a `Label`: its text, plus that location's id, stored beside the changes
as the event's `refs`. A reader limited to some locations reads the event through
`AuditEvent.objects.visible_to`, which hides the values whose location they cannot access.
"""

import time
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone

from . import context
from .models import AuditEvent

HIDDEN = "(outside your locations)"


class Label(str):
    """The text of a value in the change log, with the id of the location it belongs to."""

    location_id: int | None

    def __new__(cls, text, location_id: int | None = None):
        label = super().__new__(cls, text)
        label.location_id = location_id
        return label


def location_codes(locations) -> list[Label]:
    """A set of locations as the change log shows it: their codes, sorted, each tied to its
    location. `locations`: (id, code) pairs."""
    return sorted(Label(code, pk) for pk, code in locations)


def label(obj) -> str:
    """How the change log names a record: its text, tied to its location when it has one."""
    if obj is None:
        return None
    return Label(str(obj), getattr(obj, "audit_location_id", None))


_CARRIERS = (Label, list, tuple)


def _ref(value):
    if isinstance(value, Label):
        return value.location_id
    if isinstance(value, list | tuple):
        # Plain items (most values) are passed over without a call: an import of 100,000
        # members renders about 1.5 million of them.
        found = None
        for i, item in enumerate(value):
            if isinstance(item, _CARRIERS):
                ref = _ref(item)
                if ref is not None:
                    if found is None:
                        found = [None] * len(value)
                    found[i] = ref
        return found
    return None


def refs_of(changes: dict) -> dict:
    """For each change that names something belonging to a location, the ids of those
    locations in the shape of its value ([old, new], lists item by item; None elsewhere)."""
    out = {}
    for name, value in changes.items():
        ref = _ref(value)
        if ref is not None:
            out[name] = ref
    return out


def _hide(value, ref, allowed):
    if ref is None:
        return value
    if isinstance(ref, list):
        if not isinstance(value, list | tuple):
            return value
        return [_hide(v, r, allowed) for v, r in zip(value, ref, strict=False)] + list(
            value[len(ref) :]
        )
    return value if ref in allowed else HIDDEN


def readable_changes(changes: dict, refs: dict, allowed) -> dict:
    """The changes as a reader who may access the locations `allowed` (None: every one) reads
    them: each value belonging to another location reads as HIDDEN."""
    if allowed is None or not refs:
        return changes
    return {name: _hide(value, refs.get(name), allowed) for name, value in changes.items()}


def _plain(value):
    """A JSON-safe rendering of a field value for the change log."""
    if isinstance(value, models.Model):
        return label(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """Field values of an instance, foreign keys by their display, for a later `diff`."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose values differ."""
    return {
        k: [before.get(k), after.get(k)]
        for k in after.keys() | before.keys()
        if before.get(k) != after.get(k)
    }


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    label = getattr(actor, "audit_label", None)
    return label() if callable(label) else str(actor)


def _actor_fields(actor) -> dict:
    """Who acted, as the audit event stores it: a person, an API token, or the system."""
    is_token = getattr(actor, "is_token", False)
    is_person = actor is not None and not is_token and not getattr(actor, "is_system", False)
    return {
        "actor_id": actor.pk if is_person else None,
        "actor_token_id": actor.pk if is_token else None,
        "actor_label": actor_label(actor)[:300],
    }


def record(
    action: str,
    *,
    actor,
    organization_id: int | None = None,
    target=None,
    target_type: str = "",
    target_id="",
    target_label: str = "",
    changes: dict | None = None,
    location_id: int | None = None,
) -> AuditEvent:
    """Write one audit event. Call inside the action's `transaction.atomic` block.

    The organization defaults to the actor's; system actions (actor None) must name it.
    """
    ctx = context.current()
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id or target.pk
        target_label = target_label or str(target)
        if location_id is None:
            location_id = getattr(target, "audit_location_id", None)
    if organization_id is None:
        organization_id = actor.organization_id
    _mark_change(organization_id)
    return AuditEvent.objects.create(
        organization_id=organization_id,
        **_actor_fields(actor),
        action=action,
        target_type=target_type,
        target_id=str(target_id or ""),
        target_label=(target_label or "")[:300],
        location_id=location_id,
        changes=changes or {},
        refs=refs_of(changes or {}),
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


_MANY_COLUMNS = (
    "organization_id",
    "occurred_at",
    "actor_id",
    "actor_token_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "location_id",
    "changes",
    "refs",
    "request_id",
    "ip",
)


def record_many(action: str, target_type: str, items, *, actor) -> int:
    """Write one audit event per item, in bulk, for the actions of bulk front ends.

    `items` yields (target id, target label, location id, changes); each event is what
    `record` would write for that target, written as plain rows (COPY on PostgreSQL) so that
    an import of 100,000 members pays no per-event ORM cost. Call inside the transaction.
    """
    from .bulk import insert_rows

    ctx = context.current()
    who = _actor_fields(actor)
    now = timezone.now()
    _mark_change(actor.organization_id)
    head = (actor.organization_id, now, who["actor_id"], who["actor_token_id"], who["actor_label"])
    rows = (
        (
            *head,
            action,
            target_type,
            str(target_id),
            (target_label or "")[:300],
            location_id,
            changes,
            refs_of(changes),
            ctx.request_id,
            ctx.ip,
        )
        for target_id, target_label, location_id, changes in items
    )
    return insert_rows(AuditEvent, list(_MANY_COLUMNS), rows)


# What is cached from an organization's data (the dashboard) is keyed to its change mark as
# well as to its newest event: the mark moves after every commit that recorded a change, so
# it moves even when transactions commit out of the order of their events' ids.
_MARK = "audit:changes:{}"


def change_mark(organization_id: int):
    """The organization's change mark (None before the first change this cache saw)."""
    return cache.get(_MARK.format(organization_id))


def _mark_change(organization_id: int) -> None:
    """After the commit, move the organization's mark: once per transaction, however many
    events it records (a rolled-back transaction's hooks are dropped with it)."""
    pending = transaction.get_connection().run_on_commit
    if any(getattr(entry[1], "marks", None) == organization_id for entry in pending):
        return

    def move():
        _move_mark(organization_id)

    move.marks = organization_id
    # robust: a cache that is down must not fail the action after its commit.
    transaction.on_commit(move, robust=True)


def _move_mark(organization_id: int) -> None:
    cache.set(_MARK.format(organization_id), time.time_ns(), None)
