"""What a checked file would do, for people to read before they commit: the first rows it
creates, with their values, and the first records it updates, each changed field with its old
and new value. Values read as in the audit log (names, not ids), under the file's column
labels."""

from datetime import date

from .columns import COLUMNS
from .validators import CountedRows, audit_name, audit_renderer

PREVIEW_ROWS = CountedRows.SAMPLE


def _text(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def describe(plan) -> dict:
    """{"creates": [{row, cells}], "updates": [{row, record, changes}]}, PREVIEW_ROWS each."""
    labels = {c.key: c.label for c in COLUMNS[plan.kind]}
    if plan.kind == "staff":
        render = audit_renderer(plan.lookups)

        def shown(name, value):
            return _text(render(name, value)[1])

        def codes(ids):
            return _text(render.locations(ids or ()))

        def relations(item, before=None):
            out = {}
            if item.get("extra") is not None and (before is None or "extra_before" in item):
                old = codes(item.get("extra_before")) if before is not None else ""
                out[labels["extra_locations"]] = [old, codes(item["extra"])]
            if item.get("taxonomies") is not None and (
                before is None or "taxonomies_before" in item
            ):
                old = _text(item.get("taxonomies_before")) if before is not None else ""
                out[labels["taxonomies"]] = [old, _text(item["taxonomies"])]
            return out

        def record(item) -> str:
            cur = item["current"]
            return f"{cur['first_name']} {cur['last_name']}".strip() or cur["email"]
    else:
        names = getattr(plan, "manager_labels", {})

        def shown(name, value):
            return _text(value)

        def relations(item, before=None):
            if item.get("managers") is None:
                return {}
            old = _text(sorted(names.get(i, "") for i in item.get("managers_before", [])))
            new = _text(sorted(names.get(i, "") for i in item["managers"]))
            if before is None and not item["managers"]:
                return {}
            return {labels["managers"]: ["" if before is None else old, new]}

        def record(item) -> str:
            return f"{item['current']['name']} ({item['current']['code']})"

    def label(name: str) -> str:
        return labels.get(audit_name(name), name)

    creates = []
    for c in list(getattr(plan.creates, "sample", plan.creates))[:PREVIEW_ROWS]:
        cells = {label(k): shown(k, v) for k, v in c["values"].items() if v not in (None, "")}
        cells.update({k: new for k, (_old, new) in relations(c).items() if new})
        creates.append({"row": c["row"], "cells": cells})
    updates = []
    for u in plan.updates[:PREVIEW_ROWS]:
        changes = {
            label(k): [shown(k, old), shown(k, new)] for k, (old, new) in u["changes"].items()
        }
        changes.update(relations(u, before=True))
        updates.append({"row": u["row"], "record": record(u), "changes": changes})
    return {"creates": creates, "updates": updates}
